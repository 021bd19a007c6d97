import XCTest
import QuireTestSupport
@testable import QuireTensor

/// Same shape, dtype and bits (float32 widens to float64 exactly).
private func assertIdentical(_ a: Tensor, _ b: Tensor, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "shape " + message, file: file, line: line)
    XCTAssertEqual(a.dtype, b.dtype, "dtype " + message, file: file, line: line)
    XCTAssertEqual(a.scalars(as: Double.self), b.scalars(as: Double.self), message, file: file, line: line)
}

final class JitTests: XCTestCase {
    /// Every case of the autodiff conformance table, jitted with its gradient: the traced call and a
    /// replay on other inputs of the same shapes both match the eager function and gradient.
    func testJitMatchesEagerOverConformanceTable() throws {
        var rng = TestRNG(seed: 19)
        for c in autodiffConformanceCases() {
            let xs = c.inputs(&rng)
            let cot = rng.tensor(c.f(xs).shape)
            let loss: ([Tensor]) throws -> Tensor = { (c.f($0) * cot).sum() }
            func eager(_ xs: [Tensor]) throws -> [Tensor] {
                let (v, g) = try valueAndGrad(loss)(xs)
                return [c.f(xs), v] + g
            }
            let jf = jit { xs in
                let (v, g) = try valueAndGrad(loss)(xs)
                return [c.f(xs), v] + g
            }
            // Same signs, other magnitudes: stays inside each case's domain (log, sqrt, pow, gaps).
            let xs2 = xs.map { $0 * rng.tensor($0.shape, 0.8, 1.25) }
            for (run, inputs) in [xs, xs2, xs].enumerated() {
                let got: [Tensor]
                do { got = try jf(inputs) } catch { XCTFail("\(c.name): \(error)"); break }
                let want = try eager(inputs)
                XCTAssertEqual(got.count, want.count, c.name)
                for (k, (g, w)) in zip(got, want).enumerated() {
                    assertClose(g, w, rtol: 1e-6, atol: 1e-12, "\(c.name), call \(run), output \(k)")
                }
            }
            XCTAssertEqual(jf.cacheMisses, 1, c.name)
            XCTAssertEqual(jf.cacheHits, 2, c.name)
        }
    }

    func testNewShapesRetraceAndTheCounterSaysSo() throws {
        var traced = 0
        let f = jit { (xs: [Tensor]) in
            traced += 1   // a side effect: runs only while tracing
            return [(xs[0].tanh() * 2).sum(axes: [0])]
        }
        var rng = TestRNG(seed: 1)
        let a = rng.tensor([3, 4]), b = rng.tensor([3, 4]), c = rng.tensor([5, 4])
        for x in [a, b, c, a, c, b.cast(to: .float32)] {
            assertIdentical(try f([x])[0], (x.tanh() * 2).sum(axes: [0]))
        }
        XCTAssertEqual(f.cacheMisses, 3)   // [3, 4] f64, [5, 4] f64, [3, 4] f32
        XCTAssertEqual(f.cacheHits, 3)
        XCTAssertEqual(f.cacheSize, 3)
        XCTAssertEqual(traced, 3)
    }

    /// The relu mask recorded by the backward pass is recomputed from each batch, not baked in.
    func testReluMaskThatChangesBetweenBatchesReplaysCorrectly() throws {
        var rng = TestRNG(seed: 2)
        let w = rng.tensor([4, 3]).cast(to: .float32)
        let step = jit { (xs: [Tensor]) in
            let (loss, g) = try valueAndGrad { w in xs[1].matmul(w).relu().square().mean() }(xs[0])
            return [loss, g]
        }
        let positive = rng.tensor([8, 4], 0.1, 1).cast(to: .float32)
        let mixed = rng.tensor([8, 4], -1, 1).cast(to: .float32)
        for x in [positive, mixed, -positive] {
            let got = try step([w, x])
            let (loss, g) = try valueAndGrad { w in x.matmul(w).relu().square().mean() }(w)
            assertIdentical(got[0], loss)
            assertIdentical(got[1], g)
        }
        XCTAssertEqual(step.cacheHits, 2)
        XCTAssertEqual(step.lastCompile?.reluGradients, 1)   // the recorded where(x > 0, g, 0), one pass
    }

