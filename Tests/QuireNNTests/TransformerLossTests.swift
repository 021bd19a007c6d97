import XCTest
import QuireOptim
import QuireTensor
import QuireTestSupport
@testable import QuireNN

/// `TransformerLM.loss` (fused LayerNorm and softmax-cross-entropy) against the unfused composition on
/// the same model, and its typed errors for bad targets.
final class TransformerLossTests: XCTestCase {
    private func model() -> TransformerLM {
        var config = TransformerConfig(vocabularySize: 9, maxLength: 8, features: 8, heads: 2, layers: 2, mlpFeatures: 16)
        config.dtype = .float64
        return TransformerLM(config, rngs: Rngs(3))
    }

    func testLossAndGradientsMatchUnfusedComposition() throws {
        let m = model()
        let x = Tensor((0..<12).map { Int32(($0 * 5) % 9) }, shape: [2, 6])
        let y = Tensor((0..<12).map { Int32(($0 * 7 + 1) % 9) }, shape: [2, 6])
        let (fused, gf) = try valueAndGrad(of: m) { m in try m.loss(inputs: x, targets: y) }
        // Unfused: the plain LayerNorm layers and Optax-style cross-entropy on the same parameters.
        let (plain, gp) = try valueAndGrad(of: m) { m in
            var h = m.tok(x) + m.pos!(Tensor((0..<6).map { Int32($0) }, shape: [6]))
            for block in m.blocks {
                let rows = h.reshaped([12, 8])
                let a = block.attention(block.ln1(rows), batch: 2, cache: nil, layer: 0) + rows
                h = (a + block.mlp(block.ln2(a))).reshaped([2, 6, 8])
            }
            let logits = m.head!(m.lnF(h.reshaped([12, 8]))).reshaped([2, 6, 9])
            return softmaxCrossEntropy(logits: logits, labels: y).mean()
        }
        XCTAssertEqual(fused.item(as: Double.self), plain.item(as: Double.self), accuracy: 1e-12)
        XCTAssertEqual(Set(gf.keys), Set(gp.keys))
        for key in gf.keys { assertClose(gf[key]!, gp[key]!, rtol: 1e-9, atol: 1e-11) }
    }

    func testBadTargetsThrow() {
        let m = model()
        let x = Tensor([1, 2, 3] as [Int32], shape: [1, 3])
        XCTAssertThrowsError(try m.loss(inputs: x, targets: Tensor([1, 9, 0] as [Int32], shape: [1, 3]))) {
            XCTAssertTrue("\($0)".contains("label 9 at row 1 is outside 0..<9"), "\($0)")
        }
        XCTAssertThrowsError(try m.loss(inputs: x, targets: Tensor([1, 2] as [Int32], shape: [1, 2])))
    }
}
