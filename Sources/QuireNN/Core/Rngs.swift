import QuireTensor

/// Named random streams (`params`, `dropout`, …) built on ``PRNGKey``.
///
/// Each stream has a root key and a counter; every draw folds the counter into the root key, so the
/// n-th draw of a stream is the same on every run whatever the other streams did. A stream that was
/// not named falls back to `default`.
///
/// ```swift
/// let rngs = Rngs(0)                          // every stream derives from seed 0
/// let rngs2 = Rngs(params: 0, dropout: 1)     // separate seeds
/// let k = rngs.params()                       // next key of the params stream
/// ```
public final class Rngs: @unchecked Sendable {
    private var roots: [String: PRNGKey] = [:]
    private var counters: [String: UInt32] = [:]

    /// One `default` stream; named streams derive from it by folding in the stream name.
    public init(_ seed: Int) {
        roots["default"] = PRNGKey(seed: seed)
    }

    /// Separate seeds for the `params` and `dropout` streams (and a `default` from `params`).
    public init(params: Int, dropout: Int? = nil) {
        roots["default"] = PRNGKey(seed: params)
        roots["params"] = PRNGKey(seed: params)
        if let dropout { roots["dropout"] = PRNGKey(seed: dropout) }
    }

    /// Streams from explicit keys.
    public init(streams: [String: PRNGKey]) {
        roots = streams
        if roots["default"] == nil { roots["default"] = PRNGKey(seed: 0) }
    }

    /// The next key of the stream `name`.
    public func next(_ name: String = "default") -> PRNGKey {
        let root = roots[name] ?? roots["default"]!.fold(in: Int(stableHash(name)))
        roots[name] = root
        let n = counters[name, default: 0]
        counters[name] = n &+ 1
        return root.fold(in: n)
    }

    /// The next key of the `params` stream (initializers).
    public func params() -> PRNGKey { next("params") }
    /// The next key of the `dropout` stream.
    public func dropout() -> PRNGKey { next("dropout") }

    /// How many keys the stream has given out.
    public func count(_ name: String) -> Int { Int(counters[name, default: 0]) }
}

/// FNV-1a of the UTF-8 bytes, folded to 31 bits: a run-independent stream id.
private func stableHash(_ s: String) -> UInt32 {
    var h: UInt32 = 2_166_136_261
    for b in s.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
    return h & 0x7fff_ffff
}
