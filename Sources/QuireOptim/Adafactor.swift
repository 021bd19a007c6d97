import Foundation
import QuireTensor

/// The two axes adafactor factors a parameter over: the largest (`reduced`, averaged away in the row
/// statistic) and the second largest (`other`), or nil when the tensor has rank < 2 or its second
/// largest dimension is below `minDimSize`.
func factoredAxes(_ shape: [Int], minDimSize: Int) -> (reduced: Int, other: Int)? {
    guard shape.count >= 2 else { return nil }
    let order = shape.indices.sorted { shape[$0] < shape[$1] || (shape[$0] == shape[$1] && $0 < $1) }
    let other = order[order.count - 2], reduced = order[order.count - 1]
    return shape[other] < minDimSize ? nil : (reduced, other)
}

/// Adafactor's second-moment scaling with factored statistics: for a parameter of rank ≥ 2 (whose
/// second largest dimension is at least `minDimSizeToFactor`) it keeps only the mean of `g² + eps`
/// over its largest axis (`vRow/…`) and over its second largest (`vColumn/…`), instead of a full
/// buffer; other parameters keep `v/…`. The decay at step t (from 0) is `1 − (t + 1)^(−decayRate)`.
/// The update is `g · (vRow / mean(vRow))^(−½) · vColumn^(−½)`, or `g · v^(−½)` unfactored.
public func scaleByFactoredRMS(decayRate: Double = 0.8, eps: Double = 1e-30,
                               minDimSizeToFactor: Int = 128) -> GradientTransformation {
    // Factored parameters keep a row and a column statistic, the others a full buffer.
    let vRow = ParamBuffer("vRow"), vColumn = ParamBuffer("vColumn"), v = ParamBuffer("v")
    return GradientTransformation(
        initialize: { params in
            var s = OptState(scalars: ["count": 0])
            for (k, p) in params {
                if let (r, o) = factoredAxes(p.shape, minDimSize: minDimSizeToFactor) {
                    s.tensors[vRow.key(k)] = Tensor.zeros(like: p).sum(axis: r)
                    s.tensors[vColumn.key(k)] = Tensor.zeros(like: p).sum(axis: o)
                } else {
                    s.tensors[v.key(k)] = Tensor.zeros(like: p)
                }
            }
            return s
        },
        update: { grads, s, _ in
            let count = s.scalars["count"] ?? 0
            let beta = 1 - Foundation.pow(count + 1, -decayRate)
            var out = OptState(scalars: ["count": count + 1])
            var updates = TensorDict()
            for (k, g) in grads {
                let g2 = g.square() + eps
                if let (r, o) = factoredAxes(g.shape, minDimSize: minDimSizeToFactor) {
                    let row = beta * (try vRow.read(s, k)) + (1 - beta) * g2.mean(axis: r)
                    let col = beta * (try vColumn.read(s, k)) + (1 - beta) * g2.mean(axis: o)
                    // In vRow the axis `other` sits at `other` or `other - 1` (after `reduced` was removed).
                    let rowFactor = (row / row.mean(axis: o > r ? o - 1 : o, keepDims: true)).rsqrt()
                    let colFactor = col.rsqrt()
                    updates[k] = g * rowFactor.expandingDims(at: r) * colFactor.expandingDims(at: o)
                    out.tensors[vRow.key(k)] = row
                    out.tensors[vColumn.key(k)] = col
                } else {
                    let full = beta * (try v.read(s, k)) + (1 - beta) * g2
                    updates[k] = g * full.rsqrt()
                    out.tensors[v.key(k)] = full
                }
            }
            return (updates, out)
        })
}

/// Adafactor (Shazeer & Stern, 2018): ``scaleByFactoredRMS(decayRate:eps:minDimSizeToFactor:)``, then
/// each tensor's update clipped to RMS `clippingThreshold`, scaled by the learning rate and (with
/// `multiplyByParameterScale`) by the parameter's RMS (at least 1e-3), plus optional decoupled weight
/// decay, and negated.
///
/// ```swift
/// let tx = adafactor(learningRate: 1e-2)
/// ```
public func adafactor(learningRate: (any LearningRate)? = nil, minDimSizeToFactor: Int = 128, decayRate: Double = 0.8,
                      multiplyByParameterScale: Bool = true, clippingThreshold: Double? = 1,
                      weightDecayRate: Double? = nil, weightDecayMask: WeightMask = .all,
                      eps: Double = 1e-30) -> GradientTransformation {
    var parts = [scaleByFactoredRMS(decayRate: decayRate, eps: eps, minDimSizeToFactor: minDimSizeToFactor)]
    if let clippingThreshold { parts.append(clipByBlockRMS(clippingThreshold)) }
    if let learningRate { parts.append(scaleByLearningRate(learningRate, flipSign: false)) }
    if multiplyByParameterScale { parts.append(scaleByParamBlockRMS()) }
    if let weightDecayRate { parts.append(addDecayedWeights(weightDecayRate, mask: weightDecayMask)) }
    parts.append(scale(-1))
    return chain(parts)
}
