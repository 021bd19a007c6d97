import XCTest
import QuireTensor
import QuireTestSupport
@testable import QuireKernels

final class MatmulKernelTests: XCTestCase {
    func testTiledMatmulAgreesWithBLASOnBothBackendsIncludingRaggedSizes() throws {
        for (m, k, n, bm, bn, bk) in [(64, 64, 64, 32, 32, 16), (50, 37, 29, 16, 16, 8), (7, 100, 70, 6, 32, 32)] {
            let a = randomTensor([m, k], seed: m), b = randomTensor([k, n], seed: n)
            let f = Kernels.matmulKernel(m: m, k: k, n: n, blockM: bm, blockN: bn, blockK: bk)
            try assertBackendsAgree(f, [a, b], reference: [a.matmul(b)], tolerance: 1e-5)
        }
    }

    /// The micro-kernel for every vector target (16-lane AVX-512 and 8-lane AVX2 tiles, with tail rows
    /// and 8- or 16-column blocks) agrees with the interpreter; the targets this CPU lacks are skipped.
    func testMicroKernelAgreesWithTheInterpreterOnEachVectorTarget() throws {
        for (m, k, n, bm, bn, bk) in [(40, 24, 64, 40, 32, 24), (13, 16, 48, 13, 48, 8), (26, 8, 8, 26, 8, 8)] {
            let a = randomTensor([m, k], seed: m + 1), b = randomTensor([k, n], seed: n + 1)
            let f = Kernels.matmulKernel(m: m, k: k, n: n, blockM: bm, blockN: bn, blockK: bk)
            let ir = try f.trace([BlockType(dtype: .float32, shape: [m, k]), BlockType(dtype: .float32, shape: [k, n])])
            let interpreted = try f([a, b], backend: .interpreter)[0]
            for (target, c) in try compiledOnEachTarget(ir, [a, b]) {
                assertClose(c[0], interpreted, rtol: 1e-5, atol: 1e-5, checkDType: false, "\(target) \(m)×\(k)×\(n)")
            }
        }
    }

    /// Each output is summed over k in the same order whatever blockM/blockN (and so whatever tile the
    /// autotuner picks), so the results are bitwise equal.
    func testResultsDoNotDependOnBlockMOrBlockN() throws {
        let (m, k, n) = (96, 64, 128)
        let a = randomTensor([m, k], seed: 11), b = randomTensor([k, n], seed: 12)
        let base = try Kernels.matmul(a, b, blockM: 96, blockN: 128, blockK: 32).scalars(as: Float.self)
        for (bm, bn) in [(32, 64), (48, 32), (16, 128), (64, 16)] {
            let c = try Kernels.matmul(a, b, blockM: bm, blockN: bn, blockK: 32).scalars(as: Float.self)
            XCTAssertEqual(c, base, "blocks \(bm)×\(bn)")
        }
    }
}
