// Regions and the backward pass.
//
// A differentiated call opens a region of the thread's trace: it appends one leaf node per argument,
// runs the function (ops on traced tensors append nodes), then walks the region's nodes from the
// output back to the leaves, applying each node's VJP rule. Cotangents live in a slot per node and are
// dropped as soon as their node is processed; in a first-order pass the node's residuals are dropped at
// the same time, so memory falls as the backward pass proceeds.
//
// Nested calls (a gradient inside a gradient) share the trace: the inner backward pass runs with
// recording on, so its ops become nodes the outer pass differentiates.

/// A misuse of a differentiation transform, naming the problem.
///
/// ```swift
/// do { _ = try grad { $0 * 2 }(Tensor([1, 2] as [Float])) }
/// catch let e as AutodiffError { print(e) }   // grad: the function returned a tensor of shape [2], not a scalar; …
/// ```
public struct AutodiffError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The value of `f` at `inputs` and the cotangents of `inputs` for output cotangent `seed`
/// (`nil`: the output must have one element, and the seed is 1).
///
/// `differentiable[i] == false` marks an input that gets no gradient (its result is `nil`).
func vjpOfRegion(
    _ inputs: [Tensor], differentiable: [Bool]? = nil, seed: Tensor? = nil, op: String = "grad",
    _ f: ([Tensor]) throws -> Tensor
) throws -> (value: Tensor, gradients: [Tensor?]) {
    let (value, gradients, _) = try vjpOfRegionWithAux(inputs, differentiable: differentiable, seed: seed, op: op) {
        (try f($0), ())
    }
    return (value, gradients)
}

func vjpOfRegionWithAux<A>(
    _ inputs: [Tensor], differentiable: [Bool]? = nil, seed: Tensor? = nil, op: String = "grad",
    _ f: ([Tensor]) throws -> (Tensor, A)
) throws -> (value: Tensor, gradients: [Tensor?], aux: A) {
    let ctx = TraceContext.current
    let outerPaused = ctx.paused
    let outerSeal = ctx.sealedBy
    ctx.sealedBy = nil
    let outermost = ctx.trace == nil
    if outermost { ctx.trace = Trace() }
    let trace = ctx.trace!
    // Record the backward pass only when an enclosing differentiated call is recording.
    let createGraph = !outermost && outerPaused == 0
    ctx.depth += 1
    ctx.paused = 0
    defer {
        ctx.depth -= 1
        ctx.paused = outerPaused
        ctx.sealedBy = outerSeal
        if outermost {
            trace.releaseAll()
            ctx.trace = nil
        }
    }
    let start = trace.nodes.count
    var leaves: [TraceNode?] = []
    var traced: [Tensor] = []
    for (i, x) in inputs.enumerated() {
        guard differentiable?[i] ?? true, x.dtype.isFloatingPoint else {
            leaves.append(nil)
            // A jit trace keeps the data dependency (integer entries are never tagged otherwise).
            traced.append(trace.recordsAll || !x.dtype.isFloatingPoint ? x : x.detached)
            continue
        }
        let leaf = createGraph && x.node != nil
            ? trace.append(.identity, inputs: [x], output: x.detached)
            : trace.append(.input, inputs: [], output: x.detached)
        leaves.append(leaf.node)
        traced.append(leaf)
    }
    let (out, aux) = try f(traced)
    traced = []
    guard out.dtype.isFloatingPoint else {
        throw AutodiffError("\(op): the function returned a \(out.dtype) tensor; only floating-point outputs can be differentiated")
    }
    let cotangent: Tensor
    if let seed {
        guard seed.shape == out.shape else {
            throw AutodiffError("\(op): cotangent of shape \(shapeString(seed.shape)) does not match the output's shape \(shapeString(out.shape))")
        }
        cotangent = seed.cast(to: out.dtype)
    } else {
        guard out.scalarCount == 1 else {
            throw AutodiffError("\(op): the function returned a tensor of shape \(shapeString(out.shape)), not a scalar; "
                                + "reduce it to one element (e.g. .sum()) or pass a cotangent with vjp(_:at:cotangent:)")
        }
        cotangent = Tensor.ones(out.shape, dtype: out.dtype)
    }
    var gradients: [Tensor?]
    if let outNode = out.node, outNode.id >= start {
        if !createGraph { ctx.paused += 1 }
        defer { if !createGraph { ctx.paused -= 1 } }
        gradients = try backward(trace, from: outNode, seed: cotangent, start: start, leaves: leaves, createGraph: createGraph)
    } else {
        gradients = leaves.map { _ in nil }
    }
    for i in gradients.indices where leaves[i] != nil {
        var g = gradients[i] ?? Tensor.zeros(inputs[i].shape, dtype: inputs[i].dtype)
        if !createGraph { g = g.detached }
        gradients[i] = g
    }
    return (createGraph ? out : out.detached, gradients, aux)
}

/// Walks `trace.nodes[start...output.id]` in reverse, returning the cotangent reaching each leaf.
private func backward(_ trace: Trace, from output: TraceNode, seed: Tensor, start: Int,
                      leaves: [TraceNode?], createGraph: Bool) throws -> [Tensor?] {
    let end = output.id
    var cotangents = [Tensor?](repeating: nil, count: end - start + 1)
    cotangents[end - start] = seed
    var isLeaf = [Bool](repeating: false, count: end - start + 1)
    for case let leaf? in leaves { isLeaf[leaf.id - start] = true }
    for i in stride(from: end, through: start, by: -1) {
        let node = trace.nodes[i]
        guard !isLeaf[i - start] else { continue }
        guard let g = cotangents[i - start] else {
            if !createGraph { node.release() }
            continue
        }
        cotangents[i - start] = nil
        let inputCotangents = try node.primitive.vjpRule.apply(node, g)
        if !createGraph { node.release() }
        for (k, input) in node.inputs.enumerated() {
            guard let input, input.id >= start, k < inputCotangents.count, var gi = inputCotangents[k],
                  node.inputDTypes[k].isFloatingPoint else { continue }
            if gi.shape != node.inputShapes[k] { gi = gi.summed(toShape: node.inputShapes[k]) }
            if gi.dtype != node.inputDTypes[k] { gi = gi.cast(to: node.inputDTypes[k]) }
            let slot = input.id - start
            cotangents[slot] = cotangents[slot].map { $0 + gi } ?? gi
        }
    }
    return leaves.map { leaf in leaf.flatMap { cotangents[$0.id - start] } }
}
