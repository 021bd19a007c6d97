import QuireTensor

/// Clips every update element to `[-maxDelta, maxDelta]`.
public func clip(_ maxDelta: Double) -> GradientTransformation {
    stateless { g, _ in g.mapValues { $0.clamped(to: -maxDelta...maxDelta) } }
}

/// Rescales all updates together so that their global norm (√ of Σ over every element of every
/// tensor of u²) is at most `maxNorm`.
///
/// ```swift
/// chain(clipByGlobalNorm(1.0), adam(learningRate: 1e-3))
/// ```
public func clipByGlobalNorm(_ maxNorm: Double) -> GradientTransformation {
    stateless { g, _ in
        let norm = globalNorm(g)
        guard norm >= maxNorm else { return g }
        return g.mapValues { $0 * (maxNorm / norm) }
    }
}

/// Divides each tensor's update by `max(1, rms / threshold)`, bounding its root mean square.
public func clipByBlockRMS(_ threshold: Double) -> GradientTransformation {
    stateless { g, _ in
        g.mapValues { u in
            let rms = (sumOfSquares(u) / Double(max(u.scalarCount, 1))).squareRoot()
            return u / max(1, rms / threshold)
        }
    }
}
