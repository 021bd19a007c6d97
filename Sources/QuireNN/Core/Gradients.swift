import QuireTensor

/// The value of a scalar loss of a model and its gradients keyed by parameter path.
///
/// The boxes that pass `filter` (trainable parameters by default) are read as a ``TensorDict``, swapped
/// for traced tensors while `body` runs, and restored afterwards, even when `body` throws. Buffers a
/// layer updates during the call (batch-norm statistics) keep their new, untraced values.
///
/// ```swift
/// let (loss, grads) = try valueAndGrad(of: model) { m in (m(x) - y).square().mean() }
/// grads["layers.0.weight"]!.shape   // same as the parameter
/// ```
public func valueAndGrad<M: Module>(of model: M, filter: ParamFilter = .trainable,
                                    _ body: @escaping (M) throws -> Tensor) throws -> (value: Tensor, gradients: TensorDict) {
    let r = try valueAndGrad(of: model, filter: filter, hasAux: true) { m in (try body(m), ()) }
    return (r.value, r.gradients)
}

/// ``valueAndGrad(of:filter:_:)`` for a body that returns `(loss, aux)`; `aux` (logits, metrics) is
/// passed through untraced.
///
/// ```swift
/// let (loss, grads, logits) = try valueAndGrad(of: model, hasAux: true) { m in
///     let logits = m(x); return (crossEntropy(logits, y), logits)
/// }
/// ```
public func valueAndGrad<M: Module, A>(of model: M, filter: ParamFilter = .trainable, hasAux: Bool,
                                       _ body: @escaping (M) throws -> (Tensor, A)) throws
    -> (value: Tensor, gradients: TensorDict, aux: A) {
    let boxes = model.parameters(filter)
    let saved = boxes.map { $0.param.value }
    let params = TensorDict(zip(boxes.map(\.path), saved).map { ($0, $1) })
    defer { for (b, v) in zip(boxes, saved) { b.param.value = v } }
    let r = try QuireTensor.valueAndGrad(hasAux: true) { (p: TensorDict) -> (Tensor, A) in
        for b in boxes { b.param.value = p[b.path]! }
        return try body(model)
    }(params)
    return (r.value, r.gradient, r.aux)
}

/// The gradients of a scalar loss of a model keyed by parameter path.
///
/// ```swift
/// let grads = try grad(of: model) { m in m(x).square().mean() }
/// ```
public func grad<M: Module>(of model: M, filter: ParamFilter = .trainable,
                            _ body: @escaping (M) throws -> Tensor) throws -> TensorDict {
    try valueAndGrad(of: model, filter: filter, body).gradients
}
