#if canImport(Glibc)
import Glibc
#endif

// Per-dtype pieces of the float samplers. Each float dtype turns its stream word into a value in
// [0, 1) the way JAX does: keep the top mantissa-many random bits, put them under the exponent of 1.0,
// and subtract 1. Arithmetic then runs in `Compute` (Float or Double) and is rounded back to the
// dtype after every operation, as XLA does for float16/bfloat16.

protocol RandomFloat: TensorScalar {
    associatedtype Compute: BinaryFloatingPoint & TensorScalar
    /// Uniform in [0, 1) for stream position `index`, exactly representable in `Self`.
    static func unit(key: (UInt32, UInt32), index: Int) -> Compute
    /// Rounds a compute value to `Self`'s precision (identity for Float and Double).
    static func rounded(_ x: Compute) -> Compute
    /// `f * span + low` as XLA's CPU backend computes it for this dtype: one fused multiply-add
    /// for float32/float64, two separately rounded operations for float16/bfloat16.
    static func affine(_ f: Compute, _ span: Compute, _ low: Compute, fused: Bool) -> Compute
    static func erfinv(_ x: Compute) -> Compute
    static func erf(_ x: Compute) -> Compute
    static func log(_ x: Compute) -> Compute
    init(compute: Compute)
}

extension Float: RandomFloat {
    @inline(__always) static func unit(key: (UInt32, UInt32), index: Int) -> Float {
        Float(bitPattern: Threefry.bits32(key: key, index: index) >> 9 | 0x3F80_0000) - 1
    }
    @inline(__always) static func rounded(_ x: Float) -> Float { x }
    @inline(__always) static func affine(_ f: Float, _ span: Float, _ low: Float, fused: Bool) -> Float {
        fused ? low.addingProduct(f, span) : f * span + low
    }
    @inline(__always) static func erfinv(_ x: Float) -> Float { erfinvFloat(x) }
    @inline(__always) static func erf(_ x: Float) -> Float { erff(x) }
    @inline(__always) static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) init(compute: Float) { self = compute }
}

extension Double: RandomFloat {
    @inline(__always) static func unit(key: (UInt32, UInt32), index: Int) -> Double {
        Double(bitPattern: Threefry.bits64(key: key, index: index) >> 12 | 0x3FF0_0000_0000_0000) - 1
    }
    @inline(__always) static func rounded(_ x: Double) -> Double { x }
    @inline(__always) static func affine(_ f: Double, _ span: Double, _ low: Double, fused: Bool) -> Double {
        fused ? low.addingProduct(f, span) : f * span + low
    }
    @inline(__always) static func erfinv(_ x: Double) -> Double { erfinvDouble(x) }
    @inline(__always) static func erf(_ x: Double) -> Double { Glibc.erf(x) }
    @inline(__always) static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) init(compute: Double) { self = compute }
}

extension Float16: RandomFloat {
    /// JAX draws 16 bits (the low half of the stream word) and keeps the top 10.
    @inline(__always) static func unit(key: (UInt32, UInt32), index: Int) -> Float {
        let bits = UInt16(truncatingIfNeeded: Threefry.bits32(key: key, index: index))
        return Float(Float16(bitPattern: bits >> 6 | 0x3C00)) - 1
    }
    @inline(__always) static func rounded(_ x: Float) -> Float { Float(Float16(x)) }
    @inline(__always) static func affine(_ f: Float, _ span: Float, _ low: Float, fused: Bool) -> Float {
        rounded(rounded(f * span) + low)
    }
    @inline(__always) static func erfinv(_ x: Float) -> Float { erfinvFloat(x) }
    @inline(__always) static func erf(_ x: Float) -> Float { erff(x) }
    @inline(__always) static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) init(compute: Float) { self = Float16(compute) }
}

