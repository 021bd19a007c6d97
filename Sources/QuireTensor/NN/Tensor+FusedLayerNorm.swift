import Foundation

// Layer normalization over the last axis as one differentiable op with a hand-written backward, for
// training loops where the traced composite (`layerNorm` under `grad` records ~10 ops forward and
// ~20 backward, each a fresh [rows, features] tensor) dominates. Forward: one pass per row that also
// keeps the row's mean and 1/σ. Backward: one pass per row for the input cotangent,
//   dx = rstd · (g·w − mean(g·w) − x̂ · mean(g·w·x̂)),   x̂ = (x − mean) · rstd,
// and the weight/bias cotangents Σ g·x̂ and Σ g accumulated over a fixed number of row blocks (so the
// result does not depend on the thread count). float32 and float64; anything else takes `layerNorm`.

extension Tensor {
    /// ``layerNorm(axis:epsilon:weight:bias:)`` over the last axis with `weight` and `bias` of shape
    /// `[features]`, as one op whose gradient is a fused pass per row (same values; much less work and
    /// memory under `grad`). Other dtypes or shapes fall back to `layerNorm`.
    ///
    /// ```swift
    /// let y = x.fusedLayerNorm(weight: scale, bias: shift)   // x: [rows, 128], scale/shift: [128]
    /// let g = try grad { x in x.fusedLayerNorm(weight: scale, bias: shift).square().sum() }(x)
    /// ```
    public func fusedLayerNorm(epsilon: Double = 1e-6, weight: Tensor, bias: Tensor) -> Tensor {
        let d = shape.last ?? 0
        guard rank >= 1, d > 0, dtype == .float32 || dtype == .float64,
              weight.shape == [d], bias.shape == [d], weight.dtype == dtype, bias.dtype == dtype else {
            return layerNorm(axis: -1, epsilon: epsilon, weight: weight, bias: bias)
        }
        let op = customVJP(name: "fusedLayerNorm", forward: { (xs: [Tensor]) in
            fusedLayerNormForward(xs[0], weight: xs[1], bias: xs[2], epsilon: epsilon)
        }, backward: { residuals, g in
            fusedLayerNormBackward(residuals, cotangent: g)
        })
        return op([self, weight, bias])
    }
}

/// The output and the residuals `[x, weight, mean, rstd]` (mean and rstd of shape `[rows, 1]`).
private func fusedLayerNormForward(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Double) -> (Tensor, [Tensor]) {
    let d = x.shape[x.rank - 1], rows = x.scalarCount / d
    if x.traceTag != 0 || weight.traceTag != 0 || bias.traceTag != 0 {
        // Recorded (a higher-order derivative): the same statistics with tensor ops.
        let mean = x.mean(axes: [-1], keepDims: true)
        let centered = x - mean
        let rstd = (centered.square().mean(axes: [-1], keepDims: true) + epsilon).rsqrt()
        let y = centered * rstd * weight + bias
        return (y, [x, weight, mean.reshaped([rows, 1]), rstd.reshaped([rows, 1])])
    }
    let xc = x.contiguous()
    let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
    let mean = Tensor(uninitializedShape: [rows, 1], dtype: x.dtype)
    let rstd = Tensor(uninitializedShape: [rows, 1], dtype: x.dtype)
    let (w, b) = (weight.contiguous(), bias.contiguous())
    if x.dtype == .float64 {
        layerNormRowsForward(xc, w, b, out, mean, rstd, rows: rows, width: d, epsilon: epsilon, Double.self)
    } else {
        layerNormRowsForward(xc, w, b, out, mean, rstd, rows: rows, width: d, epsilon: epsilon, Float.self)
    }
    return (out, [xc, weight, mean, rstd])
}

/// Cotangents `[dx, dweight, dbias]` from the residuals `[x, weight, mean, rstd]`.
private func fusedLayerNormBackward(_ r: [Tensor], cotangent g: Tensor) -> [Tensor] {
    let (x, w, mean, rstd) = (r[0], r[1], r[2], r[3])
    let d = x.shape[x.rank - 1], rows = x.scalarCount / d
    if r.contains(where: { $0.traceTag != 0 }) || g.traceTag != 0 {
        // Differentiated again: the same formulas as tensor ops, so they have rules of their own.
        let x2 = x.reshaped([rows, d]), g2 = g.reshaped([rows, d])
        let xhat = (x2 - mean) * rstd
        let gw = g2 * w
        let mgw = gw.mean(axes: [-1], keepDims: true)
        let mgwx = (gw * xhat).mean(axes: [-1], keepDims: true)
        let dx = (gw - mgw - xhat * mgwx) * rstd
        return [dx.reshaped(x.shape), (g2 * xhat).sum(axes: [0]), g2.sum(axes: [0])]
    }
    let gc = g.cast(to: x.dtype).contiguous()
    let dx = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
    let dw = Tensor(uninitializedShape: [d], dtype: x.dtype), db = Tensor(uninitializedShape: [d], dtype: x.dtype)
    if x.dtype == .float64 {
        layerNormRowsBackward(x, w.contiguous(), mean, rstd, gc, dx, dw, db, rows: rows, width: d, Double.self)
    } else {
        layerNormRowsBackward(x, w.contiguous(), mean, rstd, gc, dx, dw, db, rows: rows, width: d, Float.self)
    }
    return [dx, dw, db]
}

