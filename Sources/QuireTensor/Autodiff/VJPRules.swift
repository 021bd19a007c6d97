// The VJP table: for every primitive, the cotangents of its inputs given the cotangent `g` of its
// output. Rules are written with ordinary tensor ops, so when the backward pass itself is traced
// (a gradient inside another gradient) the rules are differentiated too.
//
// Rules may return a cotangent with the output's broadcast shape or a wider dtype: the backward pass
// sums it down to the input's shape and casts it to the input's dtype (so elementwise rules never
// undo broadcasting themselves).
//
// Adding a primitive (the compiler points at each step after the first):
//  1. Add the case to `Primitive` (Primitive.swift), with its static attributes as associated values.
//  2. Name it in `Primitive.description` (an exhaustive switch: it does not compile until you do).
//  3. Write its rule in `vjpRule` below (exhaustive too). The constructor says what the rule saves:
//     `.nothing` (shapes and the cotangent only), `.inputs`, `.output` or `.inputsAndOutput`; the
//     trace keeps exactly that, and the rule receives it as non-optional arguments.
//  4. Record it from the op's entry point with `Tensor.traced(.yourCase, inputs) { … }` (elementwise
//     kernels: `static var primitive` in KernelPrimitives.swift).
//  5. Add a case to the finite-difference conformance test (AutodiffConformanceTests.swift); the
//     forward-mode test (jvp is the transposed VJP) loops over the same cases.

import Foundation

/// A VJP rule together with the residuals it reads. The constructor chosen declares what the trace
/// saves for the rule and passes exactly those values to it, so a rule cannot read a residual that
/// was not kept.
struct VJPRule {
    /// What the trace keeps for this rule.
    let saves: Primitive.Residuals
    private let body: (TraceNode, Tensor) throws -> [Tensor?]

    private init(_ saves: Primitive.Residuals, _ body: @escaping (TraceNode, Tensor) throws -> [Tensor?]) {
        self.saves = saves
        self.body = body
    }

    /// A rule that reads only the cotangent `g` and the node's static shapes.
    static func nothing(_ rule: @escaping (_ node: TraceNode, _ g: Tensor) throws -> [Tensor?]) -> VJPRule {
        VJPRule([], rule)
    }

    /// A rule that reads the inputs `x`.
    static func inputs(_ rule: @escaping (_ x: [Tensor], _ node: TraceNode, _ g: Tensor) throws -> [Tensor?]) -> VJPRule {
        VJPRule(.inputs) { node, g in try rule(node.savedInputs, node, g) }
    }

    /// A rule that reads the output `y`.
    static func output(_ rule: @escaping (_ y: Tensor, _ node: TraceNode, _ g: Tensor) -> [Tensor?]) -> VJPRule {
        VJPRule(.output) { node, g in rule(savedOutput(of: node), node, g) }
    }

    /// A rule that reads the inputs `x` and the output `y`.
    static func inputsAndOutput(
        _ rule: @escaping (_ x: [Tensor], _ y: Tensor, _ node: TraceNode, _ g: Tensor) -> [Tensor?]
    ) -> VJPRule {
        VJPRule([.inputs, .output]) { node, g in rule(node.savedInputs, savedOutput(of: node), node, g) }
    }

    /// One cotangent per input of `node` (`nil`: no gradient flows to that input).
    func apply(_ node: TraceNode, _ g: Tensor) throws -> [Tensor?] { try body(node, g) }

    private static func savedOutput(of node: TraceNode) -> Tensor {
        guard let y = node.savedOutput else {
            preconditionFailure("autodiff: the \(node.primitive) rule ran after its saved output was released")
        }
        return y
    }
}

extension TraceNode {
    /// Whether input `k` is traced (cotangents of constant inputs are never used: rules skip them).
    func needs(_ k: Int) -> Bool { inputs[k] != nil }
}

