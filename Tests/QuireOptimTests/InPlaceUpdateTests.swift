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

    /// One pass over every parameter, split over the cores wherever the chunks fall (here inside and
    /// across parameters of 7,000, 3,000 and 9,001 elements): the same bits as the chain, with one
    /// gradient and with the mean of two.
    func testPreparedStepOnArraysMatchesTheChainAcrossChunkBoundaries() throws {
        var rng = TestRNG(seed: 5)
        let paths = ["a.weight", "a.bias", "b.weight"]
        let shapes = [[70, 100], [3_000], [9_001]]
        for (name, tx) in [("adam", adam(learningRate: 1e-2)),
                           ("adamw", adamw(learningRate: 1e-2, weightDecay: 0.1, mask: .excludingBiasesAndNorms)),
                           ("sgd momentum", sgd(learningRate: 0.1, momentum: 0.9))] {
            let step = try XCTUnwrap(tx.inPlaceStep(paths: paths), name)
            var fused = shapes.map { rng.tensor($0).cast(to: .float32) }
            var plain = TensorDict(Array(zip(paths, fused)))
            var fusedState = tx.initialize(params: plain), plainState = fusedState
            for averaged in [false, true, false] {
                let a = shapes.map { rng.tensor($0).cast(to: .float32) }, b = shapes.map { rng.tensor($0).cast(to: .float32) }
                if averaged && name.hasPrefix("sgd") {   // SGD has no averaged pass
                    XCTAssertFalse(try step.apply(params: &fused, grads: a, meanWith: b, state: &fusedState), name)
                    continue
                }
                XCTAssertTrue(try step.apply(params: &fused, grads: a, meanWith: averaged ? b : nil, state: &fusedState), name)
                let grads = TensorDict(Array(zip(paths, averaged ? zip(a, b).map { ($0 + $1) * 0.5 } : a)))
                let (u, next) = try tx.update(grads: grads, state: plainState, params: plain)
                plain = try applyUpdates(plain, u)
                plainState = next
                for (i, path) in paths.enumerated() {
                    XCTAssertEqual(fused[i].scalars(as: Float.self), plain[path]!.scalars(as: Float.self), "\(name) \(path)")
                }
                for (k, t) in plainState.tensors {
                    XCTAssertEqual(fusedState.tensors[k]!.scalars(as: Float.self), t.scalars(as: Float.self), "\(name) \(k)")
                }
                XCTAssertEqual(fusedState.scalars, plainState.scalars, name)
            }
        }
    }

    func testPreparedStepDeclinesMisfitsAndChangesNothing() throws {
        var rng = TestRNG(seed: 6)
        let tx = adam(learningRate: 1e-2)
        let step = try XCTUnwrap(tx.inPlaceStep(paths: ["w", "b"]))
        var params = [rng.tensor([4, 3]).cast(to: .float32), rng.tensor([3]).cast(to: .float32)]
        let before = params.map { $0.scalars(as: Float.self) }
        var state = tx.initialize(params: ["w": params[0], "b": params[1]])
        let stateBefore = state.scalars
        let misfits: [(String, [Tensor], [Tensor]?)] = [
            ("wrong shape", [rng.tensor([3, 4]).cast(to: .float32), rng.tensor([3]).cast(to: .float32)], nil),
            ("too few", [rng.tensor([4, 3]).cast(to: .float32)], nil),
            ("float64", [rng.tensor([4, 3]), rng.tensor([3]).cast(to: .float32)], nil),
            ("mean of another shape", [rng.tensor([4, 3]).cast(to: .float32), rng.tensor([3]).cast(to: .float32)],
             [rng.tensor([4, 3]).cast(to: .float32), rng.tensor([2]).cast(to: .float32)]),
        ]
        for (name, grads, other) in misfits {
            XCTAssertFalse(try step.apply(params: &params, grads: grads, meanWith: other, state: &state), name)
            XCTAssertEqual(params.map { $0.scalars(as: Float.self) }, before, name)
            XCTAssertEqual(state.scalars, stateBefore, name)
        }
        XCTAssertNil(chain(scaleByAdam(), scaleByLearningRate(1e-3)).inPlaceStep(paths: ["w"]))
    }
}
