import QuireTensor

/// Elementwise comparison of two tensors, shared by the tensor and tree asserts: the first problem found
/// (shape, dtype, a non-matching element), described with the tensor's name or path.
enum Comparison {
    /// `nil` tolerances mean exact equality (NaN equals NaN at the same position).
    struct Tolerance {
        var rtol: Double, atol: Double
        var isExact: Bool { rtol == 0 && atol == 0 }

        func allows(_ a: Double, _ b: Double) -> Bool {
            if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
            if a == b { return true }   // equal infinities
            return Swift.abs(a - b) <= atol + rtol * Swift.abs(b)
        }

        var text: String { "atol \(Format.value(atol)) + rtol \(Format.value(rtol)) · |expected|" }
    }

    static func firstDifference(_ name: String, _ actual: Tensor, _ expected: Tensor, _ tol: Tolerance) -> String? {
        if actual.shape != expected.shape {
            return "\(name) has shape \(Format.shape(actual.shape)), expected \(Format.shape(expected.shape))"
        }
        if actual.dtype != expected.dtype {
            return "\(name) has dtype \(actual.dtype), expected \(expected.dtype)"
        }
        let a = actual.hostValues, b = expected.hostValues
        var first: Int?, count = 0
        for i in a.indices where !tol.allows(a[i], b[i]) {
            if first == nil { first = i }
            count += 1
        }
        guard let i = first else { return nil }
        let at = name + Format.index(flat: i, shape: actual.shape)
        let howMany = "\(count) of \(a.count) element\(a.count == 1 ? "" : "s") differ"
        if tol.isExact {
            return "\(at) is \(Format.value(a[i])), expected \(Format.value(b[i])) (\(howMany))"
        }
        let diff = Swift.abs(a[i] - b[i])
        return "\(at) is \(Format.value(a[i])), expected \(Format.value(b[i])): |difference| \(Format.value(diff)) > \(tol.text) (\(howMany))"
    }
}