extension Primitive {
    /// The table: this primitive's VJP rule and what it saves.
    var vjpRule: VJPRule {
        switch self {
        case .input: return .nothing { _, _ in [] }
        case .identity: return .nothing { _, g in [g] }
        case .add: return .nothing { _, g in [g, g] }
        case .subtract: return .nothing { _, g in [g, -g] }
        case .multiply: return .inputs { x, n, g in [n.needs(0) ? g * x[1] : nil, n.needs(1) ? g * x[0] : nil] }
        case .divide:
            return .inputs { x, n, g in [n.needs(0) ? g / x[1] : nil, n.needs(1) ? -(g * x[0]) / x[1].square() : nil] }
        case .pow:
            return .inputsAndOutput { x, y, n, g in
                let (a, b) = (x[0], x[1])
                let da = n.needs(0) ? g * b * a.pow(b - 1) : nil
                let db = n.needs(1) ? g * y * Tensor.where(a .> 0, a.log(), Tensor(0, dtype: a.dtype)) : nil
                return [da, db]
            }
        case .maximum, .minimum:
            let isMaximum = self.isMaximum
            return .inputs { x, n, g in
                let takeA = isMaximum ? x[0] .>= x[1] : x[0] .<= x[1]
                let zero = Tensor(0, dtype: g.dtype)
                return [n.needs(0) ? Tensor.where(takeA, g, zero) : nil, n.needs(1) ? Tensor.where(takeA, zero, g) : nil]
            }
        case .negate: return .nothing { _, g in [-g] }
        case .abs: return .inputs { x, _, g in [g * x[0].sign()] }
        case .square: return .inputs { x, _, g in [g * x[0] * 2] }
        case .exp: return .output { y, _, g in [g * y] }
        case .log: return .inputs { x, _, g in [g / x[0]] }
        case .log1p: return .inputs { x, _, g in [g / (x[0] + 1)] }
        case .expm1: return .inputs { x, _, g in [g * x[0].exp()] }
        case .sqrt: return .output { y, _, g in [g * 0.5 / y] }
        case .rsqrt: return .output { y, _, g in [g * -0.5 * y * y * y] }
        case .sin: return .inputs { x, _, g in [g * x[0].cos()] }
        case .cos: return .inputs { x, _, g in [-(g * x[0].sin())] }
        case .tanh: return .output { y, _, g in [g * (1 - y.square())] }
        case .sigmoid: return .output { y, _, g in [g * y * (1 - y)] }
        case .relu:
            return .inputs { x, _, g in
                // One fused pass when this backward is not itself recorded (as it is for higher-order gradients).
                if TraceContext.current.active == nil && x[0].dtype == g.dtype {
                    return [Tensor.binary(ReluGradientKernel.self, x[0], g, op: "relu gradient")]
                }
                return [Tensor.where(x[0] .> 0, g, Tensor(0, dtype: g.dtype))]
            }
        case .silu:
            return .inputs { x, _, g in
                let s = x[0].sigmoid()
                return [g * s * (1 + x[0] * (1 - s))]
            }
        case .softplus: return .inputs { x, _, g in [g * x[0].sigmoid()] }
        case .gelu(let approximation): return .inputs { x, _, g in [g * geluDerivative(x[0], approximation)] }
        case .select:
            return .inputs { x, n, g in
                let zero = Tensor(0, dtype: g.dtype)
                return [nil, n.needs(1) ? Tensor.where(x[0], g, zero) : nil, n.needs(2) ? Tensor.where(x[0], zero, g) : nil]
            }
        case .cast: return .nothing { _, g in [g] }
        case .compare, .isFinite, .sign, .argExtremum, .stopGradient, .reluGradient:
            return .nothing { n, _ in n.inputShapes.map { _ in nil } }
        case .sum(let axes, let keepDims):
            return .nothing { n, g in [g.restoringAxes(axes, keepDims: keepDims, to: n.inputShapes[0])] }
        case .mean(let axes, let keepDims):
            return .nothing { n, g in
                let count = axes.reduce(1) { $0 * n.inputShapes[0][$1] }
                return [g.restoringAxes(axes, keepDims: keepDims, to: n.inputShapes[0]) / Double(Swift.max(count, 1))]
            }
        case .prod(let axes, let keepDims):
            return .inputsAndOutput { x, y, n, g in
                let shape = n.inputShapes[0]
                let gk = g.restoringAxes(axes, keepDims: keepDims, to: shape)
                return [gk * y.restoringAxes(axes, keepDims: keepDims, to: shape) / x[0]]
            }
        case .max(let axes, let keepDims), .min(let axes, let keepDims):
            return .inputsAndOutput { x, y, n, g in
                // Ties share the cotangent equally, as in JAX.
                let shape = n.inputShapes[0]
                let hit = (x[0] .== y.restoringAxes(axes, keepDims: keepDims, to: shape)).cast(to: g.dtype)
                let ties = hit.sum(axes: axes, keepDims: true)
                return [g.restoringAxes(axes, keepDims: keepDims, to: shape) * hit / ties]
            }
        case .logSumExp(let axes, let keepDims):
            return .inputsAndOutput { x, y, n, g in
                let shape = n.inputShapes[0]
                let weights = (x[0] - y.restoringAxes(axes, keepDims: keepDims, to: shape)).exp()
                return [g.restoringAxes(axes, keepDims: keepDims, to: shape) * weights]
            }
        case .softmax(let axis): return .output { y, _, g in [y * (g - (g * y).sum(axes: [axis], keepDims: true))] }
        case .logSoftmax(let axis): return .output { y, _, g in [g - y.exp() * g.sum(axes: [axis], keepDims: true)] }
        case .cumsum(let axis):
            return .nothing { _, g in [g.flipped(axes: [axis]).cumsum(axis: axis).flipped(axes: [axis])] }
        case .reshape: return .nothing { n, g in [g.reshaped(n.inputShapes[0])] }
        case .permute(let order):
            return .nothing { _, g in
                var inverse = order
                for (i, p) in order.enumerated() { inverse[p] = i }
                return [g.permuted(inverse)]
            }
        case .broadcast: return .nothing { _, g in [g] }   // summed back to the input shape by the backward pass
        case .slice(let axis, let start, _, let step):
            return .nothing { n, g in [g.unslicing(axis: axis, start: start, step: step, size: n.inputShapes[0][axis])] }
        case .flip(let axes): return .nothing { _, g in [g.flipped(axes: axes)] }
        case .pad(let widths, _):
            return .nothing { n, g in
                var r = g
                for (axis, w) in widths.enumerated() where w[0] != 0 || w[1] != 0 {
                    r = r.sliced(axis: axis, w[0], w[0] + n.inputShapes[0][axis])
                }
                return [r]
            }
        case .concatenate(let axis, let sizes): return .nothing { _, g in g.split(sizes: sizes, axis: axis) }
        case .take(let axis):
            return .inputs { x, n, g in
                [Tensor.zeros(n.inputShapes[0], dtype: g.dtype).scatterAdding(g, at: x[1], axis: axis), nil]
            }
        case .takeAlong(let axis):
            return .inputs { x, n, g in
                var target = g.shape
                target[axis] = n.inputShapes[0][axis]
                return [Tensor.zeros(target, dtype: g.dtype).scatterAdding(g, along: x[1], axis: axis), nil]
            }
        case .scatterAdd(let axis): return .inputs { x, n, g in [g, n.needs(1) ? g.take(x[2], axis: axis) : nil, nil] }
        case .scatterAddAlong(let axis):
            return .inputs { x, n, g in [g, n.needs(1) ? g.take(along: x[2], axis: axis) : nil, nil] }
        case .matmul: return .inputs { x, n, g in matmulVJP(x[0], x[1], g, need: [n.needs(0), n.needs(1)]) }
        case .custom(let rule):
            return .inputs { x, _, g in
                // Differentiated again (the backward pass is being recorded): recompute the residuals from
                // the traced inputs so that they, too, depend on them.
                let residuals = TraceContext.current.active != nil ? rule.forward(x).1 : rule.residuals
                return rule.backward(residuals, g)
            }
        case .checkpoint(let rule):
            // Recomputes the region on the saved inputs; a failure there (a body that now returns another
            // shape or dtype) is thrown from the enclosing transform, naming the checkpoint.
            return .inputs { x, _, g in
                try vjpOfRegion(x, seed: g, op: "checkpoint (recomputed for the backward pass)", rule.body).gradients
            }
        }
    }
}

