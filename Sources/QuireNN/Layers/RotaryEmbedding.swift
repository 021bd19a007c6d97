import Foundation
import QuireTensor

/// Rotary position embeddings (RoPE, Su et al. 2021) in the half-split layout: feature `i` of the
/// first half and feature `i` of the second half of each head form a pair that is rotated by the
/// angle `position · base^(−2i/d)`. Applied to queries and keys, it makes their dot product depend on
/// the distance between the two positions only. No parameters.
///
/// ```swift
/// let rope = RotaryEmbedding(headFeatures: 32)
/// let q2 = rope(q)              // q: [batch, heads, length, 32], positions 0..<length
/// let k2 = rope(k, offset: 7)   // positions 7..<7 + length (decoding with a KV cache)
/// ```
public struct RotaryEmbedding: Sendable {
    public let headFeatures: Int
    public let base: Double

    public init(headFeatures: Int, base: Double = 10_000) {
        precondition(headFeatures % 2 == 0, "RotaryEmbedding: head features \(headFeatures) must be even")
        self.headFeatures = headFeatures
        self.base = base
    }

    /// The cosines and sines `[length, headFeatures / 2]` for positions `offset..<offset + length`.
    public func table(length: Int, offset: Int = 0, dtype: DType = .float32) -> (cos: Tensor, sin: Tensor) {
        let half = headFeatures / 2
        var c = [Double](repeating: 0, count: length * half), s = c
        for p in 0..<length {
            for i in 0..<half {
                let angle = Double(offset + p) * pow(base, -2 * Double(i) / Double(headFeatures))
                c[p * half + i] = Foundation.cos(angle)
                s[p * half + i] = Foundation.sin(angle)
            }
        }
        return (Tensor(c, shape: [length, half]).cast(to: dtype), Tensor(s, shape: [length, half]).cast(to: dtype))
    }

    /// `x` rotated: `[..., length, headFeatures]`, positions starting at `offset`.
    public func callAsFunction(_ x: Tensor, offset: Int = 0) -> Tensor {
        precondition(x.shape.last == headFeatures, "RotaryEmbedding: last axis \(x.shape) is not \(headFeatures)")
        let (cos, sin) = table(length: x.shape[x.rank - 2], offset: offset, dtype: x.dtype)
        let half = headFeatures / 2
        let x1 = x.sliced(axis: x.rank - 1, 0, half), x2 = x.sliced(axis: x.rank - 1, half)
        let r1 = x1 * cos - x2 * sin
        let r2 = x2 * cos + x1 * sin
        return Tensor.concatenate([r1, r2], axis: x.rank - 1)
    }
}
