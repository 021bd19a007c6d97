// stopGradient, customVJP and checkpoint: the ways user code shapes what the backward pass does.

extension Tensor {
    /// The same values, cut off from differentiation: no gradient flows through the result, at any
    /// order (as `jax.lax.stop_gradient`).
    ///
    /// ```swift
    /// let g = try grad { x in (x * x.stopGradient()).sum() }(x)   // x, not 2x
    /// ```
    public func stopGradient() -> Tensor {
        // A jit trace keeps the data dependency (the replayed value must follow the inputs).
        if _slowPath(traceTag != 0), TraceContext.current.active?.recordsAll == true {
            return Tensor.traced(.stopGradient, [self]) { detached }
        }
        return detached
    }
}

/// A function of tensors with a user-supplied backward pass (as `jax.custom_vjp`).
///
/// `forward` computes the output and the residuals the backward needs; `backward` maps the residuals
/// and the output's cotangent to one cotangent per input (with the input's shape). Outside
/// differentiation only `forward` runs. Inside, `forward` runs unrecorded and one `custom` node stands
/// for it in the trace. When the backward pass is itself differentiated (a second derivative),
/// `forward` runs again, recorded, so that `backward` differentiates through the residuals too; write
/// `backward` with tensor ops for that to hold.
///
/// ```swift
/// // log(1 + eˣ) with a hand-written, overflow-safe derivative
/// let softplus = customVJP(name: "softplus",
///     forward: { xs in (xs[0].softplus(), [xs[0]]) },
///     backward: { res, g in [g * res[0].sigmoid()] })
/// let y = softplus([x])
/// ```
public func customVJP(
    name: String = "customVJP",
    forward: @escaping @Sendable ([Tensor]) -> (Tensor, [Tensor]),
    backward: @escaping @Sendable (_ residuals: [Tensor], _ cotangent: Tensor) -> [Tensor]
) -> ([Tensor]) -> Tensor {
    { inputs in
        let ctx = TraceContext.current
        guard let trace = ctx.active, inputs.contains(where: { $0.node != nil }) else { return forward(inputs).0 }
        let (out, residuals) = ctx.sealed(by: name) { forward(inputs.map(\.detached)) }
        let rule = CustomRule(name: name, forward: forward, residuals: residuals.map(\.detached)) { res, g in backward(res, g) }
        guard out.dtype.isFloatingPoint else { return out }
        return trace.append(.custom(rule), inputs: inputs, output: out.detached)
    }
}

/// A one-tensor ``customVJP(name:forward:backward:)``.
///
/// ```swift
/// let clipGrad = customVJP(forward: { x in (x, []) }, backward: { _, g in g.clamped(to: -1...1) })
/// ```
public func customVJP(
    name: String = "customVJP",
    forward: @escaping @Sendable (Tensor) -> (Tensor, [Tensor]),
    backward: @escaping @Sendable (_ residuals: [Tensor], _ cotangent: Tensor) -> Tensor
) -> (Tensor) -> Tensor {
    let f = customVJP(name: name, forward: { xs in forward(xs[0]) }, backward: { r, g in [backward(r, g)] })
    return { x in f([x]) }
}

/// Rematerialization (as `jax.checkpoint`): the returned function computes `f` without keeping its
/// intermediate values; the backward pass runs `f` again on the saved inputs to differentiate it.
/// Memory for activations inside `f` is traded for one more forward computation of `f`.
///
/// ```swift
/// let block = checkpoint { (xs: [Tensor]) in (xs[0].matmul(xs[1])).tanh() }
/// let loss = try grad { w in block([x, w]).sum() }(w)
/// ```
public func checkpoint(_ f: @escaping @Sendable ([Tensor]) -> Tensor) -> ([Tensor]) -> Tensor {
    { inputs in
        let ctx = TraceContext.current
        guard let trace = ctx.active, inputs.contains(where: { $0.node != nil }) else { return f(inputs) }
        let out = ctx.sealed(by: "checkpoint") { f(inputs.map(\.detached)) }
        guard out.dtype.isFloatingPoint else { return out }
        return trace.append(.checkpoint(CheckpointRule(body: f)), inputs: inputs, output: out.detached)
    }
}

/// A one-tensor `checkpoint`: the same rematerialization for a function of one tensor.
///
/// ```swift
/// let layer = checkpoint { (h: Tensor) in (h.matmul(w) + b).relu() }
/// ```
public func checkpoint(_ f: @escaping @Sendable (Tensor) -> Tensor) -> (Tensor) -> Tensor {
    let g = checkpoint { (xs: [Tensor]) in f(xs[0]) }
    return { x in g([x]) }
}
