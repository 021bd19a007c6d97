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
        let data = try readDataFile(path)
        var items: [TensorDict] = [], lines: [Int] = []
        var lineNumber = 0
        let decoder = JSONDecoder()
        for line in try textLines(data, path: path) {
            lineNumber += 1
            if line.utf8.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
            let at = "\(path):\(lineNumber)"
            // Decoded as JSONValue, which keeps `true` apart from 1 and fails on numbers no Double holds.
            let object: JSONValue
            do { object = try decoder.decode(JSONValue.self, from: Data(line.utf8)) } catch {
                throw DataError("\(at): \(jsonFailure(error))")
            }
            guard case .object(let dict) = object else { throw DataError("\(at): expected a JSON object") }
            var record: [(String, Tensor)] = []
            for (name, dtype) in fields {
                guard let value = dict[name] else { throw DataError("\(at): field \"\(name)\" is missing") }
                var shape: [Int] = [], flat: [Double] = []
                try flatten(value, depth: 0, shape: &shape, into: &flat, at: "\(at): field \"\(name)\"")
                for v in flat {
                    if let why = unrepresentable(v, in: dtype) {
                        throw DataError("\(at): field \"\(name)\" is \(dtype) but holds \(v): \(why)")
                    }
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
/// first element at each depth. `true`, `false`, strings and null are errors, never numbers.
private func flatten(_ value: JSONValue, depth: Int, shape: inout [Int], into flat: inout [Double], at: String) throws {
    switch value {
    case .number(let n):
        guard depth == shape.count else { throw DataError("\(at): a number where an array of \(shape[depth]) was expected") }
        flat.append(n)
    case .array(let array):
        if depth == shape.count {
            guard flat.isEmpty else { throw DataError("\(at): an array where a number was expected (ragged nesting)") }
            shape.append(array.count)
        } else if depth > shape.count || shape[depth] != array.count {
            throw DataError("\(at): ragged array: \(array.count) elements at depth \(depth), expected \(depth < shape.count ? shape[depth] : 0)")
        }
        for v in array { try flatten(v, depth: depth + 1, shape: &shape, into: &flat, at: at) }
    default:
        throw DataError("\(at): expected a number or an array of numbers, got \(describe(value))")
    }
}

private func describe(_ value: JSONValue) -> String {
    switch value {
    case .bool(let b): return String(b)
    case .null: return "null"
    case .string(let s): return JSONValue.quoted(s)
    case .object: return "an object"
    default: return "\(value)"
    }
}

/// A decoding failure in a line of words (the decoder's own reason, not its whole context dump). A
/// syntax error fails at the top; a failure inside the object can only be a number that no Double
/// holds (`1e400`), since ``JSONValue`` takes every other JSON value.
private func jsonFailure(_ error: Error) -> String {
    let context: DecodingError.Context?
    switch error as? DecodingError {
    case .typeMismatch(_, let c)?, .dataCorrupted(let c)?, .valueNotFound(_, let c)?, .keyNotFound(_, let c)?: context = c
    default: context = nil
    }
    guard let context else { return "not valid JSON (\(error))" }
    if !context.codingPath.isEmpty {
        let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return "field \"\(path)\": a number out of range (no 64-bit float holds it)"
    }
    if let underlying = context.underlyingError { return "not valid JSON (\(context.debugDescription) \(underlying))" }
    return "not valid JSON (\(context.debugDescription))"
}
