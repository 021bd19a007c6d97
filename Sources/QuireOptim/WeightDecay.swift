import QuireTensor

/// Which parameters a transform touches, decided by path and tensor.
///
/// ```swift
/// addDecayedWeights(1e-4, mask: .excludingBiasesAndNorms)
/// addDecayedWeights(1e-4, mask: WeightMask { path, p in p.rank >= 2 })
/// ```
public struct WeightMask: Sendable {
    public let includes: @Sendable (_ path: String, _ param: Tensor) -> Bool
    public init(_ includes: @escaping @Sendable (_ path: String, _ param: Tensor) -> Bool) { self.includes = includes }

    /// Every parameter.
    public static let all = WeightMask { _, _ in true }

    /// Skips biases and normalization parameters by name: a path whose last component is `bias` or
    /// `scale`, or with a component containing `norm` (`ln.scale`, `layerNorm.bias`, `bn.weight`
    /// only when named `…norm…`).
    public static let excludingBiasesAndNorms = WeightMask { path, _ in
        let parts = path.split(separator: ".").map { $0.lowercased() }
        if let last = parts.last, last == "bias" || last == "scale" { return false }
        return !parts.contains { $0.contains("norm") }
    }

    /// Parameters with at least `rank` dimensions (weights, not biases or norm vectors).
    public static func rankAtLeast(_ rank: Int) -> WeightMask { WeightMask { _, p in p.rank >= rank } }
}

/// Adds `weightDecay · param` to the update of every parameter the mask includes (decoupled weight
/// decay, as in AdamW). Needs `params`.
///
/// ```swift
/// chain(scaleByAdam(), addDecayedWeights(1e-2, mask: .excludingBiasesAndNorms), scaleByLearningRate(1e-3))
/// ```
public func addDecayedWeights(_ weightDecay: Double, mask: WeightMask = .all) -> GradientTransformation {
    stateless { grads, params in
        guard weightDecay != 0 else { return grads }
        let params = try requireParams(params, "addDecayedWeights")
        return try grads.mapWithPaths { k, u in
            let p = try param(params, k, "addDecayedWeights")
            return mask.includes(k, p) ? u + weightDecay * p : u
        }
    }
}
