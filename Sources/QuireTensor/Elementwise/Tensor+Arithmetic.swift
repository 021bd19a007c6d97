// The arithmetic operators. Each has three forms: tensor ⊕ tensor, tensor ⊕ scalar, scalar ⊕ tensor;
// Swift scalars are weakly typed (they adopt the tensor's dtype where their kind allows).

extension Tensor {
    /// Elementwise sum with broadcasting. `a + 1` and `1 + a` work with Swift numbers.
    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(AddKernel.self, a, b, op: "add") }
    public static func + (a: Tensor, b: some ScalarOperand) -> Tensor { a + a.weakScalar(b) }
    public static func + (a: some ScalarOperand, b: Tensor) -> Tensor { b.weakScalar(a) + b }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(SubKernel.self, a, b, op: "subtract") }
    public static func - (a: Tensor, b: some ScalarOperand) -> Tensor { a - a.weakScalar(b) }
    public static func - (a: some ScalarOperand, b: Tensor) -> Tensor { b.weakScalar(a) - b }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(MulKernel.self, a, b, op: "multiply") }
    public static func * (a: Tensor, b: some ScalarOperand) -> Tensor { a * a.weakScalar(b) }
    public static func * (a: some ScalarOperand, b: Tensor) -> Tensor { b.weakScalar(a) * b }

    /// Elementwise true division with broadcasting; integer operands give float32.
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(DivKernel.self, a, b, op: "divide") }
    public static func / (a: Tensor, b: some ScalarOperand) -> Tensor { a / a.weakScalar(b) }
    public static func / (a: some ScalarOperand, b: Tensor) -> Tensor { b.weakScalar(a) / b }

    /// Elementwise negation.
    public static prefix func - (a: Tensor) -> Tensor { a.unary(NegKernel.self) }

    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
    public static func /= (a: inout Tensor, b: Tensor) { a = a / b }
    public static func += (a: inout Tensor, b: some ScalarOperand) { a = a + b }
    public static func -= (a: inout Tensor, b: some ScalarOperand) { a = a - b }
    public static func *= (a: inout Tensor, b: some ScalarOperand) { a = a * b }
    public static func /= (a: inout Tensor, b: some ScalarOperand) { a = a / b }

    /// `self` raised to `exponent`, elementwise with broadcasting (float result).
    ///
    /// ```swift
    /// Tensor([1, 2, 3] as [Float]).pow(2)   // [1, 4, 9]
    /// ```
    public func pow(_ exponent: Tensor) -> Tensor { Tensor.binary(PowKernel.self, self, exponent, op: "pow") }
    public func pow(_ exponent: some ScalarOperand) -> Tensor { pow(weakScalar(exponent)) }

    /// Elementwise maximum with broadcasting (NaN propagates).
    public func maximum(_ other: Tensor) -> Tensor { Tensor.binary(MaximumKernel.self, self, other, op: "maximum") }
    public func maximum(_ other: some ScalarOperand) -> Tensor { maximum(weakScalar(other)) }

    /// Elementwise minimum with broadcasting (NaN propagates).
    public func minimum(_ other: Tensor) -> Tensor { Tensor.binary(MinimumKernel.self, self, other, op: "minimum") }
    public func minimum(_ other: some ScalarOperand) -> Tensor { minimum(weakScalar(other)) }

    /// Limits every element to `[lower, upper]`.
    ///
    /// ```swift
    /// x.clamped(to: -1...1)
    /// ```
    public func clamped(to range: ClosedRange<Double>) -> Tensor {
        maximum(range.lowerBound).minimum(range.upperBound)
    }

    /// Limits every element to `[lower, upper]` given as tensors (broadcast).
    public func clamped(min lower: Tensor, max upper: Tensor) -> Tensor { maximum(lower).minimum(upper) }
}
