import QuireTensor

// Averages kept beside the optimization.

/// An exponential moving average of the parameters, for evaluation: passes updates through unchanged
/// and keeps `ema ← decay · ema + (1 − decay) · (params + updates)` in `ema/…`, starting from the
/// initial parameters. Put it last in a chain; read the average with ``emaParams(_:)``.
///
/// ```swift
/// let tx = chain(adam(learningRate: 1e-3), parameterEMA(decay: 0.999))
/// let evalParams = emaParams(state.scoped("1"))
/// ```
public func parameterEMA(decay: Double) -> GradientTransformation {
    let ema = ParamBuffer("ema") { $0.copied() }
    return GradientTransformation(
        initialize: { params in OptState(tensors: ema.initial(params)) },
        update: { updates, state, params in
            let params = try requireParams(params, "parameterEMA")
            var out = OptState()
            for (k, u) in updates {
                let next = try param(params, k, "parameterEMA") + u
                out.tensors[ema.key(k)] = decay * (try ema.read(state, k)) + (1 - decay) * next
            }
            return (updates, out)
        })
}

/// The averaged parameters of a ``parameterEMA(decay:)`` state (its `ema/…` buffers, prefix removed).
public func emaParams(_ state: OptState) -> TensorDict { state.scoped("ema").tensors }
