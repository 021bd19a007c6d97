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
