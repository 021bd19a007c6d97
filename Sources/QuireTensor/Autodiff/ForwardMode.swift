// Forward mode and the Jacobian helpers: jvp, jacfwd, jacrev, hessian.
//
// A JVP is computed by transposing the VJP. The VJP u ↦ Jᵀu is linear in the cotangent u, so
// ⟨Jᵀu, v⟩ = ⟨u, Jv⟩, and the gradient of that scalar with respect to u is the JVP Jv. The inner VJP
// runs recorded (a gradient inside a gradient), so every primitive with a VJP rule has a JVP and there
// is no second rule table to keep in sync with `VJPRules.swift`. The price: a JVP costs one forward for
// the value, then a recorded forward + backward and the backward of that (about three VJPs).

/// Checks the tangents against the primals: one each, same shape, floating point.
private func requireTangents(_ primals: [Tensor], _ tangents: [Tensor], op: String) throws {
    guard primals.count == tangents.count else {
        throw AutodiffError("\(op): \(primals.count) primals but \(tangents.count) tangents; pass one tangent per primal")
    }
    for (i, (x, v)) in zip(primals, tangents).enumerated() {
        guard x.dtype.isFloatingPoint else {
            throw AutodiffError("\(op): primal \(i) has dtype \(x.dtype); only floating-point tensors have tangents")
        }
        guard x.shape == v.shape else {
            throw AutodiffError(
                "\(op): tangent \(i) has shape \(shapeString(v.shape)), but its primal has shape \(shapeString(x.shape))")
        }
    }
}

/// The value of `f` at `primals` and the Jacobian-vector product `∂f/∂x · tangents` (as `jax.jvp`), for
/// outputs of any shape.
///
/// ```swift
/// let (y, dy) = try jvp({ xs in xs[0] * xs[1] }, at: [a, b], tangents: [da, db])   // dy == da·b + a·db
/// ```
public func jvp(_ f: @escaping ([Tensor]) throws -> Tensor, at primals: [Tensor], tangents: [Tensor]) throws
    -> (value: Tensor, tangent: Tensor) {
    try requireTangents(primals, tangents, op: "jvp")
    let value = try f(primals)
    guard value.dtype.isFloatingPoint else {
        throw AutodiffError("jvp: the function returned a \(value.dtype) tensor; only floating-point outputs have tangents")
    }
    let seed = Tensor.zeros(value.shape, dtype: value.dtype)
    let r = try vjpOfRegion([seed], op: "jvp") { us in
        let inner = try vjpOfRegion(primals, seed: us[0], op: "jvp") { xs in try f(xs) }
        var total: Tensor?
        for (g, v) in zip(inner.gradients, tangents) {
            guard let g else { continue }
            let term = (g * v.cast(to: g.dtype)).sum()
            total = total.map { $0 + term } ?? term
        }
        return total ?? (us[0] * 0).sum()
    }
    return (value, r.gradients[0]!)
}

/// The value of `f` at `x` and the directional derivative `∂f/∂x · tangent`.
///
/// ```swift
/// let (y, dy) = try jvp({ $0.sin() }, at: x, tangent: Tensor.ones(x.shape))   // dy == cos(x)
/// ```
public func jvp(_ f: @escaping (Tensor) throws -> Tensor, at x: Tensor, tangent: Tensor) throws
    -> (value: Tensor, tangent: Tensor) {
    try jvp({ xs in try f(xs[0]) }, at: [x], tangents: [tangent])
}

/// A tensor of `shape` that is 1 at flat position `k` and 0 elsewhere.
private func basis(_ k: Int, shape: [Int], dtype: DType) -> Tensor {
    var values = [Double](repeating: 0, count: shape.reduce(1, *))
    values[k] = 1
    return Tensor(values, shape: shape).cast(to: dtype)
}

/// The Jacobian of `f` built row by row in reverse mode (one VJP per output element), shaped
/// `output shape + input shape` (as `jax.jacrev`). Prefer it when the output is smaller than the input.
///
/// ```swift
/// let j = try jacrev { x in x.matmul(w).tanh() }(x)   // x: [3] → j: [2, 3]  (w: [3, 2])
/// ```
public func jacrev(_ f: @escaping (Tensor) throws -> Tensor) -> (Tensor) throws -> Tensor {
    { x in
        guard x.dtype.isFloatingPoint else {
            throw AutodiffError("jacrev: the argument has dtype \(x.dtype); only floating-point tensors can be differentiated")
        }
        let y = try f(x)
        let count = y.scalarCount
        let rows = try (0..<count).map { k in
            try vjpOfRegion([x], seed: basis(k, shape: y.shape, dtype: y.dtype), op: "jacrev") { try f($0[0]) }.gradients[0]!
        }
        return Tensor.stack(rows, axis: 0).reshaped(y.shape + x.shape)
    }
}

/// The Jacobian of `f` built column by column in forward mode (one JVP per input element), shaped
/// `output shape + input shape` (as `jax.jacfwd`). Prefer it when the input is smaller than the output.
///
/// ```swift
/// let j = try jacfwd { t in Tensor.stack([t.sin(), t.cos()]) }(t)   // t: [] → j: [2]
/// ```
public func jacfwd(_ f: @escaping (Tensor) throws -> Tensor) -> (Tensor) throws -> Tensor {
    { x in
        let columns = try (0..<x.scalarCount).map { k in
            try jvp(f, at: x, tangent: basis(k, shape: x.shape, dtype: x.dtype)).tangent
        }
        guard let first = columns.first else {
            return Tensor.zeros(try f(x).shape + x.shape, dtype: x.dtype)
        }
        return Tensor.stack(columns, axis: first.rank).reshaped(first.shape + x.shape)
    }
}

/// The Hessian of a scalar function, shaped `input shape + input shape` (as `jax.hessian`: forward
/// over reverse, `jacfwd(grad(f))`).
///
/// ```swift
/// let h = try hessian { x in (x * x * x).sum() }(x)   // diag(6x)
/// ```
public func hessian(_ f: @escaping (Tensor) throws -> Tensor) -> (Tensor) throws -> Tensor {
    jacfwd(grad(f))
}
