// vmap through the trace: the function is recorded once on one example (as `jit` records it, so a
// `grad` or `jvp` inside is recorded too), then the recorded program is evaluated on the whole batch
// with a batching rule per primitive: each value is either batched (a leading axis of n examples) or
// shared by all examples, and an op on batched values runs once with its axes moved past the batch
// axis. A primitive without a rule here (custom rules, gathers with batched indices, scatters) runs
// per example for that node only; every node's batched result is checked against the shape the trace
// recorded, and a mismatch falls back to per-example evaluation of that node too.

import Synchronization

/// Nodes evaluated per example inside batched vmaps so far (no batching rule, or a rule whose result
/// did not have the recorded shape): tests read it to see that the rules, not the fallback, ran.
let vmapPerExampleNodes = Atomic<Int>(0)

/// A value in the batched evaluation: the tensor, and whether axis 0 is the batch (n examples).
private struct BatchedValue {
    var tensor: Tensor
    var batched: Bool
}

/// The batched evaluation of `f` over inputs (batched ones share batch size `n`), or nil when the
/// function cannot be recorded for replay (it reads tensor values, say), where the caller loops.
func vmapThroughTrace(_ f: ([Tensor]) throws -> Tensor, _ inputs: [Tensor], batched mapped: [Bool], size n: Int) throws -> Tensor? {
    let examples = inputs.indices.map { i in
        mapped[i] ? inputs[i].sliced(axis: 0, 0, 1).reshaped(Array(inputs[i].shape.dropFirst())) : inputs[i]
    }
    let ctx = TraceContext.current
    let saved = (ctx.trace, ctx.depth, ctx.paused, ctx.sealedBy)
    let trace = Trace(recordsAll: true)
    (ctx.trace, ctx.depth, ctx.paused, ctx.sealedBy) = (trace, 1, 0, nil)
    let output: Tensor
    do {
        defer { (ctx.trace, ctx.depth, ctx.paused, ctx.sealedBy) = saved }
        let arguments = examples.map { trace.append(.input, inputs: [], output: $0.detached) }
        output = try f(arguments)
    } catch {
        trace.releaseAll()
        throw error
    }
    defer { trace.releaseAll() }
    if trace.unreplayable != nil { return nil }

    var values = [BatchedValue?](repeating: nil, count: trace.nodes.count)
    for node in trace.nodes {
        if case .input = node.primitive {
            if node.id < inputs.count {
                values[node.id] = BatchedValue(tensor: inputs[node.id], batched: mapped[node.id])
            } else if let v = node.leafValue {
                values[node.id] = BatchedValue(tensor: v, batched: false)
            } else {
                return nil
            }
            continue
        }
        let args: [BatchedValue] = node.inputs.indices.map { k in
            if let input = node.inputs[k] { return values[input.id]! }
            return BatchedValue(tensor: node.constants[k]!, batched: false)
        }
        values[node.id] = try evaluate(node, args, size: n)
    }
    let result: BatchedValue
    if let node = trace.node(tagged: output.traceTag) {
        result = values[node.id]!
    } else {
        result = BatchedValue(tensor: output.detached, batched: false)
    }
    if result.batched { return result.tensor }
    return result.tensor.reshaped([1] + result.tensor.shape).broadcast(to: [n] + result.tensor.shape).contiguous()
}

/// One node on batched arguments: its batching rule when it has one and the result has the recorded
/// example shape, else per example.
private func evaluate(_ node: TraceNode, _ args: [BatchedValue], size n: Int) throws -> BatchedValue {
    if !args.contains(where: \.batched) {
        return BatchedValue(tensor: try node.primitive.apply(args.map(\.tensor)), batched: false)
    }
    if let ruled = try batchingRule(node.primitive, args, size: n),
       ruled.shape == [n] + node.shape, ruled.dtype == node.dtype {
        return BatchedValue(tensor: ruled, batched: true)
    }
    vmapPerExampleNodes.add(1, ordering: .relaxed)
    let results = try (0..<n).map { k in
        try node.primitive.apply(args.map { $0.batched ? $0.tensor.sliced(axis: 0, k, k + 1).reshaped(Array($0.tensor.shape.dropFirst())) : $0.tensor })
    }
    return BatchedValue(tensor: Tensor.stack(results, axis: 0), batched: true)
}

