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
    /// Set by `adam`, `adamw` and `sgd`: how their step runs in place (``updateInPlace(params:grads:state:)``).
    var inPlaceRule: InPlaceRule?

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

/// Leaves updates unchanged; no state.
public func identity() -> GradientTransformation { stateless { g, _ in g } }

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
