// The VJP table: for every primitive, the cotangents of its inputs given the cotangent `g` of its
// output. Rules are written with ordinary tensor ops, so when the backward pass itself is traced
// (a gradient inside another gradient) the rules are differentiated too.
//
// Rules may return a cotangent with the output's broadcast shape or a wider dtype: the backward pass
// sums it down to the input's shape and casts it to the input's dtype (so elementwise rules never
// undo broadcasting themselves).

import Foundation

extension Primitive {
    /// One cotangent per input (`nil`: no gradient flows to that input).
    func vjp(_ node: TraceNode, _ g: Tensor) -> [Tensor?] {
        let x = node.savedInputs
        let y = node.savedOutput
        // Cotangents of constant (untraced) inputs are never used: skip computing them.
        let need = node.inputs.map { $0 != nil }
        switch self {
        case .input: return []
        case .identity: return [g]
        case .add: return [g, g]
        case .subtract: return [g, -g]
        case .multiply: return [need[0] ? g * x[1] : nil, need[1] ? g * x[0] : nil]
        case .divide: return [need[0] ? g / x[1] : nil, need[1] ? -(g * x[0]) / x[1].square() : nil]
        case .pow:
            let (a, b) = (x[0], x[1])
            let da = need[0] ? g * b * a.pow(b - 1) : nil
            let db = need[1] ? g * y! * Tensor.where(a .> 0, a.log(), Tensor(0, dtype: a.dtype)) : nil
            return [da, db]
        case .maximum, .minimum:
            let takeA = self.isMaximum ? x[0] .>= x[1] : x[0] .<= x[1]
            let zero = Tensor(0, dtype: g.dtype)
            return [need[0] ? Tensor.where(takeA, g, zero) : nil, need[1] ? Tensor.where(takeA, zero, g) : nil]
        case .negate: return [-g]
        case .abs: return [g * x[0].sign()]
        case .square: return [g * x[0] * 2]
        case .exp: return [g * y!]
        case .log: return [g / x[0]]
        case .log1p: return [g / (x[0] + 1)]
        case .expm1: return [g * x[0].exp()]
        case .sqrt: return [g * 0.5 / y!]
        case .rsqrt: return [g * -0.5 * y! * y! * y!]
        case .sin: return [g * x[0].cos()]
        case .cos: return [-(g * x[0].sin())]
        case .tanh: return [g * (1 - y!.square())]
        case .sigmoid: return [g * y! * (1 - y!)]
        case .relu:
            // One fused pass when this backward is not itself recorded (as it is for higher-order gradients).
            if TraceContext.current.active == nil && x[0].dtype == g.dtype {
                return [Tensor.binary(ReluGradientKernel.self, x[0], g, op: "relu gradient")]
            }
            return [Tensor.where(x[0] .> 0, g, Tensor(0, dtype: g.dtype))]
        case .silu:
            let s = x[0].sigmoid()
            return [g * s * (1 + x[0] * (1 - s))]
        case .softplus: return [g * x[0].sigmoid()]
        case .gelu(let approximation): return [g * geluDerivative(x[0], approximation)]
        case .select:
            let zero = Tensor(0, dtype: g.dtype)
            return [nil, need[1] ? Tensor.where(x[0], g, zero) : nil, need[2] ? Tensor.where(x[0], zero, g) : nil]
        case .cast: return [g]
        case .sum(let axes, let keepDims):
            return [g.restoringAxes(axes, keepDims: keepDims, to: node.inputShapes[0])]
        case .mean(let axes, let keepDims):
            let count = axes.reduce(1) { $0 * node.inputShapes[0][$1] }
            return [g.restoringAxes(axes, keepDims: keepDims, to: node.inputShapes[0]) / Double(Swift.max(count, 1))]
        case .prod(let axes, let keepDims):
            let shape = node.inputShapes[0]
            let gk = g.restoringAxes(axes, keepDims: keepDims, to: shape)
            return [gk * y!.restoringAxes(axes, keepDims: keepDims, to: shape) / x[0]]
        case .max(let axes, let keepDims), .min(let axes, let keepDims):
            // Ties share the cotangent equally, as in JAX.
            let shape = node.inputShapes[0]
            let hit = (x[0] .== y!.restoringAxes(axes, keepDims: keepDims, to: shape)).cast(to: g.dtype)
            let ties = hit.sum(axes: axes, keepDims: true)
            return [g.restoringAxes(axes, keepDims: keepDims, to: shape) * hit / ties]
        case .logSumExp(let axes, let keepDims):
            let shape = node.inputShapes[0]
            let weights = (x[0] - y!.restoringAxes(axes, keepDims: keepDims, to: shape)).exp()
            return [g.restoringAxes(axes, keepDims: keepDims, to: shape) * weights]
        case .softmax(let axis):
            return [y! * (g - (g * y!).sum(axes: [axis], keepDims: true))]
        case .logSoftmax(let axis):
            return [g - y!.exp() * g.sum(axes: [axis], keepDims: true)]
        case .cumsum(let axis):
            return [g.flipped(axes: [axis]).cumsum(axis: axis).flipped(axes: [axis])]
        case .reshape: return [g.reshaped(node.inputShapes[0])]
        case .permute(let order):
            var inverse = order
            for (i, p) in order.enumerated() { inverse[p] = i }
            return [g.permuted(inverse)]
        case .broadcast: return [g]   // summed back to the input shape by the backward pass
        case .slice(let axis, let start, _, let step):
            return [g.unslicing(axis: axis, start: start, step: step, size: node.inputShapes[0][axis])]
        case .flip(let axes): return [g.flipped(axes: axes)]
        case .pad(let widths):
            var r = g
            for (axis, w) in widths.enumerated() where w[0] != 0 || w[1] != 0 {
                r = r.sliced(axis: axis, w[0], w[0] + node.inputShapes[0][axis])
            }
            return [r]
        case .concatenate(let axis, let sizes):
            return g.split(sizes: sizes, axis: axis)
        case .take(let axis):
            return [Tensor.zeros(node.inputShapes[0], dtype: g.dtype).scatterAdding(g, at: x[1], axis: axis), nil]
        case .takeAlong(let axis):
            var target = g.shape
            target[axis] = node.inputShapes[0][axis]
            return [Tensor.zeros(target, dtype: g.dtype).scatterAdding(g, along: x[1], axis: axis), nil]
        case .scatterAdd(let axis): return [g, need[1] ? g.take(x[2], axis: axis) : nil, nil]
        case .scatterAddAlong(let axis): return [g, need[1] ? g.take(along: x[2], axis: axis) : nil, nil]
        case .matmul: return matmulVJP(x[0], x[1], g, need: need)
        case .custom(let rule):
            // Differentiated again (the backward pass is being recorded): recompute the residuals from
            // the traced inputs so that they, too, depend on them.
            let residuals = TraceContext.current.active != nil ? rule.forward(x).1 : rule.residuals
            return rule.backward(residuals, g)
        case .checkpoint(let rule):
            return (try? vjpOfRegion(x, seed: g, rule.body).gradients) ?? x.map { _ in nil }
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