extension Primitive {
    fileprivate var isMaximum: Bool {
        if case .maximum = self { return true }
        return false
    }
}

extension Tensor {
    /// A cotangent of a reduction's output brought back to the input's shape (a broadcast view).
    func restoringAxes(_ axes: [Int], keepDims: Bool, to shape: [Int]) -> Tensor {
        var kept = shape
        for a in axes { kept[a] = 1 }
        return (keepDims ? self : reshaped(kept)).broadcast(to: shape)
    }

    /// The inverse of `sliced(axis:start, _, step:)` for a cotangent: `self`'s elements placed at
    /// `start, start + step, …` of an axis of `size`, zeros elsewhere. Built from reshape and constant
    /// padding, so it is differentiable again.
    func unslicing(axis: Int, start: Int, step: Int, size n: Int) -> Tensor {
        var r = self
        if step > 1 {
            var spread = shape
            spread.insert(1, at: axis + 1)
            var widths = [(Int, Int)](repeating: (0, 0), count: rank + 1)
            widths[axis + 1] = (0, step - 1)
            var merged = shape
            merged[axis] *= step
            r = reshaped(spread).padded(widths).reshaped(merged)
        }
        if start + r.shape[axis] > n { r = r.sliced(axis: axis, 0, n - start) }
        var widths = [(Int, Int)](repeating: (0, 0), count: rank)
        widths[axis] = (start, n - start - r.shape[axis])
        return r.padded(widths)
    }