    /// Integer labels, a gather by them, argmax and comparisons are inputs of the program.
    func testIntegerInputsArgmaxAndComparisonsAreRecorded() throws {
        var rng = TestRNG(seed: 3)
        func metrics(_ logits: Tensor, _ labels: Tensor) -> [Tensor] {
            let nll = -logits.logSoftmax(axis: 1).take(along: labels.expandingDims(at: 1), axis: 1).mean()
            let accuracy = (logits.argmax(axis: 1) .== labels).cast(to: .float32).mean()
            let finite = logits.isFinite().cast(to: .int32).sum()
            return [nll, accuracy, finite, logits.sign().sum(), logits.maximum(0).stopGradient().sum()]
        }
        let f = jit { (xs: [Tensor]) in metrics(xs[0], xs[1]) }
        for _ in 0..<3 {
            let logits = rng.tensor([6, 5]).cast(to: .float32)
            let labels = Tensor((0..<6).map { _ in Int32(rng.int(0...4)) })
            for (g, w) in zip(try f([logits, labels]), metrics(logits, labels)) { assertIdentical(g, w) }
        }
        XCTAssertEqual(f.cacheMisses, 1)
    }

    /// Under `grad` a jitted function is run directly, so the gradient flows through it.
    func testInsideGradTheFunctionRunsDirectly() throws {
        let f = jit { (xs: [Tensor]) in [(xs[0].sin() * xs[0]).sum()] }
        let x = Tensor([0.3, -1.2, 2] as [Double])
        let g = try grad { x in try f([x])[0] }(x)
        assertIdentical(g, try grad { x in (x.sin() * x).sum() }(x))
        XCTAssertEqual(f.cacheMisses + f.cacheHits, 0)
    }

    /// `jvp` and `vmap` inside a jitted function: recorded on the first call (jvp as its nested VJPs,
    /// vmap as its per-example slices and stack), then replayed on new inputs, equal to eager each time.
    func testJvpAndVmapInsideJitReplay() throws {
        let body: ([Tensor]) throws -> [Tensor] = { xs in
            let (y, dy) = try jvp({ (v: [Tensor]) in (v[0].sin() * v[0]).sum() + v[0].exp().square().mean() },
                                  at: [xs[0]], tangents: [xs[1]])
            let rows = try vmap({ (r: Tensor) in (r.tanh() * r).sum() })(xs[2])
            return [y, dy, rows]
        }
        let f = jit(body)
        var rng = TestRNG(seed: 23)
        for call in 0..<3 {
            let inputs = [rng.tensor([5]), rng.tensor([5]), rng.tensor([4, 3])]
            let jitted = try f(inputs), eager = try body(inputs)
            for (k, (a, b)) in zip(jitted, eager).enumerated() {
                assertClose(a, b, rtol: 1e-12, atol: 1e-14, "call \(call) output \(k)")
            }
        }
        XCTAssertEqual(f.cacheMisses, 1)
        XCTAssertEqual(f.cacheHits, 2)
    }

    /// Reading a traced tensor's values in Swift would freeze them: the trace refuses to compile.
    func testReadingTracedValuesInSwiftIsAnError() {
        let f = jit { (xs: [Tensor]) in
            let scale = xs[0].sum().item(as: Float.self)
            return [xs[0] * Double(scale)]
        }
        XCTAssertThrowsError(try f([Tensor([1, 2] as [Float])])) { error in
            guard let e = error as? JitError else { return XCTFail("\(error)") }
            XCTAssertTrue(e.message.contains("reads a traced tensor (shape [] float32)"), e.message)
        }
    }

