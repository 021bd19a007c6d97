/// The few protobuf messages of a TensorBoard event file, encoded and decoded by hand:
///
///     Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
///     Summary { repeated Value value = 1; }
///     Value   { string tag = 1; float simple_value = 2; }
///
/// ```swift
/// let bytes = TensorBoardEvent(wallTime: 1.7e9, step: 10, scalars: [("loss", 0.25)]).encoded()
/// let back = try TensorBoardEvent(decoding: bytes)
/// ```
public struct TensorBoardEvent: Sendable, Equatable {
    public var wallTime: Double
    public var step: Int64
    public var fileVersion: String?
    /// Scalar summaries as (tag, value), stored as 32-bit floats as TensorBoard's `simple_value` is.
    public var scalars: [Scalar]

    public struct Scalar: Sendable, Equatable {
        public var tag: String
        public var value: Float
        public init(_ tag: String, _ value: Float) { self.tag = tag; self.value = value }
    }

    public init(wallTime: Double, step: Int64 = 0, fileVersion: String? = nil, scalars: [Scalar] = []) {
        self.wallTime = wallTime
        self.step = step
        self.fileVersion = fileVersion
        self.scalars = scalars
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        Proto.key(1, .fixed64, &out)
        out += withUnsafeBytes(of: wallTime.bitPattern.littleEndian, Array.init)
        if step != 0 {
            Proto.key(2, .varint, &out)
            Proto.varint(UInt64(bitPattern: step), &out)
        }
        if let fileVersion { Proto.bytes(3, Array(fileVersion.utf8), &out) }
        if !scalars.isEmpty {
            var summary: [UInt8] = []
            for s in scalars {
                var value: [UInt8] = []
                Proto.bytes(1, Array(s.tag.utf8), &value)
                Proto.key(2, .fixed32, &value)
                value += withUnsafeBytes(of: s.value.bitPattern.littleEndian, Array.init)
                Proto.bytes(1, value, &summary)
            }
            Proto.bytes(5, summary, &out)
        }
        return out
    }

    /// Decodes an event, skipping fields it does not know; throws ``MetricsError`` on malformed bytes.
    public init(decoding bytes: [UInt8]) throws(MetricsError) {
        self.init(wallTime: 0)
        var reader = Proto.Reader(bytes: bytes[...])
        while let (field, wire) = try reader.key() {
            switch (field, wire) {
            case (1, .fixed64): wallTime = Double(bitPattern: try reader.fixed64())
            case (2, .varint): step = Int64(bitPattern: try reader.varint())
            case (3, .lengthDelimited): fileVersion = String(decoding: try reader.lengthDelimited(), as: UTF8.self)
            case (5, .lengthDelimited):
                var summary = Proto.Reader(bytes: try reader.lengthDelimited())
                while let (f, w) = try summary.key() {
                    guard f == 1, w == .lengthDelimited else { try summary.skip(w); continue }
                    var value = Proto.Reader(bytes: try summary.lengthDelimited())
                    var tag = "", number: Float?
                    while let (vf, vw) = try value.key() {
                        switch (vf, vw) {
                        case (1, .lengthDelimited): tag = String(decoding: try value.lengthDelimited(), as: UTF8.self)
                        case (2, .fixed32): number = Float(bitPattern: try value.fixed32())
                        default: try value.skip(vw)
                        }
                    }
                    if let number { scalars.append(Scalar(tag, number)) }
                }
            default: try reader.skip(wire)
            }
        }
    }
}

/// Protobuf wire format, the parts the event file needs.
enum Proto {
    enum Wire: UInt64 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    static func key(_ field: UInt64, _ wire: Wire, _ out: inout [UInt8]) { varint(field << 3 | wire.rawValue, &out) }

    static func varint(_ v: UInt64, _ out: inout [UInt8]) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    static func bytes(_ field: UInt64, _ data: [UInt8], _ out: inout [UInt8]) {
        key(field, .lengthDelimited, &out)
        varint(UInt64(data.count), &out)
        out += data
    }

    struct Reader {
        var bytes: ArraySlice<UInt8>

        mutating func key() throws(MetricsError) -> (UInt64, Wire)? {
            guard !bytes.isEmpty else { return nil }
            let k = try varint()
            guard let wire = Wire(rawValue: k & 7) else { throw MetricsError("protobuf: unsupported wire type \(k & 7)") }
            return (k >> 3, wire)
        }

        mutating func varint() throws(MetricsError) -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while let b = bytes.first {
                bytes = bytes.dropFirst()
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
                guard shift < 64 else { break }
            }
            throw MetricsError("protobuf: truncated or overlong varint")
        }

        mutating func take(_ n: Int) throws(MetricsError) -> ArraySlice<UInt8> {
            guard n >= 0, bytes.count >= n else { throw MetricsError("protobuf: field needs \(n) bytes, \(bytes.count) left") }
            let part = bytes.prefix(n)
            bytes = bytes.dropFirst(n)
            return part
        }

        mutating func fixed64() throws(MetricsError) -> UInt64 {
            try take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }

        mutating func fixed32() throws(MetricsError) -> UInt32 {
            try take(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        }

        mutating func lengthDelimited() throws(MetricsError) -> ArraySlice<UInt8> {
            let n = try varint()
            guard n <= UInt64(Int.max) else { throw MetricsError("protobuf: length \(n) too large") }
            return try take(Int(n))
        }

        mutating func skip(_ wire: Wire) throws(MetricsError) {
            switch wire {
            case .varint: _ = try varint()
            case .fixed64: _ = try take(8)
            case .fixed32: _ = try take(4)
            case .lengthDelimited: _ = try lengthDelimited()
            }
        }
    }
}
