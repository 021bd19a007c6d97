// softmax and logSoftmax. Over the last axis, float32 (and float16/bfloat16/integers through
// float32) runs a fused kernel over contiguous rows: max, shifted exponentials with the vectorizable
// `fastExp`, sum, scale — one row per iteration, rows split across threads. Other axes, and float64,
// compose column-wise reductions with elementwise ops (no transposing copies).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// `exp(x) / sum(exp(x))` along `axis`, shifted by the maximum so that large inputs do not
    /// overflow. Each slice along `axis` sums to 1. Integer inputs give float32.
    ///
    /// ```swift
    /// Tensor([[1, 2, 3], [1000, 1000, 1000]] as [[Float]]).softmax()
    /// // [[0.090, 0.245, 0.665], [0.333, 0.333, 0.333]]
    /// ```
    public func softmax(axis: Int = -1) -> Tensor {
        normalized(axis: axis, log: false, op: "softmax")
    }

    /// `x - logSumExp(x)` along `axis`: the logarithm of ``softmax(axis:)``, computed without
    /// taking the log of tiny probabilities.
    ///
    /// ```swift
    /// let logits = Tensor([[2, 1, 0.1]] as [[Float]])
    /// logits.logSoftmax()   // [[-0.417, -1.417, -2.317]]
    /// ```
    public func logSoftmax(axis: Int = -1) -> Tensor {
        normalized(axis: axis, log: true, op: "logSoftmax")
    }

    private func normalized(axis: Int, log: Bool, op: String) -> Tensor {
        tensorCheck(rank > 0, op, "needs at least one dimension, got a rank-0 tensor")
        let ax = normalizedAxis(axis, rank: rank, op: op)
        if _slowPath(traceTag != 0) {
            return Tensor.traced(log ? .logSoftmax(axis: ax) : .softmax(axis: ax), [self]) {
                detached.normalized(axis: ax, log: log, op: op)
            }
        }
        let work: DType = dtype == .float64 ? .float64 : .float32
        let x = cast(to: work)
        let result: Tensor
        if work == .float32 && ax == rank - 1 {
            result = x.lastAxisSoftmax(log: log)
        } else {
            // Column-wise reductions and elementwise passes, each streaming through memory.
            let shifted = x - x.finiteShift(axes: [ax])
            let e = shifted.exp(), total = e.sum(axes: [ax], keepDims: true)
            result = log ? shifted - total.log() : e / total
        }
        return dtype.isFloatingPoint ? result.cast(to: dtype) : result
    }

    /// float32 softmax over the last axis, one contiguous row per iteration.
    private func lastAxisSoftmax(log: Bool) -> Tensor {
        let x = contiguous()
        let n = shape[rank - 1]
        let out = Tensor(uninitializedShape: shape, dtype: .float32)
        guard n > 0 else { return out }
        let rows = scalarCount / n
        let px = UnsafePointer(x.pointer(Float.self)), po = out.pointer(Float.self)
        Parallelism.forEachChunk(count: rows, minimumChunk: Swift.max(1, (1 << 14) / n)) { range in
            for r in range { softmaxRow(px + r * n, po + r * n, n, log: log) }
        }
        return out
    }
}

/// Softmax (or log-softmax) of one contiguous float32 row of length `n` into `y`.
@inline(__always)
func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, log: Bool) {
    let m = contiguousExtremum(x, n, isMax: true)
    if m.isNaN {
        for i in 0..<n { y[i] = .nan }
        return
    }
    let shift: Float = m.isFinite ? m : 0
    for i in 0..<n { y[i] = fastExp(x[i] - shift) }
    let total = Float(contiguousSum(UnsafePointer(y), n))
    if log {
        let logTotal = logf(total)
        for i in 0..<n { y[i] = (x[i] - shift) - logTotal }
    } else {
        let scale = 1 / total
        for i in 0..<n { y[i] *= scale }
    }
}
