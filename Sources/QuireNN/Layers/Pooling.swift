import QuireTensor

/// Max pooling over the spatial axes of a channels-last batch `[N, H, W, C]`.
///
/// ```swift
/// MaxPool2D(window: 2, stride: 2)(Tensor.zeros([1, 8, 8, 3])).shape   // [1, 4, 4, 3]
/// ```
public final class MaxPool2D: Module, UnaryLayer {
    public let window: [Int], stride: [Int]
    public let padding: ConvPadding
    public init(window: Int, stride: Int? = nil, padding: ConvPadding = .valid) {
        self.window = [window, window]; self.stride = [stride ?? window, stride ?? window]; self.padding = padding
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.maxPool2d(window: window, stride: stride, padding: padding) }
}

/// Average pooling over the spatial axes of `[N, H, W, C]`.
///
/// ```swift
/// AvgPool2D(window: 2)(Tensor.zeros([1, 8, 8, 3])).shape   // [1, 4, 4, 3]
/// ```
public final class AvgPool2D: Module, UnaryLayer {
    public let window: [Int], stride: [Int]
    public let padding: ConvPadding
    public init(window: Int, stride: Int? = nil, padding: ConvPadding = .valid) {
        self.window = [window, window]; self.stride = [stride ?? window, stride ?? window]; self.padding = padding
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.avgPool2d(window: window, stride: stride, padding: padding) }
}

/// Max pooling over the length axis of `[N, W, C]`.
public final class MaxPool1D: Module, UnaryLayer {
    public let window: Int, stride: Int
    public let padding: ConvPadding
    public init(window: Int, stride: Int? = nil, padding: ConvPadding = .valid) {
        self.window = window; self.stride = stride ?? window; self.padding = padding
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.maxPool1d(window: window, stride: stride, padding: padding) }
}

/// Average pooling over the length axis of `[N, W, C]`.
public final class AvgPool1D: Module, UnaryLayer {
    public let window: Int, stride: Int
    public let padding: ConvPadding
    public init(window: Int, stride: Int? = nil, padding: ConvPadding = .valid) {
        self.window = window; self.stride = stride ?? window; self.padding = padding
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.avgPool1d(window: window, stride: stride, padding: padding) }
}
