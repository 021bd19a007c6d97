import QuireOptim
import QuireTensor
import QuireTestSupport
import XCTest

/// `updateInPlace` against `update` + `applyUpdates`: same bits, same state, and copy-on-write for
/// tensors someone else holds.
final class InPlaceUpdateTests: XCTestCase {
    private func params(_ rng: inout TestRNG, dtype: DType = .float32) -> TensorDict {
        ["dense.weight": rng.tensor([5, 3]).cast(to: dtype), "dense.bias": rng.tensor([3]).cast(to: dtype),
         "out.weight": rng.tensor([3, 2]).cast(to: dtype)]
    }

    private func address(_ t: Tensor) -> UnsafeRawPointer? {
        t.withUnsafeBufferPointer(as: Float.self) { UnsafeRawPointer($0.baseAddress) }
    }

    func testNamedOptimizersMatchTheChainBitForBit() throws {
        let decaying: Schedule = .exponentialDecay(initialValue: 0.05, transitionSteps: 1, decayRate: 0.5)
        let cases: [(String, GradientTransformation)] = [
            ("adam", adam(learningRate: 1e-2)),
            ("adam epsRoot", adam(learningRate: decaying, b1: 0.8, b2: 0.99, eps: 1e-6, epsRoot: 1e-8)),
            ("adamw", adamw(learningRate: 1e-2, weightDecay: 0.1, mask: .excludingBiasesAndNorms)),
            ("sgd", sgd(learningRate: decaying)),
            ("sgd momentum", sgd(learningRate: 0.1, momentum: 0.9)),
            ("sgd nesterov", sgd(learningRate: 0.1, momentum: 0.9, nesterov: true)),
        ]
        for (name, tx) in cases {
            var rng = TestRNG(seed: 11)
            var fused = params(&rng), plain = fused
            var fusedState = tx.initialize(params: fused), plainState = fusedState
            for step in 0..<4 {
                let grads = fused.mapValues { rng.tensor($0.shape).cast(to: .float32) }
                XCTAssertTrue(try tx.updateInPlace(params: &fused, grads: grads, state: &fusedState), name)
                let (u, next) = try tx.update(grads: grads, state: plainState, params: plain)
                plain = try applyUpdates(plain, u)
                plainState = next
                for (k, p) in plain {
                    XCTAssertEqual(fused[k]!.scalars(as: Float.self), p.scalars(as: Float.self), "\(name) step \(step) \(k)")
                }
                XCTAssertEqual(fusedState.tensors.keys, plainState.tensors.keys, name)
                for (k, b) in plainState.tensors {
                    XCTAssertEqual(fusedState.tensors[k]!.scalars(as: Float.self), b.scalars(as: Float.self), "\(name) \(k)")
                }
                XCTAssertEqual(fusedState.scalars, plainState.scalars, name)
            }
        }
    }

    func testWritesInPlaceUnlessSomeoneElseHoldsTheTensor() throws {
        var rng = TestRNG(seed: 2)
        let tx = adam(learningRate: 0.1)
        var p = params(&rng)
        var state = tx.initialize(params: p)
        let grads = p.mapValues { rng.tensor($0.shape).cast(to: .float32) }
        let weightAddress = address(p["dense.weight"]!)
        let held = p["dense.bias"]!, heldValues = held.scalars(as: Float.self)
        let heldMoment = state.tensors["0/mu/dense.bias"]!
        XCTAssertTrue(try tx.updateInPlace(params: &p, grads: grads, state: &state))
        XCTAssertEqual(address(p["dense.weight"]!), weightAddress, "a tensor only the dictionary holds is written in place")
        XCTAssertEqual(held.scalars(as: Float.self), heldValues, "a held parameter is copied, not changed")
        XCTAssertEqual(heldMoment.scalars(as: Float.self), [0, 0, 0], "a held state buffer is copied, not changed")
        XCTAssertNotEqual(p["dense.bias"]!.scalars(as: Float.self), heldValues)
    }

    func testOtherTransformsAndDTypesDeclineAndChangeNothing() throws {
        var rng = TestRNG(seed: 3)
        let declined: [(String, GradientTransformation, DType)] = [
            ("chain", chain(scaleByAdam(), scaleByLearningRate(1e-3)), .float32),
            ("rmsprop", rmsprop(learningRate: 1e-3), .float32),
            ("adam float64", adam(learningRate: 1e-3), .float64),
        ]
        for (name, tx, dtype) in declined {
            var p = params(&rng, dtype: dtype)
            let before = p
            var state = tx.initialize(params: p)
            let grads = p.mapValues { rng.tensor($0.shape).cast(to: dtype) }
            XCTAssertFalse(try tx.updateInPlace(params: &p, grads: grads, state: &state), name)
            for (k, t) in before { XCTAssertEqual(p[k]!.scalars(as: Double.self), t.scalars(as: Double.self), name) }
        }
        // Gradients for only some parameters: the chain would drop the others' buffers, so decline.
        let tx = adam(learningRate: 1e-3)
        var p = params(&rng)
        var state = tx.initialize(params: p)
        XCTAssertFalse(try tx.updateInPlace(params: &p, grads: ["out.weight": Tensor.zeros([3, 2])], state: &state))
    }
}
