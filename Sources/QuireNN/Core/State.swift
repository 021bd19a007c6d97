import QuireTensor

extension Module {
    /// The module's tensors keyed by dotted path, in reflection order, filtered by kind.
    ///
    /// ```swift
    /// let mlp = MLP([4, 8, 2], rngs: Rngs(0))
    /// mlp.state().keys   // ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    /// ```
    public func state(_ filter: ParamFilter = .all) -> TensorDict {
        TensorDict(parameters(filter).map { ($0.path, $0.param.value) })
    }

    /// Replaces the values of every box that passes `filter` with the tensors of `state`.
    ///
    /// Every problem is reported in one ``ModuleError``: paths the module has (within the filter) that
    /// `state` lacks, paths `state` has that the module does not, and tensors whose shape or dtype
    /// differs. Nothing is changed when there is a problem.
    ///
    /// ```swift
    /// try model.load(other.state())
    /// try model.load(checkpoint, filter: .trainable)
    /// ```
    public func load(_ state: TensorDict, filter: ParamFilter = .all) throws {
        try assign(state, filter: filter, requireAll: true)
    }

    /// Replaces the values of the given paths only (an optimizer's step, a partial load); unknown and
    /// mis-shaped paths are errors, missing ones are left as they are.
    ///
    /// ```swift
    /// let (loss, grads) = try valueAndGrad(of: model) { m in lossOf(m(x)) }
    /// try model.update(parameters: TensorDict(grads.map { ($0.key, model.state()[$0.key]! - 0.1 * $0.value) }))
    /// ```
    public func update(parameters: TensorDict) throws {
        try assign(parameters, filter: .all, requireAll: false)
    }

    private func assign(_ state: TensorDict, filter: ParamFilter, requireAll: Bool) throws {
        let all = namedParams()
        let boxes = Dictionary(all.map { ($0.path, $0.param) }, uniquingKeysWith: { a, _ in a })
        var problems: [ModuleError.Problem] = []
        if requireAll {
            for (path, box) in all where filter.matches(box.kind) && state[path] == nil {
                problems.append(.missing(path: path, expected: tensorText(box.shape, box.dtype)))
            }
        }
        for (path, t) in state {
            guard let box = boxes[path], filter.matches(box.kind) else {
                problems.append(.unexpected(path: path, got: tensorText(t.shape, t.dtype), subject: .state))
                continue
            }
            if box.shape != t.shape || box.dtype != t.dtype {
                problems.append(.mismatched(path: path, expected: tensorText(box.shape, box.dtype), got: tensorText(t.shape, t.dtype),
                                            subject: .state))
            }
        }
        if !problems.isEmpty { throw ModuleError(problems) }
        for (path, t) in state { boxes[path]!.value = t }
    }
}

func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
