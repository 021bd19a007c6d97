import QuireOptim
import QuireTensor
import XCTest

/// Every optimizer that takes a learning rate accepts a `Double` or `Float` variable (a notebook
/// parameter) as well as a ``Schedule``, and a plain number means the constant schedule.
final class LearningRateTests: XCTestCase {
    /// Each optimizer built from a learning rate of any kind.
    let optimizers: [(String, (any LearningRate) -> GradientTransformation)] = [
        ("sgd", { sgd(learningRate: $0, momentum: 0.9) }),
        ("adam", { adam(learningRate: $0) }),
        ("adamw", { adamw(learningRate: $0, weightDecay: 0.1) }),
        ("lion", { lion(learningRate: $0) }),
        ("rmsprop", { rmsprop(learningRate: $0) }),
        ("adagrad", { adagrad(learningRate: $0) }),
        ("adafactor", { adafactor(learningRate: $0, minDimSizeToFactor: 2) }),
        ("lamb", { lamb(learningRate: $0, weightDecay: 0.01) }),
        ("scaleByLearningRate", { scaleByLearningRate($0) }),
    ]

    let params: TensorDict = ["dense.weight": Tensor([1, -2, 3, 0.5, 0, 2] as [Float], shape: [2, 3]),
                              "dense.bias": Tensor([0.1, 0.2, 0.3] as [Float])]

    func run(_ tx: GradientTransformation) throws -> (updates: TensorDict, learningRate: Double?) {
        var p = params, state = tx.initialize(params: params), last: TensorDict = [:]
        for t in 0..<3 {
            let g = params.mapValues { $0 * Float(0.3 * Double(t + 1)) - 0.2 }
            let r = try tx.update(grads: g, state: state, params: p)
            p = try applyUpdates(p, r.updates); state = r.state; last = r.updates
        }
        return (last, state.learningRate)
    }

    func testEveryOptimizerTakesADoubleOrFloatVariableAsAConstantRate() throws {
        let double: Double = 0.0625      // exact in Float too, so all three forms give the same bits
        let float: Float = 0.0625
        for (name, make) in optimizers {
            let reference = try run(make(Schedule.constant(double)))
            XCTAssertEqual(reference.learningRate, double, name)
            for (kind, lr) in [("Double", double as any LearningRate), ("Float", float as any LearningRate)] {
                let got = try run(make(lr))
                XCTAssertEqual(got.learningRate, double, "\(name) with a \(kind)")
                for k in reference.updates.keys {
                    XCTAssertEqual(got.updates[k]!.scalars(as: Float.self), reference.updates[k]!.scalars(as: Float.self),
                                   "\(name) with a \(kind): \(k)")
                }
            }
        }
    }

    func testNumbersAndSchedulesReadTheSameAtTheCallSite() throws {
        let lr: Double = 1e-3
        let steps = 10
        // A variable, a literal, a schedule factory by implicit member, and a Float all type-check.
        let txs = [adam(learningRate: lr), adam(learningRate: 1e-3),
                   adam(learningRate: .cosineDecay(initialValue: lr, decaySteps: steps)),
                   adam(learningRate: Float(lr))]
        XCTAssertEqual(txs.count, 4)
        let s = try run(adamw(learningRate: .warmupCosineDecay(initialValue: 0, peakValue: lr, warmupSteps: 2,
                                                                decaySteps: steps)))
        XCTAssertEqual(s.learningRate!, lr, accuracy: 1e-12)   // the rate used at step 2, the warm-up's peak
        XCTAssertEqual(1e-3.schedule(7), 1e-3)
    }
}
