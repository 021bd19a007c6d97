import QuireTestSupport
import XCTest
@testable import QuireTensor

final class AutodiffAdvancedTests: XCTestCase {
    func testSecondAndThirdDerivativesOfScalarFunctions() throws {
        let x = Tensor([0.5, -1.2, 2] as [Double])
        // d²/dx² sum(x³) = 6x; d³ = 6.
        let d2 = try grad { x in try grad { ($0 * $0 * $0).sum() }(x).sum() }(x)
        assertClose(d2.scalars(as: Double.self), [3, -7.2, 12], rtol: 0, atol: 1e-12)
        let d3 = try grad { x in try grad { x in try grad { ($0 * $0 * $0).sum() }(x).sum() }(x).sum() }(x)
        assertClose(d3.scalars(as: Double.self), [6, 6, 6], rtol: 0, atol: 1e-12)
        // d²/dx² of sum(tanh(x) · exp(x)) against finite differences of the first derivative.
        let f: (Tensor) throws -> Tensor = { ($0.tanh() * $0.exp()).sum() }
        let second = try grad { x in try grad(f)(x).sum() }(x)
        let firstNumeric = finiteDifferenceGradients({ xs in try! grad(f)(xs[0]) }, [x], cotangent: Tensor.ones([3], dtype: .float64), step: 1e-5)
        assertClose(second, firstNumeric[0], rtol: 1e-6, atol: 1e-8, checkDType: false)
    }

    func testSecondDerivativeThroughMatmulSoftmaxAndReductions() throws {
        var rng = TestRNG(seed: 5)
        let w = rng.tensor([3, 4]), x = rng.tensor([2, 3])
        let f: (Tensor) throws -> Tensor = { w in x.matmul(w).logSoftmax().square().mean() + w.pow(2).sum() * 0.1 }
        let hv = try grad { w in (try grad(f)(w) * w.stopGradient()).sum() }(w)   // Hessian-vector product H·w
        let numeric = finiteDifferenceGradients({ ws in (try! grad(f)(ws[0])) }, [w], cotangent: w, step: 1e-5)
        assertClose(hv, numeric[0], rtol: 1e-5, atol: 1e-7, checkDType: false)
    }

    func testSecondDerivativeThroughStridedSlicesConvAndPooling() throws {
        var rng = TestRNG(seed: 8)
        let x = rng.tensor([1, 5, 5, 2]), k = rng.tensor([2, 2, 2, 3])
        let f: (Tensor) throws -> Tensor = { x in
            x.conv2d(k, stride: 2, padding: .same).tanh().maxPool2d(window: 2).sum() + x[.all, 0..<5, .range(nil, nil, step: -2)].square().sum()
        }
        let hv = try grad { x in (try grad(f)(x) * x.stopGradient()).sum() }(x)
        let numeric = finiteDifferenceGradients({ xs in try! grad(f)(xs[0]) }, [x], cotangent: x, step: 1e-5)
        assertClose(hv, numeric[0], rtol: 1e-5, atol: 1e-7, checkDType: false)
    }

    func testGradOfAFunctionClosingOverAnOuterTracedValue() throws {
        // d/dx [x · d/dy (x·y²)|_{y=3}] = d/dx [x · 6x] = 12x
        let g = try grad { x in x * (try grad { y in (x * y * y).sum() }(Tensor(3.0))) }(Tensor(2.0))
        XCTAssertEqual(g.item(as: Double.self), 24, accuracy: 1e-12)
    }

    func testCustomVJPMatchesThePlainGradientAndIsUsed() throws {
        var rng = TestRNG(seed: 9)
        let x = rng.tensor([4, 3])
        let softplus = customVJP(name: "softplus", forward: { x in (x.softplus(), [x]) },
                                 backward: { res, g in g * res[0].sigmoid() })
        let plain = try grad { $0.softplus().square().sum() }(x)
        let custom = try grad { softplus($0).square().sum() }(x)
        assertClose(custom, plain, rtol: 1e-12, atol: 1e-12, checkDType: false)
        // The user's backward really runs: a gradient-clipping identity.
        let clip = customVJP(forward: { x in (x, []) }, backward: { _, g in g.clamped(to: -1...1) })
        let clipped = try grad { (clip($0) * 5).sum() }(x)
        XCTAssertEqual(Set(clipped.scalars(as: Double.self)), [1])
        // Several inputs.
        let mul = customVJP(name: "mul", forward: { xs in (xs[0] * xs[1], xs) }, backward: { r, g in [g * r[1], g * r[0]] })
        let (ga, gb) = try grad { a, b in mul([a, b]).sum() }(x, x * 2)
        assertClose(ga, x * 2, rtol: 1e-12, atol: 0, checkDType: false)
        assertClose(gb, x, rtol: 1e-12, atol: 0, checkDType: false)
    }

    func testSecondDerivativesThroughCustomVJPAndCheckpoint() throws {
        var rng = TestRNG(seed: 12)
        let x = rng.tensor([5])
        let softplus = customVJP(name: "softplus", forward: { x in (x.softplus(), [x]) },
                                 backward: { res, g in g * res[0].sigmoid() })
        let remat = checkpoint { (x: Tensor) in x.softplus().square() }
        let plain = try grad { x in try grad { $0.softplus().square().sum() }(x).sum() }(x)
        let custom = try grad { x in try grad { softplus($0).square().sum() }(x).sum() }(x)
        let checkpointed = try grad { x in try grad { remat($0).sum() }(x).sum() }(x)
        assertClose(custom, plain, rtol: 1e-12, atol: 1e-14, checkDType: false)
        assertClose(checkpointed, plain, rtol: 1e-12, atol: 1e-14, checkDType: false)
    }