    func testPassesFoldCommonAndDeadCode() throws {
        let w = Tensor([1, 2, 3] as [Float])
        let scale = Tensor(13, dtype: .float32)
        let f = jit { (xs: [Tensor]) in
            let gw = try grad { w in (w * w).sum() }(w)           // only constants: folded to 2w
            let a = xs[0].exp() * scale, b = xs[0].exp() * scale   // the same twice: merged
            _ = xs[0].log()                                        // unused: removed
            return [a + b, xs[0] * gw]
        }
        let x = Tensor([0.5, -1, 2] as [Float])
        for _ in 0..<2 {
            let got = try f([x])
            assertIdentical(got[0], x.exp() * scale + x.exp() * scale)
            assertIdentical(got[1], x * (w * 2))
        }
        let stats = try XCTUnwrap(f.lastCompile)
        XCTAssertGreaterThanOrEqual(stats.folded, 3, "\(stats)")
        XCTAssertEqual(stats.deduplicated, 2, "\(stats)")
        XCTAssertGreaterThanOrEqual(stats.dead, 1, "\(stats)")
        // exp → multiply (one elementwise chain: exp's result is read only by the multiply), add, multiply.
        XCTAssertEqual(stats.instructions, 3, "\(stats)")
        XCTAssertEqual(stats.fusedElementwise, 1, "\(stats)")
    }

    /// A digits-MLP training step (64-256-256-10, cross-entropy, Adam) over a TensorDict: jitted steps
    /// give the eager steps' parameters, optimizer state and loss bit for bit.
    func testJittedMLPStepEqualsEager() throws {
        var rng = TestRNG(seed: 4)
        var state: TensorDict = [:]
        for (i, (fanIn, fanOut)) in [(64, 256), (256, 256), (256, 10)].enumerated() {
            state["w\(i)"] = rng.tensor([fanIn, fanOut], -0.1, 0.1).cast(to: .float32)
            state["b\(i)"] = Tensor.zeros([fanOut], dtype: .float32)
            state["m/w\(i)"] = Tensor.zeros([fanIn, fanOut], dtype: .float32)
            state["m/b\(i)"] = Tensor.zeros([fanOut], dtype: .float32)
            state["v/w\(i)"] = Tensor.zeros([fanIn, fanOut], dtype: .float32)
            state["v/b\(i)"] = Tensor.zeros([fanOut], dtype: .float32)
        }
        state["t"] = Tensor(0, dtype: .float32)
        let step = jit(mlpStep)
        var eagerState = state, jitState = state
        for _ in 0..<3 {
            let x = rng.tensor([32, 64], 0, 1).cast(to: .float32)
            let y = Tensor((0..<32).map { _ in Int32(rng.int(0...9)) })
            func withBatch(_ s: TensorDict) -> TensorDict {
                var b = TensorDict()
                for k in s.keys.sorted() where k != "loss" { b[k] = s[k]! }   // one key order: one signature
                b["x"] = x
                b["y"] = y
                return b
            }
            eagerState = try mlpStep(withBatch(eagerState))
            jitState = try step(withBatch(jitState))
            XCTAssertEqual(jitState.keys, eagerState.keys)
            for k in eagerState.keys { assertIdentical(jitState[k]!, eagerState[k]!, k) }
        }
        XCTAssertEqual(step.cacheMisses, 1)
        XCTAssertEqual(step.cacheHits, 2)
    }
}

/// One Adam step of a 3-layer relu MLP on (`x`, int labels `y`); returns the new state and `loss`.
private func mlpStep(_ s: TensorDict) throws -> TensorDict {
    let names = ["w0", "b0", "w1", "b1", "w2", "b2"]
    let params = TensorDict(names.map { ($0, s[$0]!) })
    let (x, y) = (s["x"]!, s["y"]!)
    let (loss, grads) = try valueAndGrad { (p: TensorDict) in
        var h = x
        for i in 0..<3 {
            h = h.matmul(p["w\(i)"]!) + p["b\(i)"]!
            if i < 2 { h = h.relu() }
        }
        return -h.logSoftmax(axis: 1).take(along: y.expandingDims(at: 1), axis: 1).mean()
    }(params)
    var out = TensorDict()
    let t = s["t"]! + 1
    let (b1, b2, lr) = (0.9, 0.999, 1e-3)
    let c1 = 1 - Tensor(b1, dtype: .float32).pow(t), c2 = 1 - Tensor(b2, dtype: .float32).pow(t)
    for k in names {
        let g = grads[k]!
        let m = s["m/" + k]! * b1 + g * (1 - b1)
        let v = s["v/" + k]! * b2 + g.square() * (1 - b2)
        out[k] = s[k]! - (m / c1) / ((v / c2).sqrt() + 1e-8) * lr
        out["m/" + k] = m
        out["v/" + k] = v
    }
    out["t"] = t
    out["loss"] = loss
    return out
}
