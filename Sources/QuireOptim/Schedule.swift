import Foundation

/// A value as a function of the step count (0 for the first update), such as a learning rate.
/// Optimizers take a ``LearningRate``: a number (literal or variable) or a schedule, so
/// `adam(learningRate: 1e-3)`, `adam(learningRate: lr)` and `adam(learningRate: .warmupCosineDecay(…))` all
/// read naturally. A float literal is also a constant schedule where a `Schedule` is expected.
///
/// ```swift
/// let lr = Schedule.warmupCosineDecay(initialValue: 0, peakValue: 1e-3, warmupSteps: 100, decaySteps: 1000)
/// lr(0)      // 0
/// lr(100)    // 0.001
/// lr(1000)   // 0
/// ```
public struct Schedule: Sendable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    private let body: @Sendable (Int) -> Double

    /// A schedule from a function of the step.
    public init(_ body: @escaping @Sendable (Int) -> Double) { self.body = body }
    public init(floatLiteral value: Double) { self.init { _ in value } }
    public init(integerLiteral value: Int) { self.init { _ in Double(value) } }

    /// The value at `step`.
    public func callAsFunction(_ step: Int) -> Double { body(step) }
}

/// A learning rate: a plain number (a constant rate) or a ``Schedule``. Every optimizer takes
/// `learningRate: any LearningRate`, so a `Double` or `Float` variable (a notebook parameter) works as
/// well as a literal or a schedule. The schedule factories live on this protocol (for `Self == Schedule`)
/// so `.cosineDecay(…)` reads the same in both places.
///
/// ```swift
/// let lr: Double = 3e-4
/// adam(learningRate: lr)
/// adam(learningRate: .cosineDecay(initialValue: lr, decaySteps: 1000))
/// ```
public protocol LearningRate: Sendable {
    /// The rate as a function of the step.
    var schedule: Schedule { get }
}

extension Schedule: LearningRate {
    public var schedule: Schedule { self }
}

extension Double: LearningRate {
    /// A constant schedule of this value.
    public var schedule: Schedule { .constant(self) }
}

extension Float: LearningRate {
    /// A constant schedule of this value.
    public var schedule: Schedule { .constant(Double(self)) }
}

// The factories, declared here rather than on `Schedule` so `.cosineDecay(…)` also resolves where the
// expected type is `any LearningRate` (an optimizer's argument); `Schedule.cosineDecay(…)` works as before.
extension LearningRate where Self == Schedule {
    /// The same value at every step.
    public static func constant(_ value: Double) -> Schedule { Schedule { _ in value } }

    /// From `initialValue` to `endValue` linearly over `transitionSteps` steps that start at
    /// `transitionBegin`; constant before and after.
    ///
    /// ```swift
    /// Schedule.linear(from: 1, to: 0, steps: 10)(5)   // 0.5
    /// ```
    public static func linear(from initialValue: Double, to endValue: Double, steps transitionSteps: Int,
                              begin transitionBegin: Int = 0) -> Schedule {
        guard transitionSteps > 0 else { return .constant(initialValue) }
        return Schedule { step in
            let t = Double(min(max(step - transitionBegin, 0), transitionSteps)) / Double(transitionSteps)
            return initialValue + (endValue - initialValue) * t
        }
    }

    /// `initialValue · ((1 − α) · (½(1 + cos(π · min(step, decaySteps) / decaySteps)))^exponent + α)`.
    ///
    /// ```swift
    /// Schedule.cosineDecay(initialValue: 1, decaySteps: 100)(50)   // 0.5
    /// ```
    public static func cosineDecay(initialValue: Double, decaySteps: Int, alpha: Double = 0,
                                   exponent: Double = 1) -> Schedule {
        precondition(decaySteps > 0, "cosineDecay: decaySteps must be positive, got \(decaySteps)")
        return Schedule { step in
            let t = Double(min(step, decaySteps)) / Double(decaySteps)
            let c = Foundation.pow(0.5 * (1 + Foundation.cos(Double.pi * t)), exponent)
            return initialValue * ((1 - alpha) * c + alpha)
        }
    }

