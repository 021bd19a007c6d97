// The differentiation transforms: grad, valueAndGrad (one tensor, two tensors, an array, a TensorDict),
// the hasAux forms, and vjp for non-scalar outputs.

/// Checks that every differentiated argument is floating point.
private func requireFloat(_ inputs: [Tensor], op: String) throws {
    for (i, x) in inputs.enumerated() where !x.dtype.isFloatingPoint {
        throw AutodiffError("\(op): argument \(i) has dtype \(x.dtype); only floating-point tensors can be differentiated "
                            + "(pass integer data through a closure, or use a TensorDict, where integer entries get no gradient)")
    }
}

/// The gradient of a scalar function of one tensor.
///
/// The returned function traces `f`, runs it, and differentiates it in reverse mode. It throws when `f`
/// does not return one element or when `x` is not floating point. Gradients compose:
/// `grad(grad(f))` gives second derivatives of scalar functions.
///
/// ```swift
/// let df = grad { x in (x * x).sum() }
/// try df(Tensor([1, 2, 3] as [Float]))          // [2, 4, 6]
/// let d2 = grad { x in try grad { ($0 * $0 * $0).sum() }(x).sum() }
/// try d2(Tensor([1, 2] as [Float]))             // [6, 12]
/// ```
public func grad(_ f: @escaping (Tensor) throws -> Tensor) -> (Tensor) throws -> Tensor {
    { x in try valueAndGrad(f)(x).gradient }
}

/// The value and gradient of a scalar function of one tensor.
///
/// ```swift
/// let (loss, g) = try valueAndGrad { w in (x.matmul(w) - y).square().mean() }(w)
/// ```
public func valueAndGrad(_ f: @escaping (Tensor) throws -> Tensor) -> (Tensor) throws -> (value: Tensor, gradient: Tensor) {
    { x in
        try requireFloat([x], op: "grad")
        let r = try vjpOfRegion([x]) { try f($0[0]) }
        return (r.value, r.gradients[0]!)
    }
}

/// The gradients of a scalar function of two tensors with respect to both.
///
/// ```swift
/// let (gw, gb) = try grad { w, b in (x.matmul(w) + b).square().sum() }(w, b)
/// ```
public func grad(_ f: @escaping (Tensor, Tensor) throws -> Tensor) -> (Tensor, Tensor) throws -> (Tensor, Tensor) {
    { a, b in try valueAndGrad(f)(a, b).gradient }
}

/// The value of a scalar function of two tensors and its gradients with respect to both.
///
/// ```swift
/// let (loss, (gw, gb)) = try valueAndGrad { w, b in (x.matmul(w) + b).square().sum() }(w, b)
/// ```
public func valueAndGrad(_ f: @escaping (Tensor, Tensor) throws -> Tensor)
    -> (Tensor, Tensor) throws -> (value: Tensor, gradient: (Tensor, Tensor)) {
    { a, b in
        try requireFloat([a, b], op: "grad")
        let r = try vjpOfRegion([a, b]) { try f($0[0], $0[1]) }
        return (r.value, (r.gradients[0]!, r.gradients[1]!))
    }
}

/// The gradients of a scalar function of an array of tensors, one per tensor.
///
/// ```swift
/// let gs = try grad { (ts: [Tensor]) in (ts[0] * ts[1]).sum() }([a, b])   // [b, a]
/// ```
public func grad(_ f: @escaping ([Tensor]) throws -> Tensor) -> ([Tensor]) throws -> [Tensor] {
    { xs in try valueAndGrad(f)(xs).gradient }
}

/// The value of a scalar function of an array of tensors and its gradient for each tensor.
///
/// ```swift
/// let (loss, gs) = try valueAndGrad { (ws: [Tensor]) in ws.reduce(x) { $0.matmul($1).tanh() }.sum() }(layers)
/// ```
public func valueAndGrad(_ f: @escaping ([Tensor]) throws -> Tensor) -> ([Tensor]) throws -> (value: Tensor, gradient: [Tensor]) {
    { xs in
        try requireFloat(xs, op: "grad")
        let r = try vjpOfRegion(xs, f)
        return (r.value, r.gradients.map { $0! })
    }
}

