import QuireTensor

/// Collectives over the world's ranks. Every rank must call the same collectives in the same order with
/// tensors of the same shapes and dtypes (and, for dictionaries, the same names in the same order); the
/// ranks check that first and all throw a ``DistributedError`` naming what each one passed when they
/// disagree. In a world of one each returns its input.
extension Distributed {
    /// The tensors of all ranks combined elementwise: `.sum`, `.mean` (floating-point only), `.max`, `.min`.
    /// float16 and bfloat16 are reduced in float32 and rounded back.
    ///
    /// ```swift
    /// let total = try Distributed.allReduce(Tensor([Float(Distributed.rank)]), .sum)   // [0 + 1] on 2 ranks
    /// ```
    public static func allReduce(_ tensor: Tensor, _ op: ReduceOp = .sum) throws -> Tensor {
        try allReduce(["tensor": tensor], op)["tensor"]!
    }

    /// A scalar combined across ranks (a loss or an accuracy to report), in float64.
    ///
    /// ```swift
    /// let meanLoss = try Distributed.allReduce(loss, .mean)
    /// ```
    public static func allReduce(_ value: Double, _ op: ReduceOp = .sum) throws -> Double {
        try allReduce(Tensor([value]), op).item(as: Double.self)
    }

    /// Every tensor of a dictionary combined across ranks, fused into buckets of up to `bucketBytes`
    /// (one `MPI_Allreduce` per bucket instead of one per tensor). This is the gradient all-reduce of
    /// data-parallel training (`.mean`).
    ///
    /// ```swift
    /// let averaged = try Distributed.allReduce(grads, .mean)
    /// ```
    public static func allReduce(_ tensors: TensorDict, _ op: ReduceOp = .sum, bucketBytes: Int = defaultBucketBytes) throws -> TensorDict {
        for (name, t) in tensors {
            if t.dtype == .bool {
                throw DistributedError("allReduce: \(name) is bool, which cannot be reduced (cast it to int32 first)")
            }
            if op == .mean && !t.dtype.isFloatingPoint {
                throw DistributedError("allReduce(.mean): \(name) is \(t.dtype); a mean needs a floating-point dtype (use .sum)")
            }
        }
        guard worldSize > 1 else { return tensors }
        try agree("allReduce", on: signature(tensors))
        var reduction = BucketedAllReduce(tensors, op: op, bucketBytes: bucketBytes)
        return try reduction.run()
    }

    /// The default bucket size of the gradient all-reduce (25 MiB, as PyTorch DDP and Horovod use).
    public static let defaultBucketBytes = 25 << 20

    /// Rank `root`'s tensor on every rank. Every rank passes a tensor of the same shape and dtype (its
    /// values are ignored except on `root`).
    ///
    /// ```swift
    /// let w = try Distributed.broadcast(Tensor.normal(key, shape: [4, 4]), from: 0)
    /// ```
    public static func broadcast(_ tensor: Tensor, from root: Int = 0) throws -> Tensor {
        try broadcast(["tensor": tensor], from: root)["tensor"]!
    }

    /// Rank `root`'s dictionary on every rank (same names, shapes and dtypes everywhere).
    public static func broadcast(_ tensors: TensorDict, from root: Int = 0) throws -> TensorDict {
        guard (0..<worldSize).contains(root) else {
            throw DistributedError("broadcast: root rank \(root) is outside 0..<\(worldSize)")
        }
        guard worldSize > 1 else { return tensors }
        try agree("broadcast(from: \(root))", on: signature(tensors))
        var out = TensorDict()
        for (name, t) in tensors {
            out[name] = try Tensor(unsafeUninitializedShape: t.shape, dtype: t.dtype) { dst in
                guard let base = dst.baseAddress, dst.count > 0 else { return }
                if rank == root { t.withUnsafeRawBytes { dst.copyMemory(from: $0) } }
                try rawBroadcast(base, bytes: dst.count, root: root)
            }
        }
        return out
    }

    /// Every rank's tensor stacked along a new axis 0, in rank order: shape `[worldSize] + shape`.
    ///
    /// ```swift
    /// let all = try Distributed.allGather(Tensor([Float(Distributed.rank)]))   // [[0], [1]] on 2 ranks
    /// ```
    public static func allGather(_ tensor: Tensor) throws -> Tensor {
        guard worldSize > 1 else { return tensor.reshaped([1] + tensor.shape) }
        try agree("allGather", on: signature(tensor))
        return try Tensor(unsafeUninitializedShape: [worldSize] + tensor.shape, dtype: tensor.dtype) { dst in
            guard let base = dst.baseAddress, dst.count > 0 else { return }
            try tensor.withUnsafeRawBytes { try rawAllGather($0.baseAddress!, base, bytes: $0.count) }
        }
    }
}
