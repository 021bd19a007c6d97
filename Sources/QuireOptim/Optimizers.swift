import QuireTensor

// The named optimizers: chains of the scaling transforms, as in Optax. Each negates the learning rate,
// so its updates are added to the parameters with `applyUpdates`.

/// Stochastic gradient descent, with optional (Nesterov) momentum:
/// `chain(traceMomentum(decay: momentum, nesterov:), scaleByLearningRate(learningRate))`.
///
/// ```swift
/// let tx = sgd(learningRate: 0.1, momentum: 0.9, nesterov: true)
/// ```
public func sgd(learningRate: any LearningRate, momentum: Double? = nil, nesterov: Bool = false) -> GradientTransformation {
    var parts: [GradientTransformation] = []
    if let momentum { parts.append(traceMomentum(decay: momentum, nesterov: nesterov)) }
    parts.append(scaleByLearningRate(learningRate))
    var tx = chain(parts)
    tx.inPlaceRule = InPlaceRule(kind: .sgd(momentum: momentum, nesterov: nesterov),
                                 learningRate: learningRate.schedule, learningRatePart: parts.count - 1)
    return tx
}

/// Adam (Kingma & Ba): `chain(scaleByAdam(b1:b2:eps:epsRoot:), scaleByLearningRate(learningRate))`.
///
/// ```swift
/// let tx = adam(learningRate: 1e-3)
/// ```
public func adam(learningRate: any LearningRate, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8,
                 epsRoot: Double = 0) -> GradientTransformation {
    var tx = chain(scaleByAdam(b1: b1, b2: b2, eps: eps, epsRoot: epsRoot), scaleByLearningRate(learningRate))
    tx.inPlaceRule = InPlaceRule(kind: .adam(b1: b1, b2: b2, eps: eps, epsRoot: epsRoot, weightDecay: 0, mask: .all),
                                 learningRate: learningRate.schedule, learningRatePart: 1)
    return tx
}

/// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay on the parameters `mask` includes,
/// `chain(scaleByAdam(…), addDecayedWeights(weightDecay, mask:), scaleByLearningRate(learningRate))`.
/// Needs `params` in `update`.
///
/// ```swift
/// let tx = adamw(learningRate: 1e-3, weightDecay: 0.01, mask: .excludingBiasesAndNorms)
/// ```
public func adamw(learningRate: any LearningRate, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-8,
                  epsRoot: Double = 0, weightDecay: Double = 1e-4, mask: WeightMask = .all) -> GradientTransformation {
    var tx = chain(scaleByAdam(b1: b1, b2: b2, eps: eps, epsRoot: epsRoot), addDecayedWeights(weightDecay, mask: mask),
                   scaleByLearningRate(learningRate))
    tx.inPlaceRule = InPlaceRule(kind: .adam(b1: b1, b2: b2, eps: eps, epsRoot: epsRoot, weightDecay: weightDecay, mask: mask),
                                 learningRate: learningRate.schedule, learningRatePart: 2)
    return tx
}

/// Lion (Chen et al., 2023): sign of an interpolated momentum, decoupled weight decay, learning rate.
public func lion(learningRate: any LearningRate, b1: Double = 0.9, b2: Double = 0.99, weightDecay: Double = 1e-3,
                 mask: WeightMask = .all) -> GradientTransformation {
    chain(scaleByLion(b1: b1, b2: b2), addDecayedWeights(weightDecay, mask: mask), scaleByLearningRate(learningRate))
}

/// RMSProp: `chain(scaleByRMS(decay:eps:initialScale:), scaleByLearningRate(learningRate))`, then
/// momentum when `momentum` is given (applied after the learning rate, as in Optax). `centered` divides
/// by the running standard deviation instead of the root mean square (``scaleByStddev(decay:eps:initialScale:epsInSqrt:)``).
///
/// ```swift
/// let tx = rmsprop(learningRate: 0.01, centered: true, momentum: 0.9)
/// ```
public func rmsprop(learningRate: any LearningRate, decay: Double = 0.9, eps: Double = 1e-8, initialScale: Double = 0,
                    centered: Bool = false, momentum: Double? = nil, nesterov: Bool = false) -> GradientTransformation {
    let scaling = centered ? scaleByStddev(decay: decay, eps: eps, initialScale: initialScale)
                           : scaleByRMS(decay: decay, eps: eps, initialScale: initialScale)
    var parts = [scaling, scaleByLearningRate(learningRate)]
    if let momentum { parts.append(traceMomentum(decay: momentum, nesterov: nesterov)) }
    return chain(parts)
}

/// Adagrad: `chain(scaleByRSS(initialAccumulatorValue:eps:), scaleByLearningRate(learningRate))`.
public func adagrad(learningRate: any LearningRate, initialAccumulatorValue: Double = 0.1,
                    eps: Double = 1e-7) -> GradientTransformation {
    chain(scaleByRSS(initialAccumulatorValue: initialAccumulatorValue, eps: eps), scaleByLearningRate(learningRate))
}

/// LAMB (You et al., 2019): Adam, decoupled weight decay, the layer-wise trust ratio, learning rate.
/// Needs `params` in `update`.
public func lamb(learningRate: any LearningRate, b1: Double = 0.9, b2: Double = 0.999, eps: Double = 1e-6,
                 epsRoot: Double = 0, weightDecay: Double = 0, mask: WeightMask = .all) -> GradientTransformation {
    chain(scaleByAdam(b1: b1, b2: b2, eps: eps, epsRoot: epsRoot), addDecayedWeights(weightDecay, mask: mask),
          scaleByTrustRatio(), scaleByLearningRate(learningRate))
}
