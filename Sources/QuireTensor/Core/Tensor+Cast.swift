extension Tensor {
    /// The same values in another dtype (a new tensor; `self` when the dtype already matches).
    ///
    /// Floats round to nearest-even (float16 and bfloat16 included); float to integer truncates toward
    /// zero and saturates at the integer's range, NaN becoming 0; anything non-zero becomes `true`.
    ///
    /// ```swift
    /// Tensor([1.5, -2.7] as [Float]).cast(to: .int32).scalars(as: Int32.self)   // [1, -2]
    /// ```
    public func cast(to target: DType) -> Tensor {
        if target == dtype { return self }
        if _slowPath(traceTag != 0) {
            return Tensor.traced(.cast(target), [self]) { detached.cast(to: target) }
        }
        let out = Tensor(uninitializedShape: shape, dtype: target)
        let loop = StridedLoop(shape: shape, strides: [out.strides, strides])
        let inner = loop.innerStrides
        let d0 = out.rawPointer, s0 = rawPointer
        let (srcType, dstType) = (dtype, target)
        loop.run(minimumChunk: 1 << 15) { offs, n in
            convertRow(from: s0 + offs[1] * srcType.byteSize, srcType, stride: inner[1],
                       to: d0 + offs[0] * dstType.byteSize, dstType, count: n)
        }
        return out
    }
}

/// Converts `n` elements (source strided, destination contiguous).
func convertRow(from s: UnsafeMutableRawPointer, _ st: DType, stride ss: Int,
                to d: UnsafeMutableRawPointer, _ dt: DType, count n: Int) {
    switch (st, dt) {
    case (.float32, .float16):
        let sp = s.assumingMemoryBound(to: Float.self), dp = d.assumingMemoryBound(to: Float16.self)
        for i in 0..<n { dp[i] = Float16(sp[i &* ss]) }
    case (.float16, .float32):
        let sp = s.assumingMemoryBound(to: Float16.self), dp = d.assumingMemoryBound(to: Float.self)
        for i in 0..<n { dp[i] = Float(sp[i &* ss]) }
    case (.float32, .bfloat16):
        let sp = s.assumingMemoryBound(to: Float.self), dp = d.assumingMemoryBound(to: BFloat16.self)
        for i in 0..<n { dp[i] = BFloat16(sp[i &* ss]) }
    case (.bfloat16, .float32):
        let sp = s.assumingMemoryBound(to: BFloat16.self), dp = d.assumingMemoryBound(to: Float.self)
        for i in 0..<n { dp[i] = Float(sp[i &* ss]) }
    case (.float32, .float64):
        let sp = s.assumingMemoryBound(to: Float.self), dp = d.assumingMemoryBound(to: Double.self)
        for i in 0..<n { dp[i] = Double(sp[i &* ss]) }
    case (.float64, .float32):
        let sp = s.assumingMemoryBound(to: Double.self), dp = d.assumingMemoryBound(to: Float.self)
        for i in 0..<n { dp[i] = Float(sp[i &* ss]) }
    case (.int32, .float32):
        let sp = s.assumingMemoryBound(to: Int32.self), dp = d.assumingMemoryBound(to: Float.self)
        for i in 0..<n { dp[i] = Float(sp[i &* ss]) }
    case (.bool, .float32):
        let sp = s.assumingMemoryBound(to: Bool.self), dp = d.assumingMemoryBound(to: Float.self)
        for i in 0..<n { dp[i] = sp[i &* ss] ? 1 : 0 }
    case (.uint8, .float32):
        let sp = s.assumingMemoryBound(to: UInt8.self), dp = d.assumingMemoryBound(to: Float.self)
        for i in 0..<n { dp[i] = Float(sp[i &* ss]) }
    case (.int8, .float32):
        let sp = s.assumingMemoryBound(to: Int8.self), dp = d.assumingMemoryBound(to: Float.self)
        for i in 0..<n { dp[i] = Float(sp[i &* ss]) }
    case (.int8, .int32):
        let sp = s.assumingMemoryBound(to: Int8.self), dp = d.assumingMemoryBound(to: Int32.self)
        for i in 0..<n { dp[i] = Int32(sp[i &* ss]) }
    case (.uint8, .int32):
        let sp = s.assumingMemoryBound(to: UInt8.self), dp = d.assumingMemoryBound(to: Int32.self)
        for i in 0..<n { dp[i] = Int32(sp[i &* ss]) }
    case (.bool, .int32):
        let sp = s.assumingMemoryBound(to: Bool.self), dp = d.assumingMemoryBound(to: Int32.self)
        for i in 0..<n { dp[i] = sp[i &* ss] ? 1 : 0 }
    default:
        for i in 0..<n {
            writeScalar(readScalar(s, elementOffset: i &* ss, dtype: st), to: d, elementOffset: i, dtype: dt)
        }
    }
}

/// Writes one element of any dtype from a Double (with ``TensorScalar/init(converting:)`` rules).
@inline(__always)
func writeScalar(_ v: Double, to base: UnsafeMutableRawPointer, elementOffset i: Int, dtype: DType) {
    switch dtype {
    case .float32: base.assumingMemoryBound(to: Float.self)[i] = Float(v)
    case .float64: base.assumingMemoryBound(to: Double.self)[i] = v
    case .float16: base.assumingMemoryBound(to: Float16.self)[i] = Float16(v)
    case .bfloat16: base.assumingMemoryBound(to: BFloat16.self)[i] = BFloat16(converting: v)
    case .int32: base.assumingMemoryBound(to: Int32.self)[i] = Int32(converting: v)
    case .int8: base.assumingMemoryBound(to: Int8.self)[i] = Int8(converting: v)
    case .uint8: base.assumingMemoryBound(to: UInt8.self)[i] = UInt8(converting: v)
    case .bool: base.assumingMemoryBound(to: Bool.self)[i] = v != 0
    }
}
