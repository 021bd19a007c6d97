import QuireTestSupport
import XCTest
@testable import QuireTensor

/// The register-tiled kernel small float32 products run on instead of OpenBLAS (`SmallGemm`).
final class SmallGemmTests: XCTestCase {
    /// Each element is one chain of fused multiply-adds over the inner index in order: checked bit for
    /// bit against that chain written out in Swift, for every operand layout, partial tiles (rows not a
    /// multiple of 8, columns not a multiple of 32) and split products, at 1, 2 and 5 threads.
    func testEveryElementIsOneInOrderFMAChain() {
        let saved = Parallelism.threadCount
        defer { Parallelism.threadCount = saved }
        var rng = TestRNG(seed: 21)
        for (m, n, k) in [(8, 32, 1), (13, 45, 7), (128, 256, 64), (37, 100, 300), (9, 33, 512), (200, 40, 130)] {
            let a = rng.tensor([m, k]).cast(to: .float32), b = rng.tensor([k, n]).cast(to: .float32)
            let (pa, pb) = (a.scalars(as: Float.self), b.scalars(as: Float.self))
            var want = [Float](repeating: 0, count: m * n)
            for i in 0..<m {
                for j in 0..<n {
                    var acc: Float = 0
                    for p in 0..<k { acc = acc.addingProduct(pa[i * k + p], pb[p * n + j]) }
                    want[i * n + j] = acc
                }
            }
            // The same matrices stored transposed, read in place.
            let at = a.transposed().contiguous().transposed(), bt = b.transposed().contiguous().transposed()
            for (x, y) in [(a, b), (at, b), (a, bt), (at, bt)] {
                let gx = GemmOperand(rows: m, cols: k, rowStride: x.strides[0], colStride: x.strides[1])!
                let gy = GemmOperand(rows: k, cols: n, rowStride: y.strides[0], colStride: y.strides[1])!
                XCTAssertEqual([gx.transposed, gy.transposed], [x.strides[1] != 1 && k > 1, y.strides[1] != 1])
                XCTAssertTrue(SmallGemm.fits(gx, gy, m: m, n: n, k: k), "\(m)x\(n)x\(k)")
                for threads in [1, 2, 5] {
                    Parallelism.threadCount = threads
                    let got = x.matmul(y).scalars(as: Float.self)
                    XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), "\(m)x\(n)x\(k), \(threads) threads")
                }
            }
        }
    }

    /// Products that stay on OpenBLAS: too narrow, too few rows, too deep, too much work.
    func testLimits() {
        let plain = GemmOperand(transposed: false, ld: 1)
        XCTAssertTrue(SmallGemm.fits(plain, plain, m: 128, n: 256, k: 256))
        XCTAssertFalse(SmallGemm.fits(plain, plain, m: 128, n: 10, k: 256))
        XCTAssertFalse(SmallGemm.fits(plain, plain, m: 4, n: 256, k: 256))
        XCTAssertFalse(SmallGemm.fits(plain, plain, m: 128, n: 256, k: SmallGemm.maximumDepth + 1))
        XCTAssertFalse(SmallGemm.fits(plain, plain, m: 4096, n: 512, k: 256))
        // Split into one block per core along whole 32-column strips, or whole 8-row blocks when narrow.
        let wide = SmallGemm.blocks(m: 128, n: 256, k: 256)
        XCTAssertEqual([wide.count, wide.alongColumns ? 1 : 0], [GemmSplit.maximumTiles, 1])
        for i in 0..<wide.count {
            let (rows, cols) = wide.block(i, m: 128, n: 256)
            XCTAssertEqual(rows, 0..<128)
            XCTAssertEqual(cols.lowerBound % 32, 0)
        }
        let narrow = SmallGemm.blocks(m: 4000, n: 32, k: 64)
        XCTAssertFalse(narrow.alongColumns)
        XCTAssertEqual((0..<narrow.count).map { narrow.block($0, m: 4000, n: 32).rows.count }.reduce(0, +), 4000)
        XCTAssertEqual(SmallGemm.blocks(m: 8, n: 32, k: 8).count, 1)   // too little work to split
    }

    /// beta = 1 (the fused dense layer accumulates onto its bias): the old value plus the whole sum, so
    /// `linear(weight:bias:)` and the jit's `linear` (sum, then bias) give the same bits.
    func testAccumulateAddsTheOldValueToTheWholeSum() {
        var rng = TestRNG(seed: 23)
        let x = rng.tensor([21, 50]).cast(to: .float32), w = rng.tensor([50, 40]).cast(to: .float32)
        let bias = rng.tensor([40]).cast(to: .float32)
        XCTAssertEqual(x.linear(weight: w, bias: bias).scalars(as: Float.self).map(\.bitPattern),
                       (x.matmul(w) + bias).scalars(as: Float.self).map(\.bitPattern))
    }

    /// The bias, relu and relu-gradient epilogues done as the tiles are stored equal the separate
    /// operations bit for bit, NaN and signed zeros included.
    func testEpiloguesMatchTheSeparateOperations() {
        var rng = TestRNG(seed: 22)
        let (m, n, k) = (19, 70, 24)
        var a = rng.tensor([m, k]).cast(to: .float32).scalars(as: Float.self)
        a[5 * k + 3] = .nan                                  // row 5 of the product is NaN
        let b = rng.tensor([k, n]).cast(to: .float32)
        var biasValues = rng.tensor([n]).cast(to: .float32).scalars(as: Float.self)
        biasValues[7] = -.infinity
        var gateValues = rng.tensor([m, n]).cast(to: .float32).scalars(as: Float.self)
        gateValues[3] = .nan
        gateValues[4] = -0.0
        let (x, bias, gate) = (Tensor(a, shape: [m, k]), Tensor(biasValues, shape: [n]), Tensor(gateValues, shape: [m, n]))
        let product = x.matmul(b)
        let wants: [(Bool, Bool, Bool, Tensor)] = [
            (true, false, false, product + bias),
            (true, true, false, (product + bias).relu()),
            (false, true, false, product.relu()),
            (false, false, true, Tensor.binary(ReluGradientKernel.self, gate, product, op: "relu gradient")),
        ]
        for (withBias, relu, withGate, want) in wants {
            var out = [Float](repeating: 1, count: m * n)
            let done = x.withUnsafeBufferPointer(as: Float.self) { pa in
                b.withUnsafeBufferPointer(as: Float.self) { pb in
                    bias.withUnsafeBufferPointer(as: Float.self) { pbias in
                        gate.withUnsafeBufferPointer(as: Float.self) { pg in
                            out.withUnsafeMutableBufferPointer { pc in
                                smallSgemm(GemmOperand(transposed: false, ld: k), GemmOperand(transposed: false, ld: n),
                                           m: m, n: n, k: k, pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, ldc: n,
                                           bias: withBias ? pbias.baseAddress! : nil, relu: relu,
                                           gate: withGate ? pg.baseAddress! : nil)
                            }
                        }
                    }
                }
            }
            XCTAssertTrue(done)
            XCTAssertEqual(out.map(\.bitPattern), want.scalars(as: Float.self).map(\.bitPattern),
                           "bias \(withBias), relu \(relu), gate \(withGate)")
        }
    }
}