    /// Sums broadcast dimensions away so the result has `shape` (the inverse of broadcasting).
    ///
    /// ```swift
    /// Tensor.ones([4, 2, 3]).summed(toShape: [2, 1])   // [[3], [3]] · 4
    /// ```
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<Swift.max(lead, 0))
        for (i, n) in target.enumerated() where n == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        var r = axes.isEmpty ? self : sum(axes: axes, keepDims: true)
        if r.shape != target { r = r.reshaped(target) }
        return r
    }
}

/// d/dx of GELU.
private func geluDerivative(_ x: Tensor, _ approximation: GeluApproximation) -> Tensor {
    switch approximation {
    case .tanh:
        let c = (2 / Double.pi).squareRoot()
        let t = ((x + x.pow(3) * 0.044715) * c).tanh()
        return (1 + t) * 0.5 + x * 0.5 * (1 - t.square()) * c * (1 + x.square() * (3 * 0.044715))
    case .none:
        // Φ(x) = gelu(x) / x (x ≠ 0), plus x φ(x).
        let cdf = Tensor.where(x .== 0, Tensor(0.5, dtype: x.dtype), x.gelu(approximate: .none) / x)
        let pdf = (x.square() * -0.5).exp() * (1 / (2 * Double.pi).squareRoot())
        return cdf + x * pdf
    }
}

/// Cotangents of `a.matmul(b)` (NumPy semantics: 1-D operands, broadcast batch dimensions).
private func matmulVJP(_ a: Tensor, _ b: Tensor, _ g: Tensor, need: [Bool]) -> [Tensor?] {
    let a2 = a.rank == 1 ? a.reshaped([1, a.shape[0]]) : a
    let b2 = b.rank == 1 ? b.reshaped([b.shape[0], 1]) : b
    var g2 = g
    if a.rank == 1 { g2 = g2.expandingDims(at: g2.rank - (b.rank == 1 ? 0 : 1)) }
    if b.rank == 1 { g2 = g2.expandingDims(at: g2.rank) }
    let ga = need[0] ? g2.matmul(b2.transposed()).summed(toShape: a2.shape).reshaped(a.shape) : nil
    let gb = need[1] ? a2.transposed().matmul(g2).summed(toShape: b2.shape).reshaped(b.shape) : nil
    return [ga, gb]
}
