import QuireTestSupport
import XCTest
import Foundation
import QuireTensor
@testable import QuireNN

/// Elementwise statistics of a tensor.
private func stats(_ t: Tensor) -> (mean: Double, std: Double, maxAbs: Double) {
    let v = t.cast(to: .float64).scalars(as: Double.self)
    let m = v.reduce(0, +) / Double(v.count)
    let s = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count)).squareRoot()
    return (m, s, v.map(abs).max()!)
}

final class LayerTests: XCTestCase {
    func testLinearForwardAndInit() {
        let fc = Linear(3, 2, rngs: Rngs(0))
        fc.bias!.value = Tensor([0.5, -1] as [Float])
        let x = sample([4, 3])
        let w = fc.weight.value.scalars(as: Float.self), xs = x.scalars(as: Float.self)
        var ref = [Float](repeating: 0, count: 8)
        for n in 0..<4 { for o in 0..<2 {
            var acc: Float = o == 0 ? 0.5 : -1
            for i in 0..<3 { acc += xs[n * 3 + i] * w[i * 2 + o] }
            ref[n * 2 + o] = acc
        } }
        assertClose(fc(x), Tensor(ref, shape: [4, 2]), rtol: 1e-5, atol: 1e-5, checkDType: false)
        XCTAssertNil(Linear(3, 2, useBias: false, rngs: Rngs(0)).bias)
        XCTAssertEqual(fc(Tensor.zeros([2, 5, 3])).shape, [2, 5, 2])
    }

    func testLecunNormalStatistics() {
        let big = Linear(400, 300, rngs: Rngs(1))
        let s = stats(big.weight.value)
        XCTAssertEqual(s.std, 1 / 400.0.squareRoot(), accuracy: 0.02 / 400.0.squareRoot() * 2)
        XCTAssertEqual(s.mean, 0, accuracy: 0.002)
        XCTAssertLessThanOrEqual(s.maxAbs, 2 / 0.87962566103423978 / 20 + 1e-6)   // truncated at 2σ₀
        XCTAssertEqual(stats(big.bias!.value).maxAbs, 0)
        let conv = Conv2D(16, 32, kernelSize: 3, rngs: Rngs(2))
        XCTAssertEqual(stats(conv.weight.value).std, 1 / 144.0.squareRoot(), accuracy: 0.004)
        let embed = Embedding(1000, 64, rngs: Rngs(3))
        XCTAssertEqual(stats(embed.weight.value).std, 1 / 8, accuracy: 0.003)
        // Different draws of the params stream give different kernels.
        let rngs = Rngs(0)
        XCTAssertNotEqual(Linear(2, 2, rngs: rngs).weight.value.scalars(as: Float.self),
                          Linear(2, 2, rngs: rngs).weight.value.scalars(as: Float.self))
    }

    func testOrthogonalInitializer() {
        let q = Initializer.orthogonal(PRNGKey(seed: 0), [6, 4])
        assertClose(q.transposed().matmul(q), Tensor.eye(4), rtol: 1e-5, atol: 1e-5, checkDType: false)
        let wide = Initializer.orthogonal(PRNGKey(seed: 0), [3, 5])
        assertClose(wide.matmul(wide.transposed()), Tensor.eye(3), rtol: 1e-5, atol: 1e-5, checkDType: false)
    }

