import QuireTensor

/// Zeroes each element with probability `rate` in training mode and scales the rest by `1/(1-rate)`;
/// the identity in eval mode. Keys come from the `dropout` stream of the ``Rngs`` it was built with,
/// one per call.
///
/// ```swift
/// let rngs = Rngs(params: 0, dropout: 1)
/// let drop = Dropout(0.1, rngs: rngs)
/// drop(x)               // training
/// drop.eval(); drop(x)  // == x
/// ```
public final class Dropout: Module, UnaryLayer {
    public let rate: Double
    /// Axes along which one mask value is shared (Flax `broadcast_dims`).
    public let broadcastAxes: [Int]
    private let rngs: Rngs

    public init(_ rate: Double, broadcastAxes: [Int] = [], rngs: Rngs) {
        precondition(rate >= 0 && rate <= 1, "Dropout rate \(rate) must be in [0, 1]")
        self.rate = rate
        self.broadcastAxes = broadcastAxes
        self.rngs = rngs
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard isTraining, rate > 0 else { return x }
        if rate == 1 { return x * 0 }
        var maskShape = x.shape
        for a in broadcastAxes { maskShape[a < 0 ? a + x.rank : a] = 1 }
        let keep = Tensor.bernoulli(rngs.dropout(), probability: 1 - rate, shape: maskShape)
        return Tensor.where(keep, x / (1 - rate), Tensor.zeros([], dtype: x.dtype))
    }
}
