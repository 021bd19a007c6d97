import Foundation
import QuireTensor

/// A named group of CSV columns that becomes one field of every record. Columns are chosen by 0-based
/// index or, in a file with a header row, by name; a categorical field maps its text to int32 class
/// indices (``CSVVocabulary``).
///
/// ```swift
/// CSVField("pixels", columns: 0..<64, valid: 0...16, scale: 1.0 / 16)   // float32 [64]
/// CSVField("label", column: 64, dtype: .int32, valid: 0...9)              // int32 scalar
/// CSVField("size", headers: ["width", "height"])                          // float32 [2], by name
/// CSVField.categorical("species", header: "species")                      // int32 class index
/// ```
public struct CSVField: Sendable {
    public let name: String
    /// The 0-based columns, in the field's order; for a field chosen by ``headers``, filled in from the
    /// header row when the file is read.
    public internal(set) var columns: [Int]
    /// The header names the field was chosen by; empty when chosen by index.
    public let headers: [String]
    public let dtype: DType
    /// Allowed values (before `scale`); others are an error naming the line and column.
    public let valid: ClosedRange<Double>?
    /// Multiplies every value after validation.
    public let scale: Double
    /// Whether each record holds a scalar (one column, `column:` init) rather than a vector.
    public let isScalar: Bool
    /// For a categorical field, how its text becomes class indices; nil for a numeric field.
    public let vocabulary: CSVVocabulary?

    /// A vector field from `columns` (0-based). Integer dtypes accept integers only.
    public init(_ name: String, columns: Range<Int>, dtype: DType = .float32, valid: ClosedRange<Double>? = nil, scale: Double = 1) {
        precondition(!columns.isEmpty && columns.lowerBound >= 0, "CSVField \(name): empty or negative column range")
        self.init(name, Array(columns), [], dtype, valid, scale, isScalar: false, vocabulary: nil)
    }

    /// A scalar field from one column (0-based).
    public init(_ name: String, column: Int, dtype: DType = .float32, valid: ClosedRange<Double>? = nil, scale: Double = 1) {
        precondition(column >= 0, "CSVField \(name): negative column")
        self.init(name, [column], [], dtype, valid, scale, isScalar: true, vocabulary: nil)
    }

    /// A vector field from the columns with these header names, in this order (needs `hasHeader: true`).
    public init(_ name: String, headers: [String], dtype: DType = .float32, valid: ClosedRange<Double>? = nil, scale: Double = 1) {
        precondition(!headers.isEmpty, "CSVField \(name): no header names")
        self.init(name, [], headers, dtype, valid, scale, isScalar: false, vocabulary: nil)
    }

    /// A scalar field from the column with this header name (needs `hasHeader: true`).
    public init(_ name: String, header: String, dtype: DType = .float32, valid: ClosedRange<Double>? = nil, scale: Double = 1) {
        self.init(name, [], [header], dtype, valid, scale, isScalar: true, vocabulary: nil)
    }

    /// A categorical field: the text of one column (0-based) as an int32 class index into the
    /// vocabulary, which ``CSVSource/vocabularies`` exposes by field name.
    ///
    /// ```swift
    /// let csv = try CSVSource(path: "iris.csv", fields: [CSVField("x", columns: 0..<4),
    ///                                                    .categorical("species", column: 4)])
    /// csv.vocabularies["species"]   // ["setosa", "versicolor", "virginica"]
    /// ```
    public static func categorical(_ name: String, column: Int, vocabulary: CSVVocabulary = .sorted) -> CSVField {
        precondition(column >= 0, "CSVField \(name): negative column")
        return CSVField(name, [column], [], .int32, nil, 1, isScalar: true, vocabulary: vocabulary)
    }

    /// A categorical field from the column with this header name (needs `hasHeader: true`).
    public static func categorical(_ name: String, header: String, vocabulary: CSVVocabulary = .sorted) -> CSVField {
        CSVField(name, [], [header], .int32, nil, 1, isScalar: true, vocabulary: vocabulary)
    }

