import QuireTensor

/// A pure optimizer building block in the Optax model: `initialize` makes a state from the parameters,
/// `update` turns gradients (or the updates of the previous block) into updates and a new state. The
/// final updates are *added* to the parameters with ``applyUpdates(_:_:)``, so descent comes from a
/// negative learning rate (``scaleByLearningRate(_:flipSign:)``).
///
/// ```swift
/// let tx = chain(clipByGlobalNorm(1.0), adamw(learningRate: 1e-3, weightDecay: 1e-2))
/// var state = tx.initialize(params: params)
/// let (loss, grads) = try valueAndGrad(lossOf)(params)
/// let (updates, next) = try tx.update(grads: grads, state: state, params: params)
/// params = try applyUpdates(params, updates); state = next
/// ```
public struct GradientTransformation: Sendable {
    public typealias Initialize = @Sendable (_ params: TensorDict) -> OptState
    public typealias Update = @Sendable (_ grads: TensorDict, _ state: OptState, _ params: TensorDict?) throws
        -> (updates: TensorDict, state: OptState)

    private let initializeBody: Initialize
    private let updateBody: Update

    /// A transformation from its two functions.
    public init(initialize: @escaping Initialize, update: @escaping Update) {
        self.initializeBody = initialize
        self.updateBody = update
    }

    /// The initial state for `params` (Optax's `init`).
    public func initialize(params: TensorDict) -> OptState { initializeBody(params) }

    /// Updates for `grads` and the next state. `params` is needed by transforms that read the
    /// parameters (weight decay, trust ratio, adafactor's parameter scale, EMA); they throw without it.
    public func update(grads: TensorDict, state: OptState, params: TensorDict? = nil) throws
        -> (updates: TensorDict, state: OptState) {
        try updateBody(grads, state, params)
    }
}

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

/// Leaves updates unchanged; no state.
public func identity() -> GradientTransformation {
    GradientTransformation(initialize: { _ in OptState() }, update: { g, s, _ in (g, s) })
}

/// `params + updates` for every path in `updates` (parameters without an update are kept).
///
/// ```swift
/// params = try applyUpdates(params, updates)
/// ```
public func applyUpdates(_ params: TensorDict, _ updates: TensorDict) throws -> TensorDict {
    var out = params
    for (k, u) in updates {
        guard let p = params[k] else { throw OptimError("applyUpdates: update for \(k), which is not a parameter") }
        guard p.shape == u.shape else {
            throw OptimError("applyUpdates: update for \(k) has shape \(u.shape), parameter has \(p.shape)")
        }
        out[k] = (p + u).cast(to: p.dtype)
    }
    return out
}

// MARK: - Helpers for writing transforms

/// Per-parameter buffers named `buffer/<path>`, initialized from each parameter.
func buffers(_ name: String, _ params: TensorDict, _ make: (Tensor) -> Tensor = { Tensor.zeros(like: $0) }) -> TensorDict {
    TensorDict(params.map { ("\(name)/\($0.key)", make($0.value)) })
}

/// The buffer `name/path` of `state`, or a clear error.
func buffer(_ state: OptState, _ name: String, _ path: String) throws -> Tensor {
    guard let t = state.tensors["\(name)/\(path)"] else {
        throw OptimError("optimizer state has no \(name) buffer for \(path) (was it initialized with these parameters?)")
    }
    return t
}

/// The parameters, or an error naming the transform that needs them.
func requireParams(_ params: TensorDict?, _ op: String) throws -> TensorDict {
    guard let params else { throw OptimError("\(op) needs params: pass params: to update") }
    return params
}

/// The parameter at `path`.
func param(_ params: TensorDict, _ path: String, _ op: String) throws -> Tensor {
    guard let p = params[path] else { throw OptimError("\(op): no parameter \(path) for its gradient") }
    return p
}

/// Σ x² over one tensor, in Double.
func sumOfSquares(_ t: Tensor) -> Double { t.square().sum().item(as: Double.self) }

/// The Euclidean norm of all tensors together.
func globalNorm(_ ts: TensorDict) -> Double { ts.values.reduce(0) { $0 + sumOfSquares($1) }.squareRoot() }

/// The entries of several dictionaries in order.
func merged(_ parts: TensorDict...) -> TensorDict {
    var out = TensorDict()
    for d in parts { for (k, v) in d { out[k] = v } }
    return out
}
