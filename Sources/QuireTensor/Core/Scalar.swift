/// A Swift type that can be the element type of a ``Tensor``.
///
/// `Float`, `Double`, `Float16`, ``BFloat16``, `Int32`, `Int8`, `UInt8` and `Bool` conform.
public protocol TensorScalar: Sendable {
    static var dtype: DType { get }
    /// Converts a value, rounding to nearest-even for floats; for integers truncating toward zero and
    /// saturating at the type's range, with NaN becoming 0; for Bool, any non-zero value is `true`.
    init(converting value: Double)
    var doubleValue: Double { get }
}

extension Float: TensorScalar {
    public static var dtype: DType { .float32 }
    @inlinable public init(converting value: Double) { self = Float(value) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Double: TensorScalar {
    public static var dtype: DType { .float64 }
    @inlinable public init(converting value: Double) { self = value }
    @inlinable public var doubleValue: Double { self }
}

extension Float16: TensorScalar {
    public static var dtype: DType { .float16 }
    @inlinable public init(converting value: Double) { self = Float16(value) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension BFloat16: TensorScalar {
    public static var dtype: DType { .bfloat16 }
    public init(converting value: Double) { self = BFloat16(Float(value)) }
    public var doubleValue: Double { Double(Float(self)) }
}

@inlinable func saturatingInteger<I: FixedWidthInteger>(_ value: Double, as: I.Type) -> I {
    if value.isNaN { return 0 }
    let t = value.rounded(.towardZero)
    if t <= Double(I.min) { return I.min }
    if t >= Double(I.max) { return I.max }
    return I(t)
}

extension Int32: TensorScalar {
    public static var dtype: DType { .int32 }
    @inlinable public init(converting value: Double) { self = saturatingInteger(value, as: Int32.self) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Int8: TensorScalar {
    public static var dtype: DType { .int8 }
    @inlinable public init(converting value: Double) { self = saturatingInteger(value, as: Int8.self) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension UInt8: TensorScalar {
    public static var dtype: DType { .uint8 }
    @inlinable public init(converting value: Double) { self = saturatingInteger(value, as: UInt8.self) }
    @inlinable public var doubleValue: Double { Double(self) }
}

extension Bool: TensorScalar {
    public static var dtype: DType { .bool }
    @inlinable public init(converting value: Double) { self = value != 0 }
    @inlinable public var doubleValue: Double { self ? 1 : 0 }
}

/// A plain Swift number used beside a tensor in arithmetic (`x * 0.5`, `x + 1`, `lr * g`).
///
/// Such scalars are *weakly typed*, as in JAX: they take the tensor's dtype when their kind
/// (integer or float) allows, so `halfTensor * 0.5` stays float16.
public protocol ScalarOperand {
    var operandValue: Double { get }
    var isIntegral: Bool { get }
}

extension Double: ScalarOperand {
    public var operandValue: Double { self }
    public var isIntegral: Bool { false }
}
extension Float: ScalarOperand {
    public var operandValue: Double { Double(self) }
    public var isIntegral: Bool { false }
}
extension Int: ScalarOperand {
    public var operandValue: Double { Double(self) }
    public var isIntegral: Bool { true }
}
extension Int32: ScalarOperand {
    public var operandValue: Double { Double(self) }
    public var isIntegral: Bool { true }
}