    func testCheckpointMatchesThePlainGradient() throws {
        let params = mlpParameters([4, 6, 5, 3])
        var rng = TestRNG(seed: 2)
        let x = rng.tensor([8, 4]), y = rng.tensor([8, 3])
        let layer = checkpoint { (xs: [Tensor]) in (xs[0].matmul(xs[1]) + xs[2]).tanh() }
        let plain = try grad { (p: TensorDict) in mlpLoss(p, x, y) }(params)
        let remat = try grad { (p: TensorDict) -> Tensor in
            let h1 = layer([x, p["l1.w"]!, p["l1.b"]!])
            let h2 = (h1.matmul(p["l2.w"]!) + p["l2.b"]!).gelu()
            return (h2.matmul(p["l3.w"]!) + p["l3.b"]! - y).square().mean()
        }
        // The checkpointed layer is tanh, as in mlpLoss.
        let g = try remat(params)
        for k in params.keys { assertClose(g[k]!, plain[k]!, rtol: 1e-12, atol: 1e-14, checkDType: false, k) }
    }

    /// A deep chain of 32 float32 layers on a [256, 256] activation: plain tracing keeps every layer's
    /// activations until the backward pass; checkpointing blocks of 8 keeps only block inputs.
    func testCheckpointLowersPeakMemoryOfADeepChain() throws {
        var rng = TestRNG(seed: 4)
        let x = rng.tensor([256, 256], -1, 1).cast(to: .float32)
        let w = (rng.tensor([256, 256], -1, 1) / 16).cast(to: .float32)
        let layer: @Sendable (Tensor, Tensor) -> Tensor = { h, w in (h.matmul(w)).tanh() * 0.9 + h * 0.1 }
        let block = checkpoint { (xs: [Tensor]) -> Tensor in
            var h = xs[0]
            for _ in 0..<8 { h = layer(h, xs[1]) }
            return h
        }
        MemoryStats.isTracking = true
        defer { MemoryStats.isTracking = false }
        func measure(_ f: @escaping (Tensor) -> Tensor) throws -> (peak: Int, grad: Tensor) {
            let before = MemoryStats.liveBytes
            MemoryStats.resetPeak()
            let g = try grad { w in f(w).square().mean() }(w)
            return (MemoryStats.peakBytes - before, g)
        }
        let plain = try measure { w in (0..<32).reduce(x) { h, _ in layer(h, w) } }
        let remat = try measure { w in (0..<4).reduce(x) { h, _ in block([h, w]) } }
        assertClose(remat.grad, plain.grad, rtol: 1e-5, atol: 1e-7, checkDType: false)
        let layerBytes = 256 * 256 * 4
        print("deep chain peak: plain \(plain.peak / layerBytes) activations, checkpointed \(remat.peak / layerBytes)")
        XCTAssertLessThan(Double(remat.peak), 0.5 * Double(plain.peak))
    }

    func testNothingTheTraceHeldSurvivesTheCall() throws {
        MemoryStats.isTracking = true
        defer { MemoryStats.isTracking = false }
        let x = Tensor.ones([512, 512], dtype: .float32)
        let before = MemoryStats.liveBytes
        _ = try grad { x in (0..<10).reduce(x) { h, _ in (h * 1.01).tanh() }.sum() }(x)
        XCTAssertEqual(MemoryStats.liveBytes, before, "nothing the trace held survives the call")
    }

    func testErrorsNameTheProblem() {
        let v = Tensor([1, 2] as [Float])
        XCTAssertThrowsError(try grad { $0 * 2 }(v)) { e in
            XCTAssertTrue("\(e)".contains("shape [2], not a scalar"), "\(e)")
            XCTAssertTrue("\(e)".contains("vjp"), "\(e)")
        }
        XCTAssertThrowsError(try grad { $0.sum() }(Tensor([1, 2] as [Int32]))) { e in
            XCTAssertTrue("\(e)".contains("argument 0 has dtype int32"), "\(e)")
        }
        XCTAssertThrowsError(try grad { x, y in (x * y).sum() }(v, Tensor([true, false]))) { e in
            XCTAssertTrue("\(e)".contains("argument 1 has dtype bool"), "\(e)")
        }
        XCTAssertThrowsError(try grad { ($0 .> 1).sum() }(v)) { e in
            XCTAssertTrue("\(e)".contains("int32 tensor; only floating-point outputs"), "\(e)")
        }
        XCTAssertThrowsError(try vjp({ $0 * 2 }, at: v, cotangent: Tensor.ones([3]))) { e in
            XCTAssertTrue("\(e)".contains("cotangent of shape [3]"), "\(e)")
        }
        // A function the inputs do not reach has a zero gradient, not an error.
        XCTAssertEqual(try grad { _ in Tensor(1.0) }(v).scalars(as: Float.self), [0, 0])
    }
}
