#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tick positions at readable values (1, 2 or 5 × 10ᵏ apart, or powers of ten on a log axis) and their
/// labels: SI suffixes for large values (`2.5k`, `3M`), scientific notation for small ones (`3e-4`,
/// `1.5e-7`, never `300µ` or `312.1n`, which read badly for learning rates), and on a log axis plain
/// numbers from 0.01 to 9999 and scientific notation outside (`1e-4`, `2e-4`, `0.01`, `1e5`).
enum Ticks {
    /// Ticks inside `lo...hi`, about `target` of them and at least three when the span allows.
    static func linear(_ lo: Double, _ hi: Double, target: Int = 6) -> [Double] {
        var step = niceStep((hi - lo) / Double(max(1, target - 1)))
        guard step > 0, step.isFinite else { return [lo] }
        var ticks = multiples(of: step, in: lo, hi)
        while ticks.count < 3 {
            // The next smaller readable step: 5 → 2, 2 → 1, 1 → 0.5.
            let mantissa = step / pow(10, floor(log10(step)))
            step *= mantissa < 1.5 ? 0.5 : (mantissa < 3 ? 0.5 : 0.4)
            ticks = multiples(of: step, in: lo, hi)
        }
        return ticks
    }

    private static func multiples(of step: Double, in lo: Double, _ hi: Double) -> [Double] {
        let first = (lo / step - 1e-9).rounded(.up)
        let last = (hi / step + 1e-9).rounded(.down)
        guard last >= first else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let v = k * step
            return abs(v) < step * 1e-9 ? 0 : v    // no "-0"
        }
    }

    /// The smallest of 1, 2, 5 × 10ᵏ not below `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 0 }
        let magnitude = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * magnitude >= raw * (1 - 1e-9) { return m * magnitude }
        return 10 * magnitude
    }

    /// Ticks for a log axis over `lo...hi` (both > 0): powers of ten, with 2× and 5× when fewer than three
    /// powers of ten are visible.
    static func logarithmic(_ lo: Double, _ hi: Double) -> [Double] {
        let a = Int(floor(log10(lo) + 1e-9)), b = Int(ceil(log10(hi) - 1e-9))
        func visible(_ multiples: [Double]) -> [Double] {
            var out: [Double] = []
            for e in a...max(a, b) {
                let power: Double = pow(10, Double(e))
                for m in multiples {
                    let v = m * power
                    if v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { out.append(v) }
                }
            }
            return out
        }
        var ticks = visible([1])
        if ticks.count < 3 { ticks = visible([1, 2, 5]) }
        if ticks.count < 2 { return [lo, hi] }
        if ticks.count > 12 {   // many decades: every second or third power
            let keep = (ticks.count + 7) / 8
            ticks = ticks.enumerated().filter { $0.offset % keep == 0 }.map(\.element)
        }
        return ticks
    }

    private static let prefixes: [(Int, String)] = [(0, ""), (3, "k"), (6, "M"), (9, "G"), (12, "T")]

    /// Labels for `ticks` on a linear axis, with just enough decimals to tell neighbours apart. Values
    /// between 0.01 and 1000 are plain; larger ones share one SI prefix (`50k`); when every value is below
    /// 0.01 each is in scientific notation (`2e-4`, `2.5e-4`).
    static func labels(_ ticks: [Double]) -> [String] {
        let finite = ticks.filter(\.isFinite)
        let largest = finite.map(abs).max() ?? 0
        // Decimals from the smallest gap between neighbours (or the value itself when there is one tick).
        let gaps = zip(finite.dropFirst(), finite).map { abs($0 - $1) }.filter { $0 > 0 }
        let spacing = gaps.min() ?? max(largest, 1e-300)
        if largest > 0 && largest < 0.01 {
            return ticks.map { scientific($0, resolution: spacing) }
        }
        var exponent = 0
        if largest >= 1000 { exponent = min(12, Int(floor(log10(largest) / 3)) * 3) }
        let unit = pow(10, Double(exponent))
        let suffix = prefixes.first { $0.0 == exponent }?.1 ?? ""
        return ticks.map { v in format(v / unit, resolution: spacing / unit) + (v == 0 ? "" : suffix) }
    }

    /// Labels for ticks on a log axis: plain from 0.01 to 9999, scientific notation outside
    /// (`1e-4`, `2e-4`, `1e5`), each value on its own (neighbours are far apart).
    static func logLabels(_ ticks: [Double]) -> [String] {
        ticks.map { v in
            guard v.isFinite, v != 0 else { return "\(v == 0 ? "0" : "\(v)")" }
            let resolution = pow(10, floor(log10(abs(v))) - 2)   // three significant digits at most
            return abs(v) >= 0.01 && abs(v) < 10_000 ? format(v, resolution: resolution) : scientific(v, resolution: resolution)
        }
    }

    /// `v` as a mantissa from 1 to 9.99… and a power of ten, `3e-4`, `-1.25e-7`, `2e5`, the mantissa with
    /// the decimals `resolution` (in units of `v`) needs and trailing zeros dropped; 0 is `0`.
    static func scientific(_ v: Double, resolution: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        guard v != 0 else { return "0" }
        var e = Int(floor(log10(abs(v))))
        var unit = pow(10, Double(e))
        var mantissa = format(v / unit, resolution: resolution / unit)
        if mantissa == "10" || mantissa == "-10" {   // 9.996e-5 rounded up to the next power
            e += 1; unit *= 10
            mantissa = format(v / unit, resolution: resolution / unit)
        }
        return mantissa + "e" + String(e)
    }

    /// One value with the decimals its neighbours' spacing needs, trailing zeros dropped.
    static func format(_ v: Double, resolution: Double) -> String {
        var decimals = max(0, Int(ceil(-log10(resolution) - 1e-9)))
        // A spacing like 2.5 needs one more decimal than its magnitude says.
        while decimals < 8, abs((resolution * pow(10, Double(decimals))).rounded() - resolution * pow(10, Double(decimals))) > 1e-6 {
            decimals += 1
        }
        var text = fixed(v, decimals: decimals)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// `v` with `decimals` digits after the point, without Foundation.
    static func fixed(_ v: Double, decimals: Int) -> String {
        let scaled = (abs(v) * pow(10, Double(decimals))).rounded()
        guard scaled < 9e15 else { return "\(v)" }
        var digits = String(Int64(scaled))
        if decimals > 0 {
            if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -decimals))
        }
        return (v < 0 && scaled != 0 ? "-" : "") + digits
    }

    /// A short label for one value (legend and marker annotations): four significant digits, with an SI
    /// prefix from 1000 up and in scientific notation below 0.01 (`3.121e-7`).
    static func short(_ v: Double) -> String {
        guard v.isFinite else { return "\(v)" }
        guard v != 0 else { return "0" }
        let magnitude = floor(log10(abs(v)))
        if abs(v) < 0.01 { return scientific(v, resolution: pow(10, magnitude - 3)) }
        var exponent = 0
        if abs(v) >= 1000 { exponent = min(12, Int(floor(magnitude / 3)) * 3) }
        let unit = pow(10, Double(exponent))
        let suffix = prefixes.first { $0.0 == exponent }?.1 ?? ""
        return format(v / unit, resolution: pow(10, magnitude - 3) / unit) + suffix
    }
}
