import Foundation
import QuireTensor

// The scaling transforms that optimizers are chained from. Each keeps per-parameter buffers under
// `buffer/<path>` and a step `count` where it needs one.

/// Multiplies every update by `factor`.
///
/// ```swift
/// let negate = scale(-1)
/// ```
public func scale(_ factor: Double) -> GradientTransformation {
    GradientTransformation(initialize: { _ in OptState() },
                           update: { g, s, _ in (g.mapValues { $0 * factor }, s) })
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
/// `u = m̂ / (√(v̂ + epsRoot) + eps)` with `m̂ = m / (1 − b1ᵗ)`, `v̂ = v / (1 − b2ᵗ)`.
/// Buffers `mu/…`, `nu/…`; scalar `count`.
public func scaleByAdam(b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8,
                        epsRoot: Double = 0) -> GradientTransformation {
    GradientTransformation(
        initialize: { p in OptState(tensors: merged(buffers("mu", p), buffers("nu", p)), scalars: ["count": 0]) },
        update: { grads, s, _ in
            let t = (s.scalars["count"] ?? 0) + 1
            let c1 = 1 - Foundation.pow(b1, t), c2 = 1 - Foundation.pow(b2, t)
            var mus = TensorDict(), nus = TensorDict(), updates = TensorDict()
            for (k, g) in grads {
                let oldMu = try buffer(s, "mu", k), oldNu = try buffer(s, "nu", k)
                if !g.isTraced, let f = fusedAdamStep(g, mu: oldMu, nu: oldNu, b1: b1, b2: b2, c1: c1, c2: c2,
                                                      eps: eps, epsRoot: epsRoot) {
                    updates[k] = f.update
                    mus["mu/\(k)"] = f.mu
                    nus["nu/\(k)"] = f.nu
                    continue
                }
                let mu = b1 * oldMu + (1 - b1) * g
                let nu = b2 * oldNu + (1 - b2) * g.square()
                updates[k] = (mu / c1) / ((nu / c2 + epsRoot).sqrt() + eps)
                mus["mu/\(k)"] = mu
                nus["nu/\(k)"] = nu
            }
            // Same order as `initialize`: all mu buffers, then all nu buffers.
            return (updates, OptState(tensors: merged(mus, nus), scalars: ["count": t]))
        })
}

/// Momentum: `t ← g + decay · t`, update `t` (or `g + decay · t` with `nesterov`). Buffer `trace/…`.
public func traceMomentum(decay: Double, nesterov: Bool = false) -> GradientTransformation {
    GradientTransformation(
        initialize: { p in OptState(tensors: buffers("trace", p)) },
        update: { grads, s, _ in
            var out = OptState()
            var updates = TensorDict()
            for (k, g) in grads {
                let t = g + decay * (try buffer(s, "trace", k))
                updates[k] = nesterov ? g + decay * t : t
                out.tensors["trace/\(k)"] = t
            }
            return (updates, out)
        })
}

/// RMSProp's scaling: `v ← decay · v + (1 − decay) · g²`, update `g / √(v + eps)` (or
/// `g / (√v + eps)` when `epsInSqrt` is false). Buffer `nu/…` starting at `initialScale`.
public func scaleByRMS(decay: Double = 0.9, eps: Double = 1e-8, initialScale: Double = 0,
                       epsInSqrt: Bool = true) -> GradientTransformation {
    GradientTransformation(
        initialize: { p in OptState(tensors: buffers("nu", p) { Tensor.zeros(like: $0) + initialScale }) },
        update: { grads, s, _ in
            var out = OptState()
            var updates = TensorDict()
            for (k, g) in grads {
                let nu = decay * (try buffer(s, "nu", k)) + (1 - decay) * g.square()
                updates[k] = epsInSqrt ? g * (nu + eps).rsqrt() : g / (nu.sqrt() + eps)
                out.tensors["nu/\(k)"] = nu
            }
            return (updates, out)
        })
}

/// Adagrad's scaling: `s ← s + g²`, update `g / √(s + eps)` (0 where `s` is 0). Buffer `sumOfSquares/…`.
public func scaleByRSS(initialAccumulatorValue: Double = 0.1, eps: Double = 1e-7) -> GradientTransformation {
    GradientTransformation(
        initialize: { p in OptState(tensors: buffers("sumOfSquares", p) { Tensor.zeros(like: $0) + initialAccumulatorValue }) },
        update: { grads, s, _ in
            var out = OptState()
            var updates = TensorDict()
            for (k, g) in grads {
                let sos = (try buffer(s, "sumOfSquares", k)) + g.square()
                updates[k] = Tensor.where(sos .> 0, g * (sos + eps).rsqrt(), Tensor.zeros(like: g))
                out.tensors["sumOfSquares/\(k)"] = sos
            }
            return (updates, out)
        })
}

/// Lion's update: `sign((1 − b1) · g + b1 · m)`, then `m ← b2 · m + (1 − b2) · g`. Buffer `mu/…`.
public func scaleByLion(b1: Double = 0.9, b2: Double = 0.99) -> GradientTransformation {
    GradientTransformation(
        initialize: { p in OptState(tensors: buffers("mu", p)) },
        update: { grads, s, _ in
            var out = OptState()
            var updates = TensorDict()
            for (k, g) in grads {
                let m = try buffer(s, "mu", k)
                updates[k] = ((1 - b1) * g + b1 * m).sign()
                out.tensors["mu/\(k)"] = b2 * m + (1 - b2) * g
            }
            return (updates, out)
        })
}

/// LAMB's layer-wise trust ratio: each update is scaled by `‖param‖ / ‖update‖` (1 when either is 0).
/// Needs `params`.
public func scaleByTrustRatio() -> GradientTransformation {
    GradientTransformation(
        initialize: { _ in OptState() },
        update: { grads, s, params in
            let params = try requireParams(params, "scaleByTrustRatio")
            var updates = TensorDict()
            for (k, u) in grads {
                let pn = sumOfSquares(try param(params, k, "scaleByTrustRatio")).squareRoot()
                let un = sumOfSquares(u).squareRoot()
                updates[k] = pn == 0 || un == 0 ? u : u * (pn / un)
            }
            return (updates, s)
        })
}

/// Scales each update by its parameter's root mean square, at least `minScale` (adafactor's
/// relative step size). Needs `params`.
public func scaleByParamBlockRMS(minScale: Double = 1e-3) -> GradientTransformation {
    GradientTransformation(
        initialize: { _ in OptState() },
        update: { grads, s, params in
            let params = try requireParams(params, "scaleByParamBlockRMS")
            var updates = TensorDict()
            for (k, u) in grads {
                let p = try param(params, k, "scaleByParamBlockRMS")
                let rms = (sumOfSquares(p) / Double(max(p.scalarCount, 1))).squareRoot()
                updates[k] = u * max(rms, minScale)
            }
            return (updates, s)
        })
}
