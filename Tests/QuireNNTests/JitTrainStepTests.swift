import XCTest
import QuireOptim
import QuireTensor
import QuireTestSupport
@testable import QuireNN

/// `jitTrainStep` against the eager step (`valueAndGrad(of:)` + `Optimizer.update`), donation, retracing.
final class JitTrainStepTests: XCTestCase {
    private func batch(_ rng: inout TestRNG, _ n: Int) -> (Tensor, Tensor) {
        (rng.tensor([n, 6]).cast(to: .float32), Tensor((0..<n).map { _ in Int32(rng.int(0...3)) }))
    }

    private func loss(_ m: MLP, _ b: [Tensor]) -> Tensor { softmaxCrossEntropy(logits: m(b[0]), labels: b[1]).mean() }

    /// Parameters, optimizer state and losses of jitted steps equal the eager steps' for a few steps,
    /// with Adam, AdamW and SGD with momentum (the fused in-place paths) and RMSProp (the general path).
    func testStepsEqualEagerSteps() throws {
        let optimizers: [(String, GradientTransformation)] = [
            ("adam", adam(learningRate: 1e-2)), ("adamw", adamw(learningRate: 1e-2, weightDecay: 0.1)),
            ("sgd", sgd(learningRate: 0.1, momentum: 0.9)), ("rmsprop", rmsprop(learningRate: 1e-2)),
        ]
        for (name, tx) in optimizers {
            let eagerModel = MLP([6, 8, 8, 4], rngs: Rngs(1)), jitModel = MLP([6, 8, 8, 4], rngs: Rngs(1))
            let eager = Optimizer(eagerModel, tx)
            let step = jitTrainStep(Optimizer(jitModel, tx), loss: loss)
            var rng = TestRNG(seed: 9)
            for i in 0..<4 {
                let (x, y) = batch(&rng, 5)
                let (want, grads) = try valueAndGrad(of: eagerModel) { m in self.loss(m, [x, y]) }
                try eager.update(grads)
                let got = try step(x, y)
                XCTAssertEqual(got.item(as: Float.self), want.item(as: Float.self), "\(name) step \(i) loss")
                for (k, p) in eagerModel.state() {
                    XCTAssertEqual(jitModel.state()[k]!.scalars(as: Float.self), p.scalars(as: Float.self), "\(name) \(i) \(k)")
                }
                XCTAssertEqual(step.optimizer.state.tensors.keys, eager.state.tensors.keys, name)
                for (k, b) in eager.state.tensors {
                    XCTAssertEqual(step.optimizer.state.tensors[k]!.scalars(as: Float.self), b.scalars(as: Float.self), "\(name) \(k)")
                }
                XCTAssertEqual(step.optimizer.state.scalars, eager.state.scalars, name)
            }
            XCTAssertEqual(step.cacheMisses, 1, name)
            XCTAssertEqual(step.cacheHits, 3, name)
            // Each `Linear` layer records plain matmul + bias (+ relu) under jit, not its eager fused op,
            // so the jit's own pass fuses every layer.
            XCTAssertEqual(step.lastCompile?.fusedLinear, 3, name)
        }
    }

