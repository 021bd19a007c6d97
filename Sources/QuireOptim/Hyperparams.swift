import QuireTensor

// Hyper-parameters kept in the optimizer state, so they can be read and changed between steps.

/// A transform whose numeric hyper-parameters live in its state, so a training loop can read them and
/// change them between steps (Optax's `inject_hyperparams`). `make` builds the transform from the current
/// values on every update; its state is stored under `inner/`, the values as scalars `hyperparams/<name>`
/// (so they are checkpointed with the rest).
///
/// ```swift
/// let tx = injectHyperparams(["learningRate": 0.1, "momentum": 0.9]) { h in
///     sgd(learningRate: h["learningRate"]!, momentum: h["momentum"]!)
/// }
/// var state = tx.initialize(params: params)
/// try state.setHyperparam("learningRate", to: 0.01)   // the next update uses 0.01
/// state.hyperparams["momentum"]                       // 0.9
/// ```
///
/// The transform `make` returns must keep the same state layout for every value (true of every
/// optimizer here: hyper-parameters change numbers, not buffers).
public func injectHyperparams(_ initial: [String: Double],
                              _ make: @escaping @Sendable (_ hyperparams: [String: Double]) -> GradientTransformation)
    -> GradientTransformation {
    GradientTransformation(
        initialize: { params in
            var s = OptState()
            for (name, value) in initial { s.scalars[hyperparamsPrefix + name] = value }
            s.insert(make(initial).initialize(params: params), prefix: "inner")
            return s
        },
        update: { grads, state, params in
            var current: [String: Double] = [:]
            for name in initial.keys {
                guard let v = state.scalars[hyperparamsPrefix + name] else {
                    throw OptimError("injectHyperparams: the state has no hyper-parameter \(name)")
                }
                current[name] = v
            }
            let r = try make(current).update(grads: grads, state: state.scoped("inner"), params: params)
            var out = OptState()
            for (name, value) in current { out.scalars[hyperparamsPrefix + name] = value }
            out.insert(r.state, prefix: "inner")
            return (r.updates, out)
        })
}

private let hyperparamsPrefix = "hyperparams/"

extension OptState {
    /// The hyper-parameters an ``injectHyperparams(_:_:)`` transform keeps in this state, by name (found at
    /// any depth, e.g. inside a `chain`; the first by key when several parts have the same name).
    public var hyperparams: [String: Double] {
        var out: [String: Double] = [:]
        for key in scalars.keys.sorted() {
            guard let name = Self.hyperparamName(key), out[name] == nil else { continue }
            out[name] = scalars[key]
        }
        return out
    }

    /// Sets the hyper-parameter `name` of every ``injectHyperparams(_:_:)`` part that has one; the next
    /// update uses `value`. Throws, listing the names there are, when none has it.
    public mutating func setHyperparam(_ name: String, to value: Double) throws {
        let keys = scalars.keys.filter { Self.hyperparamName($0) == name }
        guard !keys.isEmpty else {
            throw OptimError("no hyper-parameter \(name) in this optimizer state (have: "
                             + hyperparams.keys.sorted().joined(separator: ", ") + "); wrap the transform in injectHyperparams")
        }
        for k in keys { scalars[k] = value }
    }

    /// `name` for a key `…hyperparams/name`, else nil.
    private static func hyperparamName(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[parts.count - 2] == "hyperparams" else { return nil }
        return String(parts[parts.count - 1])
    }
}
