// variance, standardDeviation and logSumExp, built from the basic reductions in a numerically
// stable way (two passes; max-shifted exponentials).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// Variance over `axes` (all when `nil`): the mean squared deviation from the mean, divided by
    /// `count - correction` (`correction: 1` gives the unbiased estimate). Computed in two passes
    /// (mean, then squared deviations), so a large common offset does not cost precision.
    /// Integer inputs give float32; float16/bfloat16 compute in float32 and keep their dtype.
    ///
    /// ```swift
    /// let x = Tensor([1, 2, 3, 4] as [Float])
    /// x.variance()                  // 1.25
    /// x.variance(correction: 1)     // 1.6666666
    /// ```
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 0) -> Tensor {
        let v = workingVariance(axes: axes, keepDims: keepDims, correction: correction, op: "variance")
        return dtype.isFloatingPoint ? v.cast(to: dtype) : v
    }

    /// The variance in float32 (float64 for float64 input), before rounding to a narrow dtype.
    private func workingVariance(axes: [Int]?, keepDims: Bool, correction: Int, op: String) -> Tensor {
        let ax = reductionAxes(axes, op: op)
        let x = cast(to: dtype == .float64 ? .float64 : .float32)
        let count = ax.reduce(1) { $0 * shape[$1] }
        let deviation = x - x.mean(axes: ax, keepDims: true)
        let squares = deviation.square().sum(axes: ax, keepDims: keepDims)
        return squares / Double(Swift.max(count - correction, 0))
    }

    /// Variance over one axis.
    ///
    /// ```swift
    /// Tensor([[1, 3], [2, 2]] as [[Float]]).variance(axis: -1)   // [1.0, 0.0]
    /// ```
    public func variance(axis: Int, keepDims: Bool = false, correction: Int = 0) -> Tensor {
        variance(axes: [axis], keepDims: keepDims, correction: correction)
    }

    /// Standard deviation: the square root of ``variance(axes:keepDims:correction:)``.
    ///
    /// ```swift
    /// Tensor([2, 4, 4, 4, 5, 5, 7, 9] as [Float]).standardDeviation()   // 2.0
    /// ```
    public func standardDeviation(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 0) -> Tensor {
        let s = workingVariance(axes: axes, keepDims: keepDims, correction: correction, op: "standardDeviation").sqrt()
        return dtype.isFloatingPoint ? s.cast(to: dtype) : s
    }

    /// Standard deviation over one axis.
    ///
    /// ```swift
    /// Tensor([[1, 3], [2, 2]] as [[Float]]).standardDeviation(axis: 1)   // [1.0, 0.0]
    /// ```
    public func standardDeviation(axis: Int, keepDims: Bool = false, correction: Int = 0) -> Tensor {
        standardDeviation(axes: [axis], keepDims: keepDims, correction: correction)
    }

    /// `log(sum(exp(x)))` over `axes` (all when `nil`), computed as `m + log(sum(exp(x - m)))` with
    /// `m` the maximum, so large inputs do not overflow. A row of only `-inf` gives `-inf`; an empty
    /// reduction gives `-inf`. Integer inputs give float32.
    ///
    /// ```swift
    /// Tensor([1000, 1000] as [Float]).logSumExp()   // 1000.6931
    /// ```
    public func logSumExp(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "logSumExp")
        if _slowPath(traceTag != 0) {
            return Tensor.traced(.logSumExp(axes: ax, keepDims: keepDims), [self]) { detached.logSumExp(axes: ax, keepDims: keepDims) }
        }
        if !dtype.isFloatingPoint {
            return cast(to: .float32).logSumExp(axes: ax, keepDims: keepDims)
        }
        if dtype == .float16 || dtype == .bfloat16 {
            return cast(to: .float32).logSumExp(axes: ax, keepDims: keepDims).cast(to: dtype)
        }
        if ax.reduce(1, { $0 * shape[$1] }) == 0 {
            return Tensor.full(ax.reduce(shape) { s, a in var s = s; s[a] = 1; return s }, -.infinity, dtype: dtype)
                .droppingReduced(ax, keepDims: keepDims)
        }
        if dtype == .float32 && ax == [rank - 1] {
            return lastAxisLogSumExp().droppingReduced(ax, keepDims: keepDims)
        }
        let shift = finiteShift(axes: ax)
        let total = (self - shift).exp().sum(axes: ax, keepDims: true)
        return (total.log() + shift).droppingReduced(ax, keepDims: keepDims)
    }

    /// Logarithm of the sum of exponentials over one axis.
    ///
    /// ```swift
    /// Tensor([[0, 0], [1000, 1000]] as [[Float]]).logSumExp(axis: 1)   // [0.6931, 1000.6931]
    /// ```
    public func logSumExp(axis: Int, keepDims: Bool = false) -> Tensor {
        logSumExp(axes: [axis], keepDims: keepDims)
    }

    /// The keepDims maximum over `axes` with non-finite entries replaced by 0 (the shift that keeps
    /// `exp(x - shift)` in range and leaves rows of `-inf` or containing `+inf` well defined).
    func finiteShift(axes: [Int]) -> Tensor {
        let m = max(axes: axes, keepDims: true)
        return Tensor.where(m.isFinite(), m, Tensor(0, dtype: m.dtype))
    }

    /// Fused float32 logSumExp over the last axis, one row per iteration (keepDims shape).
    private func lastAxisLogSumExp() -> Tensor {
        let x = contiguous()
        let n = shape[rank - 1], rows = scalarCount / Swift.max(n, 1)
        var keep = shape
        keep[rank - 1] = 1
        let out = Tensor(uninitializedShape: keep, dtype: .float32)
        let px = UnsafePointer(x.pointer(Float.self)), po = out.pointer(Float.self)
        Parallelism.forEachChunk(count: rows, minimumChunk: Swift.max(1, (1 << 14) / n)) { range in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: n)
            defer { scratch.deallocate() }
            for r in range { po[r] = logSumExpRow(px + r * n, scratch, n) }
        }
        return out
    }
}

/// log(sum(exp(x))) of one contiguous float32 row, using `scratch` (n elements) for the exponentials.
@inline(__always)
private func logSumExpRow(_ x: UnsafePointer<Float>, _ scratch: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    let m = contiguousExtremum(x, n, isMax: true)
    if m.isNaN { return m }
    let shift: Float = m.isFinite ? m : 0
    for i in 0..<n { scratch[i] = fastExp(x[i] - shift) }
    return Float(log(contiguousSum(UnsafePointer(scratch), n))) + shift
}
