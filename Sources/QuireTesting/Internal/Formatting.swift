import QuireTensor

/// How asserts print shapes, indices and values, so every message reads the same way.
enum Format {
    static func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }

    static func pattern(_ s: [Int?]) -> String { "[" + s.map { $0.map(String.init) ?? "_" }.joined(separator: ", ") + "]" }

    /// `[1, 2]` for a multi-dimensional position, `[]` for a scalar.
    static func index(flat: Int, shape: [Int]) -> String {
        var rest = flat
        var out = [Int](repeating: 0, count: shape.count)
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            out[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return Format.shape(out)
    }

    /// A value as Swift prints a Double, with integers written without a fraction.
    static func value(_ v: Double) -> String {
        if v.isFinite && v == v.rounded() && Swift.abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}

extension Tensor {
    /// The elements as Doubles, cut off from any trace.
    var hostValues: [Double] { stopGradient().cast(to: .float64).scalars(as: Double.self) }
}
