#if canImport(Glibc)
import Glibc
#endif
import Foundation
internal import CQuireFused

// One struct per elementwise function: its float32, float64 and int32 forms.

enum AddKernel: BinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float { a + b }
    static func apply(_ a: Double, _ b: Double) -> Double { a + b }
    static func apply(_ a: Int32, _ b: Int32) -> Int32? { a &+ b }
    static var integerSupported: Bool { true }
}
enum SubKernel: BinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float { a - b }
    static func apply(_ a: Double, _ b: Double) -> Double { a - b }
    static func apply(_ a: Int32, _ b: Int32) -> Int32? { a &- b }
    static var integerSupported: Bool { true }
}
enum MulKernel: BinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float { a * b }
    static func apply(_ a: Double, _ b: Double) -> Double { a * b }
    static func apply(_ a: Int32, _ b: Int32) -> Int32? { a &* b }
    static var integerSupported: Bool { true }
}
enum DivKernel: BinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float { a / b }
    static func apply(_ a: Double, _ b: Double) -> Double { a / b }
    static func apply(_ a: Int32, _ b: Int32) -> Int32? { nil }
    static var integerSupported: Bool { false }
}
enum PowKernel: BinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float { powf(a, b) }
    static func apply(_ a: Double, _ b: Double) -> Double { Foundation.pow(a, b) }
    static func apply(_ a: Int32, _ b: Int32) -> Int32? { nil }
    static var integerSupported: Bool { false }
}
enum MaximumKernel: BinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float { (a.isNaN || a > b) ? a : b }
    static func apply(_ a: Double, _ b: Double) -> Double { (a.isNaN || a > b) ? a : b }
    static func apply(_ a: Int32, _ b: Int32) -> Int32? { a > b ? a : b }
    static var integerSupported: Bool { true }
}
enum MinimumKernel: BinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float { (a.isNaN || a < b) ? a : b }
    static func apply(_ a: Double, _ b: Double) -> Double { (a.isNaN || a < b) ? a : b }
    static func apply(_ a: Int32, _ b: Int32) -> Int32? { a < b ? a : b }
    static var integerSupported: Bool { true }
}
/// ReLU's gradient in one pass: `b` where `a > 0`, else 0 (`a` is ReLU's input, `b` the incoming gradient).
/// Not differentiable itself; the VJP rule uses it only outside a trace.
enum ReluGradientKernel: BinaryKernel {
    static func apply(_ a: Float, _ b: Float) -> Float { a > 0 ? b : 0 }
    static func apply(_ a: Double, _ b: Double) -> Double { a > 0 ? b : 0 }
    static func apply(_ a: Int32, _ b: Int32) -> Int32? { a > 0 ? b : 0 }
    static var integerSupported: Bool { true }
}

enum NegKernel: UnaryKernel {
    static func apply(_ x: Float) -> Float { -x }
    static func apply(_ x: Double) -> Double { -x }
    static func apply(_ x: Int32) -> Int32 { 0 &- x }
    static var integerSupported: Bool { true }
}
enum AbsKernel: UnaryKernel {
    static func apply(_ x: Float) -> Float { Swift.abs(x) }
    static func apply(_ x: Double) -> Double { Swift.abs(x) }
    static func apply(_ x: Int32) -> Int32 { x < 0 ? 0 &- x : x }
    static var integerSupported: Bool { true }
}
enum SignKernel: UnaryKernel {
    static func apply(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : x) }
    static func apply(_ x: Double) -> Double { x > 0 ? 1 : (x < 0 ? -1 : x) }
    static func apply(_ x: Int32) -> Int32 { x > 0 ? 1 : (x < 0 ? -1 : 0) }
    static var integerSupported: Bool { true }
}
enum SquareKernel: UnaryKernel {
    static func apply(_ x: Float) -> Float { x * x }
    static func apply(_ x: Double) -> Double { x * x }
    static func apply(_ x: Int32) -> Int32 { x &* x }
    static var integerSupported: Bool { true }
}
enum ReluKernel: UnaryKernel {
    static func apply(_ x: Float) -> Float { (x.isNaN || x > 0) ? x : 0 }
    static func apply(_ x: Double) -> Double { (x.isNaN || x > 0) ? x : 0 }
    static func apply(_ x: Int32) -> Int32 { x > 0 ? x : 0 }
    static var integerSupported: Bool { true }
}

/// A float-only function: integer inputs are promoted to float32.
protocol FloatUnaryKernel: UnaryKernel {}
extension FloatUnaryKernel {
    static func apply(_ x: Int32) -> Int32 { 0 }
    static var integerSupported: Bool { false }
}

