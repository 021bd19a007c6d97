import XCTest
@testable import QuireTensor

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
