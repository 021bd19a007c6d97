import QuireTensor

/// Builds the layer list of a ``Sequential``.
@resultBuilder
public enum LayerBuilder {
    public static func buildExpression(_ layer: any UnaryLayer) -> [any UnaryLayer] { [layer] }
    public static func buildExpression(_ layers: [any UnaryLayer]) -> [any UnaryLayer] { layers }
    public static func buildBlock(_ parts: [any UnaryLayer]...) -> [any UnaryLayer] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any UnaryLayer]?) -> [any UnaryLayer] { part ?? [] }
    public static func buildEither(first: [any UnaryLayer]) -> [any UnaryLayer] { first }
    public static func buildEither(second: [any UnaryLayer]) -> [any UnaryLayer] { second }
    public static func buildArray(_ parts: [[any UnaryLayer]]) -> [any UnaryLayer] { parts.flatMap { $0 } }
}

/// Layers applied in order; paths are `layers.0.…`, `layers.1.…`.
///
/// ```swift
/// let rngs = Rngs(0)
/// let model = Sequential {
///     Linear(64, 256, rngs: rngs)
///     Activation.relu
///     for _ in 0..<2 { Linear(256, 256, rngs: rngs); Activation.relu }
///     Linear(256, 10, rngs: rngs)
/// }
/// model(x).shape   // [batch, 10]
/// ```
public final class Sequential: Module, UnaryLayer {
    public let layers: [Module]

    public init(@LayerBuilder _ build: () -> [any UnaryLayer]) {
        layers = build()
    }

    public init(_ layers: [any UnaryLayer]) {
        self.layers = layers
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        layers.reduce(x) { ($1 as! any UnaryLayer)($0) }
    }
}
