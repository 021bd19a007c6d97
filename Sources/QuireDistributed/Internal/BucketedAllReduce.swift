import Foundation
import QuireTensor

/// One all-reduce of a dictionary: tensors of one dtype packed in order into buckets of at most
/// `bucketBytes` (a larger tensor is a bucket of its own), each bucket reduced in place by one blocking
/// `MPI_Allreduce`, then every result copied out. (Open MPI's non-blocking `MPI_Iallreduce` was measured
/// 3–7× slower from 4 MiB up on this machine, so packing is not overlapped with the transfer.)
struct BucketedAllReduce {
    private struct Entry { let name: String; let tensor: Tensor; let original: DType; var bucket = 0; var offset = 0 }
    private struct Bucket { let dtype: DType; var bytes = 0; var buffer: UnsafeMutableRawPointer? = nil }

    private var entries: [Entry]
    private var buckets: [Bucket] = []
    private let op: ReduceOp

    init(_ tensors: TensorDict, op: ReduceOp, bucketBytes: Int) {
        self.op = op
        entries = tensors.map { name, t in
            let narrow = t.dtype == .float16 || t.dtype == .bfloat16
            return Entry(name: name, tensor: narrow ? t.cast(to: .float32) : t, original: t.dtype)
        }
        let limit = min(max(bucketBytes, 1), maxChunkElements * 4)
        for i in entries.indices {
            let t = entries[i].tensor, bytes = t.scalarCount * t.dtype.byteSize
            if let last = buckets.last, last.dtype == t.dtype, last.bytes + bytes <= limit || last.bytes == 0 {
                entries[i].bucket = buckets.count - 1
                entries[i].offset = last.bytes
                buckets[buckets.count - 1].bytes += bytes
            } else {
                entries[i].bucket = buckets.count
                buckets.append(Bucket(dtype: t.dtype, bytes: bytes))
            }
        }
    }

    mutating func run() throws -> TensorDict {
        defer { for b in buckets { b.buffer?.deallocate() } }
        var next = 0
        for b in buckets.indices {
            let bucket = buckets[b], size = bucket.dtype.byteSize
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bucket.bytes, 1), alignment: 64)
            buckets[b].buffer = buffer
            while next < entries.count && entries[next].bucket == b {
                let e = entries[next]
                e.tensor.withUnsafeRawBytes { src in
                    if src.count > 0 { (buffer + e.offset).copyMemory(from: src.baseAddress!, byteCount: src.count) }
                }
                next += 1
            }
            let count = bucket.bytes / size
            guard let type = mpiReduceType(bucket.dtype) else {
                throw DistributedError("allReduce: dtype \(bucket.dtype) cannot be reduced")
            }
            if count > 0 { try rawAllReduce(nil, buffer, count: count, type: type, size: size, op: mpiOp(op)) }
        }
        var out = TensorDict()
        for e in entries {
            let buffer = buckets[e.bucket].buffer!
            var t = Tensor(unsafeUninitializedShape: e.tensor.shape, dtype: e.tensor.dtype) { dst in
                if dst.count > 0 { dst.baseAddress!.copyMemory(from: buffer + e.offset, byteCount: dst.count) }
            }
            if op == .mean { t = t * (1.0 / Double(Distributed.worldSize)) }
            out[e.name] = t.dtype == e.original ? t : t.cast(to: e.original)
        }
        return out
    }
}