/// The gradients of a scalar function of path-keyed tensors (a model's parameters), keyed by the same
/// paths in the same order. Integer and bool entries get no gradient (they are left out of the result).
///
/// ```swift
/// let params: TensorDict = ["w": w, "b": b, "step": Tensor(3, dtype: .int32)]
/// let g = try grad { p in (x.matmul(p["w"]!) + p["b"]!).square().mean() }(params)
/// g.keys   // ["w", "b"]
/// ```
public func grad(_ f: @escaping (TensorDict) throws -> Tensor) -> (TensorDict) throws -> TensorDict {
    { p in try valueAndGrad(f)(p).gradient }
}

/// The value of a scalar function of path-keyed tensors and its gradients keyed by path.
///
/// ```swift
/// let (loss, grads) = try valueAndGrad { p in loss(p) }(params)
/// let updated = TensorDict(grads.keys.map { ($0, params[$0]! - 0.1 * grads[$0]!) })   // one SGD step
/// ```
public func valueAndGrad(_ f: @escaping (TensorDict) throws -> Tensor) -> (TensorDict) throws -> (value: Tensor, gradient: TensorDict) {
    { p in
        let r = try valueAndGrad(hasAux: true) { (p: TensorDict) in (try f(p), ()) }(p)
        return (r.value, r.gradient)
    }
}

/// The value, gradient and auxiliary output of a function of one tensor that returns `(loss, aux)`.
/// Only `loss` is differentiated; `aux` (metrics, predictions, new state) is passed through; tensors in
/// it are not traced afterwards.
///
/// ```swift
/// let (loss, g, logits) = try valueAndGrad(hasAux: true) { w in
///     let logits = x.matmul(w)
///     return (logits.logSoftmax().mean(), logits)
/// }(w)
/// ```
public func valueAndGrad<A>(hasAux: Bool, _ f: @escaping (Tensor) throws -> (Tensor, A))
    -> (Tensor) throws -> (value: Tensor, gradient: Tensor, aux: A) {
    { x in
        try requireFloat([x], op: "grad")
        let r = try vjpOfRegionWithAux([x]) { try f($0[0]) }
        return (r.value, r.gradients[0]!, detachedAux(r.aux))
    }
}

/// The value, path-keyed gradients and auxiliary output of a function of a ``TensorDict`` that returns
/// `(loss, aux)`.
///
/// ```swift
/// let (loss, grads, accuracy) = try valueAndGrad(hasAux: true) { (p: TensorDict) in (lossOf(p), accuracyOf(p)) }(params)
/// ```
public func valueAndGrad<A>(hasAux: Bool, _ f: @escaping (TensorDict) throws -> (Tensor, A))
    -> (TensorDict) throws -> (value: Tensor, gradient: TensorDict, aux: A) {
    { p in
        let values = p.values
        let r = try vjpOfRegionWithAux(values) { xs in try f(TensorDict(Array(zip(p.keys, xs)))) }
        var grads = TensorDict()
        for (k, g) in zip(p.keys, r.gradients) { if let g { grads[k] = g } }
        return (r.value, grads, detachedAux(r.aux))
    }
}

/// The value of `f` at `x` and the vector-Jacobian product `cotangentᵀ · ∂f/∂x`, for outputs of any shape.
///
/// ```swift
/// let (y, g) = try vjp({ $0.exp() }, at: x, cotangent: Tensor.ones(x.shape))   // g == exp(x)
/// ```
public func vjp(_ f: (Tensor) throws -> Tensor, at x: Tensor, cotangent: Tensor) throws -> (value: Tensor, gradient: Tensor) {
    try requireFloat([x], op: "vjp")
    let r = try vjpOfRegion([x], seed: cotangent, op: "vjp") { try f($0[0]) }
    return (r.value, r.gradients[0]!)
}

private func detachedAux<A>(_ aux: A) -> A {
    // Inside `jit` the aux outputs stay connected to the program being recorded.
    if TraceContext.current.trace?.recordsAll == true { return aux }
    if let t = aux as? Tensor { return t.detached as! A }
    if let d = aux as? TensorDict { return d.mapValues { $0.detached } as! A }
    if let ts = aux as? [Tensor] { return ts.map(\.detached) as! A }
    return aux
}
