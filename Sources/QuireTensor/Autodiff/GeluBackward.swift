import Foundation
internal import CQuireFused

// The tanh-form GELU's cotangent in one elementwise pass, for layers that wrap `gelu()` in a
// `customVJP` to skip the fourteen-op composite derivative (and its `pow`) on large activations.

/// `g · gelu'(x)` (tanh form) per element, from the sigmoid the forward computes: with
/// `s = sigmoid(2u)`, `u = c·(x + 0.044715·x³)` (so `tanh u = 2s − 1`),
/// `gelu'(x) = s + 2c·x·s(1 − s)·(1 + 3·0.044715·x²)`: one exp, and no `1 − tanh²` cancellation.
enum GeluTanhBackwardKernel: BinaryKernel {
    static let c = 0.7978845608028654   // sqrt(2/pi)
    // Forced inline: left as a call, the element loop does not vectorize and this pass took ~23 % of a
    // transformer training step (perf, issue 18).
    @inline(__always)
    static func apply(_ x: Float, _ g: Float) -> Float { g * slope(x) }
    /// `gelu'(x)`: the C pieces (CQuireFused) that the fused dense layer's loop runs, so the same bits.
    @inline(__always)
    static func slope(_ x: Float) -> Float { quire_gelu_slope_f32(x, quire_gelu_sigmoid_f32(x)) }
    static func apply(_ x: Double, _ g: Double) -> Double { g * slope(x) }
    static func slope(_ x: Double) -> Double {
        let s = 1 / (1 + Foundation.exp(-2 * c * (x + 0.044715 * x * x * x)))
        return s + (2 * c * x) * (s * (1 - s)) * (1 + 3 * 0.044715 * (x * x))
    }
    static func apply(_ a: Int32, _ b: Int32) -> Int32? { nil }
    static var integerSupported: Bool { false }
}

extension Tensor {
    /// The cotangent of `x.gelu()` (tanh form) for the output cotangent `cotangent`: one fused pass over
    /// the elements. When either operand is being differentiated (a second derivative), it is computed
    /// with tensor ops instead, so it differentiates like the primitive's own rule.
    ///
    /// ```swift
    /// let gelu = customVJP(name: "gelu", forward: { x in (x.gelu(), [x]) },
    ///                      backward: { r, g in Tensor.geluTanhBackward(r[0], cotangent: g) })
    /// ```
    public static func geluTanhBackward(_ x: Tensor, cotangent g: Tensor) -> Tensor {
        guard x.traceTag == 0 && g.traceTag == 0 else {
            let c = GeluTanhBackwardKernel.c, x2 = x.square()
            let s = ((x + x2 * x * 0.044715) * (2 * c)).sigmoid()
            let slope = s + x * (2 * c) * (s * (1 - s)) * (x2 * (3 * 0.044715) + 1)
            return g * slope
        }
        return binary(GeluTanhBackwardKernel.self, x, g, op: "geluTanhBackward")
    }
}
