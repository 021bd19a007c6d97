import Foundation
import QuireOptim
import QuireTensor
import QuireTestSupport
import XCTest

/// State round trips (Codable and load) with their errors, and small end-to-end fits.
final class StateAndTrainingTests: XCTestCase {
    let params: TensorDict = ["dense.weight": Tensor([1, -2, 3, 0.5, 0, 2] as [Float], shape: [2, 3]),
                              "dense.bias": Tensor([0.1, 0.2, 0.3] as [Float])]

    func grads(_ t: Int) -> TensorDict {
        params.mapValues { $0 * Float(0.3 * Double(t + 1)) - 0.2 }
    }

    func testStateSurvivesJSONAndLoadAndContinuesIdentically() throws {
        let tx = chain(clipByGlobalNorm(5), adamw(learningRate: .cosineDecay(initialValue: 0.1, decaySteps: 10)))
        var p = params
        var state = tx.initialize(params: p)
        for t in 0..<3 {
            let r = try tx.update(grads: grads(t), state: state, params: p)
            p = try applyUpdates(p, r.updates); state = r.state
        }
        let data = try JSONEncoder().encode(state)
        let decoded = try JSONDecoder().decode(OptState.self, from: data)
        var restored = tx.initialize(params: params)
        try restored.load(decoded)
        XCTAssertEqual(restored.step, 3)
        XCTAssertEqual(restored.learningRate, state.learningRate)
        XCTAssertEqual(restored.tensors.keys, state.tensors.keys)
        let a = try tx.update(grads: grads(3), state: state, params: p)
        let b = try tx.update(grads: grads(3), state: restored, params: p)
        for k in a.updates.keys { XCTAssertEqual(a.updates[k]!.scalars(as: Float.self), b.updates[k]!.scalars(as: Float.self), k) }
        for k in a.state.tensors.keys {
            XCTAssertEqual(a.state.tensors[k]!.scalars(as: Float.self), b.state.tensors[k]!.scalars(as: Float.self), k)
        }
    }