extension BFloat16: RandomFloat {
    /// bfloat16 has 7 mantissa bits, so JAX draws only 8 bits (the low byte of the stream word).
    @inline(__always) static func unit(key: (UInt32, UInt32), index: Int) -> Float {
        let bits = UInt16(UInt8(truncatingIfNeeded: Threefry.bits32(key: key, index: index)))
        return Float(BFloat16(bitPattern: bits >> 1 | 0x3F80)) - 1
    }
    @inline(__always) static func rounded(_ x: Float) -> Float { Float(BFloat16(x)) }
    @inline(__always) static func affine(_ f: Float, _ span: Float, _ low: Float, fused: Bool) -> Float {
        rounded(rounded(f * span) + low)
    }
    @inline(__always) static func erfinv(_ x: Float) -> Float { erfinvFloat(x) }
    @inline(__always) static func erf(_ x: Float) -> Float { erff(x) }
    @inline(__always) static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) init(compute: Float) { self = BFloat16(compute) }
}

extension Tensor {
    /// A new tensor whose element `i` (row-major) is `element(i)`, filled in parallel chunks.
    /// Each element depends only on its index, so the result does not depend on the thread count.
    @inline(__always)
    static func generated<T: TensorScalar>(shape: [Int], as type: T.Type, op: String,
                                           _ element: (Int) -> T) -> Tensor {
        tensorCheck(shape.allSatisfy { $0 >= 0 }, op, "shape \(shapeString(shape)) has a negative dimension")
        let out = Tensor(uninitializedShape: shape, dtype: T.dtype)
        let p = out.pointer(T.self)
        Parallelism.forEachChunk(count: out.scalarCount, minimumChunk: 1 << 13) { range in
            for i in range { p[i] = element(i) }
        }
        return out
    }

    /// Elements per block: stage one fills a block with uniform values (a tight loop the compiler
    /// vectorizes), stage two maps them through the sampler's transform.
    static var randomBlockSize: Int { 512 }

    /// Uniform samples in [low, high) of dtype `T`, passed through `transform` (in compute precision;
    /// the transform rounds its own intermediate steps).
    @inline(__always)
    static func uniformSamples<T: RandomFloat>(
        _ type: T.Type, key: PRNGKey, shape: [Int], low: T.Compute, high: T.Compute, op: String,
        _ transform: (T.Compute) -> T.Compute
    ) -> Tensor {
        tensorCheck(shape.allSatisfy { $0 >= 0 }, op, "shape \(shapeString(shape)) has a negative dimension")
        let k = key.pair
        let lo = T.rounded(low), hi = T.rounded(high)
        let span = T.rounded(hi - lo)
        // f has at most mantissa-many bits, so f * span is exact when span is a power of two (the
        // default [0, 1) and normal's (-1, 1) ranges): then the cheaper unfused form is identical,
        // and for [0, 1) itself u is just f.
        let fused = span.significandBitPattern != 0
        let identity = lo == 0 && span == 1
        let out = Tensor(uninitializedShape: shape, dtype: T.dtype)
        let p = out.pointer(T.self)
        let block = randomBlockSize
        Parallelism.forEachChunk(count: out.scalarCount, minimumChunk: 1 << 13) { range in
            withUnsafeTemporaryAllocation(of: T.Compute.self, capacity: block) { scratch in
                let buf = scratch.baseAddress!
                var start = range.lowerBound
                while start < range.upperBound {
                    let n = Swift.min(block, range.upperBound - start)
                    if identity {
                        for j in 0..<n { buf[j] = T.unit(key: k, index: start &+ j) }
                    } else if fused {
                        for j in 0..<n { buf[j] = Swift.max(lo, T.affine(T.unit(key: k, index: start &+ j), span, lo, fused: true)) }
                    } else {
                        for j in 0..<n { buf[j] = Swift.max(lo, T.affine(T.unit(key: k, index: start &+ j), span, lo, fused: false)) }
                    }
                    let o = p + start
                    for j in 0..<n { o[j] = T(compute: transform(buf[j])) }
                    start += n
                }
            }
        }
        return out
    }
}
