import XCTest
import QuireTensor
@testable import QuireKernels

final class MatmulKernelTests: XCTestCase {
    func testTiledMatmulAgreesWithBLASOnBothBackendsIncludingRaggedSizes() throws {
        for (m, k, n, bm, bn, bk) in [(64, 64, 64, 32, 32, 16), (50, 37, 29, 16, 16, 8), (7, 100, 70, 6, 32, 32)] {
            let a = randomTensor([m, k], seed: m), b = randomTensor([k, n], seed: n)
            let f = Kernels.matmulKernel(m: m, k: k, n: n, blockM: bm, blockN: bn, blockK: bk)
            try assertBackendsAgree(f, [a, b], reference: [a.matmul(b)], tolerance: 1e-5)
        }
    }
}
