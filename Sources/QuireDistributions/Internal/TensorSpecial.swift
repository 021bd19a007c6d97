// log Γ, ψ and ψ' as differentiable tensor functions: computed elementwise in float64 on the host and
// returned in the argument's dtype, with custom VJPs (d lgamma = ψ, dψ = ψ', dψ' = ψ''; ψ'' is not differentiated
// further, so log-densities, entropies and KLs have exact second derivatives).

import QuireTensor

extension Tensor {
    /// `f` applied to every element in float64, returned in this tensor's dtype and shape.
    func mappedInFloat64(_ f: (Double) -> Double) -> Tensor {
        let values = detached64().scalars(as: Double.self).map(f)
        return Tensor(values, shape: shape).cast(to: dtype)
    }

    /// This tensor as float64, cut off from differentiation.
    private func detached64() -> Tensor { stopGradient().cast(to: .float64) }
}

enum Special {
    /// log Γ(x), elementwise; its gradient is ψ(x).
    static func logGamma(_ x: Tensor) -> Tensor {
        customVJP(name: "logGamma",
                  forward: { (x: Tensor) in (x.mappedInFloat64(ScalarSpecial.logGamma), [x]) },
                  backward: { residuals, g in g * digamma(residuals[0]) })(x)
    }

    /// ψ(x), elementwise; its gradient is ψ'(x).
    static func digamma(_ x: Tensor) -> Tensor {
        customVJP(name: "digamma",
                  forward: { (x: Tensor) in (x.mappedInFloat64(ScalarSpecial.digamma), [x]) },
                  backward: { residuals, g in g * trigamma(residuals[0]) })(x)
    }

    /// ψ'(x), elementwise; its gradient is ψ''(x), which is not differentiated further.
    static func trigamma(_ x: Tensor) -> Tensor {
        customVJP(name: "trigamma",
                  forward: { (x: Tensor) in (x.mappedInFloat64(ScalarSpecial.trigamma), [x]) },
                  backward: { residuals, g in g * residuals[0].stopGradient().mappedInFloat64(ScalarSpecial.tetragamma) })(x)
    }

    /// log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b).
    static func logBeta(_ a: Tensor, _ b: Tensor) -> Tensor { logGamma(a) + logGamma(b) - logGamma(a + b) }

    /// log(2π) in float64; scalar operands take the tensor's dtype.
    static let log2Pi = 1.8378770664093454835606594728112
}
