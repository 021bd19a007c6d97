import QuireTensor

/// A multilayer perceptron: ``Linear`` layers with an activation between them (none after the last).
///
/// ```swift
/// let mlp = MLP([64, 256, 256, 10], rngs: Rngs(0))          // ReLU
/// let g = MLP([8, 32, 8], activation: { $0.gelu() }, rngs: Rngs(0))
/// mlp(Tensor.zeros([128, 64])).shape                          // [128, 10]
/// ```
public final class MLP: Module, UnaryLayer {
    public let layers: [Linear]
    private let activation: @Sendable (Tensor) -> Tensor

    /// `sizes` lists the feature counts: input, hidden…, output.
    public init(_ sizes: [Int], activation: @escaping @Sendable (Tensor) -> Tensor = { $0.relu() },
                useBias: Bool = true, dtype: DType = .float32, rngs: Rngs) {
        precondition(sizes.count >= 2, "MLP needs at least an input and an output size")
        layers = (0..<(sizes.count - 1)).map { Linear(sizes[$0], sizes[$0 + 1], useBias: useBias, dtype: dtype, rngs: rngs) }
        self.activation = activation
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h)
            if i < layers.count - 1 { h = activation(h) }
        }
        return h
    }
}
