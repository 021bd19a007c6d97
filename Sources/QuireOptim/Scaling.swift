import Foundation
import QuireTensor

// The scaling transforms that optimizers are chained from, each written as its math on one parameter
// with `perParameter` (buffers named by `ParamBuffer`, stored as `<buffer>/<path>`) or `stateless`
// (TransformBuilding.swift). Copy one of these when adding a transform.

/// Multiplies every update by `factor`.
///
/// ```swift
/// let negate = scale(-1)
/// ```
public func scale(_ factor: Double) -> GradientTransformation {
    stateless { g, _ in g.mapValues { $0 * factor } }
}

/// Multiplies updates by the learning rate, negated when `flipSign` (the default, for descent).
/// The state keeps `count` (the step) and `learningRate` (the last rate used), so
/// ``OptState/learningRate`` and ``OptState/step`` can read them.
///
/// ```swift
/// scaleByLearningRate(0.1)
/// scaleByLearningRate(.cosineDecay(initialValue: 0.1, decaySteps: 1000))
/// ```
public func scaleByLearningRate(_ learningRate: any LearningRate, flipSign: Bool = true) -> GradientTransformation {
    let learningRate = learningRate.schedule
    let sign = flipSign ? -1.0 : 1.0
    return GradientTransformation(
        initialize: { _ in OptState(scalars: ["count": 0, "learningRate": learningRate(0)]) },
        update: { g, s, _ in
            let count = Int(s.scalars["count"] ?? 0)
            let lr = learningRate(count)
            return (g.mapValues { $0 * (sign * lr) },
                    OptState(scalars: ["count": Double(count + 1), "learningRate": lr]))
        })
}

/// Adam's preconditioning: bias-corrected first and second moments,
/// `u = m̂ / (√(v̂ + epsRoot) + eps)` with `m̂ = m · (1 / (1 − b1ᵗ))`, `v̂ = v · (1 / (1 − b2ᵗ))` (the
/// reciprocals rounded once to the dtype: one division an element, where Optax divides by the corrections).
/// Buffers `mu/…`, `nu/…`; scalar `count`. Untraced float32/float64 gradients take one fused pass.
public func scaleByAdam(b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8,
                        epsRoot: Double = 0) -> GradientTransformation {
    perParameter(ParamBuffer("mu"), ParamBuffer("nu"), counted: true) { g, b, t in
        // The bias corrections multiply by 1 / (1 − βᵗ) (rounded once to the dtype) rather than divide:
        // one division an element instead of three (Optax divides; the results differ by at most an ulp
        // of m̂ and v̂).
        let inv1 = 1 / (1 - Foundation.pow(b1, t)), inv2 = 1 / (1 - Foundation.pow(b2, t))
        if !g.isTraced, let f = fusedAdamStep(g, mu: b[0], nu: b[1], b1: b1, b2: b2, inverseC1: inv1, inverseC2: inv2,
                                              eps: eps, epsRoot: epsRoot) {
            return (f.update, [f.mu, f.nu])
        }
        let mu = b1 * b[0] + (1 - b1) * g
        let nu = b2 * b[1] + (1 - b2) * g.square()
        return ((mu * inv1) / ((nu * inv2 + epsRoot).sqrt() + eps), [mu, nu])
    }
}

/// Momentum: `t ← g + decay · t`, update `t` (or `g + decay · t` with `nesterov`). Buffer `trace/…`.
public func traceMomentum(decay: Double, nesterov: Bool = false) -> GradientTransformation {
    perParameter(ParamBuffer("trace")) { g, b, _ in
        let t = g + decay * b[0]
        return (nesterov ? g + decay * t : t, [t])
    }
}

