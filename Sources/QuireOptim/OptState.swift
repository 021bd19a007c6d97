import QuireTensor

/// An error from an optimizer: a missing parameter, a state that does not fit, a bad label.
public struct OptimError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The state of a ``GradientTransformation``: path-keyed tensors plus named scalars (step counters,
/// the last learning rate, …), so it checkpoints like model parameters.
///
/// Transforms that hold per-parameter buffers key them `"<buffer>/<parameter path>"` (for example
/// `"mu/layers.0.weight"`); combinators nest their parts' states under a prefix (`chain` uses the part's
/// index: `"0/mu/layers.0.weight"`, `"1/count"`).
///
/// ```swift
/// let tx = adam(learningRate: 1e-3)
/// var state = tx.initialize(params: params)
/// (updates, state) = try tx.update(grads: grads, state: state, params: params)
/// state.step                          // 1
/// state.learningRate                  // 0.001
/// let data = try JSONEncoder().encode(state)
/// ```
public struct OptState: Sendable {
    /// Per-parameter buffers, keyed by path.
    public var tensors: TensorDict
    /// Named scalars (counters, the last learning rate).
    public var scalars: [String: Double]

    public init(tensors: TensorDict = TensorDict(), scalars: [String: Double] = [:]) {
        self.tensors = tensors
        self.scalars = scalars
    }

    /// The number of updates applied, as counted by the learning rate: the `count` that
    /// ``scaleByLearningRate(_:flipSign:)`` keeps beside the `learningRate` that ``learningRate`` reads
    /// (so a step skipped by ``applyIfFinite(_:maxConsecutiveErrors:)`` or accumulated by
    /// ``multiSteps(_:everySteps:)`` is not counted). A transform without a learning rate counts with its
    /// shallowest `count` (fewest `/`, then first by key); 0 when it has none.
    public var step: Int {
        if let key = learningRateKey {
            return Int(scalars[String(key.dropLast("learningRate".count)) + "count"] ?? 0)
        }
        let counts = scalars.keys.filter { $0 == "count" || $0.hasSuffix("/count") }
        let first = counts.min { ($0.split(separator: "/").count, $0) < ($1.split(separator: "/").count, $1) }
        return Int(first.flatMap { scalars[$0] } ?? 0)
    }

    /// The learning rate used by the last update (its schedule's first value before any update), as
    /// stored by ``scaleByLearningRate(_:flipSign:)``; `nil` when the transform has none. With several
    /// (e.g. one per ``multiTransform(_:label:)`` group) the first by key is returned.
    public var learningRate: Double? { learningRateKey.map { scalars[$0]! } }

    /// The key of the learning rate ``learningRate`` reads (not an injected hyper-parameter of that name,
    /// `…hyperparams/learningRate`, which is the value for the *next* update).
    private var learningRateKey: String? {
        scalars.keys.filter { ($0 == "learningRate" || $0.hasSuffix("/learningRate")) && !$0.hasSuffix("hyperparams/learningRate") }
            .sorted().first
    }

    /// The part of the state stored under `prefix` (`prefix/…`), with the prefix removed.
    public func scoped(_ prefix: String) -> OptState {
        let p = prefix + "/"
        var out = OptState()
        for (k, v) in tensors where k.hasPrefix(p) { out.tensors[String(k.dropFirst(p.count))] = v }
        for (k, v) in scalars where k.hasPrefix(p) { out.scalars[String(k.dropFirst(p.count))] = v }
        return out
    }

    /// Stores `part` under `prefix` (`prefix/…`).
    public mutating func insert(_ part: OptState, prefix: String) {
        for (k, v) in part.tensors { tensors[prefix + "/" + k] = v }
        for (k, v) in part.scalars { scalars[prefix + "/" + k] = v }
    }

    /// Replaces every value with `saved`'s, which must have exactly the same tensor paths and shapes
    /// and the same scalar names (tensors are cast to this state's dtypes). Use it to restore a
    /// checkpoint into a freshly initialized state, so a changed model is caught.
    ///
    /// ```swift
    /// var state = tx.initialize(params: params)
    /// try state.load(savedState)   // throws, listing every missing, unexpected or mis-shaped path
    /// ```
    public mutating func load(_ saved: OptState) throws {
        var problems: [String] = []
        for k in tensors.keys where saved.tensors[k] == nil { problems.append("missing tensor \(k)") }
        for k in saved.tensors.keys where tensors[k] == nil { problems.append("unexpected tensor \(k)") }
        for (k, t) in tensors {
            if let s = saved.tensors[k], s.shape != t.shape {
                problems.append("tensor \(k) has shape \(s.shape), expected \(t.shape)")
            }
        }
        for k in scalars.keys.sorted() where saved.scalars[k] == nil { problems.append("missing scalar \(k)") }
        for k in saved.scalars.keys.sorted() where scalars[k] == nil { problems.append("unexpected scalar \(k)") }
        guard problems.isEmpty else {
            throw OptimError("optimizer state does not fit (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n  "
                             + problems.joined(separator: "\n  "))
        }
        for (k, t) in tensors { tensors[k] = saved.tensors[k]!.cast(to: t.dtype).copied() }
        scalars = saved.scalars
    }
}

extension OptState: Codable {
    private struct EncodedTensor: Codable {
        var path: String
        var dtype: DType
        var shape: [Int]
        var values: [Double]
    }
    private enum Keys: String, CodingKey { case tensors, scalars }

    /// Encodes tensors as `{path, dtype, shape, values}` in path order, and the scalars by name.
    /// (JSON needs a non-conforming-float strategy if a buffer holds NaN or infinity.)
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(tensors.map { EncodedTensor(path: $0.key, dtype: $0.value.dtype, shape: $0.value.shape,
                                                 values: $0.value.scalars(as: Double.self)) }, forKey: .tensors)
        try c.encode(scalars, forKey: .scalars)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        var ts = TensorDict()
        for e in try c.decode([EncodedTensor].self, forKey: .tensors) {
            let n = e.shape.reduce(1, *)
            guard n == e.values.count else {
                throw OptimError("optimizer state tensor \(e.path): \(e.values.count) values for shape \(e.shape)")
            }
            ts[e.path] = Tensor(e.values, shape: e.shape).cast(to: e.dtype)
        }
        self.init(tensors: ts, scalars: try c.decode([String: Double].self, forKey: .scalars))
    }
}
