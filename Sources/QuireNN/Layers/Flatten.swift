import QuireTensor

/// Merges axes `startAxis...endAxis` into one, by default every axis but the batch axis, as PyTorch's
/// `nn.Flatten` and Flax's `x.reshape((x.shape[0], -1))` do; the bridge from convolutions to ``Linear``.
/// Negative axes count from the end. A view when the layout allows.
///
/// ```swift
/// Flatten()(Tensor.zeros([32, 7, 7, 16])).shape                // [32, 784]
/// Flatten(startAxis: 2)(Tensor.zeros([32, 7, 7, 16])).shape    // [32, 7, 112]
/// ```
public final class Flatten: Module, UnaryLayer {
    public let startAxis: Int, endAxis: Int
    public init(startAxis: Int = 1, endAxis: Int = -1) {
        self.startAxis = startAxis; self.endAxis = endAxis
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.flattened(from: startAxis, to: endAxis) }
}