/// The primitive applied once to the whole batch, or nil where it has no rule.
private func batchingRule(_ p: Primitive, _ args: [BatchedValue], size n: Int) throws -> Tensor? {
    let x = args[0]
    let rank = x.tensor.rank - (x.batched ? 1 : 0)   // the first argument's example rank
    func axis(_ a: Int) -> Int { (a < 0 ? a + rank : a) + 1 }
    switch p {
    case .identity, .stopGradient, .negate, .abs, .square, .exp, .log, .log1p, .expm1, .sqrt, .rsqrt,
         .sin, .cos, .tanh, .sigmoid, .relu, .silu, .softplus, .gelu, .sign, .cast, .isFinite:
        return try p.apply([x.tensor])
    case .add, .subtract, .multiply, .divide, .pow, .maximum, .minimum, .reluGradient, .compare, .select:
        return try p.apply(aligned(args))
    case .sum(let a, let k): return try p.withAxes(.sum(axes: a.map(axis), keepDims: k), x)
    case .mean(let a, let k): return try p.withAxes(.mean(axes: a.map(axis), keepDims: k), x)
    case .prod(let a, let k): return try p.withAxes(.prod(axes: a.map(axis), keepDims: k), x)
    case .max(let a, let k): return try p.withAxes(.max(axes: a.map(axis), keepDims: k), x)
    case .min(let a, let k): return try p.withAxes(.min(axes: a.map(axis), keepDims: k), x)
    case .logSumExp(let a, let k): return try p.withAxes(.logSumExp(axes: a.map(axis), keepDims: k), x)
    case .softmax(let a): return try p.withAxes(.softmax(axis: axis(a)), x)
    case .logSoftmax(let a): return try p.withAxes(.logSoftmax(axis: axis(a)), x)
    case .cumsum(let a): return try p.withAxes(.cumsum(axis: axis(a)), x)
    case .argExtremum(let a, let k, let isMax): return try p.withAxes(.argExtremum(axis: axis(a), keepDims: k, isMax: isMax), x)
    case .flip(let a): return try p.withAxes(.flip(axes: a.map(axis)), x)
    case .slice(let a, let s, let e, let st): return try p.withAxes(.slice(axis: axis(a), start: s, end: e, step: st), x)
    case .reshape(let s): return x.tensor.reshaped([n] + s)
    case .permute(let order): return x.tensor.permuted([0] + order.map(axis))
    case .broadcast(let s): return expanded(x, toRank: s.count).broadcast(to: [n] + s)
    case .pad(let widths, let value): return x.tensor.padded([(0, 0)] + widths.map { ($0[0], $0[1]) }, mode: .constant(value))
    case .concatenate(let a, _):
        return try Tensor.checkedConcatenate(args.map { everyExample($0, size: n) }, axis: axis(a))
    case .takeAlong(let a):
        return everyExample(x, size: n).take(along: everyExample(args[1], size: n), axis: axis(a))
    case .scatterAddAlong(let a):
        let all = args.map { everyExample($0, size: n) }
        return all[0].scatterAdding(all[1], along: all[2], axis: axis(a))
    case .take(let a):
        guard !args[1].batched else { return nil }
        return x.tensor.take(args[1].tensor, axis: axis(a))
    case .matmul: return batchedMatmul(args[0], args[1])
    case .input, .custom, .checkpoint, .scatterAdd: return nil
    }
}

private extension Primitive {
    /// `self` with its axes moved past the batch axis (`moved`), applied to the batched `x`.
    func withAxes(_ moved: Primitive, _ x: BatchedValue) throws -> Tensor? {
        guard x.batched else { return nil }
        return try moved.apply([x.tensor])
    }
}

/// Elementwise arguments with the batch axis in front of every batched one and their example axes
/// aligned to the right (as broadcasting aligns them): a batched argument of lower example rank gets
/// size-1 axes after the batch axis; shared ones broadcast as they are.
private func aligned(_ args: [BatchedValue]) -> [Tensor] {
    let rank = args.map { $0.tensor.rank - ($0.batched ? 1 : 0) }.max() ?? 0
    return args.map { $0.batched ? expanded($0, toRank: rank) : $0.tensor }
}

/// A batched value `[n] + s` reshaped to `[n] + [1, …] + s` with `rank` example axes.
private func expanded(_ v: BatchedValue, toRank rank: Int) -> Tensor {
    let s = Array(v.tensor.shape.dropFirst())
    guard s.count < rank else { return v.tensor }
    return v.tensor.reshaped([v.tensor.shape[0]] + Array(repeating: 1, count: rank - s.count) + s)
}

/// A value with the batch axis: batched ones as they are, shared ones repeated n times.
private func everyExample(_ v: BatchedValue, size n: Int) -> Tensor {
    v.batched ? v.tensor : v.tensor.reshaped([1] + v.tensor.shape).broadcast(to: [n] + v.tensor.shape)
}

/// `matmul` per example as one product: vectors become one-row or one-column matrices so the batch
/// axis lands among the matrix product's batch axes, then the added axis is dropped again.
private func batchedMatmul(_ a: BatchedValue, _ b: BatchedValue) -> Tensor? {
    let ra = a.tensor.rank - (a.batched ? 1 : 0), rb = b.tensor.rank - (b.batched ? 1 : 0)
    guard ra >= 1, rb >= 1 else { return nil }
    func insert(_ v: BatchedValue, at axisFromEnd: Int) -> BatchedValue {
        var s = v.tensor.shape
        s.insert(1, at: s.count - axisFromEnd)
        return BatchedValue(tensor: v.tensor.reshaped(s), batched: v.batched)
    }
    let left = ra == 1 ? insert(a, at: 1) : a        // [.., k] → [.., 1, k]
    let right = rb == 1 ? insert(b, at: 0) : b       // [.., k] → [.., k, 1]
    // A shared operand with fewer axes broadcasts over the batch; a batched one needs its batch axis
    // in front of the other operand's batch axes, so both are brought to one rank.
    let exampleRank = Swift.max(left.tensor.rank - (left.batched ? 1 : 0), right.tensor.rank - (right.batched ? 1 : 0))
    let l = left.batched ? expanded(left, toRank: exampleRank) : left.tensor
    let r = right.batched ? expanded(right, toRank: exampleRank) : right.tensor
    var product = l.matmul(r)
    var shape = product.shape
    if rb == 1 { shape.removeLast() }
    if ra == 1 { shape.remove(at: shape.count - (rb == 1 ? 1 : 2)) }
    if shape != product.shape { product = product.reshaped(shape) }
    return product
}
