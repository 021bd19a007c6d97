/// An ordered collection of tensors keyed by path (`"layers.0.weight"`), the shape in which modules
/// expose their parameters and in which `grad` and `valueAndGrad` return their gradients.
///
/// Iteration follows insertion order; assigning to an existing key keeps its position.
///
/// ```swift
/// var params: TensorDict = ["w": Tensor.ones([3, 2]), "b": Tensor.zeros([2])]
/// params["w"]?.shape          // [3, 2]
/// params.keys                 // ["w", "b"]
/// let doubled = params.mapValues { $0 * 2 }
/// ```
public struct TensorDict: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// The paths in order.
    public private(set) var keys: [String] = []
    private var entries: [String: Tensor] = [:]

    public init() {}

    /// From (path, tensor) pairs in order; a repeated path keeps its last tensor.
    public init(_ pairs: [(String, Tensor)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public init(dictionaryLiteral elements: (String, Tensor)...) { self.init(elements) }

    public subscript(key: String) -> Tensor? {
        get { entries[key] }
        set {
            if let newValue {
                if entries.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if entries.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Runs `body` on the tensor at `key` in place (`nil` when there is none): the dictionary does not
    /// hold a second reference meanwhile, so a write into it copies only when someone else holds it.
    ///
    /// ```swift
    /// params.modify("w") { w in w.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 1 } }
    /// ```
    @discardableResult
    public mutating func modify<R>(_ key: String, _ body: (inout Tensor) throws -> R) rethrows -> R? {
        guard entries[key] != nil else { return nil }
        return try body(&entries[key]!)
    }

    /// Runs `body` on the tensors at `keys` (in that order; `nil` for a key the dictionary lacks) moved
    /// out of the dictionary, then moves them back: as ``modify(_:_:)`` for many keys at once, with one
    /// lookup per key. A key repeated in `keys` gets `nil` after its first place.
    ///
    /// ```swift
    /// state.modify(["mu/w", "nu/w"]) { t in t[0]!.withUnsafeMutableBufferPointer(as: Float.self) { $0[0] = 0 } }
    /// ```
    public mutating func modify<R>(_ keys: [String], _ body: (inout [Tensor?]) throws -> R) rethrows -> R {
        // No entry is added or removed until the tensors go back, so the positions stay valid.
        var positions: [Dictionary<String, Tensor>.Index?] = []
        for key in keys {
            let i = entries.index(forKey: key)
            positions.append(i.flatMap { positions.contains($0) ? nil : $0 })
        }
        var taken = positions.map { i -> Tensor? in
            guard let i else { return nil }
            defer { entries.values[i] = TensorDict.vacated }
            return entries.values[i]
        }
        defer { for (i, t) in zip(positions, taken) { if let i, let t { entries.values[i] = t } } }
        return try body(&taken)
    }

    /// What an entry holds while ``modify(_:_:)-([String],_)`` has its tensor out.
    private static let vacated = Tensor.zeros([0])

    /// The tensors in key order.
    public var values: [Tensor] { keys.map { entries[$0]! } }
    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The same keys with transformed tensors.
    public func mapValues(_ transform: (Tensor) throws -> Tensor) rethrows -> TensorDict {
        var out = TensorDict()
        for k in keys { out[k] = try transform(entries[k]!) }
        return out
    }

    public func makeIterator() -> AnyIterator<(key: String, value: Tensor)> {
        var i = 0
        return AnyIterator {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            return (keys[i], entries[keys[i]]!)
        }
    }

    public var description: String {
        "[" + keys.map { "\($0): \(shapeString(entries[$0]!.shape)) \(entries[$0]!.dtype)" }.joined(separator: ", ") + "]"
    }
}
