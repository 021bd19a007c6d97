import QuireTensor

/// What a ``Param`` box holds, and the filter that selects it.
public enum ParamKind: String, Sendable, CaseIterable {
    /// A trainable parameter (weights, biases): differentiated and updated by optimizers. The same word as
    /// ``ParamFilter/trainable``, which selects these.
    case trainable
    /// Non-trainable state the layer updates itself (batch-norm running statistics).
    case buffer
    /// A parameter held fixed: saved and loaded, never differentiated.
    case frozen
}

/// A set of ``ParamKind``s, the filter for ``Module/state(_:)``, ``Module/parameters(_:)`` and
/// ``valueAndGrad(of:filter:_:)``.
///
/// ```swift
/// model.state(.trainable)            // weights and biases
/// model.state([.trainable, .buffer]) // plus batch-norm statistics
/// model.state()                      // everything (.all)
/// ```
public struct ParamFilter: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let trainable = ParamFilter(rawValue: 1)
    public static let buffer = ParamFilter(rawValue: 2)
    public static let frozen = ParamFilter(rawValue: 4)
    public static let all: ParamFilter = [.trainable, .buffer, .frozen]

    /// Whether a box of this kind passes the filter.
    public func matches(_ kind: ParamKind) -> Bool {
        switch kind {
        case .trainable: return contains(.trainable)
        case .buffer: return contains(.buffer)
        case .frozen: return contains(.frozen)
        }
    }
}

/// A box holding one tensor of a module: its value and its kind.
///
/// Layers keep their tensors in `Param`s (`let weight: Param`) so that reflection finds them and
/// optimizers, checkpoints and gradients address them by dotted path. Replace the *value*, never the box.
///
/// ```swift
/// final class Scale: Module {
///     let factor = Param(Tensor.ones([3]))
///     func callAsFunction(_ x: Tensor) -> Tensor { x * factor.value }
/// }
/// ```
public final class Param: @unchecked Sendable, CustomStringConvertible {
    /// The tensor.
    public var value: Tensor
    /// Trainable parameter, buffer or frozen.
    public var kind: ParamKind

    public init(_ value: Tensor, kind: ParamKind = .trainable) {
        self.value = value
        self.kind = kind
    }

    /// A buffer (non-trainable state such as running statistics).
    public static func buffer(_ value: Tensor) -> Param { Param(value, kind: .buffer) }

    public var shape: [Int] { value.shape }
    public var dtype: DType { value.dtype }

    public var description: String { "Param(\(kind), \(value.shape), \(value.dtype))" }
}