    /// With `batchShares`, each share of the batch's rows runs its own compiled program and the step
    /// applies the mean of the shares' gradients: bit for bit each share's gradients (from the same
    /// compiled forward + backward, run one share at a time), summed in share order and scaled by
    /// 1 / shares, then the same optimizer step; the loss is the shares' mean. A batch whose rows do not
    /// divide into the shares takes the whole-batch program, as a step without shares.
    func testBatchSharesApplyTheMeanOfTheSharesGradients() throws {
        for (shares, rows) in [(2, 8), (3, 9)] {
            let refModel = MLP([6, 40, 40, 4], rngs: Rngs(5)), jitModel = MLP([6, 40, 40, 4], rngs: Rngs(5))
            let reference = Optimizer(refModel, adam(learningRate: 1e-2))
            let step = jitTrainStep(Optimizer(jitModel, adam(learningRate: 1e-2)), batchShares: shares, loss: loss)
            XCTAssertEqual(step.batchShares, shares)
            // The reference's gradients: the same forward + backward, compiled, one share at a time.
            let paths = refModel.state(.trainable).keys
            let gradients = jit { (xs: [Tensor]) in
                let (value, grads) = try valueAndGrad { (p: TensorDict) in
                    try refModel.update(parameters: p)
                    return self.loss(refModel, [xs[0], xs[1]])
                }(TensorDict(Array(zip(paths, xs.dropFirst(2)))))
                return [value] + paths.map { grads[$0]! }
            }
            var rng = TestRNG(seed: 11)
            for i in 0..<4 {
                let (x, y) = batch(&rng, rows)
                let per = rows / shares
                let params = refModel.state(.trainable)
                let outs = try (0..<shares).map { s in
                    try gradients([x[(s * per)..<((s + 1) * per)], y[(s * per)..<((s + 1) * per)]] + paths.map { params[$0]! })
                }
                let scale = 1 / Double(shares)
                let mean = (0...paths.count).map { k in outs.dropFirst().map { $0[k] }.reduce(outs[0][k], +) * scale }
                try reference.update(TensorDict(Array(zip(paths, mean.dropFirst()))))
                let got = try step(x, y)
                XCTAssertEqual(got.item(as: Float.self).bitPattern, mean[0].item(as: Float.self).bitPattern, "\(shares) shares, step \(i)")
                for (k, p) in refModel.state() {
                    XCTAssertEqual(jitModel.state()[k]!.scalars(as: Float.self).map(\.bitPattern),
                                   p.scalars(as: Float.self).map(\.bitPattern), "\(shares) shares, step \(i), \(k)")
                }
            }
            XCTAssertEqual(step.cacheMisses, 1)
            XCTAssertEqual(step.cacheHits, 3)
            // Rows that do not divide: the whole batch in one program, as without shares.
            let wholeModel = MLP([6, 40, 40, 4], rngs: Rngs(6)), sharedModel = MLP([6, 40, 40, 4], rngs: Rngs(6))
            let whole = jitTrainStep(Optimizer(wholeModel, adam(learningRate: 1e-2)), loss: loss)
            let shared = jitTrainStep(Optimizer(sharedModel, adam(learningRate: 1e-2)), batchShares: shares, loss: loss)
            let (x, y) = batch(&rng, rows + 1)
            XCTAssertEqual(try shared(x, y).item(as: Float.self), try whole(x, y).item(as: Float.self))
            for (k, p) in wholeModel.state() {
                XCTAssertEqual(sharedModel.state()[k]!.scalars(as: Float.self), p.scalars(as: Float.self), "uneven batch, \(k)")
            }
        }
    }

    /// Parameters are updated in their own buffers when nobody else holds them; a tensor the caller
    /// kept is copied first and keeps its values.
    func testDonatedParametersAreWrittenInPlaceButHeldTensorsNeverChange() throws {
        let model = MLP([6, 8, 4], rngs: Rngs(2))
        let step = jitTrainStep(Optimizer(model, adam(learningRate: 1e-2)), loss: loss)
        var rng = TestRNG(seed: 4)
        let (x, y) = batch(&rng, 5)
        _ = try step(x, y)   // traces
        func address(_ t: Tensor) -> UnsafeRawPointer? { t.withUnsafeBufferPointer(as: Float.self) { UnsafeRawPointer($0.baseAddress) } }
        let before = address(model.layers[1].weight.value)
        let moment = address(step.optimizer.state.tensors["0/mu/layers.1.weight"]!)
        _ = try step(x, y)
        XCTAssertEqual(address(model.layers[1].weight.value), before, "parameter updated in place")
        XCTAssertEqual(address(step.optimizer.state.tensors["0/mu/layers.1.weight"]!), moment, "moment updated in place")

        let held = model.layers[0].weight.value, heldValues = held.scalars(as: Float.self)
        let heldState = step.optimizer.state, heldMoment = heldState.tensors["0/nu/layers.0.bias"]!.scalars(as: Float.self)
        _ = try step(x, y)
        XCTAssertEqual(held.scalars(as: Float.self), heldValues)
        XCTAssertNotEqual(model.layers[0].weight.value.scalars(as: Float.self), heldValues)
        XCTAssertEqual(heldState.tensors["0/nu/layers.0.bias"]!.scalars(as: Float.self), heldMoment)
    }

    /// A new batch size retraces; a checkpoint loaded between steps is what the next step starts from.
    func testNewBatchShapesRetraceAndLoadedParametersAreSeen() throws {
        let model = MLP([6, 8, 4], rngs: Rngs(3))
        let step = jitTrainStep(Optimizer(model, sgd(learningRate: 0.1)), loss: loss)
        var rng = TestRNG(seed: 6)
        let (x, y) = batch(&rng, 5), (x2, y2) = batch(&rng, 3)
        _ = try step(x, y)
        _ = try step(x2, y2)
        _ = try step(x, y)
        XCTAssertEqual(step.cacheMisses, 2)
        XCTAssertEqual(step.cacheHits, 1)

        let saved = model.state()
        let first = try step(x, y)
        try model.load(saved)
        XCTAssertEqual(try step(x, y).item(as: Float.self), first.item(as: Float.self), "the loaded parameters are used")
    }
}
