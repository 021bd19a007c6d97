// Branch-free float32 approximations of exp, log and tanh that the compiler vectorizes (no libm
// calls inside the loop). Range reduction and polynomial coefficients are the classic Cephes ones;
// accuracy is within 2 ulp over the whole range, checked against float64 in the tests.

@usableFromInline let ln2Hi: Float = 0.693359375
@usableFromInline let ln2Lo: Float = -2.12194440e-4

/// e^x for float32, vectorizable. Overflows to +inf above 88.72, underflows through subnormals to 0.
@inline(__always) @usableFromInline
func fastExp(_ x: Float) -> Float {
    let xc = x.isNaN ? 0 : Swift.min(Swift.max(x, -104), 89)
    // Round x·log2(e) to an integer with the 1.5·2^23 trick: no float-to-int conversion (which would
    // need a range check) and the integer sits in the low mantissa bits.
    let magic: Float = 12582912
    let t = xc * 1.44269504088896341 + magic
    let n = t - magic
    let ni = Int32(bitPattern: t.bitPattern) &- 0x4B40_0000
    let r = xc - n * ln2Hi - n * ln2Lo
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let e = p * r * r + r + 1
    // Scale by 2^n in two steps so that n in [-150, 129] never leaves the normal exponent range.
    let half = ni >> 1
    let s1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) << 23))
    let s2 = Float(bitPattern: UInt32(bitPattern: (ni &- half &+ 127) << 23))
    let y = e * s1 * s2
    return x.isNaN ? x : y
}

/// Natural log for float32, vectorizable. log(0) = -inf, log(negative) = NaN, log(inf) = inf.
@inline(__always) @usableFromInline
func fastLog(_ x: Float) -> Float {
    // Bring subnormals into the normal range first.
    let tiny = x < Float.leastNormalMagnitude
    let xs = tiny ? x * 8388608 : x
    let bits = Int32(bitPattern: xs.bitPattern)
    var e = Float((bits >> 23) &- 127) - (tiny ? 23 : 0)
    var m = Float(bitPattern: UInt32(bitPattern: (bits & 0x007F_FFFF) | 0x3F80_0000))   // [1, 2)
    let big = m > 1.41421356
    m = big ? m * 0.5 : m
    e = big ? e + 1 : e
    let f = m - 1
    let z = f * f
    var p: Float = 7.0376836292e-2
    p = p * f - 1.1514610310e-1
    p = p * f + 1.1676998740e-1
    p = p * f - 1.2420140846e-1
    p = p * f + 1.4249322787e-1
    p = p * f - 1.6668057665e-1
    p = p * f + 2.0000714765e-1
    p = p * f - 2.4999993993e-1
    p = p * f + 3.3333331174e-1
    var y = f * z * p
    y += e * ln2Lo
    y -= 0.5 * z
    y = f + y + e * ln2Hi
    y = x == 0 ? -Float.infinity : y
    y = x == Float.infinity ? x : y
    return (x < 0 || x.isNaN) ? Float.nan : y
}

/// tanh for float32, vectorizable: an odd polynomial near zero, 1 - 2/(e^{2|x|} + 1) beyond.
@inline(__always) @usableFromInline
func fastTanh(_ x: Float) -> Float {
    let a = Swift.abs(x)
    let z = x * x
    var p: Float = -5.70498872745e-3
    p = p * z + 2.06390887954e-2
    p = p * z - 5.37397155531e-2
    p = p * z + 1.33314422036e-1
    p = p * z - 3.33332819422e-1
    let small = p * z * x + x
    let t = 1 - 2 / (fastExp(2 * Swift.min(a, 20)) + 1)
    let large = x < 0 ? -t : t
    return a < 0.625 ? small : large
}

/// 1 / (1 + e^{-x}) for float32, vectorizable.
@inline(__always) @usableFromInline
func fastSigmoid(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) }
