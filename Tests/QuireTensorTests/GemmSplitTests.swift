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
            var covered = [Int](repeating: 0, count: m * n)
            for i in 0..<split.tiles {
                let t = split.tile(i, plain, flipped, m: m, n: n)
                XCTAssertGreaterThan(t.rows * t.cols, 0)
                for r in t.row..<(t.row + t.rows) { for c in t.col..<(t.col + t.cols) { covered[r * n + c] += 1 } }
                // A's rows and B's columns start where the tile does, for either layout.
                XCTAssertEqual(t.offsetA, split.alongRows ? t.row * 1000 : 0)
                XCTAssertEqual(t.offsetB, split.alongRows ? 0 : t.col * 1000)
            }
            XCTAssertEqual(Set(covered), [1], "\(m)x\(n)x\(k)")
        }
        XCTAssertEqual(GemmSplit(m: 64, n: 64, k: 64).tiles, 1)   // too little work to split
    }

    /// Products big enough to be split, every operand layout, against float64 BLAS and bitwise the
    /// same whatever the thread count.
    func testSplitProductsMatchAndDoNotDependOnThreadCount() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        var rng = TestRNG(seed: 3)
        let a = rng.tensor([300, 200]), b = rng.tensor([200, 260])
        let at = rng.tensor([200, 300]).transposed(), bt = rng.tensor([260, 200]).transposed()
        for (x, y) in [(a, b), (at, b), (a, bt), (at, bt), (b.transposed(), a.transposed())] {
            XCTAssertGreaterThan(GemmSplit(m: x.shape[0], n: y.shape[1], k: x.shape[1]).tiles, 1)
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

    func testOpenBLASRunsSingleThreaded() {
        _ = Tensor.ones([4, 4]).matmul(Tensor.ones([4, 4]))
        XCTAssertEqual(Parallelism.blasThreadCount, 1)
    }
}
