import QuireTensor

extension Kernels {
    /// Angular LSH: project rows of `x` [n, d] by a random rotation `r` [d, buckets/2] and take the
    /// bucket argmax over [xr, −xr] (as in Reformer); also counts rows per bucket with `atomicAdd`.
    public static func lshBucketKernel(rows n: Int, dim d: Int, buckets: Int, blockRows: Int = 32) -> KernelFunction {
        let br = Swift.min(blockRows, n), half = buckets / 2
        return cached("lsh/\(n)/\(d)/\(buckets)/\(br)") {
            let ragged = n % br != 0
            return pallasCall(name: "lshBuckets", grid: [blocks(n, br)],
                              inputs: [BlockSpec([br, d], name: "x") { ids in [ids[0], 0] }, BlockSpec.whole(name: "rotation")],
                              outputs: [OutputSpec(shape: [n], dtype: .int32, block: BlockSpec([br], name: "bucket") { ids in [ids[0]] }),
                                        OutputSpec(shape: [buckets], dtype: .int32, block: .whole(name: "counts"))]) { k in
                let projected = read(k.inputs[0], ragged: ragged).dot(k.inputs[1][...])
                let (plus, plusMax) = projected.argmaxLastAxis(k)
                let (minus, minusMax) = (-projected).argmaxLastAxis(k)
                let bucket = plusMax.isGreaterEqual(minusMax).select(plus, minus + Double(half))
                write(k.outputs[0], bucket, ragged: ragged)
                let rowInside = (k.iota([br], axis: 0) + k.programID(0) * Double(br)).isLess(than: Double(n))
                let matches = k.iota([br, buckets], axis: 1).isEqual(to: bucket.reshaped([br, 1]))
                let hits = matches.and(rowInside.reshaped([br, 1]).broadcast(to: [br, buckets]))
                k.outputs[1].atomicAdd(hits.select(k.full([br, buckets], 1, dtype: .int32), 0).sum(axis: 0))
            }
        }
    }

    /// Buckets for the rows of `x` and the order that sorts rows by bucket (stable), from the
    /// kernel's buckets and per-bucket counts (a counting sort).
    public static func lshSort(_ x: Tensor, rotation: Tensor, backend: KernelBackend = .compiled) throws -> (buckets: Tensor, order: Tensor) {
        guard x.rank == 2, rotation.rank == 2, rotation.shape[0] == x.shape[1], x.dtype == .float32, rotation.dtype == .float32 else {
            throw KernelError.badInput(kernel: "lshSort", message: "needs float32 x [n, d] and rotation [d, buckets/2], got \(x.shape), \(rotation.shape)")
        }
        let buckets = 2 * rotation.shape[1]
        let out = try lshBucketKernel(rows: x.shape[0], dim: x.shape[1], buckets: buckets)([x, rotation], backend: backend)
        let bucketOf = out[0].scalars(as: Int32.self), counts = out[1].scalars(as: Int32.self)
        var next = [Int](repeating: 0, count: buckets)
        for b in 1..<buckets { next[b] = next[b - 1] + Int(counts[b - 1]) }
        var order = [Int32](repeating: 0, count: bucketOf.count)
        for (row, b) in bucketOf.enumerated() {
            order[next[Int(b)]] = Int32(row)
            next[Int(b)] += 1
        }
        return (out[0], Tensor(order))
    }
}
