// Standard Gamma(α, 1) samples by Marsaglia and Tsang's method, with implicit reparameterization
// gradients (Figurnov, Mohamed and Mnih, 2018): dz/dα = −(∂F/∂α)(z; α) / p(z; α), F the Gamma CDF.

import Foundation
import QuireTensor

enum GammaSampler {
    /// Samples of standard Gamma(α) for every element of `concentration` (same shape and dtype).
    /// Differentiable with respect to `concentration` by implicit reparameterization.
    static func sample(key: PRNGKey, concentration: Tensor) -> Tensor {
        customVJP(
            name: "gammaSample",
            forward: { (alpha: Tensor) in
                let z = draw(key: key, alpha: alpha.cast(to: .float64).scalars(as: Double.self))
                let out = Tensor(z, shape: alpha.shape).cast(to: alpha.dtype)
                return (out, [alpha, out])
            },
            backward: { residuals, g in
                let alpha = residuals[0].cast(to: .float64).scalars(as: Double.self)
                let z = residuals[1].cast(to: .float64).scalars(as: Double.self)
                let dz = zip(alpha, z).map { ScalarSpecial.gammaSampleDerivative(concentration: $0, sample: $1) }
                return g * Tensor(dz, shape: residuals[0].shape).cast(to: g.dtype)
            })(concentration)
    }

    /// Marsaglia–Tsang in float64, in rounds: round r draws one normal and one uniform per element still
    /// pending from `key.fold(in: r)` at the element's own stream position, so every result depends only
    /// on the key and the element's index (not on threads or on other elements). α < 1 is boosted:
    /// Gamma(α) = Gamma(α + 1) · U^{1/α}, with U from a key of its own.
    static func draw(key: PRNGKey, alpha: [Double]) -> [Double] {
        let n = alpha.count
        var out = [Double](repeating: .nan, count: n)
        guard n > 0 else { return out }
        let (roundsKey, boostKey) = key.splitPair()
        var pending = Array(0..<n).filter { alpha[$0] > 0 && alpha[$0].isFinite }
        var round = 0
        while !pending.isEmpty && round < 1000 {
            let k = roundsKey.fold(in: round)
            let (kx, ku) = k.splitPair()
            let x = Tensor.normal(kx, shape: [n], dtype: .float64).scalars(as: Double.self)
            let u = Tensor.uniform(ku, shape: [n], dtype: .float64).scalars(as: Double.self)
            pending = pending.filter { i in
                let a = alpha[i] < 1 ? alpha[i] + 1 : alpha[i]
                let d = a - 1.0 / 3, c = 1 / (9 * d).squareRoot()
                let t = 1 + c * x[i]
                guard t > 0 else { return true }
                let v = t * t * t
                let accept = u[i] < 1 - 0.0331 * x[i] * x[i] * x[i] * x[i]
                    || Foundation.log(u[i]) < 0.5 * x[i] * x[i] + d * (1 - v + Foundation.log(v))
                if accept { out[i] = d * v }
                return !accept
            }
            round += 1
        }
        let boost = Tensor.uniform(boostKey, shape: [n], dtype: .float64).scalars(as: Double.self)
        for i in 0..<n where alpha[i] < 1 && alpha[i] > 0 {
            // U in (0, 1]: 1 − uniform[0, 1), so the power never meets log 0.
            out[i] *= Foundation.pow(1 - boost[i], 1 / alpha[i])
        }
        return out
    }
}
