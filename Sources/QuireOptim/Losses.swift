import QuireTensor

// Losses built from tensor ops, so they differentiate through the autodiff. Per-example losses are
// returned unreduced (as Optax does); take `.mean()` for a batch loss.

/// Softmax cross-entropy per example, over the last axis of `logits`.
///
/// `labels` are either integer class indices (shape `logits.shape.dropLast()`) or probabilities /
/// one-hot rows (the shape of `logits`). With `labelSmoothing` α the targets become
/// `(1 − α) · onehot + α / classes`. Computed with `logSoftmax`, so large logits are safe.
///
/// ```swift
/// let loss = softmaxCrossEntropy(logits: model(x), labels: y).mean()   // y: int32 [batch]
/// ```
public func softmaxCrossEntropy(logits: Tensor, labels: Tensor, labelSmoothing: Double = 0) -> Tensor {
    let logp = logits.logSoftmax(axis: -1)
    let classes = logits.shape.last ?? 0
    if labels.dtype.isInteger && labelSmoothing == 0 {
        precondition(labels.shape == Array(logits.shape.dropLast()),
                     "softmaxCrossEntropy: integer labels of shape \(labels.shape) for logits of shape \(logits.shape)")
        return -logp.take(along: labels.cast(to: .int32).expandingDims(at: -1), axis: -1).squeezed(axes: [-1])
    }
    var targets = labels.dtype.isInteger ? labels.oneHot(depth: classes, dtype: logits.dtype) : labels
    precondition(targets.shape == logits.shape,
                 "softmaxCrossEntropy: labels of shape \(labels.shape) for logits of shape \(logits.shape)")
    if labelSmoothing != 0 { targets = smoothLabels(targets, alpha: labelSmoothing) }
    return -(targets * logp).sum(axis: -1)
}

/// Label smoothing (Optax's `smooth_labels`): `(1 − alpha) · labels + alpha / classes`, for one-hot or
/// probability rows over the last axis.
///
/// ```swift
/// smoothLabels(Tensor([[0, 1, 0]] as [[Float]]), alpha: 0.3)   // [[0.1, 0.8, 0.1]]
/// ```
public func smoothLabels(_ labels: Tensor, alpha: Double) -> Tensor {
    let classes = labels.shape.last ?? 1
    return (1 - alpha) * labels + alpha / Double(classes)
}

/// Binary cross-entropy of sigmoid(`logits`) against `labels` in [0, 1], elementwise, in the stable
/// form `softplus(x) − x · y`.
public func sigmoidBinaryCrossEntropy(logits: Tensor, labels: Tensor) -> Tensor {
    logits.softplus() - logits * labels
}

/// `(predictions − targets)²` elementwise (Optax's `squared_error`); without `targets`, `predictions²`.
///
/// ```swift
/// squaredError(predictions: Tensor([1, 2] as [Float]), targets: Tensor([0, 4] as [Float]))   // [1, 4]
/// ```
public func squaredError(predictions: Tensor, targets: Tensor? = nil) -> Tensor {
    (targets.map { predictions - $0 } ?? predictions).square()
}

/// Half the squared error elementwise, `½ (predictions − targets)²` (Optax's `l2_loss`).
///
/// ```swift
/// l2Loss(predictions: model(x), targets: y).mean()
/// ```
public func l2Loss(predictions: Tensor, targets: Tensor? = nil) -> Tensor {
    0.5 * squaredError(predictions: predictions, targets: targets)
}

/// The mean of ``squaredError(predictions:targets:)`` over all elements (a scalar).
public func meanSquaredError(predictions: Tensor, targets: Tensor) -> Tensor {
    squaredError(predictions: predictions, targets: targets).mean()
}

/// Huber loss elementwise: `½ e²` where `|e| ≤ delta`, `delta · (|e| − ½ delta)` beyond.
public func huber(predictions: Tensor, targets: Tensor, delta: Double = 1) -> Tensor {
    let e = (predictions - targets).abs()
    let quadratic = e.minimum(delta)
    return 0.5 * quadratic.square() + delta * (e - quadratic)
}

/// KL(targets ‖ predictions) per example over the last axis, from log-probabilities `logPredictions`
/// and probabilities `targets`; terms with a zero target count as 0.
public func klDivergence(logPredictions: Tensor, targets: Tensor) -> Tensor {
    let positive = targets .> 0
    let safeTargets = Tensor.where(positive, targets, Tensor.ones(like: targets))
    let terms = Tensor.where(positive, targets * (safeTargets.log() - logPredictions), Tensor.zeros(like: targets))
    return terms.sum(axis: -1)
}

/// The fraction of rows whose largest logit is the label (integer labels, or one-hot / probability rows).
///
/// ```swift
/// accuracy(logits: model(xTest), labels: yTest)   // 0.975
/// ```
public func accuracy(logits: Tensor, labels: Tensor) -> Double {
    let predicted = logits.argmax(axis: -1).scalars(as: Int32.self)
    let truth = labels.dtype.isInteger ? labels.scalars(as: Int32.self) : labels.argmax(axis: -1).scalars(as: Int32.self)
    precondition(predicted.count == truth.count, "accuracy: \(predicted.count) predictions for \(truth.count) labels")
    guard !truth.isEmpty else { return 0 }
    return Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(truth.count)
}