    /// Linear warm-up from `initialValue` to `peakValue` over `warmupSteps`, then cosine decay to
    /// `endValue` at step `decaySteps` (counted from 0, warm-up included).
    public static func warmupCosineDecay(initialValue: Double, peakValue: Double, warmupSteps: Int, decaySteps: Int,
                                         endValue: Double = 0, exponent: Double = 1) -> Schedule {
        let alpha = peakValue == 0 ? 0 : endValue / peakValue
        return .join([.linear(from: initialValue, to: peakValue, steps: warmupSteps),
                      .cosineDecay(initialValue: peakValue, decaySteps: max(decaySteps - warmupSteps, 1),
                                   alpha: alpha, exponent: exponent)],
                     boundaries: [warmupSteps])
    }

    /// `initialValue · decayRate^((step − transitionBegin) / transitionSteps)`, the exponent floored when
    /// `staircase`; constant before `transitionBegin`; bounded by `endValue` when given.
    ///
    /// ```swift
    /// Schedule.exponentialDecay(initialValue: 1, transitionSteps: 10, decayRate: 0.5)(20)   // 0.25
    /// ```
    public static func exponentialDecay(initialValue: Double, transitionSteps: Int, decayRate: Double,
                                        transitionBegin: Int = 0, staircase: Bool = false,
                                        endValue: Double? = nil) -> Schedule {
        precondition(transitionSteps > 0, "exponentialDecay: transitionSteps must be positive, got \(transitionSteps)")
        return Schedule { step in
            let count = step - transitionBegin
            guard count > 0 else { return initialValue }
            var p = Double(count) / Double(transitionSteps)
            if staircase { p = p.rounded(.down) }
            var v = initialValue * Foundation.pow(decayRate, p)
            if let endValue { v = decayRate < 1 ? max(v, endValue) : min(v, endValue) }
            return v
        }
    }

    /// `initialValue` multiplied by every scale whose boundary step has been reached.
    ///
    /// ```swift
    /// let s = Schedule.piecewiseConstant(initialValue: 1, boundariesAndScales: [(10, 0.1), (20, 0.1)])
    /// s(9), s(10), s(25)   // 1, 0.1, 0.01
    /// ```
    public static func piecewiseConstant(initialValue: Double, boundariesAndScales: [(Int, Double)]) -> Schedule {
        let sorted = boundariesAndScales.sorted { $0.0 < $1.0 }
        return Schedule { step in sorted.reduce(initialValue) { step >= $1.0 ? $0 * $1.1 : $0 } }
    }

    /// `schedules[i]` from `boundaries[i − 1]` on, each seeing the steps since its own start.
    ///
    /// ```swift
    /// Schedule.join([.constant(1), .linear(from: 1, to: 0, steps: 10)], boundaries: [5])(10)   // 0.5
    /// ```
    public static func join(_ schedules: [Schedule], boundaries: [Int]) -> Schedule {
        precondition(schedules.count == boundaries.count + 1,
                     "join: \(schedules.count) schedules need \(schedules.count - 1) boundaries, got \(boundaries.count)")
        return Schedule { step in
            let i = boundaries.firstIndex { step < $0 } ?? boundaries.count
            return schedules[i](i == 0 ? step : step - boundaries[i - 1])
        }
    }

    /// One-cycle (cosine): from `peakValue / divFactor` up to `peakValue` over the first
    /// `percentStart` of `transitionSteps`, then down to `peakValue / (divFactor · finalDivFactor)`,
    /// with cosine interpolation; constant after.
    public static func oneCycle(transitionSteps: Int, peakValue: Double, percentStart: Double = 0.3,
                                divFactor: Double = 25, finalDivFactor: Double = 1e4) -> Schedule {
        let start = peakValue / divFactor
        let end = peakValue / (divFactor * finalDivFactor)
        let mid = Int(percentStart * Double(transitionSteps))
        let knots: [(Int, Double)] = [(0, start), (mid, peakValue), (transitionSteps, end)]
        return Schedule { step in
            for i in 0..<(knots.count - 1) where step < knots[i + 1].0 {
                let (b0, v0) = knots[i], (b1, v1) = knots[i + 1]
                let pct = Double(max(step - b0, 0)) / Double(max(b1 - b0, 1))
                return v1 + (v0 - v1) / 2 * (Foundation.cos(Double.pi * pct) + 1)
            }
            return end
        }
    }
}
