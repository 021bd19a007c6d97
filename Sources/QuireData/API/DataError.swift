/// Bad data or a pipeline that does not fit it: every case names where (file and line, record
/// index, field) and what was expected.
///
/// ```swift
/// do { _ = try CSVSource(path: "train.csv", fields: [.init("x", columns: 0..<4)]) }
/// catch let e as DataError { print(e) }   // train.csv:17: field "x", column 3: "abc" is not a number
/// ```
public struct DataError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong, beginning with where (`file:line:`, `record 12:`).
    public let description: String
    public init(_ description: String) { self.description = description }
}
