import QuireTestSupport
import XCTest
@testable import QuireTensor

final class VmapTests: XCTestCase {
    /// Per-example gradients of a small MLP's cross-entropy with vmap equal a loop of single-example
    /// gradients, and their mean equals the batch gradient.
    func testPerExampleGradientsMatchALoop() throws {
        var rng = TestRNG(seed: 3)
        let w1 = rng.tensor([5, 4]), w2 = rng.tensor([4, 3])
        let images = rng.tensor([6, 5]), labels = Tensor([0, 2, 1, 1, 0, 2] as [Int32])
        func loss(_ ws: [Tensor], _ x: Tensor, _ y: Tensor) -> Tensor {
            let logits = x.matmul(ws[0]).tanh().matmul(ws[1])
            let picked = logits.logSoftmax(axis: -1).take(along: y.reshaped(y.shape + [1]), axis: -1)
            return -picked.mean()
        }
        let perExample = try vmap({ xs in
            let g = try grad { (ws: [Tensor]) in loss(ws, xs[2].reshaped([1, 5]), xs[3].reshaped([1])) }([xs[0], xs[1]])
            return Tensor.concatenate([g[0].reshaped([-1]), g[1].reshaped([-1])], axis: 0)
        }, batched: [false, false, true, true])([w1, w2, images, labels])
        XCTAssertEqual(perExample.shape, [6, 20 + 12])
        for k in 0..<6 {
            let x = images.sliced(axis: 0, k, k + 1), y = labels.sliced(axis: 0, k, k + 1)
            let g = try grad { (ws: [Tensor]) in loss(ws, x, y) }([w1, w2])
            let expected = Tensor.concatenate([g[0].reshaped([-1]), g[1].reshaped([-1])], axis: 0)
            XCTAssertEqual(perExample.sliced(axis: 0, k, k + 1).reshaped([-1]).scalars(as: Double.self),
                           expected.scalars(as: Double.self), "example \(k)")
        }
        let batch = try grad { (ws: [Tensor]) in loss(ws, images, labels) }([w1, w2])
        let batchFlat = Tensor.concatenate([batch[0].reshaped([-1]), batch[1].reshaped([-1])], axis: 0)
        assertClose(perExample.mean(axes: [0]), batchFlat, rtol: 1e-12, atol: 1e-14, checkDType: false)
    }

    /// vmap composes with grad: the gradient through a mapped function equals the unmapped one.
    func testGradThroughVmap() throws {
        let x = Tensor([[1, 2], [3, -1], [0.5, 0]] as [[Double]])
        let g = try grad { x in try vmap { row in row.square().sum().sqrt() }(x).sum() }(x)
        let expected = x / x.square().sum(axes: [1], keepDims: true).sqrt()
        assertClose(g, expected, rtol: 1e-12, atol: 1e-14, checkDType: false)
    }

    /// One case of the batching table: a function of examples, its inputs (batched ones with a leading
    /// axis of 4) and which inputs are batched.
    private struct Case {
        let name: String
        let inputs: [Tensor]
        let batched: [Bool]
        let f: ([Tensor]) throws -> Tensor
    }

