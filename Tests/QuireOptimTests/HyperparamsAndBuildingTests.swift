import Foundation
import QuireOptim
import QuireTensor
import QuireTestSupport
import XCTest

/// `injectHyperparams` (read and change hyper-parameters between steps) and the pieces transforms are
/// written with (`stateless`, `ParamBuffer`, `perParameter`).
final class HyperparamsAndBuildingTests: XCTestCase {
    let params: TensorDict = ["w": Tensor([1, -2, 3] as [Double]), "b": Tensor([0.5] as [Double])]
    func grads(_ t: Int) -> TensorDict { params.mapValues { $0 * (0.3 * Double(t + 1)) - 0.2 } }

    /// Changing the learning rate between steps gives the same updates as an optimizer built with that rate.
    func testInjectedLearningRateCanBeReadAndChangedBetweenSteps() throws {
        let tx = injectHyperparams(["learningRate": 0.1, "momentum": 0.9]) { h in
            sgd(learningRate: h["learningRate"]!, momentum: h["momentum"]!)
        }
        var state = tx.initialize(params: params)
        XCTAssertEqual(state.hyperparams, ["learningRate": 0.1, "momentum": 0.9])
        let plain01 = sgd(learningRate: 0.1, momentum: 0.9), plain002 = sgd(learningRate: 0.02, momentum: 0.9)
        var reference = plain01.initialize(params: params)
        for t in 0..<4 {
            if t == 2 { try state.setHyperparam("learningRate", to: 0.02) }
            let r = try tx.update(grads: grads(t), state: state, params: params)
            let e = try (t < 2 ? plain01 : plain002).update(grads: grads(t), state: reference, params: params)
            for k in params.keys {
                XCTAssertEqual(r.updates[k]!.scalars(as: Double.self), e.updates[k]!.scalars(as: Double.self), "step \(t) \(k)")
            }
            state = r.state
            reference = e.state
        }
        XCTAssertEqual(state.hyperparams["learningRate"], 0.02)
        XCTAssertEqual(state.learningRate, 0.02)
        XCTAssertEqual(state.step, 4)
        // The hyper-parameters are part of the state: they survive a round trip through load.
        var restored = tx.initialize(params: params)
        try restored.load(state)
        XCTAssertEqual(restored.hyperparams["learningRate"], 0.02)
    }

    func testUnknownHyperparameterIsAClearError() {
        var state = injectHyperparams(["learningRate": 0.1]) { sgd(learningRate: $0["learningRate"]!) }.initialize(params: params)
        XCTAssertThrowsError(try state.setHyperparam("momentum", to: 0.5)) {
            XCTAssertEqual("\($0)", "no hyper-parameter momentum in this optimizer state (have: learningRate); "
                                   + "wrap the transform in injectHyperparams")
        }
    }

    func testHyperparametersAreFoundInsideAChain() throws {
        let tx = chain(clipByGlobalNorm(1), injectHyperparams(["learningRate": 0.1]) { adam(learningRate: $0["learningRate"]!) })
        var state = tx.initialize(params: params)
        XCTAssertEqual(state.hyperparams, ["learningRate": 0.1])
        try state.setHyperparam("learningRate", to: 0.3)
        XCTAssertEqual(state.scalars["1/hyperparams/learningRate"], 0.3)
    }

    /// A transform written with the building blocks: keys come from the buffer, and a missing buffer names itself.
    func testPerParameterOwnsItsBufferKeys() throws {
        let sum = ParamBuffer("sum", filledWith: 1)
        let tx = perParameter(sum, counted: true) { g, b, t in (g * t, [b[0] + g]) }
        var state = tx.initialize(params: params)
        XCTAssertEqual(state.tensors.keys, ["sum/w", "sum/b"])
        XCTAssertEqual(state.scalars, ["count": 0])
        for t in 0..<2 { state = try tx.update(grads: grads(t), state: state).state }
        XCTAssertEqual(state.scalars, ["count": 2])
        XCTAssertEqual(try sum.read(state, "b").scalars(as: Double.self), [1 + (0.15 - 0.2) + (0.3 - 0.2)])
        XCTAssertThrowsError(try tx.update(grads: ["other": Tensor([1] as [Double])], state: state)) {
            XCTAssertEqual("\($0)", "optimizer state has no sum buffer for other (was it initialized with these parameters?)")
        }
        let halve = stateless { g, _ in g.mapValues { $0 * 0.5 } }
        XCTAssertTrue(halve.initialize(params: params).tensors.isEmpty)
        XCTAssertEqual(try halve.update(grads: grads(0), state: OptState()).updates["b"]!.scalars(as: Double.self), [(0.15 - 0.2) * 0.5])
    }
}