    func testLoadReportsEveryMismatch() throws {
        let tx = adam(learningRate: 0.1)
        let other: TensorDict = ["dense.weight": Tensor.zeros([3, 2]), "head.weight": Tensor.zeros([2])]
        var state = tx.initialize(params: params)
        XCTAssertThrowsError(try state.load(tx.initialize(params: other))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("optimizer state does not fit (6 problems)"), message)
            XCTAssertTrue(message.contains("missing tensor 0/mu/dense.bias"), message)
            XCTAssertTrue(message.contains("unexpected tensor 0/nu/head.weight"), message)
            XCTAssertTrue(message.contains("tensor 0/mu/dense.weight has shape [3, 2], expected [2, 3]"), message)
        }
        var sgdState = sgd(learningRate: 0.1).initialize(params: params)
        XCTAssertThrowsError(try sgdState.load(state)) { error in
            XCTAssertTrue("\(error)".contains("missing scalar 0/learningRate"), "\(error)")
            XCTAssertTrue("\(error)".contains("unexpected scalar 1/count"), "\(error)")
        }
        XCTAssertThrowsError(try applyUpdates(params, ["nope": Tensor.zeros([1])])) { error in
            XCTAssertTrue("\(error)".contains("update for nope, which is not a parameter"), "\(error)")
        }
    }

    func testAdamFitsALinearRegressionThroughValueAndGrad() throws {
        // y = x · [2, -3, 0.5] + 1 on 64 random points (seed 0).
        let n = 64
        let x = Tensor.normal(PRNGKey(seed: 0), shape: [n, 3])
        let trueW = Tensor([2, -3, 0.5] as [Float], shape: [3, 1])
        let y = x.matmul(trueW) + 1
        var p: TensorDict = ["w": Tensor.zeros([3, 1]), "b": Tensor.zeros([1])]
        let tx = adam(learningRate: 0.05)
        var state = tx.initialize(params: p)
        let lossAndGrad = valueAndGrad { (q: TensorDict) in meanSquaredError(predictions: x.matmul(q["w"]!) + q["b"]!, targets: y) }
        var first = Float.nan, last = Float.nan
        for step in 0..<600 {
            let (loss, g) = try lossAndGrad(p)
            if step == 0 { first = loss.item() }
            last = loss.item()
            let r = try tx.update(grads: g, state: state, params: p)
            p = try applyUpdates(p, r.updates); state = r.state
        }
        XCTAssertGreaterThan(first, 1)
        XCTAssertLessThan(last, 1e-6)
        assertClose(p["w"]!.scalars(as: Float.self), [2, -3, 0.5], rtol: 0, atol: 1e-3)
        XCTAssertEqual(p["b"]!.item(), 1, accuracy: 1e-3)
        XCTAssertEqual(state.step, 600)
    }

    func testEveryOptimizerDecreasesAQuadratic() throws {
        // f(p) = Σ (p − target)², from p = 0.
        let target: TensorDict = ["w": Tensor([1, -2, 3, 0.5] as [Float], shape: [2, 2]), "b": Tensor([0.5, -0.5] as [Float])]
        let optimizers: [(String, GradientTransformation)] = [
            ("sgd", sgd(learningRate: 0.1, momentum: 0.9)), ("adam", adam(learningRate: 0.1)),
            ("adamw", adamw(learningRate: 0.1, weightDecay: 1e-4)), ("lion", lion(learningRate: 0.03, weightDecay: 0)),
            ("rmsprop", rmsprop(learningRate: 0.05)), ("adagrad", adagrad(learningRate: 0.5)),
            ("adafactor", adafactor(learningRate: 0.1, minDimSizeToFactor: 2, multiplyByParameterScale: false)),
            ("lamb", lamb(learningRate: 0.1)),
        ]
        let f = valueAndGrad { (q: TensorDict) in
            (q["w"]! - target["w"]!).square().sum() + (q["b"]! - target["b"]!).square().sum()
        }
        for (name, tx) in optimizers {
            var p: TensorDict = ["w": Tensor.full([2, 2], 0.1), "b": Tensor.full([2], 0.1)]
            var state = tx.initialize(params: p)
            let start = try f(p).value.item(as: Float.self)
            for _ in 0..<200 {
                let g = try f(p).gradient
                let r = try tx.update(grads: g, state: state, params: p)
                p = try applyUpdates(p, r.updates); state = r.state
            }
            let end = try f(p).value.item(as: Float.self)
            XCTAssertLessThan(end, start * 0.05, "\(name): \(start) → \(end)")
        }
    }
}

