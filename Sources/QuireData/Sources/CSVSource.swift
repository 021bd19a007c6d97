import Foundation
import QuireTensor

/// A named group of CSV columns that becomes one field of every record.
///
/// ```swift
/// CSVField("pixels", columns: 0..<64, valid: 0...16, scale: 1.0 / 16)   // float32 [64]
/// CSVField("label", column: 64, dtype: .int32, valid: 0...9)              // int32 scalar
/// ```
public struct CSVField: Sendable {
    public let name: String
    public let columns: Range<Int>
    public let dtype: DType
    /// Allowed values (before `scale`); others are an error naming the line and column.
    public let valid: ClosedRange<Double>?
    /// Multiplies every value after validation.
    public let scale: Double
    /// Whether each record holds a scalar (one column, `column:` init) rather than a vector.
    public let isScalar: Bool

    /// A vector field from `columns` (0-based). Integer dtypes accept integers only.
    public init(_ name: String, columns: Range<Int>, dtype: DType = .float32, valid: ClosedRange<Double>? = nil, scale: Double = 1) {
        precondition(!columns.isEmpty && columns.lowerBound >= 0, "CSVField \(name): empty or negative column range")
        self.name = name; self.columns = columns; self.dtype = dtype; self.valid = valid; self.scale = scale; isScalar = false
    }

    /// A scalar field from one column (0-based).
    public init(_ name: String, column: Int, dtype: DType = .float32, valid: ClosedRange<Double>? = nil, scale: Double = 1) {
        precondition(column >= 0, "CSVField \(name): negative column")
        self.name = name; columns = column..<(column + 1); self.dtype = dtype; self.valid = valid; self.scale = scale; isScalar = true
    }
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
    public var count: Int { table.count }

    public init(path: String, fields: [CSVField], hasHeader: Bool = false, separator: Character = ",") throws {
        let text = try textLines(readDataFile(path), path: path)
        let width = (fields.map(\.columns.upperBound).max() ?? 0)
        var values = fields.map { _ in [Double]() }
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
                for c in field.columns {
                    let cell = cells[c].trimmingCharacters(in: .whitespaces)
                    let what = field.isScalar ? "\(field.name)" : "\(field.name)[\(c - field.columns.lowerBound)]"
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
        let columns = zip(fields, values).map { field, v -> (String, Tensor) in
            let shape = field.isScalar ? [lines.count] : [lines.count, field.columns.count]
            return (field.name, Tensor(v, shape: shape).cast(to: field.dtype))
        }
        self.path = path
        self.lines = lines
        table = try ArraySource(TensorDict(columns))
    }

    public func records(at indices: [Int]) throws -> TensorDict {
        try checkIndices(indices, count: count, path)
        return try table.records(at: indices)
    }
}

private func format(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
}
