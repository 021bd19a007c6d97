import QuireTestSupport
import XCTest
@testable import QuireTensor

/// The engine's own split of a matrix product over its workers (OpenBLAS single-threaded).
final class GemmSplitTests: XCTestCase {
    func testTilesCoverEveryOutputOnce() {
        let plain = GemmOperand(transposed: false, ld: 1000), flipped = GemmOperand(transposed: true, ld: 1000)
        for (m, n, k) in [(4096, 128, 128), (128, 512, 4096), (100, 900, 70), (33, 33, 33), (4096, 113, 128)] {
            let split = GemmSplit(m: m, n: n, k: k)
            XCTAssertLessThanOrEqual(split.tiles, GemmSplit.maximumTiles)
            // Every output gets the whole inner dimension once: one tile over all of it, or disjoint
            // depth ranges (tiles in order) that add up to it.
            var covered = [Int](repeating: 0, count: m * n), nextDepth = 0
            for i in 0..<split.tiles {
                let t = split.tile(i, plain, flipped, m: m, n: n, k: k)
                XCTAssertGreaterThan(t.rows * t.cols * t.depth, 0)
                for r in t.row..<(t.row + t.rows) { for c in t.col..<(t.col + t.cols) { covered[r * n + c] += t.depth } }
                if split.axis == .depth {
                    XCTAssertEqual(t.depthStart, nextDepth)
                    nextDepth += t.depth
                } else {
                    XCTAssertEqual([t.depthStart, t.depth], [0, k])
                }
                // A's rows (or inner columns) and B's columns (or inner rows) start where the tile does.
                switch split.axis {
                case .rows: XCTAssertEqual([t.offsetA, t.offsetB], [t.row * 1000, 0])
                case .columns: XCTAssertEqual([t.offsetA, t.offsetB], [0, t.col * 1000])
                case .depth: XCTAssertEqual([t.offsetA, t.offsetB], [t.depthStart, t.depthStart])
                }
            }
            XCTAssertEqual(Set(covered), [k], "\(m)x\(n)x\(k)")
        }
        XCTAssertEqual(GemmSplit(m: 64, n: 64, k: 64).tiles, 1)   // too little work to split
        XCTAssertEqual(GemmSplit(m: 128, n: 256, k: 64).tiles, 2)   // 2²¹ multiply-adds: split
        // A weight gradient's long inner dimension is halved; activations' products are cut along rows.
        XCTAssertEqual(GemmSplit(m: 128, n: 512, k: 4096), GemmSplit(axis: .depth, tiles: 2))
        XCTAssertEqual(GemmSplit(m: 4096, n: 512, k: 128), GemmSplit(axis: .rows, tiles: GemmSplit.maximumTiles))
    }

    /// Products big enough to be split, every operand layout, against float64 BLAS and bitwise the
    /// same whatever the thread count.
    func testSplitProductsMatchAndDoNotDependOnThreadCount() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        var rng = TestRNG(seed: 3)
        // An inner dimension beyond SmallGemm's, so these stay on OpenBLAS.
        let a = rng.tensor([300, 600]), b = rng.tensor([600, 260])
        let at = rng.tensor([600, 300]).transposed(), bt = rng.tensor([260, 600]).transposed()
        // Long inner dimensions (split in two halves of it), including the transposed layouts of a
        // weight gradient.
        let tall = rng.tensor([2000, 90]), tallToo = rng.tensor([2000, 70])
        let deep = [(tall.transposed(), tallToo), (rng.tensor([80, 1500]), rng.tensor([1500, 60])),
                    (tall.transposed(), rng.tensor([70, 2000]).transposed())]
        for (x, y) in [(a, b), (at, b), (a, bt), (at, bt), (b.transposed(), a.transposed())] + deep {
            XCTAssertGreaterThan(GemmSplit(m: x.shape[0], n: y.shape[1], k: x.shape[1]).tiles, 1)
            let plain = GemmOperand(transposed: false, ld: 1)
            XCTAssertFalse(SmallGemm.fits(plain, plain, m: x.shape[0], n: y.shape[1], k: x.shape[1]))
            let reference = x.cast(to: .float64).matmul(y.cast(to: .float64))
            var results: [[Float]] = []
            for threads in [1, 2, 5] {
                Parallelism.threadCount = threads
                let product = x.matmul(y)
                assertClose(product, reference, rtol: 1e-4, atol: 1e-4, checkDType: false)
                results.append(product.scalars(as: Float.self))
            }
            XCTAssertEqual(results[0], results[1])
            XCTAssertEqual(results[0], results[2])
            Parallelism.threadCount = 2
            assertClose(x.cast(to: .float64).matmul(y.cast(to: .float64)), reference, rtol: 0, atol: 0)
        }
    }

    /// A split inner dimension with beta = 1 (the fused dense layer accumulates onto its bias): the bias
    /// is added once, by the first half.
    func testDepthSplitAccumulatesOntoC() {
        var rng = TestRNG(seed: 4)
        let x = rng.tensor([40, 3000]), w = rng.tensor([3000, 30]), bias = rng.tensor([30])
        XCTAssertEqual(GemmSplit(m: 40, n: 30, k: 3000).axis, .depth)
        let reference = x.cast(to: .float64).matmul(w.cast(to: .float64)) + bias.cast(to: .float64)
        assertClose(x.linear(weight: w, bias: bias), reference, rtol: 1e-4, atol: 1e-4, checkDType: false)
    }

    func testOpenBLASRunsSingleThreaded() {
        _ = Tensor.ones([4, 4]).matmul(Tensor.ones([4, 4]))
        XCTAssertEqual(Parallelism.blasThreadCount, 1)
    }
}