/// Adam's fused single-pass kernel (float32/float64) against the tensor-operation form it replaces, which
/// still runs for float16 and for traced gradients.
final class FusedAdamTests: XCTestCase {
    func testFusedFloat32MatchesFloat64AndHalfPrecisionPaths() throws {
        let shape = [3, 5]
        let p0 = Tensor((0..<15).map { Float($0) * 0.1 - 0.7 }, shape: shape)
        let tx = adam(learningRate: 0.01)
        var p32: TensorDict = ["w": p0], p64: TensorDict = ["w": p0.cast(to: .float64)]
        var s32 = tx.initialize(params: p32), s64 = tx.initialize(params: p64)
        for step in 0..<5 {
            let g = Tensor((0..<15).map { Float(step + 1) * 0.3 * Float($0 % 4) - 0.4 }, shape: shape)
            let (u32, n32) = try tx.update(grads: ["w": g], state: s32, params: p32)
            let (u64, n64) = try tx.update(grads: ["w": g.cast(to: .float64)], state: s64, params: p64)
            (s32, s64) = (n32, n64)
            p32 = try applyUpdates(p32, u32)
            p64 = try applyUpdates(p64, u64)
        }
        let a = p32["w"]!.scalars(as: Double.self), b = p64["w"]!.scalars(as: Double.self)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-6) }

        // float16 goes through the tensor operations; it must agree to half precision.
        var p16: TensorDict = ["w": p0.cast(to: .float16)]
        var s16 = tx.initialize(params: p16)
        let g = Tensor((0..<15).map { 0.3 * Float($0 % 4) - 0.4 }, shape: shape)
        let (u16, n16) = try tx.update(grads: ["w": g.cast(to: .float16)], state: s16, params: p16)
        s16 = n16
        p16 = try applyUpdates(p16, u16)
        XCTAssertEqual(p16["w"]!.dtype, .float16)
        XCTAssertEqual(s16.step, 1)
    }

    /// The float32 loops flush denormal moments to zero (a dead unit's moments decay below FLT_MIN, where
    /// every operation on them is a microcode assist): out of place and in place alike.
    func testFloat32MomentsBelowTheSmallestNormalBecomeZero() throws {
        let tiny = Float.leastNormalMagnitude
        let tx = adam(learningRate: 1e-3)
        var params: TensorDict = ["w": Tensor([1, 2, 3, 4] as [Float], shape: [4])]
        let grads: TensorDict = ["w": Tensor([0, 0, 0, 0.5] as [Float], shape: [4])]
        var state = tx.initialize(params: params)
        // First moments just above and at FLT_MIN (0.9 times them is subnormal), a subnormal one, a normal one.
        state.tensors["0/mu/w"] = Tensor([tiny * 1.05, tiny, tiny / 4, 0.25] as [Float], shape: [4])
        state.tensors["0/nu/w"] = Tensor([tiny, tiny / 8, 1e-3, 0.25] as [Float], shape: [4])
        let (updates, next) = try tx.update(grads: grads, state: state, params: params)
        XCTAssertTrue(try tx.updateInPlace(params: &params, grads: grads, state: &state))
        for s in [next, state] {
            let mu = s.tensors["0/mu/w"]!.scalars(as: Float.self), nu = s.tensors["0/nu/w"]!.scalars(as: Float.self)
            XCTAssertEqual(Array(mu.prefix(3)), [0, 0, 0], "0.9 · mu is subnormal or reads one: flushed")
            XCTAssertEqual(mu[3], 0.9 * 0.25 + 0.1 * 0.5)
            XCTAssertEqual(Array(nu.prefix(2)), [0, 0])
            XCTAssertEqual(nu[2], 0.999 * 1e-3)
        }
        XCTAssertEqual(updates["w"]!.scalars(as: Float.self).prefix(3), [0, 0, 0])
        XCTAssertEqual(params["w"]!.scalars(as: Float.self).prefix(3), [1, 2, 3])
    }

    /// The vectorized float32 loop (whole vectors plus a ragged tail: 37 elements) gives exactly the bits of
    /// the tensor-operation formula.
    func testFusedFloat32IsBitIdenticalToTheTensorFormula() throws {
        let n = 37
        let tx = scaleByAdam()
        var state = tx.initialize(params: ["w": Tensor.zeros([n])])
        var mu = Tensor.zeros([n]), nu = Tensor.zeros([n])
        for step in 1...3 {
            let g = Tensor((0..<n).map { Float(($0 * 7 + step * 3) % 11) * 0.37 - 1.9 }, shape: [n])
            let (u, next) = try tx.update(grads: ["w": g], state: state, params: nil)
            state = next
            let (b1, b2, eps) = (0.9, 0.999, 1e-8)
            let c1 = 1 - Foundation.pow(b1, Double(step)), c2 = 1 - Foundation.pow(b2, Double(step))
            mu = b1 * mu + (1 - b1) * g
            nu = b2 * nu + (1 - b2) * g.square()
            // Bias corrections as multiplications by their reciprocals, rounded once to float32.
            let expected = (mu * (1 / c1)) / ((nu * (1 / c2) + 0.0).sqrt() + eps)
            XCTAssertEqual(u["w"]!.scalars(as: Float.self).map(\.bitPattern), expected.scalars(as: Float.self).map(\.bitPattern))
            // Optax divides: the two differ by rounding only.
            assertClose(u["w"]!, (mu / c1) / ((nu / c2 + 0.0).sqrt() + eps), rtol: 1e-6, atol: 0)
            XCTAssertEqual(state.tensors["mu/w"]!.scalars(as: Float.self).map(\.bitPattern), mu.scalars(as: Float.self).map(\.bitPattern))
            XCTAssertEqual(state.tensors["nu/w"]!.scalars(as: Float.self).map(\.bitPattern), nu.scalars(as: Float.self).map(\.bitPattern))
        }
    }
}
