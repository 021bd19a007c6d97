import XCTest
import QuireTestSupport
@testable import QuireTensor

/// The fused `linear` instructions and the arena: bit-identical to the eager ops, and no buffer a caller
/// holds is ever written by a later call.
final class JitFusionTests: XCTestCase {
    /// A float32 two-layer relu network with bias, loss and gradient.
    private static func lossAndGrads(_ xs: [Tensor]) throws -> [Tensor] {
        let (v, g) = try valueAndGrad { (p: [Tensor]) in
            let h = (xs[0].matmul(p[0]) + p[1]).relu()
            let logits = h.matmul(p[2]) + p[3]
            return -logits.logSoftmax(axis: 1).take(along: xs[1].expandingDims(at: 1), axis: 1).mean()
        }(Array(xs[2...]))
        return [v] + g
    }

    /// Each output has the eager output's shape and values.
    private func assertSameOutputs(_ got: [Tensor], _ want: [Tensor], _ context: String = "",
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, context, file: file, line: line)
        for (k, (g, w)) in zip(got, want).enumerated() {
            XCTAssertEqual(g.shape, w.shape, "\(context) output \(k)", file: file, line: line)
            XCTAssertEqual(g.scalars(as: Float.self), w.scalars(as: Float.self), "\(context) output \(k)", file: file, line: line)
        }
    }

    private func inputs(_ rng: inout TestRNG, batch: Int, features: Int = 6, hidden: Int = 8) -> [Tensor] {
        let f = { (t: Tensor) in t.cast(to: .float32) }
        return [f(rng.tensor([batch, features])), Tensor((0..<batch).map { _ in Int32(rng.int(0...3)) }),
                f(rng.tensor([features, hidden])), f(rng.tensor([hidden])), f(rng.tensor([hidden, 4])), f(rng.tensor([4]))]
    }

    func testLinearChainsFuseAndReplayBitIdentical() throws {
        var rng = TestRNG(seed: 7)
        let f = jit(Self.lossAndGrads)
        var held: [([Tensor], [Tensor])] = []
        // Small layers (OpenBLAS and separate epilogue passes), then layers wide enough for the register-
        // tiled kernel (SmallGemm), whose tiles add the bias, apply relu and relu's gradient as they store.
        for (batch, features, hidden) in [(5, 6, 8), (5, 6, 8), (40, 12, 48), (40, 12, 48)] {
            let xs = inputs(&rng, batch: batch, features: features, hidden: hidden)
            let got = try f(xs)
            let want = try Self.lossAndGrads(xs)
            assertSameOutputs(got, want)
            held.append((got, want))
        }
        let stats = try XCTUnwrap(f.lastCompile)
        XCTAssertEqual(stats.fusedLinear, 2, "\(stats)")   // both layers: matmul + bias (the first with relu)
        XCTAssertEqual(stats.reluGradients, 1, "\(stats)")
        let program = try XCTUnwrap(f.lastProgramText)
        XCTAssertTrue(program.contains("= linear(bias, relu)("), program)
        // The hidden layer's input gradient, masked, stored over the activation it reads (its last reader):
        // through a fresh buffer for the small layers (OpenBLAS), over the gate for the wide ones.
        XCTAssertTrue(program.contains("= linear(reluGradient, overGate)("), program)
        XCTAssertFalse(program.contains("= relu("), program)
        XCTAssertFalse(program.contains("= identity("), program)
        XCTAssertEqual(stats.fusedSoftmaxBackward, 1, "\(stats)")
        // The loss's one-hot cotangent goes into logSoftmax's backward directly (its forward, a mean over
        // [rows, 1] picks without a reshape, stays as recorded).
        XCTAssertEqual(stats.fusedCrossEntropy, 1, "\(stats)")
        XCTAssertTrue(program.contains("= logSoftmaxBackwardOneHot("), program)
        XCTAssertFalse(program.contains("= exp("), program)
        XCTAssertEqual(stats.columnSums, 2, "\(stats)")   // the two bias gradients
        // The transposes the backward records (both weight gradients' activations, the output layer's
        // weight for the hidden gradient) are read in place by the products, not made as views.
        XCTAssertGreaterThanOrEqual(stats.foldedViews, 3, "\(stats)")
        XCTAssertFalse(program.contains("= permute("), program)
        XCTAssertTrue(program.contains("ᵀ"), program)
        XCTAssertGreaterThan(f.arenaBytes, 0, "freed intermediates are kept for the next call")
        // Results handed out earlier are untouched by later calls that reuse the arena.
        for (got, want) in held {
            for (g, w) in zip(got, want) { XCTAssertEqual(g.scalars(as: Float.self), w.scalars(as: Float.self)) }
        }
    }

    /// A column sum kept as a row and then flattened (what a bias gradient records) is one
    /// `columnSum(keepDims: false)`; a transpose read by a product is read in place, also when the
    /// transpose is an output too (it stays, for that reader). Bit-identical to the eager ops.
    func testViewsFoldIntoTheKernelsThatReadThem() throws {
        let body: ([Tensor]) throws -> [Tensor] = { xs in
            let t = xs[0].permuted([1, 0])
            return [xs[0].sum(axes: [0], keepDims: true).reshaped([xs[0].shape[1]]), t.matmul(xs[1]), t]
        }
        let f = jit(body)
        var rng = TestRNG(seed: 13)
        for _ in 0..<2 {
            let xs = [rng.tensor([9, 5]).cast(to: .float32), rng.tensor([9, 3]).cast(to: .float32)]
            assertSameOutputs(try f(xs), try body(xs))
        }
        let program = try XCTUnwrap(f.lastProgramText)
        XCTAssertTrue(program.contains("= columnSum(keepDims: false)(%0)"), program)
        XCTAssertFalse(program.contains("= reshape("), program)
        XCTAssertTrue(program.contains("= linear()(%0ᵀ, %1)"), program)
        XCTAssertTrue(program.contains("= permute([1, 0])(%0)"), program)   // still an output
        XCTAssertEqual(f.lastCompile?.foldedViews, 2)
    }

    /// Two functions on one pool of buffers (a train step's whole batch and first share): called in turn
    /// and at once, each replay still equals the eager ops, and the pool is one (both report its bytes).
    func testFunctionsSharingBuffersStayCorrect() throws {
        let f = jit(Self.lossAndGrads)
        let g = jit(sharingBuffersWith: f, Self.lossAndGrads)
        var rng = TestRNG(seed: 14)
        let small = inputs(&rng, batch: 20, features: 12, hidden: 48), large = inputs(&rng, batch: 40, features: 12, hidden: 48)
        let want = (try Self.lossAndGrads(small), try Self.lossAndGrads(large))
        for _ in 0..<3 {
            for (fn, xs, expected) in [(f, large, want.1), (g, small, want.0), (g, large, want.1)] {
                assertSameOutputs(try fn(xs), expected)
            }
        }
        let results = UnsafeMutablePointer<[Tensor]>.allocate(capacity: 2)
        defer { results.deinitialize(count: 2).deallocate() }
        let out = UncheckedSendable(results)
        Parallelism.forEachTask(count: 2) { i in
            (out.value + i).initialize(to: (try? (i == 0 ? f : g)(i == 0 ? large : small)) ?? [])
        }
        assertSameOutputs(results[0], want.1, "at once, first")
        assertSameOutputs(results[1], want.0, "at once, second")
        XCTAssertGreaterThan(f.arenaBytes, 0)
        XCTAssertEqual(f.arenaBytes, g.arenaBytes)
    }

    /// A softmax cross-entropy written as `softmaxCrossEntropy(logits:labels:).mean()` records it (logSoftmax,
    /// takeAlong, squeeze, negate, mean; backward a one-hot scatter into logSoftmax's backward) replays as
    /// two fused passes, bit-identical to the eager ops on the traced call and on replays.
    func testCrossEntropyLossAndBackwardFuseBitIdentical() throws {
        let body: ([Tensor]) throws -> [Tensor] = { xs in
            let (v, g) = try valueAndGrad { (p: [Tensor]) in
                let logits = xs[0].matmul(p[0])
                return (-logits.logSoftmax(axis: 1).take(along: xs[1].expandingDims(at: 1), axis: 1).squeezed(axes: [1])).mean()
            }([xs[2]])
            return [v] + g
        }
        let f = jit(body)
        var rng = TestRNG(seed: 12)
        for rows in [7, 7, 64, 64] {
            let xs = [rng.tensor([rows, 5]).cast(to: .float32), Tensor((0..<rows).map { _ in Int32(rng.int(0...9)) }),
                      rng.tensor([5, 10]).cast(to: .float32)]
            let got = try f(xs), want = try body(xs)
            for (k, (g, w)) in zip(got, want).enumerated() {
                XCTAssertEqual(g.shape, w.shape)
                XCTAssertEqual(g.scalars(as: Float.self).map(\.bitPattern), w.scalars(as: Float.self).map(\.bitPattern),
                               "output \(k), \(rows) rows")
            }
        }
        let stats = try XCTUnwrap(f.lastCompile)
        XCTAssertEqual(stats.fusedCrossEntropy, 2, "\(stats)")
        let program = try XCTUnwrap(f.lastProgramText)
        XCTAssertTrue(program.contains("= meanNegatedTake("), program)
        XCTAssertTrue(program.contains("= logSoftmaxBackwardOneHot("), program)
        XCTAssertFalse(program.contains("= takeAlong("), program)
        XCTAssertFalse(program.contains("= scatterAddAlong("), program)
    }

    /// A chain of float32 elementwise ops (each result read only by the next) runs as one `elementwise`
    /// instruction, bit-identical to the eager ops on the traced call and on replays, over sizes that
    /// are not a multiple of the block (and above one worker's chunk); an intermediate that is also an
    /// output ends a chain there.
    func testElementwiseChainsFuseBitIdentical() throws {
        let body: ([Tensor]) throws -> [Tensor] = { xs in
            let a = (xs[0] * 2 + xs[1]).exp().tanh()
            let b = ((a * xs[2] - 1).relu() + xs[0].square()).sigmoid()   // xs[0].square() joins as an operand
            let c = (b / (xs[1].abs() + 0.5)).gelu()
            return [c, a]                                                  // a is an output too
        }
        let f = jit(body)
        var rng = TestRNG(seed: 9)
        for shape in [[37, 50], [37, 50], [3, 11_001]] {
            let xs = (0..<3).map { _ in rng.tensor(shape).cast(to: .float32) }
            let got = try f(xs), want = try body(xs)
            for (k, (g, w)) in zip(got, want).enumerated() {
                XCTAssertEqual(g.shape, w.shape)
                XCTAssertEqual(g.scalars(as: Float.self).map(\.bitPattern), w.scalars(as: Float.self).map(\.bitPattern),
                               "output \(k), shape \(shape)")
            }
        }
        XCTAssertEqual(f.cacheMisses, 2)
        let stats = try XCTUnwrap(f.lastCompile)
        let program = try XCTUnwrap(f.lastProgramText)
        // Chains: x·2 → +y → exp → tanh ends at `a` (an output); a·z → −1 → relu → +x² → sigmoid → ÷ → gelu;
        // |y| → +0.5 becomes an operand of the second (its result is read by the divide, itself in a chain).
        XCTAssertEqual(stats.fusedElementwise, 3, "\(stats)\n\(program)")
        XCTAssertTrue(program.contains("= elementwise(multiply → add → exp → tanh)("), program)
        XCTAssertFalse(program.contains("= sigmoid("), program)
        XCTAssertFalse(program.contains("= gelu("), program)
    }

    /// Outputs consumed inside `consumingOutputs` give their buffers back, so the next replay writes its
    /// outputs into them instead of allocating; an output the body keeps is never overwritten.
    func testConsumedOutputsAreReusedKeptOnesAreNot() throws {
        var rng = TestRNG(seed: 8)
        let f = jit(Self.lossAndGrads)
        let xs = inputs(&rng, batch: 5), others = inputs(&rng, batch: 5)
        func address(_ t: Tensor) -> UInt { t.withUnsafeBufferPointer(as: Float.self) { UInt(bitPattern: $0.baseAddress) } }
        _ = try f(xs)   // traces
        // The gradients are fused outputs taken from the arena: weights (`linear`, [6, 8] and [8, 4]) and
        // biases (`columnSum`, [8] and [4]).
        _ = try f(xs, consumingOutputs: { _ in () })
        let afterConsuming = f.arenaBytes
        let held = try f(xs)
        XCTAssertEqual(afterConsuming - f.arenaBytes, (6 * 8 + 8 * 4 + 8 + 4) * 4, "consumed gradients went back to the arena")
        _ = try f(others, consumingOutputs: { _ in () })
        XCTAssertEqual(f.arenaBytes, afterConsuming)
        XCTAssertEqual(held[1].scalars(as: Float.self), try Self.lossAndGrads(xs)[1].scalars(as: Float.self))

        var kept: Tensor?
        _ = try f(xs, consumingOutputs: { out in kept = out[1] })
        let next = try f(others, consumingOutputs: { out in address(out[1]) })
        XCTAssertNotEqual(next, address(kept!), "a kept output's buffer is not reused")
        let want = try Self.lossAndGrads(xs)
        XCTAssertEqual(kept?.scalars(as: Float.self), want[1].scalars(as: Float.self))
    }

    /// The autodiff conformance table in float32 (where the fused kernels apply), each case with its
    /// gradient: the replays agree with eager (1e-6 relative, as the float64 loop in JitTests), and the
    /// matrix-product cases did run through `linear`.
    func testConformanceTableInFloat32() throws {
        var rng = TestRNG(seed: 23)
        var fusedCases = 0
        for c in autodiffConformanceCases() {
            let xs = c.inputs(&rng).map { $0.dtype == .float64 ? $0.cast(to: .float32) : $0 }
            let cot = rng.tensor(c.f(xs).shape).cast(to: c.f(xs).dtype)
            let loss: ([Tensor]) throws -> Tensor = { (c.f($0) * cot).sum() }
            let body = { (xs: [Tensor]) throws -> [Tensor] in
                let (v, g) = try valueAndGrad(loss)(xs)
                return [c.f(xs), v] + g
            }
            let jf = jit(body)
            let xs2 = xs.map { $0.dtype == .float32 ? $0 * rng.tensor($0.shape, 0.8, 1.25).cast(to: .float32) : $0 }
            for (run, inputs) in [xs, xs2].enumerated() {
                let got: [Tensor]
                do { got = try jf(inputs) } catch { XCTFail("\(c.name): \(error)"); break }
                for (k, (g, w)) in zip(got, try body(inputs)).enumerated() {
                    assertClose(g, w, rtol: 1e-6, atol: 1e-7, "\(c.name), call \(run), output \(k)")
                }
            }
            if jf.lastProgramText?.contains("= linear(") == true { fusedCases += 1 }
        }
        XCTAssertGreaterThan(fusedCases, 0, "some case multiplies float32 matrices")
    }

    /// A product whose layout BLAS cannot take in place (a broadcast operand) and a float64 one go
    /// through the tensor ops the fused kernel replaces.
    func testLinearFallsBackOutsideItsFastPath() throws {
        var rng = TestRNG(seed: 3)
        let w = rng.tensor([4, 3])
        let f = jit { (xs: [Tensor]) in
            [(xs[0].broadcast(to: [5, 4]).matmul(xs[1]) + xs[2]).relu(), xs[0].reshaped([1, 4]).matmul(xs[1])]
        }
        for _ in 0..<2 {
            let row = rng.tensor([4]).cast(to: .float32), b = rng.tensor([3]).cast(to: .float32)
            let got = try f([row, w.cast(to: .float32), b])
            XCTAssertEqual(got[0].scalars(as: Float.self),
                           (row.broadcast(to: [5, 4]).matmul(w.cast(to: .float32)) + b).relu().scalars(as: Float.self))
            XCTAssertEqual(got[1].scalars(as: Float.self), row.reshaped([1, 4]).matmul(w.cast(to: .float32)).scalars(as: Float.self))
        }
        let g = jit { (xs: [Tensor]) in [(xs[0].matmul(xs[1]) + xs[2]).relu()] }
        let (a, b, c) = (rng.tensor([2, 4]), rng.tensor([4, 3]), rng.tensor([3]))
        for _ in 0..<2 { XCTAssertEqual(try g([a, b, c])[0].scalars(as: Double.self), (a.matmul(b) + c).relu().scalars(as: Double.self)) }
    }

    /// A relu pre-activation the function also returns keeps its own instruction (it is an output).
    func testPreActivationThatIsAnOutputIsNotFusedAway() throws {
        var rng = TestRNG(seed: 5)
        let f = jit { (xs: [Tensor]) in
            let pre = xs[0].matmul(xs[1]) + xs[2]
            return [pre, pre.relu()]
        }
        let (x, w, b) = (rng.tensor([3, 4]).cast(to: .float32), rng.tensor([4, 2]).cast(to: .float32), rng.tensor([2]).cast(to: .float32))
        for _ in 0..<2 {
            let got = try f([x, w, b])
            XCTAssertEqual(got[0].scalars(as: Float.self), (x.matmul(w) + b).scalars(as: Float.self))
            XCTAssertEqual(got[1].scalars(as: Float.self), (x.matmul(w) + b).relu().scalars(as: Float.self))
        }
    }
}
