import QuireTensor

extension Kernels {
    /// Scaled dot-product attention by the flash kernels, for q, k, v of shape [batch, heads, seq, dim]
    /// (float32). Differentiable: the backward pass runs the two backward kernels.
    ///
    /// ```swift
    /// let o = try Kernels.flashAttention(q, k, v, causal: true)
    /// let (loss, grads) = try valueAndGrad { xs in try! Kernels.flashAttention(xs[0], xs[1], xs[2]).sum() }([q, k, v])
    /// ```
    public static func flashAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool = false,
                                      blockQ: Int = 64, blockK: Int = 64, backend: KernelBackend = .compiled) throws -> Tensor {
        guard q.rank == 4, q.shape == k.shape, q.shape == v.shape, q.dtype == .float32, k.dtype == .float32, v.dtype == .float32 else {
            throw KernelError.badInput(kernel: "flashAttention",
                message: "q, k, v must be float32 [batch, heads, seq, dim] of one shape, got \(q.dtype)\(q.shape), \(k.dtype)\(k.shape), \(v.dtype)\(v.shape)")
        }
        let (b, h, s, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let a = AttentionShape(heads: b * h, seq: s, dim: d, causal: causal, blockQ: blockQ, blockK: blockK)
        let (fwd, bkv, bq) = try preparedFlashKernels(a, backend: backend)
        let heads = a.heads
        let flat: @Sendable (Tensor) -> Tensor = { t in t.reshaped([heads, s, d]) }
        let attention = customVJP(name: "flashAttention", forward: { xs in
            // The kernels take k (and the backward v) transposed, [heads, dim, seq], made once here.
            let (q3, k3, v3) = (flat(xs[0]), flat(xs[1]), flat(xs[2]))
            let kT = k3.transposed().contiguous()
            let outs = try! fwd([q3, kT, v3], backend: backend)
            return (outs[0].reshaped([b, h, s, d]), [q3, k3, kT, v3] + outs)
        }, backward: { res, g in
            let (q3, k3, kT, v3, o3, lse) = (res[0], res[1], res[2], res[3], res[4], res[5])
            let vT = v3.transposed().contiguous()
            let dO = flat(g).contiguous()
            let delta = (dO * o3).sum(axes: [2])
            let kv = try! bkv([q3, kT, vT, dO, lse, delta], backend: backend)
            let dq = try! bq([q3, k3, kT, vT, dO, lse, delta], backend: backend)[0]
            return [dq, kv[0], kv[1]].map { $0.reshaped([b, h, s, d]) }
        })
        return attention([q, k, v])
    }

    /// The forward, dK/dV and dQ kernels for `a`, traced (and compiled for `.compiled`) here, where errors
    /// can be thrown, so the `customVJP` closures that run them cannot fail. Their inputs: forward
    /// `[q, kᵀ, v]`, dK/dV `[q, kᵀ, vᵀ, dO, lse, delta]`, dQ `[q, k, kᵀ, vᵀ, dO, lse, delta]`, with q, k, v
    /// and dO `[heads, seq, dim]` and kᵀ, vᵀ `[heads, dim, seq]`.
    static func preparedFlashKernels(_ a: AttentionShape,
                                     backend: KernelBackend) throws -> (KernelFunction, KernelFunction, KernelFunction) {
        let fwd = flashForwardKernel(a), bkv = flashBackwardKVKernel(a), bq = flashBackwardQKernel(a)
        let x3 = BlockType(dtype: .float32, shape: [a.heads, a.seq, a.dim]), r2 = BlockType(dtype: .float32, shape: [a.heads, a.seq])
        let x3T = BlockType(dtype: .float32, shape: [a.heads, a.dim, a.seq])
        for (f, types) in [(fwd, [x3, x3T, x3]), (bkv, [x3, x3T, x3T, x3, r2, r2]), (bq, [x3, x3, x3T, x3T, x3, r2, r2])] {
            let ir = try f.trace(types)
            if backend == .compiled { _ = try f.native(ir, types) }
        }
        return (fwd, bkv, bq)
    }

    /// The plain-op reference: softmax(q·kᵀ/√d + mask)·v with tensor ops (materializes [S, S]).
    public static func referenceAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool = false) -> Tensor {
        let s = q.shape[q.rank - 2], d = q.shape[q.rank - 1]
        var scores = q.matmul(k.transposed()) * Float(1 / Double(d).squareRoot())
        if causal {
            var mask = [Float](repeating: 0, count: s * s)
            for i in 0..<s { for j in (i + 1)..<Swift.max(i + 1, s) { mask[i * s + j] = -.infinity } }
            scores = scores + Tensor(mask, shape: [s, s])
        }
        return scores.softmax(axis: -1).matmul(v)
    }
}
