import QuireTestSupport
import XCTest
@testable import QuireTensor

/// A 3-layer MLP's mean squared error, parameters in a TensorDict.
func mlpLoss(_ p: TensorDict, _ x: Tensor, _ y: Tensor) -> Tensor {
    let h1 = (x.matmul(p["l1.w"]!) + p["l1.b"]!).tanh()
    let h2 = (h1.matmul(p["l2.w"]!) + p["l2.b"]!).gelu()
    let out = h2.matmul(p["l3.w"]!) + p["l3.b"]!
    return (out - y).square().mean()
}

func mlpParameters(_ sizes: [Int], dtype: DType = .float64, seed: UInt64 = 7) -> TensorDict {
    var rng = TestRNG(seed: seed)
    var p = TensorDict()
    for i in 0..<(sizes.count - 1) {
        p["l\(i + 1).w"] = rng.tensor([sizes[i], sizes[i + 1]], -1, 1).cast(to: dtype) / Double(sizes[i]).squareRoot()
        p["l\(i + 1).b"] = rng.tensor([sizes[i + 1]], -0.1, 0.1).cast(to: dtype)
    }
    return p
}

final class AutodiffTransformTests: XCTestCase {
    func testMLPGradientMatchesFiniteDifferences() throws {
        var rng = TestRNG(seed: 11)
        let params = mlpParameters([4, 6, 5, 3])
        let x = rng.tensor([8, 4]), y = rng.tensor([8, 3])
        let (loss, grads) = try valueAndGrad { (p: TensorDict) in mlpLoss(p, x, y) }(params)
        XCTAssertEqual(loss.item(as: Double.self), mlpLoss(params, x, y).item(as: Double.self), accuracy: 1e-12)
        XCTAssertEqual(grads.keys, params.keys)
        XCTAssertFalse(loss.isTraced)
        let numeric = finiteDifferenceGradients({ xs in mlpLoss(TensorDict(Array(zip(params.keys, xs))), x, y) },
                                                params.values, cotangent: Tensor(1.0), step: 1e-6)
        for (k, n) in zip(params.keys, numeric) {
            assertClose(grads[k]!, n, rtol: 1e-5, atol: 1e-8, checkDType: false, k)
            XCTAssertFalse(grads[k]!.isTraced)
        }
    }

    func testFloat32GradientsKeepDType() throws {
        let params = mlpParameters([4, 6, 5, 3], dtype: .float32)
        var rng = TestRNG(seed: 3)
        let x = rng.tensor([5, 4]).cast(to: .float32), y = rng.tensor([5, 3]).cast(to: .float32)
        let g32 = try grad { (p: TensorDict) in mlpLoss(p, x, y) }(params)
        let g64 = try grad { (p: TensorDict) in mlpLoss(p, x.cast(to: .float64), y.cast(to: .float64)) }(params.mapValues { $0.cast(to: .float64) })
        for k in params.keys {
            XCTAssertEqual(g32[k]!.dtype, .float32)
            assertClose(g32[k]!, g64[k]!, rtol: 1e-3, atol: 1e-5, checkDType: false, k)
        }
    }

    func testOneTwoAndManyArgumentForms() throws {
        let a = Tensor([1, 2, 3] as [Double]), b = Tensor([4, 5, 6] as [Double])
        let g = try grad { x in (x * x).sum() }(a)
        XCTAssertEqual(g.scalars(as: Double.self), [2, 4, 6])
        let (v, (ga, gb)) = try valueAndGrad { x, y in (x * y).sum() }(a, b)
        XCTAssertEqual(v.item(as: Double.self), 32)
        XCTAssertEqual(ga.scalars(as: Double.self), [4, 5, 6])
        XCTAssertEqual(gb.scalars(as: Double.self), [1, 2, 3])
        let gs = try grad { (xs: [Tensor]) in (xs[0] * xs[1] * xs[2]).sum() }([a, b, Tensor(2.0)])
        XCTAssertEqual(gs[2].shape, [])
        XCTAssertEqual(gs[2].item(as: Double.self), 32)
        // An argument the function does not use gets zeros.
        let (_, (_, unused)) = try valueAndGrad { x, _ in x.sum() }(a, b)
        XCTAssertEqual(unused.scalars(as: Double.self), [0, 0, 0])
    }