private func layerNormRowsForward<T: NNFloat>(_ x: Tensor, _ weight: Tensor, _ bias: Tensor, _ out: Tensor,
                                              _ mean: Tensor, _ rstd: Tensor, rows: Int, width d: Int,
                                              epsilon: Double, _: T.Type) {
    let src = UncheckedSendable(UnsafePointer(x.pointer(T.self))), dst = UncheckedSendable(out.pointer(T.self))
    let w = UncheckedSendable(UnsafePointer(weight.pointer(T.self))), b = UncheckedSendable(UnsafePointer(bias.pointer(T.self)))
    let mu = UncheckedSendable(mean.pointer(T.self)), rs = UncheckedSendable(rstd.pointer(T.self))
    let eps = T(epsilon), count = T(d)
    Parallelism.forEachChunk(count: rows, minimumChunk: Swift.max(1, (1 << 14) / d)) { chunk in
        let (w, b) = (w.value, b.value)
        for row in chunk {
            let xr = src.value + row * d, yr = dst.value + row * d
            let m = simdSum(xr, d) / count
            let s = 1 / (sumOfSquares(xr, d, around: m) / count + eps).squareRoot()
            mu.value[row] = m
            rs.value[row] = s
            for i in 0..<d { yr[i] = (xr[i] - m) * s * w[i] + b[i] }
        }
    }
}

/// Row blocks whose weight/bias partial sums are added in order (fixed, so results are reproducible).
private let layerNormBackwardBlocks = 8

private func layerNormRowsBackward<T: NNFloat>(_ x: Tensor, _ weight: Tensor, _ mean: Tensor, _ rstd: Tensor,
                                               _ g: Tensor, _ dx: Tensor, _ dw: Tensor, _ db: Tensor,
                                               rows: Int, width d: Int, _: T.Type) {
    let xs = UncheckedSendable(UnsafePointer(x.pointer(T.self))), gs = UncheckedSendable(UnsafePointer(g.pointer(T.self)))
    let w = UncheckedSendable(UnsafePointer(weight.pointer(T.self)))
    let mu = UncheckedSendable(UnsafePointer(mean.pointer(T.self))), rs = UncheckedSendable(UnsafePointer(rstd.pointer(T.self)))
    let out = UncheckedSendable(dx.pointer(T.self))
    let blocks = Swift.min(layerNormBackwardBlocks, rows)
    let partial = UnsafeMutablePointer<T>.allocate(capacity: blocks * 2 * d)
    defer { partial.deallocate() }
    partial.initialize(repeating: 0, count: blocks * 2 * d)
    let parts = UncheckedSendable(partial)
    let count = T(d)
    Parallelism.forEachChunk(count: blocks, minimumChunk: 1) { range in
        let w = w.value
        for block in range {
            let pw = parts.value + block * 2 * d, pb = pw + d
            for row in (rows * block / blocks)..<(rows * (block + 1) / blocks) {
                let xr = xs.value + row * d, gr = gs.value + row * d, yr = out.value + row * d
                let m = mu.value[row], s = rs.value[row]
                // Σ g·w and Σ g·w·x̂ over 8 lanes (a running scalar sum would keep the loop scalar),
                // then the weight/bias partials in a loop without a reduction, which vectorizes.
                var laneGW = SIMD8<T>(), laneGWX = SIMD8<T>()
                let (rx, rg, rw) = (UnsafeRawPointer(xr), UnsafeRawPointer(gr), UnsafeRawPointer(w))
                let step = MemoryLayout<T>.stride
                var i = 0
                while i + 8 <= d {
                    let xv = rx.loadUnaligned(fromByteOffset: i * step, as: SIMD8<T>.self)
                    let gw = rg.loadUnaligned(fromByteOffset: i * step, as: SIMD8<T>.self)
                        * rw.loadUnaligned(fromByteOffset: i * step, as: SIMD8<T>.self)
                    laneGW += gw
                    laneGWX += gw * ((xv - m) * s)
                    i += 8
                }
                var sumGW = laneGW.sum(), sumGWX = laneGWX.sum()
                while i < d {
                    let gw = gr[i] * w[i]
                    sumGW += gw
                    sumGWX += gw * ((xr[i] - m) * s)
                    i += 1
                }
                for i in 0..<d {
                    pw[i] += gr[i] * ((xr[i] - m) * s)
                    pb[i] += gr[i]
                }
                let a = sumGW / count, c = sumGWX / count
                for i in 0..<d {
                    let xhat = (xr[i] - m) * s
                    yr[i] = (gr[i] * w[i] - a - xhat * c) * s
                }
            }
        }
    }
    let pdw = dw.pointer(T.self), pdb = db.pointer(T.self)
    for i in 0..<d { pdw[i] = 0; pdb[i] = 0 }
    for block in 0..<blocks {
        let pw = partial + block * 2 * d, pb = pw + d
        for i in 0..<d { pdw[i] += pw[i]; pdb[i] += pb[i] }
    }
}
