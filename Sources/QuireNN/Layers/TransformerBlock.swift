import QuireKernels
import QuireTensor

/// One pre-norm decoder block: `x + attn(norm1(x))`, then `x + mlp(norm2(x))`, with causal multi-head
/// self-attention (the flash-attention kernel and its backward kernels for float32; plain ops for other
/// dtypes and for decoding steps against a ``KVCache``), optional rotary positions, and a GELU
/// (`fc2(gelu(fc1 x))`) or SwiGLU (`fc2(silu(gate x) · fc1 x)`) MLP. Parameter paths follow the Flax
/// peer: `ln1`, `attn.{query,key,value,out}`, `ln2`, `fc1`, `fc2` (and `gate` for SwiGLU).
///
/// ```swift
/// let block = TransformerBlock(TransformerConfig(vocabularySize: 64, maxLength: 128), rngs: Rngs(0))
/// block(Tensor.zeros([2, 16, 128])).shape   // [2, 16, 128]
/// ```
public final class TransformerBlock: Module {
    public let ln1: any UnaryLayer
    public let attn: MultiHeadAttention
    public let ln2: any UnaryLayer
    public let fc1: Linear
    /// SwiGLU's gate projection (nil for a GELU MLP).
    public let gate: Linear?
    public let fc2: Linear
    let drop: Dropout?
    let rotary: RotaryEmbedding?

    public init(_ config: TransformerConfig, rngs: Rngs) {
        let (d, dt) = (config.features, config.dtype)
        ln1 = makeNorm(config)
        attn = MultiHeadAttention(heads: config.heads, features: d, dtype: dt, rngs: rngs)
        ln2 = makeNorm(config)
        fc1 = Linear(d, config.mlpFeatures, dtype: dt, rngs: rngs)
        gate = config.mlp == .swiglu ? Linear(d, config.mlpFeatures, dtype: dt, rngs: rngs) : nil
        fc2 = Linear(config.mlpFeatures, d, dtype: dt, rngs: rngs)
        drop = config.dropout > 0 ? Dropout(config.dropout, rngs: rngs) : nil
        rotary = config.positions == .rotary ? RotaryEmbedding(headFeatures: config.headFeatures) : nil
    }

    /// `x`: `[batch, length, features]`. With `cache`, the block's keys and values are appended to
    /// layer `layer` of the cache and the new positions attend to every cached one.
    public func callAsFunction(_ x: Tensor, cache: KVCache? = nil, layer: Int = 0) -> Tensor {
        // Rows [batch·length, features]: every projection is one 2-D GEMM, forward and backward (a
        // [batch, length, features] operand would make the weight gradient a batched product plus a sum).
        let (b, l, d) = (x.shape[0], x.shape[1], x.shape[2])
        // Without dropout each residual connection is added inside its output projection's pass.
        let rows = x.reshaped([b * l, d])
        let h: Tensor, y: Tensor
        if let drop {
            h = rows + drop(attention(ln1(rows), batch: b, cache: cache, layer: layer))
            y = h + drop(mlp(ln2(h)))
        } else {
            h = attention(ln1(rows), batch: b, cache: cache, layer: layer, adding: rows)
            y = mlp(ln2(h), adding: h)
        }
        return y.reshaped([b, l, d])
    }

    /// The MLP over rows `x`, plus `residual` when given.
    func mlp(_ x: Tensor, adding residual: Tensor? = nil) -> Tensor {
        guard let gate else { return fc2(fc1(x, activation: .geluTanh), adding: residual) }
        return fc2(gate(x).silu() * fc1(x), adding: residual)
    }

    /// Attention over rows `x` `[batch·length, features]`, plus `residual` when given; returns rows.
    func attention(_ x: Tensor, batch b: Int, cache: KVCache?, layer: Int, adding residual: Tensor? = nil) -> Tensor {
        if cache == nil && rotary == nil && x.dtype == .float32, let projected = fusedQKV(x) {
            return attn.out(causalAttention(rows: projected, batch: b, heads: attn.heads), adding: residual)
        }
        let offset = cache?.length ?? 0
        let l = x.shape[0] / b
        let heads = { (t: Tensor) in self.attn.splitHeads(t.reshaped([b, l, t.shape[1]])) }
        var q = heads(attn.query(x)), k = heads(attn.key(x))
        var v = heads(attn.value(x))
        if let rotary { q = rotary(q, offset: offset); k = rotary(k, offset: offset) }
        if let cache { (k, v) = cache.append(layer: layer, k, v) }
        let o: Tensor
        if offset == 0 && x.dtype == .float32 {
            o = flashCausalAttention(q, k, v)
        } else {
            o = MultiHeadAttention.scaledDotProduct(q, k, v, causal: true)
        }
        return attn.out(o.permuted([0, 2, 1, 3]).reshaped([b * l, attn.heads * attn.headFeatures]), adding: residual)
    }

    /// q, k and v rows `[batch·length, 3·features]` from one GEMM over the three projections' weights
    /// side by side (nil when a projection has no bias).
    func fusedQKV(_ x: Tensor) -> Tensor? {
        guard let bq = attn.query.bias, let bk = attn.key.bias, let bv = attn.value.bias else { return nil }
        let w = Tensor.concatenate([attn.query.weight.value, attn.key.weight.value, attn.value.weight.value], axis: 1)
        return x.linear(weight: w, bias: Tensor.concatenate([bq.value, bk.value, bv.value]))
    }
}

/// Sequences up to this length take the per-head C attention with materialized scores
/// (`Tensor.causalAttention(qkvRows:)`: a head's scores are at most 256 KiB); longer ones the flash kernels.
let materializedAttentionLength = 256

/// Causal attention on projection rows `[batch·length, 3·features]` (float32) without separate head split
/// and merge copies: materialized scores for short sequences (a C call per head), the flash kernels for long ones.
func causalAttention(rows qkv: Tensor, batch: Int, heads: Int) -> Tensor {
    do {
        if qkv.shape[0] / batch <= materializedAttentionLength {
            return try Tensor.causalAttention(qkvRows: qkv, batch: batch, heads: heads)
        }
        return try Kernels.flashAttention(qkvRows: qkv, batch: batch, heads: heads, causal: true)
    } catch {
        preconditionFailure("causal attention failed for qkv rows \(qkv.shape): \(error)")
    }
}

/// Causal attention on the flash kernels (`[batch, heads, length, headFeatures]`, float32).
func flashCausalAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor) -> Tensor {
    do {
        return try Kernels.flashAttention(q.contiguous(), k.contiguous(), v.contiguous(), causal: true)
    } catch {
        preconditionFailure("flash attention kernel failed for q\(q.shape): \(error)")
    }
}

func makeNorm(_ config: TransformerConfig) -> any UnaryLayer {
    switch config.norm {
    case .layerNorm: LayerNorm(config.features, epsilon: config.epsilon, dtype: config.dtype)
    case .rmsNorm: RMSNorm(config.features, epsilon: config.epsilon, dtype: config.dtype)
    }
}