    func testHasAuxAndStopGradient() throws {
        let x = Tensor([1, 2] as [Double])
        let (loss, g, aux) = try valueAndGrad(hasAux: true) { (w: Tensor) in
            let y = w * 3
            return (y.sum(), y)
        }(x)
        XCTAssertEqual(loss.item(as: Double.self), 9)
        XCTAssertEqual(g.scalars(as: Double.self), [3, 3])
        XCTAssertEqual(aux.scalars(as: Double.self), [3, 6])
        XCTAssertFalse(aux.isTraced)
        let gs = try grad { w in (w * w.stopGradient()).sum() }(x)
        XCTAssertEqual(gs.scalars(as: Double.self), [1, 2])
        let (_, dictGrads, count) = try valueAndGrad(hasAux: true) { (p: TensorDict) in ((p["w"]! * 2).sum(), p.count) }(["w": x])
        XCTAssertEqual(dictGrads["w"]!.scalars(as: Double.self), [2, 2])
        XCTAssertEqual(count, 1)
    }

    func testIntegerEntriesOfATensorDictGetNoGradient() throws {
        let params: TensorDict = ["w": Tensor([1, 2] as [Double]), "step": Tensor([3] as [Int32]), "mask": Tensor([true, false])]
        let g = try grad { (p: TensorDict) in (p["w"]! * p["step"]! * p["mask"]!.cast(to: .float64)).sum() }(params)
        XCTAssertEqual(g.keys, ["w"])
        XCTAssertEqual(g["w"]!.scalars(as: Double.self), [3, 0])
    }

    func testBroadcastingIsUndone() throws {
        let bias = Tensor([[1], [2]] as [[Double]])   // [2, 1]
        let x = Tensor.ones([3, 2, 4], dtype: .float64)
        let g = try grad { b in (x + b).square().sum() }(bias)
        XCTAssertEqual(g.shape, [2, 1])
        XCTAssertEqual(g.scalars(as: Double.self), [2 * 2 * 12, 2 * 3 * 12])
    }

    func testVJPOfANonScalarOutput() throws {
        let x = Tensor([0, 1] as [Double])
        let (y, g) = try vjp({ $0.exp() }, at: x, cotangent: Tensor([1, 2] as [Double]))
        assertClose(y.scalars(as: Double.self), [1, M_E], rtol: 0, atol: 1e-12)
        assertClose(g.scalars(as: Double.self), [1, 2 * M_E], rtol: 0, atol: 1e-12)
    }

    func testTraceIsInspectable() throws {
        let (trace, y) = Trace.record([Tensor([1, 2] as [Float]), Tensor([3] as [Int32])]) { xs in
            (xs[0] * 2).exp().sum() + xs[1].sum().cast(to: .float32)
        }
        XCTAssertEqual(trace.nodes.map(\.description), [
            "%0 = input() : [2] float32",
            "%1 = multiply(%0, const[]) : [2] float32",
            "%2 = exp(%1) : [2] float32",
            "%3 = sum(axes: [0], keepDims: false)(%2) : [] float32",
            "%4 = add(%3, const[]) : [] float32",
        ])
        XCTAssertEqual(trace.nodes[4].inputIDs, [3, nil])
        XCTAssertEqual(y.item(as: Float.self), Float(Foundation.exp(2.0) + Foundation.exp(4.0) + 3), accuracy: 1e-3)
        XCTAssertFalse(y.isTraced)
        XCTAssertNil(TraceContext.current.trace, "recording leaves no trace behind")
        // Inside grad, the same representation is being built.
        var count = 0
        _ = try grad { x in
            let r = (x * x).sum()
            count = TraceContext.current.trace!.nodes.count
            return r
        }(Tensor([1.0]))
        XCTAssertEqual(count, 3)
    }

    func testConcurrentTracesDoNotInterfere() throws {
        let results = Mutex<[Int: [Double]]>([:])
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let x = Tensor([Double(i), 1] as [Double])
            let g = try! grad { x in (x * x * Double(i)).sum() }(x)
            results.withLock { $0[i] = g.scalars(as: Double.self) }
        }
        for i in 0..<8 {
            XCTAssertEqual(results.withLock { $0[i] }, [2 * Double(i * i), 2 * Double(i)])
        }
    }
}

import Synchronization

final class AutodiffEscapeTests: XCTestCase {
    /// A traced tensor kept past its differentiated call is a constant afterwards, in later calls too.
    func testATracedTensorThatEscapesIsAConstantLater() throws {
        var escaped: Tensor? = nil
        _ = try grad { x in
            let y = x * 3
            escaped = y
            return y.sum()
        }(Tensor([1, 2] as [Double]))
        let e = try XCTUnwrap(escaped)
        XCTAssertFalse(e.isTraced)
        XCTAssertEqual((e + 1).scalars(as: Double.self), [4, 7])
        let g = try grad { x in (x * e).sum() + (e * e).sum() }(Tensor([1, 1] as [Double]))
        XCTAssertEqual(g.scalars(as: Double.self), [3, 6])
    }
}