    /// Direct-loop 2-D convolution, channels last, HWIO kernel, explicit padding.
    private func naiveConv2d(_ x: Tensor, _ k: Tensor, stride: Int, pad: (Int, Int), bias: Tensor?) -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, o) = (k.shape[0], k.shape[1], k.shape[3])
        let oh = (h + pad.0 + pad.1 - kh) / stride + 1, ow = (w + pad.0 + pad.1 - kw) / stride + 1
        let xs = x.scalars(as: Float.self), ks = k.scalars(as: Float.self)
        let bs = bias?.scalars(as: Float.self) ?? [Float](repeating: 0, count: o)
        var out = [Float](repeating: 0, count: n * oh * ow * o)
        for b in 0..<n { for i in 0..<oh { for j in 0..<ow { for oc in 0..<o {
            var acc = bs[oc]
            for a in 0..<kh { for e in 0..<kw {
                let y = i * stride + a - pad.0, z = j * stride + e - pad.0
                guard y >= 0, y < h, z >= 0, z < w else { continue }
                for ic in 0..<c { acc += xs[((b * h + y) * w + z) * c + ic] * ks[((a * kw + e) * c + ic) * o + oc] }
            } }
            out[((b * oh + i) * ow + j) * o + oc] = acc
        } } } }
        return Tensor(out, shape: [n, oh, ow, o])
    }

    func testConv2DAndConv1D() {
        let conv = Conv2D(3, 4, kernelSize: 3, rngs: Rngs(0))
        conv.bias!.value = sample([4], seed: 9)
        let x = sample([2, 5, 5, 3])
        assertClose(conv(x), naiveConv2d(x, conv.weight.value, stride: 1, pad: (1, 1), bias: conv.bias!.value),
                    rtol: 1e-5, atol: 1e-5, checkDType: false)
        let strided = Conv2D(3, 4, kernelSize: 3, stride: 2, padding: .valid, rngs: Rngs(0))
        assertClose(strided(x), naiveConv2d(x, strided.weight.value, stride: 2, pad: (0, 0), bias: nil),
                    rtol: 1e-5, atol: 1e-5, checkDType: false)
        XCTAssertEqual(Conv2D(3, 4, kernelSize: 3, stride: 2, rngs: Rngs(0))(x).shape, [2, 3, 3, 4])

        let c1 = Conv1D(3, 2, kernelSize: 3, rngs: Rngs(1))
        let x1 = sample([2, 7, 3])
        let ref = naiveConv2d(x1.reshaped([2, 1, 7, 3]), c1.weight.value.reshaped([1, 3, 3, 2]), stride: 1, pad: (0, 0), bias: nil)
        // .same in 1-D pads the width only: compare against a width-padded input.
        let padded = naiveConv2d(x1.padded([(0, 0), (1, 1), (0, 0)]).reshaped([2, 1, 9, 3]),
                                 c1.weight.value.reshaped([1, 3, 3, 2]), stride: 1, pad: (0, 0), bias: nil)
        XCTAssertEqual(ref.shape, [2, 1, 5, 2])
        assertClose(c1(x1), padded.reshaped([2, 7, 2]), rtol: 1e-5, atol: 1e-5, checkDType: false)
    }

    func testConvTranspose2D() {
        for (stride, padding, k) in [(2, ConvPadding.same, 3), (2, .valid, 3), (1, .same, 3), (3, .valid, 2), (2, .same, 4)] {
            let up = ConvTranspose2D(2, 3, kernelSize: k, stride: stride, padding: padding, rngs: Rngs(0))
            up.bias!.value = sample([3], seed: 5)
            let x = sample([1, 3, 4, 2])
            let y = up(x)
            let extra: Int
            if case .valid = padding { extra = max(k - stride, 0) } else { extra = 0 }
            XCTAssertEqual(y.shape, [1, 3 * stride + extra, 4 * stride + extra, 3])
            // Reference: each input pixel scatters kernel·value into the output (no kernel flip, lax semantics).
            let (pa, _) = ConvTranspose2D.padding(kernel: k, stride: stride, padding: padding, axis: 0)
            let xs = x.scalars(as: Float.self), ks = up.weight.value.scalars(as: Float.self)
            let (oh, ow) = (y.shape[1], y.shape[2])
            var out = [Float](repeating: 0, count: oh * ow * 3)
            for i in 0..<oh { for j in 0..<ow { for o in 0..<3 { out[(i * ow + j) * 3 + o] = up.bias!.value.scalars(as: Float.self)[o] } } }
            for i in 0..<3 { for j in 0..<4 { for a in 0..<k { for e in 0..<k {
                // dilated index d = i*stride sits at output position d - a + pa
                let p = i * stride - a + pa, q = j * stride - e + pa
                guard p >= 0, p < oh, q >= 0, q < ow else { continue }
                for c in 0..<2 { for o in 0..<3 {
                    out[(p * ow + q) * 3 + o] += xs[(i * 4 + j) * 2 + c] * ks[((a * k + e) * 2 + c) * 3 + o]
                } }
            } } } }
            assertClose(y, Tensor(out, shape: y.shape), rtol: 1e-5, atol: 1e-5, checkDType: false, "stride \(stride) \(padding) k \(k)")
        }
    }

    func testEmbedding() {
        let e = Embedding(5, 3, rngs: Rngs(0))
        let ids = Tensor([4, 0, 4] as [Int32], shape: [1, 3])
        let rows = e.weight.value.scalars(as: Float.self)
        let y = e(ids)
        XCTAssertEqual(y.shape, [1, 3, 3])
        XCTAssertEqual(y.scalars(as: Float.self), Array(rows[12..<15]) + Array(rows[0..<3]) + Array(rows[12..<15]))
        assertClose(e.attend(Tensor.eye(3)), e.weight.value.transposed(), rtol: 1e-5, atol: 1e-5, checkDType: false)
    }

    func testLayerNormRMSNormGroupNorm() {
        let x = sample([2, 3, 8]).cast(to: .float64)
        let ln = LayerNorm(8, dtype: .float64)
        ln.scale!.value = sample([8], seed: 1).cast(to: .float64)
        ln.bias!.value = sample([8], seed: 2).cast(to: .float64)
        let mu = x.mean(axis: -1, keepDims: true)
        let v = (x - mu).square().mean(axis: -1, keepDims: true)
        assertClose(ln(x), (x - mu) / (v + 1e-6).sqrt() * ln.scale!.value + ln.bias!.value, rtol: 1e-10, atol: 1e-10, checkDType: false)

        let rms = RMSNorm(8, dtype: .float64)
        rms.scale!.value = sample([8], seed: 3).cast(to: .float64)
        assertClose(rms(x), x / (x.square().mean(axis: -1, keepDims: true) + 1e-6).sqrt() * rms.scale!.value,
                    rtol: 1e-10, atol: 1e-10, checkDType: false)

        // GroupNorm by loops: [N, L, C] with 2 groups of 4 channels.
        let gn = GroupNorm(8, groups: 2, dtype: .float64)
        gn.bias!.value = sample([8], seed: 4).cast(to: .float64)
        let xs = x.scalars(as: Double.self)
        var ref = [Double](repeating: 0, count: xs.count)
        for n in 0..<2 { for g in 0..<2 {
            var idx: [Int] = []
            for l in 0..<3 { for c in (g * 4)..<(g * 4 + 4) { idx.append((n * 3 + l) * 8 + c) } }
            let m = idx.map { xs[$0] }.reduce(0, +) / Double(idx.count)
            let va = idx.map { (xs[$0] - m) * (xs[$0] - m) }.reduce(0, +) / Double(idx.count)
            for i in idx { ref[i] = (xs[i] - m) / (va + 1e-6).squareRoot() + gn.bias!.value.scalars(as: Double.self)[i % 8] }
        } }
        assertClose(gn(x), Tensor(ref, shape: x.shape), rtol: 1e-10, atol: 1e-10, checkDType: false)
        XCTAssertEqual(GroupNorm(64)(Tensor.zeros([1, 4, 4, 64])).shape, [1, 4, 4, 64])
    }

    func testBatchNormRunningStatistics() {
        let bn = BatchNorm(3)
        XCTAssertEqual(bn.state(.buffer).keys, ["mean", "var"])
        let x1 = sample([16, 3], stddev: 2) + 1, x2 = sample([16, 3], seed: 3)
        let y = bn(x1)
        let mu1 = x1.mean(axis: 0), v1 = (x1 - mu1).square().mean(axis: 0)
        assertClose(y, (x1 - mu1) / (v1 + 1e-5).sqrt(), rtol: 1e-5, atol: 1e-5, checkDType: false)
        assertClose(bn.mean.value, mu1 * 0.01, rtol: 1e-6, atol: 1e-6, checkDType: false)
        assertClose(bn.var.value, Tensor.ones([3]) * 0.99 + v1 * 0.01, rtol: 1e-6, atol: 1e-6, checkDType: false)
        _ = bn(x2)
        let mu2 = x2.mean(axis: 0), v2 = (x2 - mu2).square().mean(axis: 0)
        assertClose(bn.mean.value, mu1 * 0.01 * 0.99 + mu2 * 0.01, rtol: 1e-6, atol: 1e-6, checkDType: false)
        assertClose(bn.var.value, (Tensor.ones([3]) * 0.99 + v1 * 0.01) * 0.99 + v2 * 0.01, rtol: 1e-6, atol: 1e-6, checkDType: false)
        bn.eval()
        let frozen = bn.mean.value.scalars(as: Float.self)
        assertClose(bn(x2), (x2 - bn.mean.value) / (bn.var.value + 1e-5).sqrt(), rtol: 1e-5, atol: 1e-5, checkDType: false)
        XCTAssertEqual(bn.mean.value.scalars(as: Float.self), frozen)
    }

    func testDropoutTrainAndEval() {
        let rngs = Rngs(params: 0, dropout: 1)
        let drop = Dropout(0.25, rngs: rngs)
        let x = Tensor.ones([100, 100])
        let y = drop(x).scalars(as: Float.self)
        let zeros = y.filter { $0 == 0 }.count
        XCTAssertEqual(Double(zeros) / 10_000, 0.25, accuracy: 0.02)
        XCTAssertTrue(y.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-6 })
        XCTAssertNotEqual(drop(x).scalars(as: Float.self), y)                 // a new key per call
        // Same seed, same masks.
        XCTAssertEqual(Dropout(0.25, rngs: Rngs(params: 0, dropout: 1))(x).scalars(as: Float.self), y)
        let shared = Dropout(0.5, broadcastAxes: [0], rngs: rngs)(Tensor.ones([4, 6]))
        XCTAssertEqual(shared.sliced(axis: 0, 0, 1).scalars(as: Float.self), shared.sliced(axis: 0, 3, 4).scalars(as: Float.self))
        drop.eval()
        XCTAssertEqual(drop(x).scalars(as: Float.self), x.scalars(as: Float.self))
    }

    func testPoolingLayers() {
        let x = Tensor((0..<32).map(Float.init), shape: [1, 4, 4, 2])
        let m = MaxPool2D(window: 2)(x), a = AvgPool2D(window: 2)(x)
        XCTAssertEqual(m.shape, [1, 2, 2, 2])
        // Window (0,0): rows 0-1, cols 0-1 → flat pixels 0,1,4,5; channel 0 values are 2·pixel.
        XCTAssertEqual(m.scalars(as: Float.self), [10, 11, 14, 15, 26, 27, 30, 31])
        XCTAssertEqual(a.scalars(as: Float.self), [5, 6, 9, 10, 21, 22, 25, 26])
        let s = Tensor([1, 3, 2, 5] as [Float], shape: [1, 4, 1])
        XCTAssertEqual(MaxPool1D(window: 2)(s).scalars(as: Float.self), [3, 5])
        XCTAssertEqual(AvgPool1D(window: 2)(s).scalars(as: Float.self), [2, 3.5])
    }

    func testMLPAndSequential() {
        let rngs = Rngs(0)
        let model = Sequential {
            Linear(4, 8, rngs: rngs)
            Activation.relu
            for _ in 0..<2 { Linear(8, 8, rngs: rngs) }
            Linear(8, 2, rngs: rngs)
        }
        XCTAssertEqual(model.state().keys, ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
                                            "layers.3.weight", "layers.3.bias", "layers.4.weight", "layers.4.bias"])
        let x = sample([3, 4])
        let ls = model.layers.compactMap { $0 as? Linear }
        assertClose(model(x), ls[3](ls[2](ls[1](ls[0](x).relu()))), rtol: 1e-5, atol: 1e-5, checkDType: false)
        let mlp = MLP([4, 8, 2], activation: { $0.gelu() }, rngs: Rngs(0))
        assertClose(mlp(x), mlp.layers[1](mlp.layers[0](x).gelu()), rtol: 1e-5, atol: 1e-5, checkDType: false)
        XCTAssertEqual(mlp(x).shape, [3, 2])
    }

    func testLSTMCellAgainstGateEquations() {
        let cell = LSTMCell(3, 4, rngs: Rngs(0))
        cell.recurrent.bias!.value = sample([16], seed: 8)
        let x = sample([2, 3]), c0 = sample([2, 4], seed: 1), h0 = sample([2, 4], seed: 2)
        let ((c, h), out) = cell((c0, h0), x)
        func gate(_ g: Int) -> Tensor {
            let wi = cell.input.weight.value.sliced(axis: 1, 4 * g, 4 * g + 4)
            let wh = cell.recurrent.weight.value.sliced(axis: 1, 4 * g, 4 * g + 4)
            let b = cell.recurrent.bias!.value.sliced(axis: 0, 4 * g, 4 * g + 4)
            return x.matmul(wi) + h0.matmul(wh) + b
        }
        let i = gate(0).sigmoid(), f = gate(1).sigmoid(), g = gate(2).tanh(), o = gate(3).sigmoid()
        let cRef = f * c0 + i * g
        assertClose(c, cRef, rtol: 1e-5, atol: 1e-5, checkDType: false)
        assertClose(h, o * cRef.tanh(), rtol: 1e-5, atol: 1e-5, checkDType: false)
        assertClose(out, h, rtol: 1e-5, atol: 1e-5, checkDType: false)
        // Recurrent kernel: an orthogonal block per gate.
        let block = cell.recurrent.weight.value.sliced(axis: 1, 8, 12)
        assertClose(block.transposed().matmul(block), Tensor.eye(4), rtol: 1e-5, atol: 1e-5, checkDType: false)
        XCTAssertEqual(cell.state().keys, ["input.weight", "recurrent.weight", "recurrent.bias"])
    }

    func testGRUCellAgainstGateEquations() {
        let cell = GRUCell(3, 4, rngs: Rngs(0))
        cell.input.bias!.value = sample([12], seed: 3)
        cell.recurrent.bias!.value = sample([12], seed: 4)
        let x = sample([2, 3]), h0 = sample([2, 4], seed: 2)
        let (h, _) = cell(h0, x)
        func part(_ l: Linear, _ v: Tensor, _ g: Int) -> Tensor {
            v.matmul(l.weight.value.sliced(axis: 1, 4 * g, 4 * g + 4)) + l.bias!.value.sliced(axis: 0, 4 * g, 4 * g + 4)
        }
        let r = (part(cell.input, x, 0) + part(cell.recurrent, h0, 0)).sigmoid()
        let z = (part(cell.input, x, 1) + part(cell.recurrent, h0, 1)).sigmoid()
        let n = (part(cell.input, x, 2) + r * part(cell.recurrent, h0, 2)).tanh()
        assertClose(h, (1 - z) * n + z * h0, rtol: 1e-5, atol: 1e-5, checkDType: false)
    }

    func testMultiHeadAttentionAgainstPerHeadLoops() {
        let attn = MultiHeadAttention(heads: 2, features: 4, rngs: Rngs(0))
        let x = sample([1, 3, 4]).cast(to: .float32)
        for causal in [false, true] {
            let y = attn(x, causal: causal)
            XCTAssertEqual(y.shape, [1, 3, 4])
            // Reference: per head, explicit softmax with exp / sum, masked pairs skipped.
            let q = attn.query(x).reshaped([3, 4]), k = attn.key(x).reshaped([3, 4]), v = attn.value(x).reshaped([3, 4])
            let qs = q.scalars(as: Float.self), ks = k.scalars(as: Float.self), vs = v.scalars(as: Float.self)
            var merged = [Float](repeating: 0, count: 12)
            for h in 0..<2 { for i in 0..<3 {
                var w = [Double](repeating: 0, count: 3)
                for j in 0..<3 where !causal || j <= i {
                    var s = 0.0
                    for d in 0..<2 { s += Double(qs[i * 4 + h * 2 + d]) * Double(ks[j * 4 + h * 2 + d]) }
                    w[j] = Foundation.exp(s / 2.0.squareRoot())
                }
                let total = w.reduce(0, +)
                for d in 0..<2 {
                    var acc = 0.0
                    for j in 0..<3 { acc += w[j] / total * Double(vs[j * 4 + h * 2 + d]) }
                    merged[i * 4 + h * 2 + d] = Float(acc)
                }
            } }
            assertClose(y, attn.out(Tensor(merged, shape: [1, 3, 4])), rtol: 1e-5, atol: 1e-5, checkDType: false, "causal \(causal)")
        }
        // Causal: changing the last position leaves the first output alone.
        var x2 = x.scalars(as: Float.self); x2[8] += 5
        let a = attn(x, causal: true), b = attn(Tensor(x2, shape: [1, 3, 4]), causal: true)
        assertClose(a.sliced(axis: 1, 0, 1), b.sliced(axis: 1, 0, 1), rtol: 1e-5, atol: 1e-5, checkDType: false)
        XCTAssertEqual(attn.state(.trainable).keys.first, "query.weight")
        XCTAssertEqual(attn(sample([2, 5, 4]), key: sample([2, 7, 4])).shape, [2, 5, 4])
    }
}
