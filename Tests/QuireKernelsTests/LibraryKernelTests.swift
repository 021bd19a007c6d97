import XCTest
import QuireTensor
@testable import QuireKernels

final class LibraryKernelTests: XCTestCase {
    func testLayerNormAndRMSNormAgreeWithPlainOps() throws {
        for rows in [16, 13] {
            let d = 24
            let x = randomTensor([rows, d], seed: rows) * 3 + 1
            let gamma = randomTensor([d], seed: 2), beta = randomTensor([d], seed: 3)
            let mean = x.mean(axes: [1], keepDims: true)
            let centered = x - mean
            let variance = (centered * centered).mean(axes: [1], keepDims: true)
            let ln = centered / (variance + 1e-5).sqrt() * gamma + beta
            try assertBackendsAgree(Kernels.layerNormKernel(rows: rows, dim: d, blockRows: 4), [x, gamma, beta], reference: [ln], tolerance: 1e-5)
            let rms = x / ((x * x).mean(axes: [1], keepDims: true) + 1e-6).sqrt() * gamma
            try assertBackendsAgree(Kernels.layerNormKernel(rows: rows, dim: d, blockRows: 4, eps: 1e-6, rms: true), [x, gamma], reference: [rms], tolerance: 1e-5)
        }
    }

    func testInt8MatmulWithPerChannelScalesIsExactAgainstFloatReference() throws {
        for (m, k, n) in [(32, 64, 64), (19, 70, 23)] {
            let a = (randomTensor([m, k], seed: 1) * 127).cast(to: .int8), b = (randomTensor([k, n], seed: 2) * 127).cast(to: .int8)
            let rs = randomTensor([m], seed: 3, low: 0.01, high: 0.1), cs = randomTensor([n], seed: 4, low: 0.01, high: 0.1)
            let reference = a.cast(to: .float32).matmul(b.cast(to: .float32)) * rs.reshaped([m, 1]) * cs.reshaped([1, n])
            let f = Kernels.quantizedMatmulKernel(m: m, k: k, n: n, blockM: 16, blockN: 16, blockK: 32)
            try assertBackendsAgree(f, [a, b, rs, cs], reference: [reference], tolerance: 1e-6)
        }
    }

    func testHalfAndBFloat16MatmulAccumulatesInFloat32() throws {
        for dtype in [DType.float16, .bfloat16] {
            let (m, k, n) = (24, 40, 16)
            let a = randomTensor([m, k], seed: 5).cast(to: dtype), b = randomTensor([k, n], seed: 6).cast(to: dtype)
            let reference = a.cast(to: .float32).matmul(b.cast(to: .float32))
            let f = Kernels.matmulKernel(m: m, k: k, n: n, dtype: dtype, blockM: 8, blockN: 8, blockK: 16)
            try assertBackendsAgree(f, [a, b], reference: [reference], tolerance: 1e-5)
        }
    }
}
