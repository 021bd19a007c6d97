import QuireTensor

/// A long short-term memory cell. Gates (input i, forget f, candidate g, output o) are computed by one
/// input projection `[in, 4·hidden]` (LeCun normal, no bias) and one recurrent projection
/// `[hidden, 4·hidden]` (orthogonal, zero bias), as Flax's LSTMCell does per gate:
///
///     i, f, g, o = σ(·), σ(·), tanh(·), σ(·);  c' = f·c + i·g;  h' = o·tanh(c')
///
/// ```swift
/// let cell = LSTMCell(8, 16, rngs: Rngs(0))
/// var carry = cell.initialCarry(batch: 4)
/// let h: Tensor
/// (carry, h) = cell(carry, x)     // x: [4, 8], h: [4, 16]
/// ```
public final class LSTMCell: Module {
    public let input: Linear
    public let recurrent: Linear
    public let hiddenFeatures: Int

    public init(_ inFeatures: Int, _ hiddenFeatures: Int, dtype: DType = .float32, rngs: Rngs) {
        input = Linear(inFeatures, 4 * hiddenFeatures, useBias: false, dtype: dtype, rngs: rngs)
        recurrent = Linear(hiddenFeatures, 4 * hiddenFeatures, dtype: dtype,
                           kernelInit: LSTMCell.perGateOrthogonal(4), rngs: rngs)
        self.hiddenFeatures = hiddenFeatures
    }

    /// Zero (cell, hidden) state for a batch.
    public func initialCarry(batch: Int, dtype: DType = .float32) -> (c: Tensor, h: Tensor) {
        (Tensor.zeros([batch, hiddenFeatures], dtype: dtype), Tensor.zeros([batch, hiddenFeatures], dtype: dtype))
    }

    public func callAsFunction(_ carry: (c: Tensor, h: Tensor), _ x: Tensor) -> (carry: (c: Tensor, h: Tensor), output: Tensor) {
        let z = input(x) + recurrent(carry.h)
        let parts = z.split(count: 4, axis: -1)
        let i = parts[0].sigmoid(), f = parts[1].sigmoid(), g = parts[2].tanh(), o = parts[3].sigmoid()
        let c = f * carry.c + i * g
        let h = o * c.tanh()
        return ((c, h), h)
    }

    /// An orthogonal `[hidden, hidden]` block per gate, concatenated along the output axis.
    static func perGateOrthogonal(_ gates: Int) -> (PRNGKey, [Int], DType) -> Tensor {
        { key, shape, dtype in
            let h = shape[0]
            let blocks = key.split(into: gates).map { Initializer.orthogonal($0, [h, shape[1] / gates], dtype: dtype) }
            return Tensor.concatenate(blocks, axis: 1)
        }
    }
}

/// A gated recurrent unit cell (Flax's GRUCell equations):
///
///     r = σ(x·Wir + h·Whr + b),  z = σ(x·Wiz + h·Whz + b),  n = tanh(x·Win + b_in + r·(h·Whn + b_hn)),
///     h' = (1 - z)·n + z·h
///
/// Input projection `[in, 3·hidden]` (LeCun normal, zero bias), recurrent projection `[hidden, 3·hidden]`
/// (orthogonal per gate, zero bias).
///
/// ```swift
/// let cell = GRUCell(8, 16, rngs: Rngs(0))
/// let (h, _) = cell(cell.initialCarry(batch: 4), x)
/// ```
public final class GRUCell: Module {
    public let input: Linear
    public let recurrent: Linear
    public let hiddenFeatures: Int

    public init(_ inFeatures: Int, _ hiddenFeatures: Int, dtype: DType = .float32, rngs: Rngs) {
        input = Linear(inFeatures, 3 * hiddenFeatures, dtype: dtype, rngs: rngs)
        recurrent = Linear(hiddenFeatures, 3 * hiddenFeatures, dtype: dtype,
                           kernelInit: LSTMCell.perGateOrthogonal(3), rngs: rngs)
        self.hiddenFeatures = hiddenFeatures
    }

    public func initialCarry(batch: Int, dtype: DType = .float32) -> Tensor {
        Tensor.zeros([batch, hiddenFeatures], dtype: dtype)
    }

    public func callAsFunction(_ h: Tensor, _ x: Tensor) -> (carry: Tensor, output: Tensor) {
        let xi = input(x).split(count: 3, axis: -1)
        let hh = recurrent(h).split(count: 3, axis: -1)
        let r = (xi[0] + hh[0]).sigmoid()
        let z = (xi[1] + hh[1]).sigmoid()
        let n = (xi[2] + r * hh[2]).tanh()
        let newH = (1 - z) * n + z * h
        return (newH, newH)
    }
}
