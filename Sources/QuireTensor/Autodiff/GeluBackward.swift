import Foundation

// The tanh-form GELU's cotangent in one elementwise pass, for layers that wrap `gelu()` in a
// `customVJP` to skip the fourteen-op composite derivative (and its `pow`) on large activations.

/// `g · gelu'(x)` (tanh form) per element: with `u = c·x·(1 + 0.044715·x²)`, `t = tanh u`,
/// `gelu'(x) = ½(1 + t) + ½·x·(1 − t²)·c·(1 + 3·0.044715·x²)`.
enum GeluTanhBackwardKernel: BinaryKernel {
    static let c = 0.7978845608028654   // sqrt(2/pi)
    // Forced inline: left as a call, the element loop does not vectorize and this pass took ~23 % of a
    // transformer training step (perf, issue 18).
    @inline(__always)
    static func apply(_ x: Float, _ g: Float) -> Float {
        let c = Float(Self.c), x2 = x * x
        let t = fastTanh(c * x * (1 + 0.044715 * x2))
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x2))
    }
    static func apply(_ x: Double, _ g: Double) -> Double {
        let x2 = x * x
        let t = Foundation.tanh(c * x * (1 + 0.044715 * x2))
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x2))
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
            let t = (x * (x2 * 0.044715 + 1) * c).tanh()
            let slope = x * 0.5 * (1 - t.square()) * c * (x2 * (3 * 0.044715) + 1)
            return g * ((t + 1) * 0.5 + slope)
        }
        return binary(GeluTanhBackwardKernel.self, x, g, op: "geluTanhBackward")
    }
}
