// Special functions on Double that the distributions need and Foundation lacks: digamma, trigamma and the
// regularized lower incomplete gamma function P(a, x). Accurate to ~1e-14 relative for positive arguments.

import Foundation

enum ScalarSpecial {
    /// ψ(x) = d/dx log Γ(x). Reflection below 0, recurrence up to x ≥ 10, then the asymptotic series.
    static func digamma(_ x: Double) -> Double {
        if x.isNaN || x == -.infinity { return .nan }
        if x == .infinity { return .infinity }
        if x <= 0 {
            if x == x.rounded(.down) { return .nan }   // poles at 0, -1, -2, …
            return digamma(1 - x) - Double.pi / Foundation.tan(Double.pi * x)
        }
        var v = x, acc = 0.0
        while v < 10 { acc -= 1 / v; v += 1 }
        let r = 1 / (v * v)
        // ψ(v) ~ log v - 1/(2v) - Σ B₂ₖ/(2k v^{2k})
        let series = r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132)))))
        return acc + Foundation.log(v) - 0.5 / v - series
    }

    /// ψ'(x), the derivative of ``digamma(_:)``.
    static func trigamma(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x <= 0 {
            if x == x.rounded(.down) { return .nan }
            let s = Foundation.sin(Double.pi * x)
            return -trigamma(1 - x) + Double.pi * Double.pi / (s * s)
        }
        var v = x, acc = 0.0
        while v < 10 { acc += 1 / (v * v); v += 1 }
        let r = 1 / (v * v)
        // ψ'(v) ~ 1/v + 1/(2v²) + Σ B₂ₖ/v^{2k+1}
        let series = (1.0 / 6 - r * (1.0 / 30 - r * (1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66))))) / (v * v * v)
        return acc + 1 / v + 0.5 * r + series
    }

    /// ψ''(x), the derivative of ``trigamma(_:)`` (positive x; NaN elsewhere).
    static func tetragamma(_ x: Double) -> Double {
        guard x > 0 else { return .nan }
        var v = x, acc = 0.0
        while v < 10 { acc -= 2 / (v * v * v); v += 1 }
        let r = 1 / (v * v)
        // ψ''(v) ~ −1/v² − 1/v³ − Σ B₂ₖ(2k + 1)/v^{2k+2}
        let series = (0.5 - r * (1.0 / 6 - r * (1.0 / 6 - r * (3.0 / 10 - r * (5.0 / 6))))) * r * r
        return acc - r - r / v - series
    }

    /// log Γ(x) (glibc's `lgamma_r`, which is thread-safe unlike `lgamma`).
    static func logGamma(_ x: Double) -> Double {
        var sign: Int32 = 0
        return lgamma_r(x, &sign)
    }

    /// The regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a), for a > 0, x ≥ 0:
    /// the series below x < a + 1, the continued fraction (modified Lentz) above.
    static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x == .infinity { return 1 }
        let logPrefix = a * Foundation.log(x) - x - logGamma(a)
        if x < a + 1 {
            var term = 1 / a, sum = term, n = a
            for _ in 0..<10_000 {
                n += 1
                term *= x / n
                sum += term
                if Swift.abs(term) < Swift.abs(sum) * 1e-17 { break }
            }
            return sum * Foundation.exp(logPrefix)
        }
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if Swift.abs(d) < tiny { d = tiny }
            c = b + an / c
            if Swift.abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if Swift.abs(delta - 1) < 1e-16 { break }
        }
        return 1 - Foundation.exp(logPrefix) * h
    }

    /// ∂z/∂a for a standard Gamma(a) sample z held at a fixed CDF value (implicit reparameterization):
    /// −(∂P/∂a)(a, z) / p(z; a). ∂P/∂a is a central difference in a with a step of 1e-5·max(1, a),
    /// accurate to ~1e-9 relative since P is smooth in a.
    static func gammaSampleDerivative(concentration a: Double, sample z: Double) -> Double {
        guard z > 0, a > 0 else { return 0 }
        let h = 1e-5 * Swift.max(1, a)
        let lower = Swift.max(a - h, a / 2)
        let dPda = (regularizedGammaP(a + h, z) - regularizedGammaP(lower, z)) / (a + h - lower)
        let logDensity = (a - 1) * Foundation.log(z) - z - logGamma(a)
        return -dPda / Foundation.exp(logDensity)
    }
}
