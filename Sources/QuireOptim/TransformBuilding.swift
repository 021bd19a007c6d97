import QuireTensor

// The pieces a transform is written with (Optax's `stateless` and `tree.update_moment`): copy the
// pattern of `scaleByRMS` or `scale` in Scaling.swift when adding one.

/// A transform without state: `update(grads, params)` gives the updates (Optax's `stateless`).
/// `params` is nil when the caller passed none.
///
/// ```swift
/// let halve = stateless { g, _ in g.mapValues { $0 * 0.5 } }
/// ```
public func stateless(_ update: @escaping @Sendable (_ grads: TensorDict, _ params: TensorDict?) throws -> TensorDict)
    -> GradientTransformation {
    GradientTransformation(initialize: { _ in OptState() }, update: { g, s, p in (try update(g, p), s) })
}

/// One per-parameter buffer of a transform's state (a moment, a trace, an accumulator …). It owns the
/// key strings: parameter `path`'s buffer is stored as `"<name>/<path>"` in ``OptState/tensors``.
///
/// ```swift
/// let nu = ParamBuffer("nu", filledWith: 0.1)
/// let state = OptState(tensors: nu.initial(params))       // nu/<path> for every parameter
/// let v = try nu.read(state, "dense.weight")               // or a clear error naming the buffer
/// ```
public struct ParamBuffer: Sendable {
    /// The buffer's name, the first part of its keys.
    public let name: String
    private let make: @Sendable (Tensor) -> Tensor

    /// A buffer whose initial value is `initial(param)` (zeros like the parameter by default).
    public init(_ name: String, initial: @escaping @Sendable (Tensor) -> Tensor = { Tensor.zeros(like: $0) }) {
        self.name = name
        self.make = initial
    }

    /// A buffer that starts at `value` everywhere, shaped and typed like its parameter.
    public init(_ name: String, filledWith value: Double) {
        self.init(name) { Tensor.zeros(like: $0) + value }
    }

    /// The key of parameter `path`'s buffer.
    public func key(_ path: String) -> String { "\(name)/\(path)" }

    /// The initial buffers for `params`, in their order.
    public func initial(_ params: TensorDict) -> TensorDict {
        TensorDict(params.map { (key($0.key), make($0.value)) })
    }

    /// Parameter `path`'s buffer in `state`, or an error naming the buffer and the path.
    public func read(_ state: OptState, _ path: String) throws -> Tensor {
        guard let t = state.tensors[key(path)] else {
            throw OptimError("optimizer state has no \(name) buffer for \(path) (was it initialized with these parameters?)")
        }
        return t
    }
}

/// A transform whose state is one buffer per parameter for each of `buffers` (plus a step `count` when
/// `counted`), and whose update is elementwise per parameter: `step(g, current, t)` gets one parameter's
/// gradient, its buffers in the order given, and the step number `t` (1 for the first update), and
/// returns the update and the new buffers in the same order. The state keeps all of the first buffer,
/// then all of the second, … (the order of a checkpoint).
///
/// ```swift
/// // RMSProp's scaling, the whole transform:
/// perParameter(ParamBuffer("nu")) { g, b, _ in
///     let nu = decay * b[0] + (1 - decay) * g.square()
///     return (g * (nu + eps).rsqrt(), [nu])
/// }
/// ```
public func perParameter(_ buffers: ParamBuffer..., counted: Bool = false,
                         step: @escaping @Sendable (_ grad: Tensor, _ buffers: [Tensor], _ t: Double) throws
                             -> (update: Tensor, buffers: [Tensor])) -> GradientTransformation {
    GradientTransformation(
        initialize: { params in
            var s = OptState(scalars: counted ? ["count": 0] : [:])
            for b in buffers { for (k, v) in b.initial(params) { s.tensors[k] = v } }
            return s
        },
        update: { grads, s, _ in
            let t = (s.scalars["count"] ?? 0) + 1
            var updates = TensorDict()
            var next = [TensorDict](repeating: TensorDict(), count: buffers.count)
            for (k, g) in grads {
                let current = try buffers.map { try $0.read(s, k) }
                let r = try step(g, current, t)
                precondition(r.buffers.count == buffers.count,
                             "perParameter: step returned \(r.buffers.count) buffers for \(buffers.count)")
                updates[k] = r.update
                for (i, b) in buffers.enumerated() { next[i][b.key(k)] = r.buffers[i] }
            }
            var out = OptState(scalars: counted ? ["count": t] : [:])
            for part in next { for (k, v) in part { out.tensors[k] = v } }
            return (updates, out)
        })
}

/// The parameters, or an error naming the transform that needs them.
func requireParams(_ params: TensorDict?, _ op: String) throws -> TensorDict {
    guard let params else { throw OptimError("\(op) needs params: pass params: to update") }
    return params
}

/// The parameter at `path`.
func param(_ params: TensorDict, _ path: String, _ op: String) throws -> Tensor {
    guard let p = params[path] else { throw OptimError("\(op): no parameter \(path) for its gradient") }
    return p
}

/// Σ x² over one tensor, in Double.
func sumOfSquares(_ t: Tensor) -> Double { t.square().sum().item(as: Double.self) }

/// The Euclidean norm of all tensors together.
func globalNorm(_ ts: TensorDict) -> Double { ts.values.reduce(0) { $0 + sumOfSquares($1) }.squareRoot() }

extension TensorDict {
    /// The same paths with `transform(path, tensor)` as values, in order.
    func mapWithPaths(_ transform: (String, Tensor) throws -> Tensor) rethrows -> TensorDict {
        var out = TensorDict()
        for (k, t) in self { out[k] = try transform(k, t) }
        return out
    }
}