enum ExpKernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { fastExp(x) }
    static func apply(_ x: Double) -> Double { Foundation.exp(x) }
}
enum LogKernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { fastLog(x) }
    static func apply(_ x: Double) -> Double { Foundation.log(x) }
}
enum Log1pKernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { log1pf(x) }
    static func apply(_ x: Double) -> Double { Foundation.log1p(x) }
}
enum Expm1Kernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { expm1f(x) }
    static func apply(_ x: Double) -> Double { Foundation.expm1(x) }
}
enum SqrtKernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { x.squareRoot() }
    static func apply(_ x: Double) -> Double { x.squareRoot() }
}
enum RsqrtKernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { 1 / x.squareRoot() }
    static func apply(_ x: Double) -> Double { 1 / x.squareRoot() }
}
enum SinKernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { sinf(x) }
    static func apply(_ x: Double) -> Double { Foundation.sin(x) }
}
enum CosKernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { cosf(x) }
    static func apply(_ x: Double) -> Double { Foundation.cos(x) }
}
enum TanhKernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { fastTanh(x) }
    static func apply(_ x: Double) -> Double { Foundation.tanh(x) }
}
enum SigmoidKernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { fastSigmoid(x) }
    static func apply(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
}
enum SiluKernel: FloatUnaryKernel {
    static func apply(_ x: Float) -> Float { x * fastSigmoid(x) }
    static func apply(_ x: Double) -> Double { x / (1 + Foundation.exp(-x)) }
}
enum SoftplusKernel: FloatUnaryKernel {
    // max(x, 0) + log1p(exp(-|x|)): no overflow for large x, exact tail for very negative x.
    static func apply(_ x: Float) -> Float { Swift.max(x, 0) + log1pf(fastExp(-Swift.abs(x))) }
    static func apply(_ x: Double) -> Double { Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))) }
}
enum GeluTanhKernel: FloatUnaryKernel {
    // 0.5·(1 + tanh(y)) = sigmoid(2y): the same function without cancellation in the negative tail.
    // float32 calls the C pieces the fused loops use (CQuireFused), so every path gives the same bits.
    static func apply(_ x: Float) -> Float { x * quire_gelu_sigmoid_f32(x) }
    static func apply(_ x: Double) -> Double {
        x / (1 + Foundation.exp(-2 * 0.7978845608028654 * (x + 0.044715 * x * x * x)))
    }
}
enum GeluErfKernel: FloatUnaryKernel {
    // 1 + erf(z) = erfc(-z), accurate in the negative tail.
    static func apply(_ x: Float) -> Float { 0.5 * x * erfcf(-x * 0.70710678118654752) }
    static func apply(_ x: Double) -> Double { 0.5 * x * Foundation.erfc(-x * 0.70710678118654752) }
}

enum EqualKernel: CompareKernel {
    static func apply(_ a: Float, _ b: Float) -> Bool { a == b }
    static func apply(_ a: Double, _ b: Double) -> Bool { a == b }
    static func apply(_ a: Int32, _ b: Int32) -> Bool { a == b }
}
enum NotEqualKernel: CompareKernel {
    static func apply(_ a: Float, _ b: Float) -> Bool { a != b }
    static func apply(_ a: Double, _ b: Double) -> Bool { a != b }
    static func apply(_ a: Int32, _ b: Int32) -> Bool { a != b }
}
enum LessKernel: CompareKernel {
    static func apply(_ a: Float, _ b: Float) -> Bool { a < b }
    static func apply(_ a: Double, _ b: Double) -> Bool { a < b }
    static func apply(_ a: Int32, _ b: Int32) -> Bool { a < b }
}
enum LessEqualKernel: CompareKernel {
    static func apply(_ a: Float, _ b: Float) -> Bool { a <= b }
    static func apply(_ a: Double, _ b: Double) -> Bool { a <= b }
    static func apply(_ a: Int32, _ b: Int32) -> Bool { a <= b }
}
enum GreaterKernel: CompareKernel {
    static func apply(_ a: Float, _ b: Float) -> Bool { a > b }
    static func apply(_ a: Double, _ b: Double) -> Bool { a > b }
    static func apply(_ a: Int32, _ b: Int32) -> Bool { a > b }
}
enum GreaterEqualKernel: CompareKernel {
    static func apply(_ a: Float, _ b: Float) -> Bool { a >= b }
    static func apply(_ a: Double, _ b: Double) -> Bool { a >= b }
    static func apply(_ a: Int32, _ b: Int32) -> Bool { a >= b }
}
/// Logical and/or on bool tensors go through int32: nonzero is true.
enum AndKernel: CompareKernel {
    static func apply(_ a: Float, _ b: Float) -> Bool { a != 0 && b != 0 }
    static func apply(_ a: Double, _ b: Double) -> Bool { a != 0 && b != 0 }
    static func apply(_ a: Int32, _ b: Int32) -> Bool { a != 0 && b != 0 }
}
enum OrKernel: CompareKernel {
    static func apply(_ a: Float, _ b: Float) -> Bool { a != 0 || b != 0 }
    static func apply(_ a: Double, _ b: Double) -> Bool { a != 0 || b != 0 }
    static func apply(_ a: Int32, _ b: Int32) -> Bool { a != 0 || b != 0 }
}