/// RMSProp's scaling: `v ← decay · v + (1 − decay) · g²`, update `g / √(v + eps)` (or
/// `g / (√v + eps)` when `epsInSqrt` is false). Buffer `nu/…` starting at `initialScale`.
public func scaleByRMS(decay: Double = 0.9, eps: Double = 1e-8, initialScale: Double = 0,
                       epsInSqrt: Bool = true) -> GradientTransformation {
    perParameter(ParamBuffer("nu", filledWith: initialScale)) { g, b, _ in
        let nu = decay * b[0] + (1 - decay) * g.square()
        return (epsInSqrt ? g * (nu + eps).rsqrt() : g / (nu.sqrt() + eps), [nu])
    }
}

/// Centered RMSProp's scaling (Optax's `scale_by_stddev`): the gradient divided by its running
/// standard deviation, `m ← decay · m + (1 − decay) · g`, `v ← decay · v + (1 − decay) · g²`, update
/// `g / √(v − m² + eps)` (or `g / (√(v − m²) + eps)` when `epsInSqrt` is false). Buffers `mu/…` (from 0)
/// and `nu/…` (from `initialScale`).
///
/// ```swift
/// let tx = chain(scaleByStddev(decay: 0.9), scaleByLearningRate(1e-2))
/// ```
public func scaleByStddev(decay: Double = 0.9, eps: Double = 1e-8, initialScale: Double = 0,
                          epsInSqrt: Bool = true) -> GradientTransformation {
    perParameter(ParamBuffer("mu"), ParamBuffer("nu", filledWith: initialScale)) { g, b, _ in
        let mu = decay * b[0] + (1 - decay) * g
        let nu = decay * b[1] + (1 - decay) * g.square()
        let variance = nu - mu.square()
        return (epsInSqrt ? g * (variance + eps).rsqrt() : g / (variance.sqrt() + eps), [mu, nu])
    }
}

/// Adagrad's scaling: `s ← s + g²`, update `g / √(s + eps)` (0 where `s` is 0). Buffer `sumOfSquares/…`.
public func scaleByRSS(initialAccumulatorValue: Double = 0.1, eps: Double = 1e-7) -> GradientTransformation {
    perParameter(ParamBuffer("sumOfSquares", filledWith: initialAccumulatorValue)) { g, b, _ in
        let sos = b[0] + g.square()
        return (Tensor.where(sos .> 0, g * (sos + eps).rsqrt(), Tensor.zeros(like: g)), [sos])
    }
}

/// Lion's update: `sign((1 − b1) · g + b1 · m)`, then `m ← b2 · m + (1 − b2) · g`. Buffer `mu/…`.
public func scaleByLion(b1: Double = 0.9, b2: Double = 0.99) -> GradientTransformation {
    perParameter(ParamBuffer("mu")) { g, b, _ in
        (((1 - b1) * g + b1 * b[0]).sign(), [b2 * b[0] + (1 - b2) * g])
    }
}

/// LAMB's layer-wise trust ratio: each update is scaled by `‖param‖ / ‖update‖` (1 when either is 0).
/// Needs `params`.
public func scaleByTrustRatio() -> GradientTransformation {
    stateless { grads, params in
        let params = try requireParams(params, "scaleByTrustRatio")
        return try grads.mapWithPaths { k, u in
            let pn = sumOfSquares(try param(params, k, "scaleByTrustRatio")).squareRoot()
            let un = sumOfSquares(u).squareRoot()
            return pn == 0 || un == 0 ? u : u * (pn / un)
        }
    }
}

/// Scales each update by its parameter's root mean square, at least `minScale` (adafactor's
/// relative step size). Needs `params`.
public func scaleByParamBlockRMS(minScale: Double = 1e-3) -> GradientTransformation {
    stateless { grads, params in
        let params = try requireParams(params, "scaleByParamBlockRMS")
        return try grads.mapWithPaths { k, u in
            let p = try param(params, k, "scaleByParamBlockRMS")
            let rms = (sumOfSquares(p) / Double(max(p.scalarCount, 1))).squareRoot()
            return u * max(rms, minScale)
        }
    }
}
