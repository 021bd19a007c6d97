import QuireTensor

// Gradient accumulation over several calls (Optax's MultiSteps).

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
    let accumulator = ParamBuffer("accumulator")
    return GradientTransformation(
        initialize: { params in
            var s = OptState(tensors: accumulator.initial(params), scalars: ["miniStep": 0, "gradientStep": 0])
            s.insert(inner.initialize(params: params), prefix: "inner")
            return s
        },
        update: { grads, state, params in
            let mini = state.scalars["miniStep"] ?? 0
            var out = OptState(scalars: ["gradientStep": state.scalars["gradientStep"] ?? 0])
            var mean = TensorDict()
            for (key, g) in grads {
                // Running mean: acc + (g - acc) / (n + 1).
                let acc = try accumulator.read(state, key)
                mean[key] = acc + (g - acc) / (mini + 1)
            }
            if Int(mini) + 1 < k {
                out.scalars["miniStep"] = mini + 1
                for (key, m) in mean { out.tensors[accumulator.key(key)] = m }
                out.insert(state.scoped("inner"), prefix: "inner")
                return (grads.mapValues { Tensor.zeros(like: $0) }, out)
            }
            let r = try inner.update(grads: mean, state: state.scoped("inner"), params: params)
            out.scalars["miniStep"] = 0
            out.scalars["gradientStep"]! += 1
            for (key, m) in mean { out.tensors[accumulator.key(key)] = Tensor.zeros(like: m) }
            out.insert(r.state, prefix: "inner")
            return (r.updates, out)
        })
}
