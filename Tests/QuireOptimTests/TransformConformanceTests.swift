import Foundation
import QuireOptim
import QuireTensor
import QuireTestSupport
import XCTest

/// Every transform, several steps, against its reference implementation on plain Double arrays
/// (ReferenceOptimizers.swift), in one loop as Optax's own tests do.
final class TransformConformanceTests: XCTestCase {
    static let shapes: [String: [Int]] = ["dense.weight": [2, 3], "dense.bias": [3], "head.weight": [3, 2]]
    static let order = ["dense.weight", "dense.bias", "head.weight"]

    /// Deterministic initial parameters.
    static func initialParams() -> Arrays {
        var out: Arrays = [:]
        for (n, k) in order.enumerated() {
            let count = shapes[k]!.reduce(1, *)
            out[k] = (0..<count).map { 0.5 * cos(Double($0) * 1.1 + Double(n)) }
        }
        return out
    }

    /// Deterministic gradients of varied magnitude at `step` (optionally with a NaN at step 2).
    static func gradients(step: Int, nanAtStep2: Bool) -> Arrays {
        var out: Arrays = [:]
        for (n, k) in order.enumerated() {
            let count = shapes[k]!.reduce(1, *)
            out[k] = (0..<count).map { (i: Int) -> Double in
                let x = Double(i)
                let phase: Double = 0.9 * x + 1.7 * Double(step) + Double(n)
                return sin(phase) * (1 + 0.3 * x)
            }
        }
        if nanAtStep2 && step == 2 { out["dense.bias"]![1] = .nan }
        return out
    }

    static func toTensors(_ a: Arrays) -> TensorDict {
        TensorDict(order.compactMap { k in a[k].map { (k, Tensor($0, shape: shapes[k]!)) } })
    }

    struct Case {
        let name: String
        let tx: GradientTransformation
        let reference: Reference
        var nanAtStep2 = false
        /// State to compare with `reference.extra`.
        var extract: ((OptState) -> TensorDict)? = nil
    }

    static let isBias: @Sendable (String) -> Bool = { $0.hasSuffix("bias") }

    func cases() -> [Case] {
        let linear = Schedule.linear(from: 0.1, to: 0.02, steps: 4)
        return [
            Case(name: "sgd", tx: sgd(learningRate: 0.1), reference: RefSGD(lr: 0.1)),
            Case(name: "sgd momentum", tx: sgd(learningRate: 0.1, momentum: 0.9), reference: RefSGD(lr: 0.1, momentum: 0.9)),
            Case(name: "sgd nesterov", tx: sgd(learningRate: 0.1, momentum: 0.9, nesterov: true),
                 reference: RefSGD(lr: 0.1, momentum: 0.9, nesterov: true)),
            Case(name: "adam", tx: adam(learningRate: 0.01), reference: RefAdamW(lr: 0.01)),
            Case(name: "adamw masked", tx: adamw(learningRate: 0.01, weightDecay: 0.1, mask: .excludingBiasesAndNorms),
                 reference: RefAdamW(lr: 0.01, wd: 0.1, decays: { !Self.isBias($0) })),
            Case(name: "lion", tx: lion(learningRate: 0.01, weightDecay: 0.05), reference: RefLion(lr: 0.01, wd: 0.05)),
            Case(name: "rmsprop", tx: rmsprop(learningRate: 0.01), reference: RefRMSProp(lr: 0.01)),
            Case(name: "rmsprop momentum", tx: rmsprop(learningRate: 0.01, momentum: 0.5),
                 reference: RefRMSProp(lr: 0.01, momentum: 0.5)),
            Case(name: "adagrad", tx: adagrad(learningRate: 0.1), reference: RefAdagrad(lr: 0.1)),
            Case(name: "adafactor", tx: adafactor(learningRate: 0.01, minDimSizeToFactor: 2),
                 reference: RefAdafactor(lr: 0.01, minDim: 2)),
            Case(name: "lamb", tx: lamb(learningRate: 0.01, weightDecay: 0.01), reference: RefLAMB(lr: 0.01, wd: 0.01)),
            Case(name: "clip", tx: clip(0.5), reference: RefMap { _, g, _ in g.mapValues { $0.map { min(max($0, -0.5), 0.5) } } }),
            Case(name: "clipByGlobalNorm", tx: clipByGlobalNorm(1.5), reference: RefMap { _, g, _ in
                let n = g.values.reduce(0.0) { $0 + $1.reduce(0) { $0 + $1 * $1 } }.squareRoot()
                return n < 1.5 ? g : g.mapValues { $0.map { $0 * 1.5 / n } }
            }),
            Case(name: "addDecayedWeights rank≥2", tx: addDecayedWeights(0.1, mask: .rankAtLeast(2)), reference: RefMap { p, g, _ in
                var out = g
                for k in g.keys where Self.shapes[k]!.count >= 2 { out[k] = zip(g[k]!, p[k]!).map { $0 + 0.1 * $1 } }
                return out
            }),
            Case(name: "scaleByLearningRate schedule", tx: scaleByLearningRate(linear),
                 reference: RefMap { _, g, t in g.mapValues { $0.map { -linear(t) * $0 } } }),
            Case(name: "multiTransform",
                 tx: multiTransform(["weights": sgd(learningRate: 0.1, momentum: 0.9), "biases": adam(learningRate: 0.01)]) {
                     Self.isBias($0) ? "biases" : "weights"
                 },
                 reference: RefGroups(["weights": RefSGD(lr: 0.1, momentum: 0.9), "biases": RefAdamW(lr: 0.01)]) {
                     Self.isBias($0) ? "biases" : "weights"
                 }),
            Case(name: "multiSteps", tx: multiSteps(sgd(learningRate: 0.1, momentum: 0.9), everySteps: 3),
                 reference: RefAccumulate(RefSGD(lr: 0.1, momentum: 0.9), k: 3)),
            Case(name: "applyIfFinite", tx: applyIfFinite(sgd(learningRate: 0.1, momentum: 0.9)),
                 reference: RefSkipNonFinite(RefSGD(lr: 0.1, momentum: 0.9)), nanAtStep2: true),
            Case(name: "parameterEMA", tx: chain(adam(learningRate: 0.01), parameterEMA(decay: 0.8)),
                 reference: RefEMA(RefAdamW(lr: 0.01), decay: 0.8), extract: { emaParams($0.scoped("1")) }),
        ]
    }

