/// The notebook lines a crash points at, for the report's gutter: the `(at nb.md:12)` of a
/// `fatalError`/`precondition` message and the `at nb.md:18:35` backtrace frames (see ``CrashReport``).
enum CrashLines {
    static func lines(of failure: CellFailure?, notebookPath: String) -> Set<Int> {
        guard let failure, failure.kind == .crash else { return [] }
        var lines: Set<Int> = []
        for text in [failure.message] + failure.details {
            var rest = Substring(text)
            while let range = rest.range(of: notebookPath + ":") {
                let digits = rest[range.upperBound...].prefix { $0.isNumber }
                if let line = Int(digits) { lines.insert(line) }
                rest = rest[range.upperBound...]
            }
        }
        return lines
    }
}
