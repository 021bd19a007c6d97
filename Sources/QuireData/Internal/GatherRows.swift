import QuireTensor

// Row gathering for the sources: records of a batch are row copies out of a byte table (tensor
// storage or a memory-mapped file). Byte access to tensors is QuireTensor's `withUnsafeRawBytes` and
// `Tensor(unsafeUninitializedShape:dtype:initializingWith:)`.

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
