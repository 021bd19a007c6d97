import Foundation
import QuireTensor

/// JSON Lines: one JSON object per line, each a record. The requested fields are read with the
/// given dtypes: a number becomes a scalar, nested arrays of numbers a tensor (rectangular; records
/// may differ in shape, e.g. token sequences of different lengths — batching such records throws,
/// packing them does not). Parsed once into per-record tensors in memory. A bad line throws a
/// ``DataError`` naming `file:line` and the field.
///
/// ```swift
/// // {"tokens": [5, 8, 13], "score": 0.5}
/// let docs = try JSONLinesSource(path: "docs.jsonl", fields: ["tokens": .int32, "score": .float32])
/// ```
public struct JSONLinesSource: RandomAccessSource {
    public let path: String
    /// Each record's fields.
    public let items: [TensorDict]
    /// The 1-based line number of each record.
    public let lines: [Int]
    public var count: Int { items.count }

    public init(path: String, fields: KeyValuePairs<String, DType>) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError("\(path): cannot read the file") }
        var items: [TensorDict] = [], lines: [Int] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            let at = "\(path):\(lineNumber)"
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: Data(line)) } catch {
                throw DataError("\(at): not valid JSON (\((error as NSError).localizedDescription))")
            }
            guard let dict = object as? [String: Any] else { throw DataError("\(at): expected a JSON object, got \(type(of: object))") }
            var record: [(String, Tensor)] = []
            for (name, dtype) in fields {
                guard let value = dict[name] else { throw DataError("\(at): field \"\(name)\" is missing") }
                var shape: [Int] = [], flat: [Double] = []
                try flatten(value, depth: 0, shape: &shape, into: &flat, at: "\(at): field \"\(name)\"")
                if dtype.isInteger, let bad = flat.first(where: { $0 != $0.rounded() }) {
                    throw DataError("\(at): field \"\(name)\" is \(dtype) but holds \(bad)")
                }
                record.append((name, Tensor(flat, shape: shape).cast(to: dtype)))
            }
            items.append(TensorDict(record))
            lines.append(lineNumber)
        }
        self.path = path
        self.items = items
        self.lines = lines
    }

    public func records(at indices: [Int]) throws -> TensorDict {
        try checkIndices(indices, count: count, path)
        return try stackRecords(indices.map { items[$0] }, indices: indices) { "\(path):\(lines[$0]) (record \($0))" }
    }
}

/// Appends the numbers of a (nested) JSON array, checking it is rectangular; `shape` is set from the
/// first element at each depth.
private func flatten(_ value: Any, depth: Int, shape: inout [Int], into flat: inout [Double], at: String) throws {
    if let n = value as? NSNumber {
        guard depth == shape.count else { throw DataError("\(at): a number where an array of \(shape[depth]) was expected") }
        flat.append(n.doubleValue)
        return
    }
    guard let array = value as? [Any] else { throw DataError("\(at): expected a number or an array of numbers, got \(value)") }
    if depth == shape.count {
        guard flat.isEmpty else { throw DataError("\(at): an array where a number was expected (ragged nesting)") }
        shape.append(array.count)
    } else if depth > shape.count || shape[depth] != array.count {
        throw DataError("\(at): ragged array: \(array.count) elements at depth \(depth), expected \(depth < shape.count ? shape[depth] : 0)")
    }
    for v in array { try flatten(v, depth: depth + 1, shape: &shape, into: &flat, at: at) }
}
