import QuireTensor

/// A different transform per parameter group: `label(path)` names each parameter's group, and the
/// group's transform sees only its parameters. Group `name`'s state is stored under `name/`.
///
/// ```swift
/// let tx = multiTransform(["decay": adamw(learningRate: 1e-3), "plain": adam(learningRate: 1e-3)]) { path in
///     path.hasSuffix(".bias") ? "plain" : "decay"
/// }
/// ```
public func multiTransform(_ transforms: [String: GradientTransformation],
                           label: @escaping @Sendable (_ path: String) -> String) -> GradientTransformation {
    @Sendable func groups(_ d: TensorDict) throws -> [String: TensorDict] {
        var out: [String: TensorDict] = [:]
        for (k, t) in d {
            let g = label(k)
            guard transforms[g] != nil else {
                throw OptimError("multiTransform: \(k) is labelled \"\(g)\", which has no transform (have: "
                                 + transforms.keys.sorted().joined(separator: ", ") + ")")
            }
            out[g, default: TensorDict()][k] = t
        }
        return out
    }
    return GradientTransformation(
        initialize: { params in
            let byGroup = (try? groups(params)) ?? [:]
            var s = OptState()
            for name in transforms.keys.sorted() {
                s.insert(transforms[name]!.initialize(params: byGroup[name] ?? TensorDict()), prefix: name)
            }
            return s
        },
        update: { grads, state, params in
            let byGroup = try groups(grads)
            var out = OptState()
            var partial = TensorDict()
            for name in transforms.keys.sorted() {
                let g = byGroup[name] ?? TensorDict()
                let p = params.map { all in TensorDict(g.keys.compactMap { k in all[k].map { (k, $0) } }) }
                let r = try transforms[name]!.update(grads: g, state: state.scoped(name), params: p)
                for (k, u) in r.updates { partial[k] = u }
                out.insert(r.state, prefix: name)
            }
            // Keep the gradients' order.
            return (TensorDict(grads.keys.map { ($0, partial[$0]!) }), out)
        })
}

/// Gradient accumulation (Optax's MultiSteps): gradients are averaged over `everySteps` calls in one
/// buffer per parameter (`accumulator/…`); on the last of them the inner transform runs on the mean, and
/// on the others the updates are zero and the inner state is unchanged. Scalars `miniStep` (calls since
/// the last real update) and `gradientStep` (real updates).
///
/// ```swift
/// let tx = multiSteps(adam(learningRate: 1e-3), everySteps: 4)   // an effective batch 4× larger
/// ```
public func multiSteps(_ inner: GradientTransformation, everySteps k: Int) -> GradientTransformation {
    precondition(k >= 1, "multiSteps: everySteps must be at least 1, got \(k)")
    return GradientTransformation(
        initialize: { params in
            var s = OptState(tensors: buffers("accumulator", params), scalars: ["miniStep": 0, "gradientStep": 0])
            s.insert(inner.initialize(params: params), prefix: "inner")
            return s
        },
        update: { grads, state, params in
            let mini = state.scalars["miniStep"] ?? 0
            var out = OptState(scalars: ["gradientStep": state.scalars["gradientStep"] ?? 0])
            var mean = TensorDict()
            for (key, g) in grads {
                // Running mean: acc + (g - acc) / (n + 1).
                let acc = try buffer(state, "accumulator", key)
                mean[key] = acc + (g - acc) / (mini + 1)
            }
            if Int(mini) + 1 < k {
                out.scalars["miniStep"] = mini + 1
                for (key, m) in mean { out.tensors["accumulator/\(key)"] = m }
                out.insert(state.scoped("inner"), prefix: "inner")
                return (grads.mapValues { Tensor.zeros(like: $0) }, out)
            }
            let r = try inner.update(grads: mean, state: state.scoped("inner"), params: params)
            out.scalars["miniStep"] = 0
            out.scalars["gradientStep"]! += 1
            for (key, m) in mean { out.tensors["accumulator/\(key)"] = Tensor.zeros(like: m) }
            out.insert(r.state, prefix: "inner")
            return (r.updates, out)
        })
}

/// Skips updates whose gradients hold a NaN or infinity: the updates are zero and the inner state is
/// kept. Scalars `notFiniteCount` (consecutive skipped steps), `totalNotFinite` and `lastFinite` (1 or 0).
/// After more than `maxConsecutiveErrors` skips in a row the update is applied anyway (as Optax does).
///
/// ```swift
/// let tx = applyIfFinite(adam(learningRate: 1e-3), maxConsecutiveErrors: 5)
/// ```
public func applyIfFinite(_ inner: GradientTransformation, maxConsecutiveErrors: Int = 5) -> GradientTransformation {
    GradientTransformation(
        initialize: { params in
            var s = OptState(scalars: ["notFiniteCount": 0, "totalNotFinite": 0, "lastFinite": 1])
            s.insert(inner.initialize(params: params), prefix: "inner")
            return s
        },
        update: { grads, state, params in
            let finite = grads.values.allSatisfy { $0.isFinite().all().item(as: Bool.self) }
            let notFinite = finite ? 0 : (state.scalars["notFiniteCount"] ?? 0) + 1
            var out = OptState(scalars: [
                "notFiniteCount": notFinite,
                "totalNotFinite": (state.scalars["totalNotFinite"] ?? 0) + (finite ? 0 : 1),
                "lastFinite": finite ? 1 : 0,
            ])
            if finite || Int(notFinite) > maxConsecutiveErrors {
                let r = try inner.update(grads: grads, state: state.scoped("inner"), params: params)
                out.insert(r.state, prefix: "inner")
                return (r.updates, out)
            }
            out.insert(state.scoped("inner"), prefix: "inner")
            return (grads.mapValues { Tensor.zeros(like: $0) }, out)
        })
}

/// An exponential moving average of the parameters, for evaluation: passes updates through unchanged
/// and keeps `ema ← decay · ema + (1 − decay) · (params + updates)` in `ema/…`, starting from the
/// initial parameters. Put it last in a chain; read the average with ``emaParams(_:)``.
///
/// ```swift
/// let tx = chain(adam(learningRate: 1e-3), parameterEMA(decay: 0.999))
/// let evalParams = emaParams(state.scoped("1"))
/// ```
public func parameterEMA(decay: Double) -> GradientTransformation {
    GradientTransformation(
        initialize: { params in OptState(tensors: buffers("ema", params) { $0.copied() }) },
        update: { updates, state, params in
            let params = try requireParams(params, "parameterEMA")
            var out = OptState()
            for (k, u) in updates {
                let next = try param(params, k, "parameterEMA") + u
                out.tensors["ema/\(k)"] = decay * (try buffer(state, "ema", k)) + (1 - decay) * next
            }
            return (updates, out)
        })
}

/// The averaged parameters of a ``parameterEMA(decay:)`` state (its `ema/…` buffers, prefix removed).
public func emaParams(_ state: OptState) -> TensorDict { state.scoped("ema").tensors }
