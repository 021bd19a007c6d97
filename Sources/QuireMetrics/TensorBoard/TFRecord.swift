/// TFRecord framing: per record, the length as a little-endian UInt64, the masked CRC-32C of those 8 bytes,
/// the data, and the masked CRC-32C of the data.
///
/// ```swift
/// var file: [UInt8] = []
/// TFRecord.append(Array("hello".utf8), to: &file)
/// let records = try TFRecord.records(in: file, name: "x.tfrecord")   // [[104, 101, 108, 108, 111]]
/// ```
public enum TFRecord {
    public static func append(_ data: [UInt8], to out: inout [UInt8]) {
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian, Array.init)
        out += length
        appendLittleEndian(CRC32C.masked(length), to: &out)
        out += data
        appendLittleEndian(CRC32C.masked(data), to: &out)
    }

    /// Splits a file into records, verifying both checksums of each; throws ``TFRecordError`` naming the file,
    /// the record's index and byte offset and what was wrong.
    public static func records(in bytes: [UInt8], name: String) throws(TFRecordError) -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            let index = records.count
            guard offset + 12 <= bytes.count else {
                throw TFRecordError(file: name, record: index, offset: offset, problem: "truncated header (\(bytes.count - offset) bytes left, 12 needed)")
            }
            let lengthBytes = bytes[offset..<(offset + 8)]
            let length = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard readLittleEndian(bytes, offset + 8) == CRC32C.masked(lengthBytes) else {
                throw TFRecordError(file: name, record: index, offset: offset, problem: "length checksum mismatch")
            }
            let start = offset + 12
            guard length <= UInt64(bytes.count - start), bytes.count - start - Int(length) >= 4 else {
                throw TFRecordError(file: name, record: index, offset: offset, problem: "truncated data (\(length) bytes declared)")
            }
            let data = Array(bytes[start..<(start + Int(length))])
            guard readLittleEndian(bytes, start + Int(length)) == CRC32C.masked(data) else {
                throw TFRecordError(file: name, record: index, offset: offset, problem: "data checksum mismatch")
            }
            records.append(data)
            offset = start + Int(length) + 4
        }
        return records
    }

    static func appendLittleEndian(_ v: UInt32, to out: inout [UInt8]) {
        out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
    }

    static func readLittleEndian(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}

/// A TFRecord file that is truncated or fails a checksum.
public struct TFRecordError: Error, CustomStringConvertible, Sendable, Equatable {
    public let file: String
    public let record: Int
    public let offset: Int
    public let problem: String
    public var description: String { "\(file): record \(record) at byte \(offset): \(problem)" }
}
