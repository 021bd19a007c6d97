#if canImport(Glibc)
import Glibc
#endif

extension Float {
    /// `self * b + c` rounded as a fused multiply-add would be: the product is exact in Double, so
    /// only the final rounding to Float matters (a double-rounding tie can, very rarely, differ from a
    /// true FMA by one ulp). Much faster than `addingProduct`, which is a libm call on baseline x86-64.
    @inline(__always) func fma(_ b: Float, _ c: Float) -> Float { Float(Double(self) * Double(b) + Double(c)) }
}

// The inverse error function, used to turn uniform samples into normal ones (z = √2·erfinv(u)).
//
// Single precision follows M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011):
// with w = -log(1 - x²), a degree-8 polynomial in w - 2.5 for w < 5 (|x| ≲ 0.9966) and one in
// √w - 3 for the tails, times x. XLA evaluates the same formula for float32, so float32 normals agree
// with JAX's to within 3 ulps (99% exactly). Double precision starts from the same formula, evaluated
// in Double, and polishes it with Newton steps on erf (or erfc for |x| > 0.5, where 1 - |x| is exact);
// it is accurate to an ulp or so, which XLA's float64 erfinv is not in the far tails.

/// erfinv for Float: ±1 gives ±infinity, |x| > 1 gives NaN. The polynomial steps are fused
/// multiply-adds, as in XLA's CPU code: with them, about 99% of float32 normals equal JAX's bit for bit
/// (the rest differ in the last place, from log1p).
@inline(__always)
func erfinvFloat(_ x: Float) -> Float {
    let w = -log1pf(-x * x)
    var p: Float
    if w < 5 {
        let t = w - 2.5
        p = 2.81022636e-08
        p = p.fma(t, 3.43273939e-07)
        p = p.fma(t, -3.5233877e-06)
        p = p.fma(t, -4.39150654e-06)
        p = p.fma(t, 0.00021858087)
        p = p.fma(t, -0.00125372503)
        p = p.fma(t, -0.00417768164)
        p = p.fma(t, 0.246640727)
        p = p.fma(t, 1.50140941)
    } else {
        let t = w.squareRoot() - 3
        p = -0.000200214257
        p = p.fma(t, 0.000100950558)
        p = p.fma(t, 0.00134934322)
        p = p.fma(t, -0.00367342844)
        p = p.fma(t, 0.00573950773)
        p = p.fma(t, -0.0076224613)
        p = p.fma(t, 0.00943887047)
        p = p.fma(t, 1.00167406)
        p = p.fma(t, 2.83297682)
    }
    if Swift.abs(x) == 1 { return x * .infinity }
    return p * x
}

/// erfinv for Double, accurate to a few ulps: ±1 gives ±infinity, |x| > 1 gives NaN.
func erfinvDouble(_ x: Double) -> Double {
    let a = Swift.abs(x)
    if a > 1 || x.isNaN { return .nan }
    if a == 1 { return x * .infinity }
    if a == 0 { return x }
    // Giles' single-precision formula in Double as the starting point (relative error ~1e-7).
    let w = -log((1 - a) * (1 + a))
    var p: Double
    if w < 5 {
        let t = w - 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * t
        p = -3.5233877e-06 + p * t
        p = -4.39150654e-06 + p * t
        p = 0.00021858087 + p * t
        p = -0.00125372503 + p * t
        p = -0.00417768164 + p * t
        p = 0.246640727 + p * t
        p = 1.50140941 + p * t
    } else {
        let t = w.squareRoot() - 3
        p = -0.000200214257
        p = 0.000100950558 + p * t
        p = 0.00134934322 + p * t
        p = -0.00367342844 + p * t
        p = 0.00573950773 + p * t
        p = -0.0076224613 + p * t
        p = 0.00943887047 + p * t
        p = 1.00167406 + p * t
        p = 2.83297682 + p * t
    }
    var y = p * a
    // Newton on erf(y) = a (d/dy erf = 2/√π·e^{-y²}); in the upper half on erfc(y) = 1 - a, whose
    // right-hand side is exact there, so the tails keep full relative accuracy. The error squares
    // each step, so once a step is below 1e-9·y the next error is below an ulp and we stop: two steps
    // from the usual ~1e-6 start, a few more far out in the tails (|x| > 1 - 1e-7), where the float
    // formula was never fitted.
    let twoOverSqrtPi = 1.1283791670955126
    for _ in 0..<40 {
        let slope = twoOverSqrtPi * exp(-y * y)
        let step = a <= 0.5 ? -(erf(y) - a) / slope : (erfc(y) - (1 - a)) / slope
        y += step
        if Swift.abs(step) <= 1e-9 * y { break }
    }
    return x < 0 ? -y : y
}
