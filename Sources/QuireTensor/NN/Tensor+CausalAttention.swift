// Causal self-attention for short sequences with the scores materialized per head and every product on
// BLAS: at sequence 128 and head size 32 (a small character transformer) a head's [s, s] scores are
// 64 KiB, and five small GEMMs per head (one pass over the scores between them) beat the flash kernels'
// blocked online softmax, whose programs do the same products in the kernel language's micro-kernel.
// q, k and v are read in place from the rows of one fused projection and the output is written straight
// into merged rows, so neither direction copies heads.

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
        let (s, ld, h) = (seq, 3 * width, half)
        Parallelism.forEachChunk(count: batch * heads, minimumChunk: 1) { range in
            for bh in range {
                let q = src.value + start(bh, part: 0), k = src.value + start(bh, part: 1), v = src.value + start(bh, part: 2)
                let pr = probs.value + bh * s * s
                let o = dst.value + (bh / heads) * s * width + (bh % heads) * dim
                let (rows, flipped) = (GemmOperand(transposed: false, ld: ld), GemmOperand(transposed: true, ld: ld))
                // Scores, then probabilities · v, per band: the first half of the queries sees only the
                // first half of the keys (see `half`). Softmax reads each row only up to its diagonal.
                if h > 0 { sgemm(rows, flipped, m: h, n: h, k: dim, q, k, pr, ldc: s) }
                sgemm(rows, flipped, m: s - h, n: s, k: dim, q + h * ld, k, pr + h * s, ldc: s)
                softmaxCausalRows(pr)
                let probRows = GemmOperand(transposed: false, ld: s)
                if h > 0 { sgemm(probRows, rows, m: h, n: dim, k: h, pr, v, o, ldc: width) }
                sgemm(probRows, rows, m: s - h, n: dim, k: s, pr + h * s, v, o + h * width, ldc: width)
            }
        }
        return (out, p)
    }

    /// Queries below `half` attend only to keys below it, so every per-head product is done in two
    /// bands, rows `0..<half` against the first `half` keys and the rest against all of them: a quarter
    /// of each [seq, seq] product (all above the diagonal) is skipped. 0 (one band) for short sequences.
    var half: Int { seq >= 32 && seq % 2 == 0 ? seq / 2 : 0 }

    /// Row i of an [s, s] score block → softmax(scale · scores) over keys 0...i, zeros after: in C
    /// (CQuireFused/rows.c), `fastExp`'s polynomial 16 lanes wide, max and sum over 16 partial results.
    private func softmaxCausalRows(_ p: UnsafeMutablePointer<Float>) {
        quire_softmax_causal_rows_f32(p, seq, scale)
    }

    /// The qkv rows' cotangent `[batch·seq, 3·width]` for the output cotangent `g` `[batch·seq, width]`.
    func backward(qkv: Tensor, probabilities p: Tensor, cotangent g: Tensor) -> Tensor {
        let dqkv = Tensor(uninitializedShape: [batch * seq, 3 * width], dtype: .float32)
        let src = UncheckedSendable(UnsafePointer(qkv.pointer(Float.self)))
        let probs = UncheckedSendable(UnsafePointer(p.pointer(Float.self)))
        let (gs, dst) = (UncheckedSendable(UnsafePointer(g.pointer(Float.self))), UncheckedSendable(dqkv.pointer(Float.self)))
        let (s, ld, scale, h) = (seq, 3 * width, self.scale, half)
        let rowMajor = { (ld: Int) in GemmOperand(transposed: false, ld: ld) }
        let flipped = { (ld: Int) in GemmOperand(transposed: true, ld: ld) }
        Parallelism.forEachChunk(count: batch * heads, minimumChunk: 1) { range in
            let ds = UnsafeMutablePointer<Float>.allocate(capacity: s * s)
            defer { ds.deallocate() }
            for bh in range {
                let (q, k, v) = (src.value + start(bh, part: 0), src.value + start(bh, part: 1), src.value + start(bh, part: 2))
                let (dq, dk, dv) = (dst.value + start(bh, part: 0), dst.value + start(bh, part: 1), dst.value + start(bh, part: 2))
                let pr = probs.value + bh * s * s
                let dO = gs.value + (bh / heads) * s * width + (bh % heads) * dim
                // The same two bands as the forward (`half`): P and dS are zero where a query of the
                // first band meets a key of the second, and those entries are neither computed nor read.
                // dV = Pᵀ·dO: the first keys from every query, the others from the second band's.
                if h > 0 { sgemm(flipped(s), rowMajor(width), m: h, n: dim, k: s, pr, dO, dv, ldc: ld) }
                sgemm(flipped(s), rowMajor(width), m: s - h, n: dim, k: s - h, pr + h * s + h, dO + h * width, dv + h * ld, ldc: ld)
                // dP = dO·Vᵀ
                if h > 0 { sgemm(rowMajor(width), flipped(ld), m: h, n: h, k: dim, dO, v, ds, ldc: s) }
                sgemm(rowMajor(width), flipped(ld), m: s - h, n: s, k: dim, dO + h * width, v, ds + h * s, ldc: s)
                for i in 0..<s {                                                                    // dS = P ⊙ (dP − Σ P·dP) · scale
                    let (pi, di) = (pr + i * s, ds + i * s)
                    let delta = simdDot(pi, di, i + 1)
                    for j in 0..<(i < h ? h : s) { di[j] = pi[j] * (di[j] - delta) * scale }
                }
                // dQ = dS·K
                if h > 0 { sgemm(rowMajor(s), rowMajor(ld), m: h, n: dim, k: h, ds, k, dq, ldc: ld) }
                sgemm(rowMajor(s), rowMajor(ld), m: s - h, n: dim, k: s, ds + h * s, k, dq + h * ld, ldc: ld)
                // dK = dSᵀ·Q: the first keys from every query, the others from the second band's.
                if h > 0 { sgemm(flipped(s), rowMajor(ld), m: h, n: dim, k: s, ds, q, dk, ldc: ld) }
                sgemm(flipped(s), rowMajor(ld), m: s - h, n: dim, k: s - h, ds + h * s + h, q + h * ld, dk + h * ld, ldc: ld)
            }
        }
        return dqkv
    }
}

/// Σ a[i]·b[i] over `n` floats with 16 partial sums.
@inline(__always)
private func simdDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD16<Float>()
    let (ra, rb) = (UnsafeRawPointer(a), UnsafeRawPointer(b))
    var i = 0
    while i + 16 <= n {
        let x = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        acc += x * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
        i += 16
    }
    var s = acc.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}
