import QuireTensor

/// Multi-head scaled dot-product attention with query/key/value/output projections (plain ops; a fused
/// kernel can replace the inside later without changing paths or results).
///
/// Inputs are `[batch, length, features]`. Each head attends with `softmax(q·kᵀ/√d + mask)·v`; `causal`
/// lets position i see only positions ≤ i; `mask` (bool, broadcastable to `[batch, heads, Lq, Lk]`) marks
/// the pairs that may attend. Projections are ``Linear`` layers with Flax's defaults.
///
/// ```swift
/// let attn = MultiHeadAttention(heads: 4, features: 64, rngs: Rngs(0))
/// attn(x).shape                       // self-attention, same shape as x
/// attn(x, causal: true)               // decoder-style
/// attn(q, key: memory, value: memory) // cross-attention
/// ```
public final class MultiHeadAttention: Module {
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let out: Linear
    public let heads: Int
    public let headFeatures: Int

    /// `features` is the input size; `qkvFeatures` (default `features`) is split over `heads`;
    /// `outFeatures` defaults to `features`.
    public init(heads: Int, features: Int, qkvFeatures: Int? = nil, outFeatures: Int? = nil, useBias: Bool = true,
                dtype: DType = .float32, rngs: Rngs) {
        let qkv = qkvFeatures ?? features
        precondition(qkv % heads == 0, "MultiHeadAttention: \(qkv) features do not split into \(heads) heads")
        query = Linear(features, qkv, useBias: useBias, dtype: dtype, rngs: rngs)
        key = Linear(features, qkv, useBias: useBias, dtype: dtype, rngs: rngs)
        value = Linear(features, qkv, useBias: useBias, dtype: dtype, rngs: rngs)
        out = Linear(qkv, outFeatures ?? features, useBias: useBias, dtype: dtype, rngs: rngs)
        self.heads = heads
        headFeatures = qkv / heads
    }

    public func callAsFunction(_ x: Tensor, key keyInput: Tensor? = nil, value valueInput: Tensor? = nil,
                               mask: Tensor? = nil, causal: Bool = false) -> Tensor {
        let kIn = keyInput ?? x, vIn = valueInput ?? kIn
        let q = splitHeads(query(x)), k = splitHeads(key(kIn)), v = splitHeads(value(vIn))
        let o = MultiHeadAttention.scaledDotProduct(q, k, v, mask: mask, causal: causal)
        let b = x.shape[0], l = x.shape[1]
        return out(o.permuted([0, 2, 1, 3]).reshaped([b, l, heads * headFeatures]))
    }

    /// `[B, L, H·D]` → `[B, H, L, D]`.
    func splitHeads(_ t: Tensor) -> Tensor {
        t.reshaped([t.shape[0], t.shape[1], heads, headFeatures]).permuted([0, 2, 1, 3])
    }

    /// `softmax(q·kᵀ/√d)·v` over `[..., L, D]` operands, with an optional bool mask and causal masking.
    public static func scaledDotProduct(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor? = nil,
                                        causal: Bool = false) -> Tensor {
        let d = q.shape.last!
        var scores = q.matmul(k.transposed()) / Double(d).squareRoot()
        let lq = q.shape[q.rank - 2], lk = k.shape[k.rank - 2]
        let negative = Tensor.full([], -1e30, dtype: scores.dtype)
        if causal {
            let allowed = Tensor.ones([lq, lk], dtype: .float32).tril(k: lk - lq) .> Tensor(Float(0))
            scores = Tensor.where(allowed, scores, negative)
        }
        if let mask { scores = Tensor.where(mask, scores, negative) }
        return scores.softmax(axis: -1).matmul(v)
    }
}
