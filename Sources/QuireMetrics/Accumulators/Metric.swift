import QuireTensor

/// A metric accumulator in the clu style: updated with observations, merged with another accumulator of the
/// same kind (from another batch, shard or process), read out as one number.
///
/// ```swift
/// var loss = Average()
/// loss.update(0.5); loss.update(0.3, weight: 3)
/// loss.value                                  // 0.35
/// let both = loss.merged(with: otherShardLoss)
/// ```
public protocol Metric: Sendable {
    /// The value now; NaN before the first observation.
    var value: Double { get }
    /// Adds an observation with a weight (an example count; 1 by default).
    mutating func update(_ value: Double, weight: Double)
    /// The accumulator that has seen this one's observations and `other`'s.
    func merged(with other: Self) -> Self
}

extension Metric {
    public mutating func update(_ value: Double) { update(value, weight: 1) }
}

/// The weighted mean of the observations.
public struct Average: Metric, Equatable, Codable {
    public private(set) var total = 0.0
    public private(set) var weight = 0.0

    public init() {}

    public var value: Double { weight > 0 ? total / weight : .nan }

    public mutating func update(_ value: Double, weight: Double) {
        total += value * weight
        self.weight += weight
    }

    public func merged(with other: Average) -> Average {
        var m = self
        m.total += other.total
        m.weight += other.weight
        return m
    }
}

/// The (population) standard deviation of the observations, accumulated with Welford's update and merged
/// with Chan's formula, so it stays accurate when the mean is large.
public struct Std: Metric, Equatable, Codable {
    public private(set) var weight = 0.0
    public private(set) var mean = 0.0
    /// Sum of weighted squared deviations from the mean.
    public private(set) var m2 = 0.0

    public init() {}

    public var value: Double { weight > 0 ? (m2 / weight).squareRoot() : .nan }

    public mutating func update(_ value: Double, weight w: Double) {
        guard w > 0 else { return }
        weight += w
        let delta = value - mean
        mean += delta * w / weight
        m2 += w * delta * (value - mean)
    }

    public func merged(with other: Std) -> Std {
        guard other.weight > 0 else { return self }
        guard weight > 0 else { return other }
        var m = Std()
        m.weight = weight + other.weight
        let delta = other.mean - mean
        m.mean = mean + delta * other.weight / m.weight
        m.m2 = m2 + other.m2 + delta * delta * weight * other.weight / m.weight
        return m
    }
}

/// The fraction of correct predictions. `update(_:weight:)` takes a correctness in 0...1 (1 = right) for
/// `weight` examples, e.g. a batch's accuracy and its size; `update(logits:labels:)` counts a batch directly.
public struct Accuracy: Metric, Equatable, Codable {
    public private(set) var correct = 0.0
    public private(set) var count = 0.0

    public init() {}

    public var value: Double { count > 0 ? correct / count : .nan }

    public mutating func update(_ value: Double, weight: Double) {
        correct += value * weight
        count += weight
    }

    /// Counts the rows of `logits` (`[batch, classes]`) whose argmax equals the integer label.
    public mutating func update(logits: Tensor, labels: Tensor) {
        let predicted = logits.argmax(axis: -1).scalars(as: Int32.self)
        let truth = labels.scalars(as: Int32.self)
        precondition(predicted.count == truth.count,
                     "Accuracy.update: \(predicted.count) predictions (logits \(logits.shape)) for \(truth.count) labels")
        correct += Double(zip(predicted, truth).filter { $0 == $1 }.count)
        count += Double(truth.count)
    }

    public func merged(with other: Accuracy) -> Accuracy {
        var m = self
        m.correct += other.correct
        m.count += other.count
        return m
    }
}

/// The most recent observation (a learning rate, a step time). Merging keeps the other's value when it has one.
public struct LastValue: Metric, Equatable, Codable {
    public private(set) var value: Double = .nan
    public private(set) var count = 0

    public init() {}

    public mutating func update(_ value: Double, weight: Double) {
        self.value = value
        count += 1
    }

    public func merged(with other: LastValue) -> LastValue { other.count > 0 ? other : self }
}
