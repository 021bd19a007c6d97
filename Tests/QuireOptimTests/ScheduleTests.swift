import Foundation
import QuireOptim
import QuireTensor
import XCTest

/// Schedule values at sample steps against closed-form numbers.
final class ScheduleTests: XCTestCase {
    func check(_ s: Schedule, _ expected: [Int: Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for (step, v) in expected.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(s(step), v, accuracy: 1e-12, "\(what) at step \(step)", file: file, line: line)
        }
    }

    func testSchedulesAtSampleSteps() {
        check(.constant(0.3), [0: 0.3, 1000: 0.3], "constant")
        check(0.25, [7: 0.25], "literal")
        check(.linear(from: 1, to: 0, steps: 10, begin: 5), [0: 1, 5: 1, 10: 0.5, 15: 0, 99: 0], "linear")
        check(.cosineDecay(initialValue: 1, decaySteps: 100),
              [0: 1, 25: 0.5 * (1 + cos(Double.pi / 4)), 50: 0.5, 100: 0, 150: 0], "cosineDecay")
        check(.cosineDecay(initialValue: 2, decaySteps: 100, alpha: 0.1), [50: 2 * (0.9 * 0.5 + 0.1), 100: 0.2, 300: 0.2],
              "cosineDecay alpha")
        check(.cosineDecay(initialValue: 1, decaySteps: 100, exponent: 2), [50: 0.25], "cosineDecay exponent")
        check(.warmupCosineDecay(initialValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 110, endValue: 0.1),
              [0: 0, 5: 0.5, 10: 1, 60: 0.55, 110: 0.1, 500: 0.1], "warmupCosineDecay")
        check(.exponentialDecay(initialValue: 1, transitionSteps: 10, decayRate: 0.5),
              [0: 1, 5: pow(0.5, 0.5), 10: 0.5, 20: 0.25], "exponentialDecay")
        check(.exponentialDecay(initialValue: 1, transitionSteps: 10, decayRate: 0.5, staircase: true),
              [9: 1, 10: 0.5, 19: 0.5, 20: 0.25], "exponentialDecay staircase")
        check(.exponentialDecay(initialValue: 1, transitionSteps: 10, decayRate: 0.5, transitionBegin: 5, endValue: 0.3),
              [3: 1, 5: 1, 15: 0.5, 100: 0.3], "exponentialDecay begin/end")
        check(.piecewiseConstant(initialValue: 1, boundariesAndScales: [(20, 0.5), (10, 0.1)]),
              [0: 1, 9: 1, 10: 0.1, 19: 0.1, 20: 0.05, 100: 0.05], "piecewiseConstant")
        check(.join([.constant(1), .linear(from: 1, to: 0, steps: 10), .constant(7)], boundaries: [5, 15]),
              [0: 1, 4: 1, 5: 1, 10: 0.5, 14: 0.1, 15: 7], "join")
        let end = 1 / (25 * 1e4)
        check(.oneCycle(transitionSteps: 100, peakValue: 1),
              [0: 0.04, 15: 0.52, 30: 1, 65: end + (1 - end) / 2, 100: end, 200: end], "oneCycle")
    }

    func testStepAndLearningRateAreReadableFromTheState() throws {
        let lr = Schedule.linear(from: 0.1, to: 0, steps: 10)
        let tx = chain(clipByGlobalNorm(1), adam(learningRate: lr))
        let params: TensorDict = ["w": Tensor([1, 2] as [Float])]
        var state = tx.initialize(params: params)
        XCTAssertEqual(state.step, 0)
        XCTAssertEqual(state.learningRate ?? -1, 0.1, accuracy: 1e-12)
        for _ in 0..<3 {
            state = try tx.update(grads: ["w": Tensor([0.5, -0.5] as [Float])], state: state, params: params).state
        }
        XCTAssertEqual(state.step, 3)
        XCTAssertEqual(state.learningRate ?? -1, lr(2), accuracy: 1e-12)   // the rate the third update used
    }
}
