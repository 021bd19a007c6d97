import QuireTestSupport
import XCTest
import QuireTensor
@testable import QuireNN

final class GradientTests: XCTestCase {
    func testValueAndGradMatchesFiniteDifferences() throws {
        let mlp = MLP([3, 4, 2], activation: { $0.tanh() }, dtype: .float64, rngs: Rngs(0))
        let x = sample([5, 3]).cast(to: .float64), y = sample([5, 2], seed: 7).cast(to: .float64)
        let loss = { (m: MLP) in (m(x) - y).square().mean() }
        let before = mlp.state()
        let (value, grads) = try valueAndGrad(of: mlp, loss)
        XCTAssertEqual(grads.keys, ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
        XCTAssertEqual(value.item(as: Double.self), loss(mlp).item(as: Double.self), accuracy: 1e-12)
        // Parameters are restored after the trace.
        for (k, v) in before { XCTAssertEqual(mlp.state()[k]!.scalars(as: Double.self), v.scalars(as: Double.self)) }
        let eps = 1e-6
        for (path, g) in grads {
            let base = mlp.state()[path]!
            var numeric = [Double]()
            for i in 0..<base.scalarCount {
                var plus = base.scalars(as: Double.self), minus = plus
                plus[i] += eps; minus[i] -= eps
                try mlp.update(parameters: [path: Tensor(plus, shape: base.shape)])
                let fp = loss(mlp).item(as: Double.self)
                try mlp.update(parameters: [path: Tensor(minus, shape: base.shape)])
                let fm = loss(mlp).item(as: Double.self)
                numeric.append((fp - fm) / (2 * eps))
            }
            try mlp.update(parameters: [path: base])
            assertClose(g, Tensor(numeric, shape: base.shape), rtol: 1e-6, atol: 1e-6, checkDType: false, path)
        }
    }

    func testFilterAndFrozenParams() throws {
        final class Affine: Module {
            let w = Param(Tensor([2, 3] as [Float]))
            let shift = Param(Tensor([1, 1] as [Float]), kind: .frozen)
            func callAsFunction(_ x: Tensor) -> Tensor { x * w.value + shift.value }
        }
        let m = Affine(), x = Tensor([1, 2] as [Float])
        let g = try grad(of: m) { $0(x).sum() }
        XCTAssertEqual(g.keys, ["w"])
        XCTAssertEqual(g["w"]!.scalars(), [1, 2])
        let all = try grad(of: m, filter: .all) { $0(x).sum() }
        XCTAssertEqual(all.keys, ["w", "shift"])
        XCTAssertEqual(all["shift"]!.scalars(), [1, 1])
    }

    func testParamsRestoredWhenBodyThrows() {
        struct Boom: Error {}
        let m = MLP([2, 2], rngs: Rngs(0))
        let w = m.layers[0].weight.value.scalars(as: Float.self)
        XCTAssertThrowsError(try valueAndGrad(of: m) { _ in throw Boom() })
        XCTAssertEqual(m.layers[0].weight.value.scalars(as: Float.self), w)
    }

    func testSGDStepThroughUpdateLowersTheLoss() throws {
        let m = MLP([3, 8, 1], rngs: Rngs(0))
        let x = sample([16, 3]), y = x.sum(axis: 1, keepDims: true)
        let loss = { (m: MLP) in (m(x) - y).square().mean() }
        var first = 0.0, last = 0.0
        for step in 0..<20 {
            let (l, g) = try valueAndGrad(of: m, loss)
            if step == 0 { first = Double(l.item()) }
            last = Double(l.item())
            let params = m.state(.trainable)
            try m.update(parameters: TensorDict(g.map { ($0.key, params[$0.key]! - 0.05 * $0.value) }))
        }
        XCTAssertLessThan(last, first * 0.5)
    }

    func testBatchNormBuffersUpdateInsideATrace() throws {
        let bn = BatchNorm(2)
        let x = sample([8, 2])
        _ = try valueAndGrad(of: bn) { $0(x).square().sum() }
        let expected = x.mean(axis: 0) * 0.01
        assertClose(bn.mean.value, expected, rtol: 1e-5, atol: 1e-5, checkDType: false)
        // The buffer is a plain (untraced) tensor afterwards and usable.
        XCTAssertEqual(bn.mean.value.shape, [2])
        _ = bn(x)
    }
}

/// A model touching every layer, to check that each one runs under a trace.
private final class Zoo: Module {
    let embed: Embedding
    let attn: MultiHeadAttention
    let norm: LayerNorm
    let rms: RMSNorm
    let conv1: Conv1D
    let conv2: Conv2D
    let up: ConvTranspose2D
    let bn: BatchNorm
    let gn: GroupNorm
    let drop: Dropout
    let lstm: LSTMCell
    let gru: GRUCell
    let head: Sequential
    init(rngs: Rngs) {
        embed = Embedding(10, 8, rngs: rngs)
        attn = MultiHeadAttention(heads: 2, features: 8, rngs: rngs)
        norm = LayerNorm(8); rms = RMSNorm(8)
        conv1 = Conv1D(8, 4, kernelSize: 3, rngs: rngs)
        conv2 = Conv2D(1, 4, kernelSize: 3, rngs: rngs)
        up = ConvTranspose2D(4, 2, kernelSize: 3, stride: 2, rngs: rngs)
        bn = BatchNorm(2); gn = GroupNorm(2, groups: 1)
        drop = Dropout(0.1, rngs: rngs)
        lstm = LSTMCell(4, 4, rngs: rngs); gru = GRUCell(4, 4, rngs: rngs)
        head = Sequential { MaxPool2D(window: 2); AvgPool2D(window: 2, stride: 1) }
    }
    func callAsFunction(_ ids: Tensor) -> Tensor {
        let h = rms(norm(attn(embed(ids), causal: true)))                      // [2, 4, 8]
        let s = conv1(drop(h))                                                   // [2, 4, 4]
        let (carry, o) = lstm(lstm.initialCarry(batch: 2), s.sliced(axis: 1, 0, 1).reshaped([2, 4]))
        let (g, _) = gru(o, carry.c)
        let img = conv2(s.expandingDims(at: 3))                                  // [2, 4, 4, 4]
        let u = gn(bn(up(img)))                                                  // [2, 8, 8, 2]
        return head(u).mean() + g.mean()
    }
}

extension GradientTests {
    func testEveryLayerDifferentiates() throws {
        let zoo = Zoo(rngs: Rngs(0))
        let ids = Tensor([1, 2, 3, 4, 5, 6, 7, 8] as [Int32], shape: [2, 4])
        let (loss, grads) = try valueAndGrad(of: zoo) { $0(ids) }
        XCTAssertTrue(loss.item(as: Float.self).isFinite)
        let params = zoo.state(.trainable)
        XCTAssertEqual(grads.keys, params.keys)
        for (k, g) in grads {
            XCTAssertEqual(g.shape, params[k]!.shape, k)
            XCTAssertTrue(g.scalars(as: Float.self).allSatisfy(\.isFinite), k)
        }
        XCTAssertEqual(zoo.state(.buffer).keys, ["bn.mean", "bn.var"])
    }
}

extension GradientTests {
    /// A convolution-to-linear model in the usual shape: gradients flow back through ``Flatten`` to the
    /// layer before it, matching finite differences, and the forward equals an explicit reshape.
    func testFlattenInSequentialPassesGradientsThrough() throws {
        let rngs = Rngs(3)
        let model = Sequential {
            Linear(3, 2, dtype: .float64, rngs: rngs)   // [N, 4, 3] → [N, 4, 2]
            Activation.tanh
            Flatten()                                   // [N, 8]
            Linear(8, 1, dtype: .float64, rngs: rngs)
        }
        let x = sample([5, 4, 3]).cast(to: .float64), y = sample([5, 1], seed: 9).cast(to: .float64)
        let first = model.layers[0] as! Linear, last = model.layers[3] as! Linear
        assertClose(model(x), last(first(x).tanh().reshaped([5, 8])), rtol: 1e-12, atol: 1e-12, checkDType: false)
        XCTAssertEqual(Flatten()(x).shape, [5, 12])
        XCTAssertEqual(Flatten(startAxis: 0)(x).shape, [60])
        XCTAssertEqual(Flatten(startAxis: 1, endAxis: 1)(x).shape, [5, 4, 3])
        XCTAssertEqual(Flatten(startAxis: -2)(Tensor.zeros([2, 3, 4, 5])).shape, [2, 3, 20])
        let loss = { (m: Sequential) in (m(x) - y).square().mean() }
        let grads = try grad(of: model, loss)
        let base = first.weight.value
        var numeric = [Double]()
        for i in 0..<base.scalarCount {
            var plus = base.scalars(as: Double.self), minus = plus
            plus[i] += 1e-6; minus[i] -= 1e-6
            first.weight.value = Tensor(plus, shape: base.shape)
            let fp = loss(model).item(as: Double.self)
            first.weight.value = Tensor(minus, shape: base.shape)
            numeric.append((fp - loss(model).item(as: Double.self)) / 2e-6)
        }
        first.weight.value = base
        assertClose(grads["layers.0.weight"]!, Tensor(numeric, shape: base.shape), rtol: 1e-6, atol: 1e-6, checkDType: false)
    }
}
