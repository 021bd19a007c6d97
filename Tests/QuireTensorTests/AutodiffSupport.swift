import XCTest
@testable import QuireTensor

/// A small deterministic generator for test shapes and values.
struct TestRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func bool() -> Bool { next() & 1 == 1 }
    /// A float64 tensor with entries in [lo, hi], each at least `gap` away from 0 in magnitude when given.
    mutating func tensor(_ shape: [Int], _ lo: Double = -2, _ hi: Double = 2, awayFromZero gap: Double = 0) -> Tensor {
        let n = shape.reduce(1, *)
        let values = (0..<n).map { _ -> Double in
            var v = uniform(lo, hi)
            if gap > 0 && Swift.abs(v) < gap { v = v < 0 ? v - gap : v + gap }
            return v
        }
        return Tensor(values, shape: shape)
    }
}

/// Central finite differences of `f` (summed against `cotangent`) at `inputs`, in float64.
func finiteDifferenceGradients(_ f: ([Tensor]) -> Tensor, _ inputs: [Tensor], cotangent: Tensor, step h: Double) -> [Tensor] {
    func loss(_ xs: [Tensor]) -> Double { (f(xs).cast(to: .float64) * cotangent).sum().item(as: Double.self) }
    return inputs.indices.map { i in
        var base = inputs[i].scalars(as: Double.self)
        var grads = [Double](repeating: 0, count: base.count)
        for k in base.indices {
            let v = base[k]
            var xs = inputs
            base[k] = v + h
            xs[i] = Tensor(base, shape: inputs[i].shape)
            let up = loss(xs)
            base[k] = v - h
            xs[i] = Tensor(base, shape: inputs[i].shape)
            let down = loss(xs)
            base[k] = v
            grads[k] = (up - down) / (2 * h)
        }
        return Tensor(grads, shape: inputs[i].shape)
    }
}

/// Reverse-mode gradients of `sum(f(inputs) * cotangent)`.
func reverseModeGradients(_ f: @escaping ([Tensor]) -> Tensor, _ inputs: [Tensor], cotangent: Tensor) throws -> [Tensor] {
    try grad { (xs: [Tensor]) in (f(xs).cast(to: .float64) * cotangent).sum() }(inputs)
}

/// The largest |a - b| / (atol + rtol·|b|) over the elements (≤ 1 means close).
func closeness(_ a: Tensor, _ b: Tensor, rtol: Double, atol: Double) -> Double {
    let x = a.scalars(as: Double.self), y = b.scalars(as: Double.self)
    return zip(x, y).map { Swift.abs($0 - $1) / (atol + rtol * Swift.abs($1)) }.max() ?? 0
}
