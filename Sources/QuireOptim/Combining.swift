import QuireTensor

// Transforms made of other transforms: in sequence (`chain`) or per parameter group (`multiTransform`).

/// The transforms applied one after another, each to the previous one's updates. Part `i`'s state is
/// stored under the prefix `"i/"`.
///
/// ```swift
/// let tx = chain(clipByGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3))
/// ```
public func chain(_ parts: GradientTransformation...) -> GradientTransformation { chain(parts) }

/// ``chain(_:)-(GradientTransformation...)`` over an array.
public func chain(_ parts: [GradientTransformation]) -> GradientTransformation {
    GradientTransformation(
        initialize: { params in
            var s = OptState()
            for (i, p) in parts.enumerated() { s.insert(p.initialize(params: params), prefix: String(i)) }
            return s
        },
        update: { grads, state, params in
            var u = grads
            var out = OptState()
            for (i, p) in parts.enumerated() {
                let r = try p.update(grads: u, state: state.scoped(String(i)), params: params)
                u = r.updates
                out.insert(r.state, prefix: String(i))
            }
            return (u, out)
        })
}

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
