import QuireTensor

// The interpreter holds every element as a Double; these round a result to what its dtype can hold,
// so each operation gives the value the dtype's own arithmetic gives.

@inline(__always)
func rounded(_ x: Double, _ dtype: DType) -> Double {
    switch dtype {
    case .float32: return Double(Float(x))
    case .float16: return Double(Float(Float16(Float(x))))
    case .bfloat16: return Double(Float(BFloat16(Float(x))))
    case .int32: return Double(Int32(truncatingIfNeeded: Int64(x)))
    case .int8: return Double(Int8(truncatingIfNeeded: Int64(x)))
    case .bool: return x != 0 ? 1 : 0
    case .float64, .uint8: return x
    }
}

/// A conversion between kernel dtypes: to an integer truncates toward zero and saturates (NaN → 0).
func converted(_ x: Double, to dtype: DType) -> Double {
    switch dtype {
    case .int32: return saturated(x, Double(Int32.min), Double(Int32.max))
    case .int8: return saturated(x, -128, 127)
    case .bool: return x != 0 ? 1 : 0
    default: return rounded(x, dtype)
    }
}

private func saturated(_ x: Double, _ lo: Double, _ hi: Double) -> Double {
    if x.isNaN { return 0 }
    return Swift.min(hi, Swift.max(lo, x.rounded(.towardZero)))
}

/// Row-major strides of a block shape.
func blockStrides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        s[i] = acc
        acc *= shape[i]
    }
    return s
}
