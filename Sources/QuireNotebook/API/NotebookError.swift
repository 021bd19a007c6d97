/// An error in a notebook or in running it, located where it can be: a notebook line, a cell, or neither.
///
/// Every function of the runner throws this one type (`throws(NotebookError)`), so the CLI can print
/// `file:line: error: message` and pick its exit status from ``kind``.
///
/// ```swift
/// do { _ = try NotebookParser.parse(text, path: "x.md") }
/// catch { print(error) }   // x.md:3: error: front matter: seed must be an integer, got "abc"
/// ```
public struct NotebookError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, broadly; decides the CLI's exit status.
    public enum Kind: Sendable, Equatable {
        /// The notebook file itself is malformed (front matter, cell options) — exit 2.
        case input
        /// A `-P` override or another command-line value is wrong — exit 2.
        case usage
        /// The engine or the toolchain could not be found or built — exit 2.
        case environment
        /// Reading or writing a file failed — exit 2.
        case io
    }

    public var kind: Kind
    public var message: String
    /// The notebook line the error is about, when there is one.
    public var location: SourceLocation?
    /// The cell the error is about, when there is one.
    public var cellID: String?

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil, cell cellID: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.cellID = cellID
    }

    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        let cell = cellID.map { " (cell \($0))" } ?? ""
        return "\(prefix)error: \(message)\(cell)"
    }
}
