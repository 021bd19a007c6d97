import QuireTensor

// Transforms that apply their inner transform only when a condition holds.

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