    private init(_ name: String, _ columns: [Int], _ headers: [String], _ dtype: DType, _ valid: ClosedRange<Double>?,
                 _ scale: Double, isScalar: Bool, vocabulary: CSVVocabulary?) {
        self.name = name; self.columns = columns; self.headers = headers; self.dtype = dtype; self.valid = valid
        self.scale = scale; self.isScalar = isScalar; self.vocabulary = vocabulary
    }
}

/// How a categorical ``CSVField`` numbers its classes. The text of a cell is trimmed of surrounding
/// whitespace and compared exactly (case-sensitive).
public enum CSVVocabulary: Sendable, Equatable {
    /// The distinct values in sorted (Unicode) order: the same numbering for any file holding the same
    /// set of values, whatever the row order. The default.
    case sorted
    /// The distinct values in the order they first appear in the file.
    case firstSeen
    /// These values in this order; any other value is an error naming the line.
    case fixed([String])
}

/// Numeric CSV, parsed once into columns held in memory (an ``ArraySource`` inside; text cannot be
/// indexed by record without parsing it). Every row must have the same number of values; a bad row
/// throws a ``DataError`` naming `file:line`, the field and the column. Blank lines are skipped.
///
/// ```swift
/// let digits = try CSVSource(path: "data/digits.csv", fields: [
///     CSVField("pixels", columns: 0..<64, valid: 0...16, scale: 1.0 / 16),
///     CSVField("label", column: 64, dtype: .int32, valid: 0...9),
/// ])
/// digits.count   // 1797
/// ```
public struct CSVSource: RandomAccessSource {
    public let path: String
    /// The parsed columns.
    public let table: ArraySource
    /// The 1-based line number of each record in the file.
    public let lines: [Int]
    /// Each categorical field's classes by field name: the value with class index `i` is at `[i]`.
    public let vocabularies: [String: [String]]
    public var count: Int { table.count }

    public init(path: String, fields: [CSVField], hasHeader: Bool = false, separator: Character = ",") throws {
        let text = try textLines(readDataFile(path), path: path)
        let fields = try resolveHeaders(fields, headerLine: text.first ?? "", hasHeader: hasHeader, separator: separator, path: path)
        let width = (fields.map { ($0.columns.max() ?? -1) + 1 }.max() ?? 0)
        var values = fields.map { _ in [Double]() }
        var texts = fields.map { _ in [(text: String, line: Int)]() }
        var lines: [Int] = []
        var expectedColumns: Int? = nil
        for (i, line) in text.enumerated() {
            if hasHeader && i == 0 { continue }
            let row = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if row.isEmpty { continue }
            let at = "\(path):\(i + 1)"
            let cells = row.split(separator: separator, omittingEmptySubsequences: false)
            guard cells.count >= width else {
                throw DataError("\(at): expected \(expectedColumns ?? width) comma-separated values, got \(cells.count)")
            }
            if let e = expectedColumns, cells.count != e {
                throw DataError("\(at): expected \(e) comma-separated values (as the rows before), got \(cells.count)")
            }
            expectedColumns = cells.count
            for (f, field) in fields.enumerated() {
                for (k, c) in field.columns.enumerated() {
                    let cell = cells[c].trimmingCharacters(in: .whitespaces)
                    if field.vocabulary != nil { texts[f].append((cell, i + 1)); continue }
                    let what = field.isScalar ? "\(field.name)" : "\(field.name)[\(k)]"
                    let v: Double
                    if field.dtype.isInteger {
                        guard let n = Int(cell) else {
                            throw DataError("\(at): \(what) (value \(c + 1)) is not an integer: \"\(cell)\"")
                        }
                        v = Double(n)
                    } else {
                        guard let d = Double(cell) else {
                            throw DataError("\(at): \(what) (value \(c + 1)) is not a number: \"\(cell)\"")
                        }
                        v = d
                    }
                    // No saturating casts and no 1e400 read as infinity (a spelled-out "inf" is kept).
                    if !(v.isInfinite && cell.lowercased().contains("inf")), let why = unrepresentable(v, in: field.dtype) {
                        throw DataError("\(at): \(what) (value \(c + 1)) is \(cell): \(why)")
                    }
                    if let r = field.valid, !r.contains(v) {
                        throw DataError("\(at): \(what) is \(cell), outside \(format(r.lowerBound))…\(format(r.upperBound)) (value \(c + 1))")
                    }
                    values[f].append(v * field.scale)
                }
            }
            lines.append(i + 1)
        }
        guard !lines.isEmpty else { throw DataError("\(path): no rows") }
        var vocabularies: [String: [String]] = [:]
        for (f, field) in fields.enumerated() {
            guard let vocabulary = field.vocabulary else { continue }
            let (classes, indices) = try classIndices(texts[f], vocabulary, field: field.name, path: path)
            vocabularies[field.name] = classes
            values[f] = indices
        }
        let columns = zip(fields, values).map { field, v -> (String, Tensor) in
            let shape = field.isScalar ? [lines.count] : [lines.count, field.columns.count]
            return (field.name, Tensor(v, shape: shape).cast(to: field.dtype))
        }
        self.path = path
        self.lines = lines
        self.vocabularies = vocabularies
        table = try ArraySource(TensorDict(columns))
    }

