import QuireKernels
import QuireTestSupport
import XCTest
@testable import QuireNN
@testable import QuireTensor

/// `Tensor.causalAttention(qkvRows:)` (materialized scores, the C per-head kernel) against float64
/// plain-op attention on the same rows and against the flash kernels' `flashAttention(qkvRows:)`: values
/// and gradients.
final class CausalAttentionTests: XCTestCase {
    private let (b, h) = (2, 3)

    /// Plain ops: split heads, softmax(q·kᵀ/√d + causal mask)·v, merge (any float dtype).
    private func reference(_ qkv: Tensor, seq s: Int, dim d: Int) -> Tensor {
        let parts = (0..<3).map { part in
            qkv.sliced(axis: 1, part * h * d, (part + 1) * h * d).reshaped([b, s, h, d]).permuted([0, 2, 1, 3])
        }
        let o = MultiHeadAttention.scaledDotProduct(parts[0], parts[1], parts[2], causal: true)
        return o.permuted([0, 2, 1, 3]).reshaped([b * s, h * d])
    }

    /// Head sizes 8 (partial column tiles only), 32 (the transformer's: whole tiles) and 40 (a whole tile
    /// and a partial one); lengths 19, 35 and 37 (partial row tiles and SIMD tails), 38, 64 and 128.
    func testValuesAndGradientsMatchPlainOpsAndTheFlashKernels() throws {
        for (s, d) in [(19, 8), (35, 8), (38, 8), (64, 8), (128, 32), (37, 32), (64, 40)] {
            var rng = TestRNG(seed: 11)
            let qkv = rng.tensor([b * s, 3 * h * d], -1.5, 1.5).cast(to: .float32), w = rng.tensor([b * s, h * d]).cast(to: .float32)
            let attend = { (x: Tensor) in try! Tensor.causalAttention(qkvRows: x, batch: self.b, heads: self.h) }
            let y = attend(qkv)
            XCTAssertEqual(y.shape, [b * s, h * d])
            assertClose(y, reference(qkv.cast(to: .float64), seq: s, dim: d), rtol: 1e-5, atol: 1e-5, checkDType: false, "seq \(s) dim \(d)")
            assertClose(y, try Kernels.flashAttention(qkvRows: qkv, batch: b, heads: h, causal: true), rtol: 1e-5, atol: 1e-5,
                        "seq \(s) dim \(d)")
            let got = try valueAndGrad { (x: Tensor) in (attend(x) * w).sum() }(qkv)
            let want = try valueAndGrad { (x: Tensor) in (self.reference(x, seq: s, dim: d) * w.cast(to: .float64)).sum() }(qkv.cast(to: .float64))
            assertClose(got.value, want.value, rtol: 1e-5, atol: 1e-4, checkDType: false, "seq \(s) dim \(d)")
            XCTAssertEqual(got.gradient.shape, qkv.shape)
            assertClose(got.gradient, want.gradient, rtol: 1e-4, atol: 1e-5, checkDType: false, "seq \(s) dim \(d)")
        }
    }

    /// The transformer block's float32 training path (BLAS attention, fused qkv) against its float64 plain path.
    func testTransformerBlockPathsAgree() throws {
        var config = TransformerConfig(vocabularySize: 7, maxLength: 32, features: 12, heads: 3, layers: 1, mlpFeatures: 16)
        let f32 = TransformerBlock(config, rngs: Rngs(4))
        config.dtype = .float64
        let f64 = TransformerBlock(config, rngs: Rngs(5))
        try f64.load(f32.state().mapValues { $0.cast(to: .float64) })
        var rng = TestRNG(seed: 12)
        let x = rng.tensor([2, 21, 12]).cast(to: .float32)
        assertClose(f32(x), f64(x.cast(to: .float64)), rtol: 1e-5, atol: 1e-5, checkDType: false)
    }

    func testBadRowsThrowNamingTheShape() {
        for (x, batch, heads) in [(Tensor.zeros([24, 70]), 2, 3), (Tensor.zeros([25, 72]), 2, 3),
                                  (Tensor.zeros([24, 72], dtype: .float64), 2, 3), (Tensor.zeros([2, 24, 72]), 2, 3)] {
            XCTAssertThrowsError(try Tensor.causalAttention(qkvRows: x, batch: batch, heads: heads)) { error in
                XCTAssertTrue("\(error)".contains("\(x.shape)"), "\(error)")
                XCTAssertTrue("\(error)".contains("causalAttention(qkvRows:)"), "\(error)")
            }
        }
    }
}
