import QuireTestSupport
import XCTest
import QuireTensor
@testable import QuireKernels

/// `flashAttention(qkvRows:)` against splitting the heads by hand and running `flashAttention`, and
/// against the plain-op attention: values and gradients of the rows, on both backends.
final class FlashAttentionRowsTests: XCTestCase {
    private let (b, s, h, d) = (2, 12, 3, 8)

    /// `[b·s, 3·h·d]` rows → q, k, v `[b, h, s, d]` by tensor ops (the layout the op documents).
    private func heads(_ qkv: Tensor) -> [Tensor] {
        (0..<3).map { part in
            qkv.sliced(axis: 1, part * h * d, (part + 1) * h * d).reshaped([b, s, h, d]).permuted([0, 2, 1, 3])
        }
    }

    private func merged(_ o: Tensor) -> Tensor { o.permuted([0, 2, 1, 3]).reshaped([b * s, h * d]) }

    func testValuesAndGradientsMatchSplitHeads() throws {
        let qkv = randomTensor([b * s, 3 * h * d], seed: 1), w = randomTensor([b * s, h * d], seed: 2)
        for causal in [true, false] {
            let reference = try valueAndGrad { (x: Tensor) in
                let p = self.heads(x)
                return (self.merged(Kernels.referenceAttention(p[0], p[1], p[2], causal: causal)) * w).sum()
            }(qkv)
            let split = try Kernels.flashAttention(heads(qkv)[0].contiguous(), heads(qkv)[1].contiguous(),
                                                   heads(qkv)[2].contiguous(), causal: causal, blockQ: 8, blockK: 4)
            for backend in KernelBackend.allCases {
                let rows = try Kernels.flashAttention(qkvRows: qkv, batch: b, heads: h, causal: causal,
                                                      blockQ: 8, blockK: 4, backend: backend)
                XCTAssertEqual(rows.shape, [b * s, h * d])
                assertClose(rows, merged(split), rtol: 1e-5, atol: 1e-5, "causal \(causal) \(backend)")
                let flash = try valueAndGrad { (x: Tensor) in
                    (try! Kernels.flashAttention(qkvRows: x, batch: self.b, heads: self.h, causal: causal,
                                                 blockQ: 8, blockK: 4, backend: backend) * w).sum()
                }(qkv)
                assertClose(flash.value, reference.value, rtol: 1e-4, atol: 1e-4, checkDType: false)
                XCTAssertEqual(flash.gradient.shape, qkv.shape)
                assertClose(flash.gradient, reference.gradient, rtol: 1e-4, atol: 1e-4, checkDType: false,
                            "d(qkv) causal \(causal) \(backend)")
            }
        }
    }

    func testBadRowsThrowNamingTheShape() {
        for (x, batch, heads) in [(Tensor.zeros([24, 70]), 2, 3), (Tensor.zeros([25, 72]), 2, 3),
                                  (Tensor.zeros([24, 72], dtype: .float64), 2, 3), (Tensor.zeros([2, 24, 72]), 2, 3)] {
            XCTAssertThrowsError(try Kernels.flashAttention(qkvRows: x, batch: batch, heads: heads)) { error in
                XCTAssertTrue("\(error)".contains("\(x.shape)"), "\(error)")
                XCTAssertTrue("\(error)".contains("flashAttention(qkvRows:)"), "\(error)")
            }
        }
    }
}
