// Parameter checks and broadcasting shared by every distribution's initializer.

import QuireTensor

enum Parameters {
    /// The common float dtype of `params`, or a ``DistributionError/dtype(_:_:)`` naming the culprit.
    static func dtype(_ distribution: String, _ params: [(String, Tensor)]) throws -> DType {
        for (name, t) in params where !t.dtype.isFloatingPoint {
            throw DistributionError.dtype(distribution, "\(name) must be a float tensor, got \(t.dtype)")
        }
        let first = params[0]
        for (name, t) in params.dropFirst() where t.dtype != first.1.dtype {
            throw DistributionError.dtype(distribution, "\(first.0) is \(first.1.dtype) but \(name) is \(t.dtype)")
        }
        return first.1.dtype
    }

    /// The broadcast shape of `params`, or a ``DistributionError/shapes(_:_:)`` naming both shapes.
    static func broadcastShape(_ distribution: String, _ params: [(String, Tensor)]) throws -> [Int] {
        var shape = params[0].1.shape
        for (name, t) in params.dropFirst() {
            guard let joint = try? Tensor.broadcastShape(shape, t.shape) else {
                let named = params.prefix { $0.0 != name }.map { "\($0.0) of shape \(describe($0.1.shape))" }
                throw DistributionError.shapes(distribution, named.joined(separator: ", ")
                                               + " and \(name) of shape \(describe(t.shape)) do not broadcast")
            }
            shape = joint
        }
        return shape
    }

    /// Checks dtypes and broadcasts every parameter to the joint shape.
    static func broadcast(_ distribution: String, _ params: [(String, Tensor)]) throws -> (DType, [Int], [Tensor]) {
        let dtype = try dtype(distribution, params)
        let shape = try broadcastShape(distribution, params)
        return (dtype, shape, params.map { $0.1.shape == shape ? $0.1 : $0.1.broadcast(to: shape) })
    }

    /// A vector parameter (event shape `[k]`, k ≥ 1): rank ≥ 1 and a non-empty last axis.
    static func requireVector(_ distribution: String, _ name: String, _ t: Tensor) throws {
        guard t.rank >= 1, t.shape.last! > 0 else {
            throw DistributionError.shapes(distribution, "\(name) must have rank ≥ 1 with a non-empty last axis (the event), got shape \(describe(t.shape))")
        }
    }

    static func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
}

extension Tensor {
    /// A tensor of this one's dtype filled with `value`, with the given shape (a constant: no gradient).
    func filled(_ value: Double, shape: [Int]? = nil) -> Tensor { Tensor.full(shape ?? self.shape, value, dtype: dtype) }
}

extension DType {
    /// 1 minus the largest value below 1 in this float dtype (2⁻²⁴ for float32): the step that keeps a
    /// uniform draw inside an open interval.
    var spacingBelowOne: Double {
        switch self {
        case .float64: return 1 - 1.0.nextDown
        case .float16: return 1 / 2048
        case .bfloat16: return 1 / 256
        default: return Double(1 - Float(1).nextDown)
        }
    }
}
