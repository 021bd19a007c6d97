import QuireTensor

// Flash attention on projection rows, for transformer blocks that compute q, k and v with one GEMM
// (`x · [Wq | Wk | Wv]`): the split into heads and the merge back are one copy each way inside the op,
// so neither pass materializes a permuted view per tensor, and the backward returns the cotangent of
// the fused projection's output directly (one GEMM for the input's cotangent instead of three plus
// their sum). The kernels are the ones `flashAttention` runs.

extension Kernels {
    /// Scaled dot-product attention of `qkv` rows `[batch·seq, 3·heads·dim]` (float32; per row q, k and
    /// v side by side, each of them `heads` groups of `dim` features, as `x · [Wq | Wk | Wv]` lays them
    /// out) to rows `[batch·seq, heads·dim]` (heads side by side, ready for the output projection).
    /// The same values as splitting the heads, ``flashAttention(_:_:_:causal:blockQ:blockK:backend:)``
    /// and merging them; differentiable through the same backward kernels.
    ///
    /// ```swift
    /// let qkv = x.linear(weight: Tensor.concatenate([wq, wk, wv], axis: 1), bias: bqkv)   // [32·128, 384]
    /// let o = try Kernels.flashAttention(qkvRows: qkv, batch: 32, heads: 4, causal: true)  // [32·128, 128]
    /// ```
    public static func flashAttention(qkvRows qkv: Tensor, batch b: Int, heads h: Int, causal: Bool = false,
                                      blockQ: Int = 64, blockK: Int = 64, backend: KernelBackend = .compiled) throws -> Tensor {
        guard qkv.rank == 2, qkv.dtype == .float32, b > 0, h > 0, qkv.shape[0] % b == 0, qkv.shape[1] % (3 * h) == 0,
              qkv.shape[0] > 0, qkv.shape[1] > 0 else {
            throw KernelError.badInput(kernel: "flashAttention(qkvRows:)",
                message: "qkv must be float32 [batch·seq, 3·heads·dim] with batch \(b) and heads \(h), got \(qkv.dtype)\(qkv.shape)")
        }
        let (s, d) = (qkv.shape[0] / b, qkv.shape[1] / (3 * h))
        let a = AttentionShape(heads: b * h, seq: s, dim: d, causal: causal, blockQ: blockQ, blockK: blockK)
        let (fwd, bkv, bq) = try preparedFlashKernels(a, backend: backend)
        let heads = a.heads
        // [b·s, h·d] rows ↔ [b·h, s, d] heads, one copy each way.
        let split: @Sendable (Tensor) -> Tensor = { rows in
            rows.reshaped([b, s, h, d]).permuted([0, 2, 1, 3]).contiguous().reshaped([heads, s, d])
        }
        let merge: @Sendable (Tensor) -> Tensor = { t in
            t.reshaped([b, h, s, d]).permuted([0, 2, 1, 3]).reshaped([b * s, h * d])
        }
        let attention = customVJP(name: "flashAttentionRows", forward: { (x: Tensor) in
            // [b·s, 3·h·d] → [3, b·h, s, d] in one copy; q, k, v are contiguous slices of it.
            let parts = x.reshaped([b, s, 3, h, d]).permuted([2, 0, 3, 1, 4]).contiguous().reshaped([3, heads, s, d])
            let qkv3 = (0..<3).map { parts.sliced(axis: 0, $0, $0 + 1).reshaped([heads, s, d]) }
            // The kernels take k (and the backward v) transposed, [heads, dim, seq], made once here.
            let kT = qkv3[1].transposed().contiguous()
            let outs = try! fwd([qkv3[0], kT, qkv3[2]], backend: backend)
            return (merge(outs[0]), qkv3 + [kT] + outs)
        }, backward: { res, g in
            let (q3, k3, v3, kT, o3, lse) = (res[0], res[1], res[2], res[3], res[4], res[5])
            let vT = v3.transposed().contiguous()
            let dO = split(g)
            let delta = (dO * o3).sum(axes: [2])
            let kv = try! bkv([q3, kT, vT, dO, lse, delta], backend: backend)
            let dq = try! bq([q3, k3, kT, vT, dO, lse, delta], backend: backend)[0]
            // [b, s, 3·h, d]: q's heads, then k's, then v's, per position (the layout of `qkv`'s rows).
            let perPosition = [dq, kv[0], kv[1]].map { $0.reshaped([b, h, s, d]).permuted([0, 2, 1, 3]) }
            return Tensor.concatenate(perPosition, axis: 2).reshaped([b * s, 3 * h * d])
        })
        return attention(qkv)
    }
}
