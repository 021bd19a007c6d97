// Causal self-attention for short sequences with the scores materialized per head: at sequence 128 and
// head size 32 (a small character transformer) a head's [s, s] scores are 64 KiB, and five small
// products per head (one pass over the scores between them) beat the flash kernels' blocked online
// softmax. Each head runs in C (CQuireFused/attention.c) on one register-tiled product kernel cut to the
// causal band; per-head BLAS calls (ten a head with the band split) spent as long packing and
// dispatching as multiplying. q, k and v are read in place from the rows of one fused projection and
// the output is written straight into merged rows, so neither direction copies heads.

internal import CQuireFused

extension Tensor {
    /// Causal scaled dot-product attention of `qkv` rows `[batch·seq, 3·heads·dim]` (float32; per row q,
    /// k and v side by side, each `heads` groups of `dim` features, as `x · [Wq | Wk | Wv]` lays them out)
    /// to rows `[batch·seq, heads·dim]` (heads side by side): `softmax(q·kᵀ/√dim, causal)·v` per head.
    /// The probabilities are kept for the backward (`batch·heads·seq²` floats), so this is for short
    /// sequences; long ones belong to the flash kernels (`Kernels.flashAttention(qkvRows:…)`, same layout).
    /// Throws when `qkv` does not have that layout.
    ///
    /// ```swift
    /// let qkv = x.linear(weight: Tensor.concatenate([wq, wk, wv], axis: 1), bias: bqkv)   // [32·128, 384]
    /// let o = try Tensor.causalAttention(qkvRows: qkv, batch: 32, heads: 4)             // [32·128, 128]
    /// ```
    public static func causalAttention(qkvRows qkv: Tensor, batch b: Int, heads h: Int) throws -> Tensor {
        guard qkv.rank == 2, qkv.dtype == .float32, b > 0, h > 0, qkv.shape[0] > 0, qkv.shape[0] % b == 0,
              qkv.shape[1] > 0, qkv.shape[1] % (3 * h) == 0 else {
            throw TensorError("causalAttention(qkvRows:)",
                              "qkv must be float32 [batch·seq, 3·heads·dim] with batch \(b) and heads \(h), got \(qkv.dtype)\(qkv.shape)")
        }
        let shape = AttentionRows(batch: b, seq: qkv.shape[0] / b, heads: h, dim: qkv.shape[1] / (3 * h))
        let op = customVJP(name: "causalAttention", forward: { (x: Tensor) in
            let (out, probabilities) = shape.forward(x.detached.contiguous())
            return (out, [x.detached.contiguous(), probabilities])
        }, backward: { r, g in
            shape.backward(qkv: r[0], probabilities: r[1], cotangent: g.cast(to: .float32).contiguous())
        })
        return op(qkv)
    }
}

/// The layout of `causalAttention`'s rows and the per-head products on them.
private struct AttentionRows: Sendable {
    let batch: Int, seq: Int, heads: Int, dim: Int
    var width: Int { heads * dim }
    var scale: Float { 1 / Float(dim).squareRoot() }

    /// Where head `bh` (batch-major) of part `part` (0 q, 1 k, 2 v) starts in the qkv rows.
    func start(_ bh: Int, part: Int) -> Int {
        (bh / heads) * seq * 3 * width + part * width + (bh % heads) * dim
    }

    /// `(out, probabilities)`: rows `[batch·seq, width]` and `[batch·heads, seq, seq]` (zeros above the diagonal).
    func forward(_ qkv: Tensor) -> (Tensor, Tensor) {
        let out = Tensor(uninitializedShape: [batch * seq, width], dtype: .float32)
        let p = Tensor(uninitializedShape: [batch * heads, seq, seq], dtype: .float32)
        let (src, dst, probs) = (UncheckedSendable(UnsafePointer(qkv.pointer(Float.self))),
                                 UncheckedSendable(out.pointer(Float.self)), UncheckedSendable(p.pointer(Float.self)))
        let (s, ld, scale) = (seq, 3 * width, self.scale)
        Parallelism.forEachChunk(count: batch * heads, minimumChunk: 1) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: dim * s)
            defer { scratch.deallocate() }
            for bh in range {
                let q = src.value + start(bh, part: 0), k = src.value + start(bh, part: 1), v = src.value + start(bh, part: 2)
                let o = dst.value + (bh / heads) * s * width + (bh % heads) * dim
                quire_attention_head_forward_f32(q, k, v, ld, s, dim, scale, o, width, probs.value + bh * s * s, scratch)
            }
        }
        return (out, p)
    }

    /// The qkv rows' cotangent `[batch·seq, 3·width]` for the output cotangent `g` `[batch·seq, width]`.
    func backward(qkv: Tensor, probabilities p: Tensor, cotangent g: Tensor) -> Tensor {
        let dqkv = Tensor(uninitializedShape: [batch * seq, 3 * width], dtype: .float32)
        let src = UncheckedSendable(UnsafePointer(qkv.pointer(Float.self)))
        let probs = UncheckedSendable(UnsafePointer(p.pointer(Float.self)))
        let (gs, dst) = (UncheckedSendable(UnsafePointer(g.pointer(Float.self))), UncheckedSendable(dqkv.pointer(Float.self)))
        let (s, ld, scale) = (seq, 3 * width, self.scale)
        Parallelism.forEachChunk(count: batch * heads, minimumChunk: 1) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: dim * s + s * s)
            defer { scratch.deallocate() }
            for bh in range {
                let (q, k, v) = (src.value + start(bh, part: 0), src.value + start(bh, part: 1), src.value + start(bh, part: 2))
                let (dq, dk, dv) = (dst.value + start(bh, part: 0), dst.value + start(bh, part: 1), dst.value + start(bh, part: 2))
                let dO = gs.value + (bh / heads) * s * width + (bh % heads) * dim
                quire_attention_head_backward_f32(q, k, v, ld, s, dim, scale, probs.value + bh * s * s, dO, width,
                                                  dq, dk, dv, scratch)
            }
        }
        return dqkv
    }
}
