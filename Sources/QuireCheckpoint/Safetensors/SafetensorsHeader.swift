import Foundation
import QuireTensor

/// One tensor listed in a safetensors header.
public struct SafetensorsEntry: Sendable, Equatable {
    /// The tensor's name (its path: `layers.0.weight`).
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    /// Where its bytes lie, relative to the start of the data section.
    public let byteRange: Range<Int>
}

/// The parsed and validated header of a safetensors file: an 8-byte little-endian header length, that
/// many bytes of JSON (`{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, …,
/// "__metadata__": {"k": "v"}}`), then the data section, which the tensors cover exactly.
struct SafetensorsHeader {
    /// The longest header accepted (as Python's safetensors does), so a lying length allocates nothing.
    static let maximumHeaderBytes = 100_000_000
    static let metadataKey = "__metadata__"

    var entries: [SafetensorsEntry]   // in data order
    var metadata: [String: String]
    /// Offset of the data section in the file.
    var dataStart: Int

    /// Validates `json` (the header bytes) for a file of `fileSize` bytes.
    init(json: UnsafeRawBufferPointer, fileSize: Int, path: String) throws {
        func fail(_ tensor: String?, _ reason: String) -> SafetensorsError {
            SafetensorsError(path: path, tensor: tensor, reason: reason)
        }
        dataStart = 8 + json.count
        guard json.first == UInt8(ascii: "{") else {
            throw fail(nil, "header does not start with '{' (not a safetensors file, or a corrupt one)")
        }
        let object: [String: JSONValue]
        do {
            object = try JSONDecoder().decode([String: JSONValue].self, from: Data(json))
        } catch {
            throw fail(nil, "header is not a JSON object of tensors: \(error)")
        }
        // A JSON object may repeat a key and the decoder keeps one of them silently; Python's
        // safetensors rejects such a header, and so does Quire.
        var seen = Set<String>()
        for key in Self.topLevelKeys(json) where !seen.insert(key).inserted {
            throw fail(key == Self.metadataKey ? nil : key,
                       key == Self.metadataKey ? "header has two __metadata__ entries" : "header lists this tensor twice")
        }
        metadata = [:]
        if let meta = object[Self.metadataKey] {
            guard case .object(let fields) = meta else { throw fail(nil, "__metadata__ is not an object of strings") }
            for (k, v) in fields {
                guard case .string(let s) = v else { throw fail(nil, "__metadata__ value \"\(k)\" is not a string") }
                metadata[k] = s
            }
        }
        var entries: [SafetensorsEntry] = []
        for (name, value) in object where name != Self.metadataKey {
            entries.append(try Self.entry(name: name, value: value, fail: fail))
        }
        entries.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }
        let dataBytes = fileSize - dataStart
        var expected = 0
        for e in entries {
            if e.byteRange.lowerBound != expected {
                let what = e.byteRange.lowerBound < expected ? "overlaps the previous tensor" : "leaves a gap after the previous tensor"
                throw fail(e.name, "data_offsets [\(e.byteRange.lowerBound), \(e.byteRange.upperBound)] \(what) (expected to start at \(expected))")
            }
            if e.byteRange.upperBound > dataBytes {
                throw fail(e.name, "data_offsets [\(e.byteRange.lowerBound), \(e.byteRange.upperBound)] run past the end of the data section (\(dataBytes) bytes; file truncated?)")
            }
            expected = e.byteRange.upperBound
        }
        if expected != dataBytes {
            throw fail(nil, "the tensors cover \(expected) bytes of data but the file has \(dataBytes) (trailing bytes)")
        }
        self.entries = entries
    }

    private static func entry(name: String, value: JSONValue,
                              fail: (String?, String) -> SafetensorsError) throws -> SafetensorsEntry {
        guard case .object(let fields) = value else { throw fail(name, "entry is not an object") }
        for key in fields.keys where !["dtype", "shape", "data_offsets"].contains(key) {
            throw fail(name, "unexpected field \"\(key)\" (expected dtype, shape, data_offsets)")
        }
        guard let dtypeName = fields["dtype"]?.stringValue else { throw fail(name, "missing string field \"dtype\"") }
        guard let dtype = DType(safetensorsName: dtypeName) else {
            throw fail(name, "unsupported dtype \(dtypeName) (expected one of F64, F32, F16, BF16, I32, I8, U8, BOOL)")
        }
        guard case .array(let dims)? = fields["shape"] else { throw fail(name, "missing array field \"shape\"") }
        guard dims.count <= 64 else { throw fail(name, "shape has \(dims.count) dimensions (at most 64)") }
        var shape: [Int] = []
        for d in dims {
            guard let n = integer(d) else { throw fail(name, "shape \(render(dims)) holds \(render([d])), expected non-negative integers") }
            shape.append(n)
        }
        guard case .array(let offs)? = fields["data_offsets"], offs.count == 2,
              let begin = integer(offs[0]), let end = integer(offs[1]) else {
            throw fail(name, "data_offsets is not a pair of non-negative integers")
        }
        guard begin <= end else { throw fail(name, "data_offsets [\(begin), \(end)] end before they begin") }
        // Checked over the non-zero dimensions too: [0, 2^32, 2^32] holds no element but has no strides.
        let bytes: Int
        do { bytes = try CheckedSize.byteCount(shape: shape, elementBytes: dtype.byteSize) } catch let e as TensorError {
            throw fail(name, "\(e.message) (\(dtypeName))")
        }
        guard bytes == end - begin else {
            throw fail(name, "data_offsets [\(begin), \(end)] hold \(end - begin) bytes, shape \(shape) \(dtypeName) needs \(bytes)")
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// The keys of the top-level object of `json` (already known to be valid JSON), decoded, in order
    /// and with repeats.
    static func topLevelKeys(_ json: UnsafeRawBufferPointer) -> [String] {
        var keys: [String] = []
        var depth = 0, expectKey = false, i = 0
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        while i < json.count {
            let c = json[i]
            if c == quote {
                let start = i
                i += 1
                while i < json.count, json[i] != quote { i += json[i] == backslash ? 2 : 1 }
                if depth == 1 && expectKey {
                    let literal = Data(UnsafeRawBufferPointer(rebasing: json[start...min(i, json.count - 1)]))
                    if let key = try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed) as? String {
                        keys.append(key)
                    }
                    expectKey = false
                }
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
                expectKey = depth == 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
            } else if c == UInt8(ascii: ","), depth == 1 {
                expectKey = true
            }
            i += 1
        }
        return keys
    }

    /// A JSON number that is a non-negative integer below 2^53 (exact in a Double).
    private static func integer(_ v: JSONValue) -> Int? {
        guard case .number(let d) = v, d >= 0, d < 9_007_199_254_740_992, d.rounded() == d else { return nil }
        return Int(d)
    }

    private static func render(_ values: [JSONValue]) -> String {
        guard let data = try? JSONEncoder().encode(values) else { return "?" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The header bytes (JSON padded with spaces so the data starts 8-byte aligned) for `tensors` laid
    /// out in order.
    static func encode(_ tensors: [(name: String, dtype: DType, shape: [Int], bytes: Int)],
                       metadata: [String: String]) -> [UInt8] {
        var json = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }
            parts.append("\(quoted(metadataKey)):{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        for t in tensors {
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(quoted(t.name)):{\"dtype\":\"\(t.dtype.safetensorsName)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.bytes)]}")
            offset += t.bytes
        }
        json += parts.joined(separator: ",") + "}"
        var bytes = Array(json.utf8)
        while (8 + bytes.count) % 8 != 0 { bytes.append(UInt8(ascii: " ")) }
        return bytes
    }

    /// A JSON string literal.
    static func quoted(_ s: String) -> String { JSONValue.quoted(s) }
}
