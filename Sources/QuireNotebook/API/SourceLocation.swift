/// A line in a notebook file: where every diagnostic points.
///
/// ```swift
/// let here = SourceLocation(file: "notebooks/intro.md", line: 12)
/// print(here)   // notebooks/intro.md:12
/// ```
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The notebook's path as given to the runner.
    public var file: String
    /// 1-based line number.
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}
