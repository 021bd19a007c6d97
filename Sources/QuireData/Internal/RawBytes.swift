import QuireTensor

// Byte-level access to tensors of any dtype, so gathering and stacking records are row copies
// (memcpy) whatever the element type.

extension Tensor {
    /// Calls `body` with the elements' bytes in row-major order (copying first if strided).
    func withRawBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch dtype {
        case .float32: return try withUnsafeBufferPointer(as: Float.self) { try body(UnsafeRawBufferPointer($0)) }
        case .float64: return try withUnsafeBufferPointer(as: Double.self) { try body(UnsafeRawBufferPointer($0)) }
        case .float16: return try withUnsafeBufferPointer(as: Float16.self) { try body(UnsafeRawBufferPointer($0)) }
        case .bfloat16: return try withUnsafeBufferPointer(as: BFloat16.self) { try body(UnsafeRawBufferPointer($0)) }
        case .int32: return try withUnsafeBufferPointer(as: Int32.self) { try body(UnsafeRawBufferPointer($0)) }
        case .int8: return try withUnsafeBufferPointer(as: Int8.self) { try body(UnsafeRawBufferPointer($0)) }
        case .uint8: return try withUnsafeBufferPointer(as: UInt8.self) { try body(UnsafeRawBufferPointer($0)) }
        case .bool: return try withUnsafeBufferPointer(as: Bool.self) { try body(UnsafeRawBufferPointer($0)) }
        }
    }

    /// A new contiguous tensor whose bytes `fill` writes (they start zeroed).
    static func filled(shape: [Int], dtype: DType, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows -> Tensor {
        var t = Tensor.zeros(shape, dtype: dtype)
        switch dtype {
        case .float32: try t.withUnsafeMutableBufferPointer(as: Float.self) { try fill(UnsafeMutableRawBufferPointer($0)) }
        case .float64: try t.withUnsafeMutableBufferPointer(as: Double.self) { try fill(UnsafeMutableRawBufferPointer($0)) }
        case .float16: try t.withUnsafeMutableBufferPointer(as: Float16.self) { try fill(UnsafeMutableRawBufferPointer($0)) }
        case .bfloat16: try t.withUnsafeMutableBufferPointer(as: BFloat16.self) { try fill(UnsafeMutableRawBufferPointer($0)) }
        case .int32: try t.withUnsafeMutableBufferPointer(as: Int32.self) { try fill(UnsafeMutableRawBufferPointer($0)) }
        case .int8: try t.withUnsafeMutableBufferPointer(as: Int8.self) { try fill(UnsafeMutableRawBufferPointer($0)) }
        case .uint8: try t.withUnsafeMutableBufferPointer(as: UInt8.self) { try fill(UnsafeMutableRawBufferPointer($0)) }
        case .bool: try t.withUnsafeMutableBufferPointer(as: Bool.self) { try fill(UnsafeMutableRawBufferPointer($0)) }
        }
        return t
    }
}

/// Copies row `indices[k]` of a `[rows, rowBytes]` byte table into row `k` of `out`.
///
/// Rows picked at random from a large table are cache misses, and one `memcpy` after another waits
/// for them one at a time. So a first pass loads one byte of every cache line of every row — loads
/// that do not depend on each other, which the CPU keeps in flight together — and the copy pass then
/// finds the rows in cache (a batch of 128 rows of 256 bytes is 32 KiB).
@inline(__always)
func gatherRows(from src: UnsafeRawPointer, rowBytes: Int, indices: [Int], into out: UnsafeMutableRawPointer) {
    indices.withUnsafeBufferPointer { idx in
        var sink: UInt8 = 0
        for i in idx {
            let row = src + i &* rowBytes
            var offset = 0
            while offset < rowBytes {
                sink ^= row.load(fromByteOffset: offset, as: UInt8.self)
                offset &+= 64
            }
        }
        gatherSink = sink
        var dst = out
        for i in idx {
            dst.copyMemory(from: src + i &* rowBytes, byteCount: rowBytes)
            dst += rowBytes
        }
    }
}

/// Where the touch loads above end up, so that the optimizer keeps them (a racy write of a value
/// nobody reads; harmless).
nonisolated(unsafe) var gatherSink: UInt8 = 0