    public func records(at indices: [Int]) throws -> TensorDict {
        try checkIndices(indices, count: count, path)
        return try table.records(at: indices)
    }
}

/// `fields` with the columns of those chosen by header name filled in from the first line of `text`.
private func resolveHeaders(_ fields: [CSVField], headerLine: String, hasHeader: Bool, separator: Character,
                            path: String) throws -> [CSVField] {
    guard fields.contains(where: { !$0.headers.isEmpty }) else { return fields }
    let named = fields.filter { !$0.headers.isEmpty }.map { "\"\($0.name)\"" }.joined(separator: ", ")
    guard hasHeader else {
        throw DataError("\(path): fields \(named) choose columns by header name, but hasHeader is false")
    }
    let first = headerLine.trimmingCharacters(in: .whitespacesAndNewlines)
    let header = first.split(separator: separator, omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
    var index: [String: Int] = [:]
    for (i, h) in header.enumerated() where index[h] == nil { index[h] = i }
    var problems: [String] = []
    let resolved = fields.map { field -> CSVField in
        guard !field.headers.isEmpty else { return field }
        var f = field
        f.columns = field.headers.compactMap { h in
            if let i = index[h] { return i }
            problems.append("field \"\(field.name)\": no column named \"\(h)\"")
            return nil
        }
        return f
    }
    guard problems.isEmpty else {
        throw DataError("\(path):1: " + problems.joined(separator: "; ") + " (the header has "
                        + header.map { "\"\($0)\"" }.joined(separator: ", ") + ")")
    }
    return resolved
}

/// The classes of a categorical field and each record's class index.
private func classIndices(_ cells: [(text: String, line: Int)], _ vocabulary: CSVVocabulary, field: String,
                          path: String) throws -> (classes: [String], indices: [Double]) {
    let classes: [String]
    switch vocabulary {
    case .fixed(let given): classes = given
    case .sorted: classes = Set(cells.map(\.text)).sorted()
    case .firstSeen:
        var seen = Set<String>()
        classes = cells.map(\.text).filter { seen.insert($0).inserted }
    }
    var index: [String: Int] = [:]
    for (i, c) in classes.enumerated() where index[c] == nil { index[c] = i }
    let indices = try cells.map { cell -> Double in
        guard let i = index[cell.text] else {
            throw DataError("\(path):\(cell.line): \(field) is \"\(cell.text)\", not one of its \(classes.count) classes "
                            + classes.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ") + (classes.count > 10 ? ", …" : ""))
        }
        return Double(i)
    }
    return (classes, indices)
}

private func format(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
}