    func testEveryTransformMatchesItsReferenceEquations() throws {
        let steps = 7
        for c in cases() {
            var refParams = Self.initialParams()
            var params = Self.toTensors(refParams).mapValues { $0.cast(to: .float64) }
            var state = c.tx.initialize(params: params)
            for t in 0..<steps {
                let g = Self.gradients(step: t, nanAtStep2: c.nanAtStep2)
                let expected = c.reference.step(params: refParams, grads: g, shapes: Self.shapes)
                let (updates, next) = try c.tx.update(grads: Self.toTensors(g), state: state, params: params)
                state = next
                XCTAssertEqual(updates.keys, Self.order, "\(c.name): update keys")
                for k in Self.order {
                    let got = updates[k]!.scalars(as: Double.self)
                    XCTAssertEqual(updates[k]!.shape, Self.shapes[k]!, "\(c.name) \(k)")
                    assertClose(got, expected[k]!, rtol: 1e-9, atol: 1e-9, "\(c.name), step \(t), \(k)")
                    refParams[k] = zip(refParams[k]!, expected[k]!).map { $0 + $1 }
                }
                params = try applyUpdates(params, updates)
                if let extract = c.extract {
                    let ts = extract(state)
                    for (k, v) in c.reference.extra {
                        assertClose(ts[k]!.scalars(as: Double.self), v, rtol: 1e-9, atol: 1e-9, "\(c.name) state, step \(t), \(k)")
                    }
                }
            }
        }
    }

    func testApplyIfFiniteCountsSkippedSteps() throws {
        let tx = applyIfFinite(sgd(learningRate: 0.1))
        let params = Self.toTensors(Self.initialParams())
        var state = tx.initialize(params: params)
        for t in 0..<4 { state = try tx.update(grads: Self.toTensors(Self.gradients(step: t, nanAtStep2: true)), state: state, params: params).state }
        XCTAssertEqual(state.scalars["totalNotFinite"], 1)
        XCTAssertEqual(state.scalars["notFiniteCount"], 0)
        XCTAssertEqual(state.step, 3)   // the inner learning-rate count skipped the bad step
    }

    func testMultiStepsKeepsOneAccumulatorPerParameter() {
        let tx = multiSteps(sgd(learningRate: 0.1), everySteps: 4)
        let state = tx.initialize(params: Self.toTensors(Self.initialParams()))
        XCTAssertEqual(state.tensors.keys.sorted(), Self.order.map { "accumulator/\($0)" }.sorted())
    }

    func testAdafactorStoresFactoredStatistics() {
        let params: TensorDict = ["w": Tensor.zeros([4, 6]), "b": Tensor.zeros([6])]
        let s = scaleByFactoredRMS(minDimSizeToFactor: 2).initialize(params: params)
        XCTAssertEqual(s.tensors["vRow/w"]?.shape, [4])
        XCTAssertEqual(s.tensors["vColumn/w"]?.shape, [6])
        XCTAssertEqual(s.tensors["v/b"]?.shape, [6])
        XCTAssertNil(s.tensors["v/w"])
    }

    func testMissingParamsAndBadLabelsAreClearErrors() {
        let params = Self.toTensors(Self.initialParams())
        let grads = Self.toTensors(Self.gradients(step: 0, nanAtStep2: false))
        let tx = adamw(learningRate: 0.1)
        XCTAssertThrowsError(try tx.update(grads: grads, state: tx.initialize(params: params))) {
            XCTAssertTrue("\($0)".contains("addDecayedWeights needs params"), "\($0)")
        }
        let mt = multiTransform(["a": sgd(learningRate: 0.1)]) { _ in "b" }
        XCTAssertThrowsError(try mt.update(grads: grads, state: mt.initialize(params: params))) {
            XCTAssertTrue("\($0)".contains("labelled \"b\", which has no transform"), "\($0)")
        }
    }
}
