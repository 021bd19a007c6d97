import QuireOptim
import QuireTensor

/// A model and a ``GradientTransformation`` together (Flax NNX's `nnx.Optimizer`): ``update(_:)`` turns
/// gradients keyed by parameter path into updates and writes the new values into the model's ``Param``
/// boxes in place. The boxes that pass `filter` are looked up once, at `init`.
///
/// ```swift
/// let model = MLP([64, 256, 256, 10], rngs: Rngs(0))
/// let optimizer = Optimizer(model, adam(learningRate: 1e-3))
/// let (loss, grads) = try valueAndGrad(of: model) { m in
///     softmaxCrossEntropy(logits: m(x), labels: y).mean()
/// }
/// try optimizer.update(grads)
/// optimizer.step           // 1
/// optimizer.learningRate   // 0.001
/// ```
public final class Optimizer<M: Module> {
    /// The model whose parameters are updated.
    public let model: M
    /// The transformation that turns gradients into updates.
    public let tx: GradientTransformation
    /// The transformation's state (per-parameter buffers, step counters), for checkpoints.
    public var state: OptState

    let boxes: [String: Param]
    let paths: [String]
    /// The boxes in the order of `paths`.
    private let orderedBoxes: [Param]
    /// The transformation's in-place step for `paths`, when it has one.
    private let inPlaceStep: InPlaceStep?

    /// An optimizer for the boxes of `model` that pass `filter` (trainable parameters by default).
    public init(_ model: M, _ tx: GradientTransformation, filter: ParamFilter = .trainable) {
        self.model = model
        self.tx = tx
        let named = model.parameters(filter)
        self.paths = named.map(\.path)
        self.boxes = Dictionary(named.map { ($0.path, $0.param) }, uniquingKeysWith: { a, _ in a })
        self.orderedBoxes = paths.map { [boxes] in boxes[$0]! }
        self.inPlaceStep = tx.inPlaceStep(paths: paths)
        self.state = tx.initialize(params: TensorDict(named.map { ($0.path, $0.param.value) }))
    }

    /// The number of updates applied so far.
    public var step: Int { state.step }

    /// The learning rate of the last update (the schedule's first value before any), or `nil` when the
    /// transformation has none.
    public var learningRate: Double? { state.learningRate }

    /// Applies one step: `grads` (keyed like the optimizer's parameters) become updates that are added
    /// to the parameters in place. Paths the optimizer does not manage, and mis-shaped gradients, throw
    /// before anything changes.
    public func update(_ grads: TensorDict) throws {
        try check(grads)
        if grads.count == paths.count, try updateInPlace(paths.map { grads[$0]! }) { return }
        let params = TensorDict(paths.map { ($0, boxes[$0]!.value) })
        let (updates, next) = try tx.update(grads: grads, state: state, params: params)
        let newParams = try applyUpdates(params, updates)
        for path in updates.keys { boxes[path]!.value = newParams[path]! }
        state = next
    }

    /// Applies one step with the mean of `shares`, gradient dictionaries keyed like ``update(_:)``'s (from
    /// shares of one batch, or accumulated micro-batches): summed in order and scaled by 1 / shares, as
    /// `(a + b) * 0.5` computes it. With `adam` or `adamw` on float32 and two shares, the mean is taken
    /// inside the fused update's pass (the same bits). Every share is checked before anything changes.
    ///
    /// ```swift
    /// let (_, a) = try valueAndGrad(of: model) { m in loss(m, firstHalf) }
    /// let (_, b) = try valueAndGrad(of: model) { m in loss(m, secondHalf) }
    /// try optimizer.update(averaging: [a, b])
    /// ```
    public func update(averaging shares: [TensorDict]) throws {
        precondition(!shares.isEmpty, "Optimizer.update(averaging:) needs at least one gradient dictionary")
        let first = shares[0]
        for share in shares { try check(share) }
        for share in shares.dropFirst() where share.keys != first.keys {
            let extra = share.keys.filter { first[$0] == nil }, missing = first.keys.filter { share[$0] == nil }
            throw ModuleError(extra.map { .unexpected(path: $0, got: shapeText(share[$0]!.shape), subject: .gradient) }
                              + missing.map { .missing(path: $0, expected: "a gradient in every share") })
        }
        if shares.count == 1 { return try update(first) }
        if shares.count == 2, first.count == paths.count,
           try updateInPlace(paths.map { first[$0]! }, meanWith: paths.map { shares[1][$0]! }) {
            return
        }
        let scale = 1 / Double(shares.count)
        try update(TensorDict(first.keys.map { k in (k, shares.dropFirst().map { $0[k]! }.reduce(first[k]!, +) * scale) }))
    }

    /// Throws, naming each path, when `grads` has a path the optimizer does not manage or a mis-shaped
    /// gradient.
    private func check(_ grads: TensorDict) throws {
        var problems: [ModuleError.Problem] = []
        for (path, g) in grads {
            guard let box = boxes[path] else {
                problems.append(.unexpected(path: path, got: shapeText(g.shape), subject: .gradient))
                continue
            }
            if box.shape != g.shape {
                problems.append(.mismatched(path: path, expected: shapeText(box.shape), got: shapeText(g.shape), subject: .gradient))
            }
        }
        if !problems.isEmpty { throw ModuleError(problems) }
    }

    /// The transformation's fused in-place step (``InPlaceStep``: `adam`, `adamw`, `sgd` on float32) with
    /// gradients in the order of `paths` (and, for Adam, the mean with `other`), when it has one. The boxes'
    /// tensors move into an array for the call and back, so a parameter nobody else holds is written
    /// without a copy. `false`, changing nothing, when the step does not apply.
    func updateInPlace(_ grads: [Tensor], meanWith other: [Tensor]? = nil) throws -> Bool {
        guard let inPlaceStep else { return false }
        var params = orderedBoxes.map(\.value)
        for box in orderedBoxes { box.value = vacatedParameter }
        defer { for (box, p) in zip(orderedBoxes, params) { box.value = p } }
        return try inPlaceStep.apply(params: &params, grads: grads, meanWith: other, state: &state)
    }
}

/// What a parameter box holds while its tensor is being updated in place.
private let vacatedParameter = Tensor.zeros([0])