    private func cases() -> [Case] {
        var rng = TestRNG(seed: 21)
        let m = rng.tensor([4, 3, 5]), v = rng.tensor([4, 5]), s = rng.tensor([4])
        let shared = rng.tensor([3, 5]), w = rng.tensor([5, 2]), row = rng.tensor([5])
        let positive = rng.tensor([4, 3, 5], 0.1, 3)
        let indices = Tensor([2, 0, 4] as [Int32]), along = Tensor([[1], [3], [0]] as [[Int32]])
        let batchedIndices = Tensor([[1, 2], [0, 0], [4, 3], [2, 1]] as [[Int32]])
        func c(_ name: String, _ inputs: [Tensor], _ batched: [Bool], _ f: @escaping ([Tensor]) throws -> Tensor) -> Case {
            Case(name: name, inputs: inputs, batched: batched, f: f)
        }
        return [
            c("unary chain", [m], [true]) { x in x[0].exp().tanh().sigmoid().relu().gelu().square().abs().sin() * -1 },
            c("log sqrt rsqrt", [positive], [true]) { x in x[0].log() + x[0].sqrt() + x[0].rsqrt() + x[0].log1p() },
            c("cast", [m], [true]) { x in x[0].cast(to: .float32).cast(to: .float64) },
            c("batched + shared, broadcast", [m, row], [true, false]) { x in x[0] + x[1] * 2 - x[1].square() },
            c("batched scalar × shared matrix", [s, shared], [true, false]) { x in x[0] * x[1] / (x[1].abs() + 1) },
            c("batched row × batched matrix", [v, m], [true, true]) { x in x[0] * x[1] + x[1].maximum(x[0]) },
            c("pow, minimum", [positive, m], [true, true]) { x in x[0].pow(x[1].abs()) + x[0].minimum(x[1]) },
            c("compare and where", [m, v], [true, true]) { x in Tensor.where(x[0] .> x[1], x[0], x[1] * 3) },
            c("sum, mean, max over axes", [m], [true]) { x in
                x[0].sum(axes: [0]) + x[0].mean(axes: [1], keepDims: true).sum(axes: [0]) + x[0].max(axes: [0]) },
            c("sum of everything, prod, min", [m], [true]) { x in x[0].sum() + x[0].prod(axes: [1]).sum() + x[0].min() },
            c("logSumExp, softmax, logSoftmax", [m], [true]) { x in
                x[0].logSumExp(axes: [1]).sum() + x[0].softmax(axis: -1).sum(axes: [0]) + x[0].logSoftmax(axis: 0).max() },
            c("cumsum and argmax", [m], [true]) { x in x[0].cumsum(axis: 1) + x[0].argmax(axis: 0).cast(to: .float64).sum() },
            c("reshape, permute, broadcast", [m], [true]) { x in
                x[0].reshaped([15]).reshaped([5, 3]).permuted([1, 0]).reshaped([3, 1, 5]).broadcast(to: [3, 2, 5]) },
            c("slice, flip, pad", [m], [true]) { x in
                x[0].sliced(axis: 1, 1, 5, step: 2).flipped(axes: [0]).padded([(1, 0), (0, 2)], mode: .constant(0.5)) },
            c("concatenate batched and shared", [m, shared], [true, false]) { x in Tensor.concatenate([x[0], x[1]], axis: -1) },
            c("take with shared indices", [m], [true]) { x in x[0].take(indices, axis: 1) },
            c("take with batched indices (per example)", [m, batchedIndices], [true, true]) { x in x[0].take(x[1], axis: 1) },
            c("take along, scatter along", [m], [true]) { x in
                let picked = x[0].take(along: along, axis: 1)
                return Tensor.zeros([3, 5], dtype: .float64).scatterAdding(picked, along: along, axis: 1) },
            c("matmul: batched matrix · shared", [m, w], [true, false]) { x in x[0].matmul(x[1]) },
            c("matmul: shared · batched", [shared, m], [false, true]) { x in x[0].matmul(x[1].permuted([1, 0])) },
            c("matmul: batched vector · shared matrix", [v, w], [true, false]) { x in x[0].matmul(x[1]) },
            c("matmul: shared matrix · batched vector", [shared, v], [false, true]) { x in x[0].matmul(x[1]) },
            c("matmul: both batched", [m, v], [true, true]) { x in x[0].matmul(x[1]) },
            c("matmul: batched vector · batched vector", [v, v], [true, true]) { x in x[0].matmul(x[1] * 2) },
            c("custom rule (per example)", [m, w], [true, false]) { x in
                let scaledProduct = customVJP(name: "scaled product", forward: { (xs: [Tensor]) in
                    (xs[0].matmul(xs[1]) * 3, [xs[0], xs[1]])
                }, backward: { r, g in [g.matmul(r[1].transposed()) * 3, r[0].transposed().matmul(g) * 3] })
                return scaledProduct([x[0], x[1]]).tanh() },
            c("grad inside", [v, w], [true, false]) { x in
                try grad { (ws: [Tensor]) in x[0].reshaped([1, 5]).matmul(ws[0]).tanh().sum() }([x[1]])[0] },
        ]
    }

    /// Every case of the batching table equals a loop over the examples, and `f` runs once (the
    /// recording is what runs on the batch), not once per example.
    func testBatchedEvaluationMatchesALoopForEveryRule() throws {
        for t in cases() {
            var calls = 0
            let before = vmapPerExampleNodes.load(ordering: .relaxed)
            let mapped = try vmap({ xs in calls += 1; return try t.f(xs) }, batched: t.batched)(t.inputs)
            let perExample = vmapPerExampleNodes.load(ordering: .relaxed) - before
            XCTAssertEqual(calls, 1, "\(t.name): f ran \(calls) times")
            if t.name.hasSuffix("(per example)") {
                XCTAssertGreaterThan(perExample, 0, "\(t.name): expected a node without a batching rule")
            } else {
                XCTAssertEqual(perExample, 0, "\(t.name): \(perExample) nodes fell back to per-example evaluation")
            }
            let loop = try (0..<4).map { k in
                try t.f(t.inputs.indices.map { i in
                    t.batched[i] ? t.inputs[i].sliced(axis: 0, k, k + 1).reshaped(Array(t.inputs[i].shape.dropFirst())) : t.inputs[i]
                })
            }
            let expected = Tensor.stack(loop, axis: 0)
            XCTAssertEqual(mapped.shape, expected.shape, t.name)
            XCTAssertEqual(mapped.dtype, expected.dtype, t.name)
            guard mapped.shape == expected.shape else { continue }
            assertClose(mapped.cast(to: .float64), expected.cast(to: .float64), rtol: 1e-12, atol: 1e-12, t.name)
        }
    }

    /// A function that reads tensor values cannot be replayed on the batch: after the one recording
    /// call it runs per example.
    func testAFunctionThatReadsValuesRunsPerExample() throws {
        let x = Tensor([[1, -2], [3, 4], [-5, 6]] as [[Double]])
        var calls = 0
        let y = try vmap { row in
            calls += 1
            return row.sum().item(as: Double.self) > 0 ? row * 2 : row
        }(x)
        XCTAssertEqual(calls, 1 + 3)
        XCTAssertEqual(y.scalars(as: Double.self), [1, -2, 6, 8, -10, 12])
    }

    func testMisuseIsReported() {
        let a = Tensor.zeros([3, 2]), b = Tensor.zeros([4, 2])
        XCTAssertThrowsError(try vmap { (xs: [Tensor]) in xs[0] + xs[1] }([a, b])) { error in
            XCTAssertEqual("\(error)", "vmap: input 1 has batch size 4 (shape [4, 2]), but an earlier batched input has 3")
        }
        XCTAssertThrowsError(try vmap { $0 }(Tensor(1.0))) { error in
            XCTAssert("\(error)".contains("input 0 is a scalar"), "\(error)")
        }
    }
}
