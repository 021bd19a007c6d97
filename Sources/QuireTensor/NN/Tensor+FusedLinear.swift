// A dense layer `x · weight + bias` (optionally followed by the tanh-form GELU) as one differentiable op,
// for training loops where the separate ops cost passes over [rows, features] activations: the bias is
// written into the output and the GEMM accumulates onto it (beta = 1, so BLAS skips its own zeroing
// pass). With GELU, the forward's one pass writes the activation and overwrites the pre-activation with
// the slope gelu'(z) (it shares the sigmoid), which is the residual: the backward's GELU cotangent is
// then one multiply, done with the bias cotangent in one pass per row block, before the two GEMMs
// (dx = g·Wᵀ, dW = xᵀ·g) read transposed operands in place. In float32 those passes run in C
// (CQuireFused/rows.c), 16 lanes wide, with the same values as the Swift kernels.

internal import CQuireFused

/// The activation ``Tensor/linear(weight:bias:activation:)`` applies after the affine map.
public enum LinearActivation: Sendable, Equatable {
    /// No activation: `x · weight + bias`.
    case identity
    /// `gelu(x · weight + bias)`, tanh form (as `gelu()` and `nnx.gelu`).
    case geluTanh
}

extension Tensor {
    /// `self · weight + bias`, then `activation`, for rows `[rows, in]`, `weight` `[in, out]` and `bias`
    /// `[out]` (float32 or float64, one dtype): the same values as `matmul` + `+` (+ `gelu()`), as one op
    /// whose backward is one fused pass plus two GEMMs. Other ranks, shapes or dtypes fall back to those
    /// ops.
    ///
    /// With `residual` (`[rows, out]`, no activation) the result is `residual + self · weight + bias`, a
    /// residual connection taken in the same pass: the output rows start as `residual + bias` instead of
    /// `bias`, and `residual`'s cotangent is the output's.
    ///
    /// ```swift
    /// let h = x.linear(weight: w1, bias: b1, activation: .geluTanh)   // x: [4096, 128], w1: [128, 512]
    /// let y = h.linear(weight: w2, bias: b2, adding: x)               // x + h·w2 + b2: [4096, 128]
    /// ```
    public func linear(weight: Tensor, bias: Tensor, activation: LinearActivation = .identity,
                       adding residual: Tensor? = nil) -> Tensor {
        guard rank == 2, weight.rank == 2, shape[1] == weight.shape[0], bias.shape == [weight.shape[1]],
              dtype == .float32 || dtype == .float64, weight.dtype == dtype, bias.dtype == dtype,
              residual.map({ $0.shape == [shape[0], weight.shape[1]] && $0.dtype == dtype }) ?? true,
              activation == .identity || residual == nil,
              !(isRecordedByJit || weight.isRecordedByJit || bias.isRecordedByJit || residual?.isRecordedByJit == true) else {
            let y = unfusedLinear(self, weight, bias, activation)
            return residual.map { $0 + y } ?? y
        }
        let name = activation == .geluTanh ? "linearGelu" : residual == nil ? "linear" : "linearResidual"
        let op = customVJP(name: name, forward: { (xs: [Tensor]) in
            fusedLinearForward(xs[0], weight: xs[1], bias: xs[2], residual: xs.count > 3 ? xs[3] : nil,
                               activation: activation)
        }, backward: { residuals, g in
            let grads = fusedLinearBackward(residuals, cotangent: g, activation: activation)
            return residual == nil ? grads : grads + [g]
        })
        return op([self, weight, bias] + (residual.map { [$0] } ?? []))
    }
}

private func unfusedLinear(_ x: Tensor, _ w: Tensor, _ b: Tensor, _ activation: LinearActivation) -> Tensor {
    let y = x.matmul(w) + b
    return activation == .geluTanh ? y.gelu() : y
}

/// The output and the residuals `[x, weight]`, plus with GELU the slope gelu'(z) of the pre-activation z
/// (or, when an input is being differentiated, z itself, recorded).
private func fusedLinearForward(_ x: Tensor, weight: Tensor, bias: Tensor, residual: Tensor?,
                                activation: LinearActivation) -> (Tensor, [Tensor]) {
    if x.traceTag != 0 || weight.traceTag != 0 || bias.traceTag != 0 || (residual?.traceTag ?? 0) != 0 {
        // Recorded (a higher-order derivative): the same values with tensor ops.
        let z = x.matmul(weight) + bias
        let y = residual.map { $0 + z } ?? z
        return activation == .geluTanh ? (y.gelu(), [x, weight, y]) : (y, [x, weight])
    }
    let (xc, wc) = (x.contiguous(), weight.contiguous())
    let y = Tensor(uninitializedShape: [x.shape[0], weight.shape[1]], dtype: x.dtype)
    let rc = residual?.contiguous()
    if x.dtype == .float64 {
        affineRows(xc, wc, bias.contiguous(), adding: rc, into: y, Double.self)
    } else {
        affineRows(xc, wc, bias.contiguous(), adding: rc, into: y, Float.self)
    }
    guard activation == .geluTanh else { return (y, [xc, wc]) }
    return (geluReplacingWithSlope(y), [xc, wc, y])
}

/// `gelu(z)` (tanh form) of an untraced contiguous float32 or float64 `z`, which is overwritten with
/// the slope `gelu'(z)`: `GeluTanhKernel`'s and `GeluTanhBackwardKernel.slope`'s values, in one pass.
func geluReplacingWithSlope(_ z: Tensor) -> Tensor {
    precondition(z.traceTag == 0 && z.isContiguous, "geluReplacingWithSlope takes an untraced contiguous tensor")
    let out = Tensor(uninitializedShape: z.shape, dtype: z.dtype)
    if z.dtype == .float32 {
        let (zs, ys) = (UncheckedSendable(z.pointer(Float.self)), UncheckedSendable(out.pointer(Float.self)))
        Parallelism.forEachChunk(count: z.scalarCount, minimumChunk: 1 << 15) { r in
            quire_gelu_tanh_slope_f32(zs.value + r.lowerBound, ys.value + r.lowerBound, r.count)
        }
    } else {
        precondition(z.dtype == .float64, "geluReplacingWithSlope takes float32 or float64")
        let (zs, ys) = (UncheckedSendable(z.pointer(Double.self)), UncheckedSendable(out.pointer(Double.self)))
        Parallelism.forEachChunk(count: z.scalarCount, minimumChunk: 1 << 14) { r in
            for i in r {
                let v = zs.value[i]
                ys.value[i] = GeluTanhKernel.apply(v)
                zs.value[i] = GeluTanhBackwardKernel.slope(v)
            }
        }
    }
    return out
}

/// `gelu()` (tanh form) of an untraced float32 tensor by the C loop: `GeluTanhKernel`'s values bit
/// for bit, 16 lanes wide.
func geluTanhFloat32(_ y: Tensor) -> Tensor {
    precondition(y.dtype == .float32 && y.traceTag == 0, "geluTanhFloat32 takes an untraced float32 tensor")
    let yc = y.contiguous()
    let out = Tensor(uninitializedShape: y.shape, dtype: .float32)
    let (src, dst) = (UncheckedSendable(UnsafePointer(yc.pointer(Float.self))), UncheckedSendable(out.pointer(Float.self)))
    Parallelism.forEachChunk(count: y.scalarCount, minimumChunk: 1 << 15) { r in
        quire_gelu_tanh_f32(src.value + r.lowerBound, dst.value + r.lowerBound, r.count)
    }
    return out
}

/// `out = x·w + b` (+ `residual`): each row of `out` starts as `b` (or the residual's row + `b`), then one
/// GEMM adds `x·w` onto it.
private func affineRows<T: NNFloat>(_ x: Tensor, _ w: Tensor, _ b: Tensor, adding residual: Tensor?,
                                    into out: Tensor, _: T.Type) {
    let (rows, k, n) = (x.shape[0], x.shape[1], w.shape[1])
    let dst = UncheckedSendable(out.pointer(T.self)), src = UncheckedSendable(UnsafePointer(b.pointer(T.self)))
    let res = UncheckedSendable(residual.map { UnsafePointer($0.pointer(T.self)) })
    Parallelism.forEachChunk(count: rows, minimumChunk: Swift.max(1, (1 << 14) / Swift.max(1, n))) { chunk in
        let (b, out) = (src.value, dst.value)
        for row in chunk {
            let o = out + row * n
            if let r = res.value {
                let rr = r + row * n
                for i in 0..<n { o[i] = rr[i] + b[i] }
            } else {
                o.update(from: b, count: n)
            }
        }
    }
    if k == 0 { return }
    T.gemm(m: rows, n: n, k: k, a: x.pointer(T.self), lda: k, b: w.pointer(T.self), ldb: n,
           beta: 1, c: out.pointer(T.self), ldc: n)
}

/// Cotangents `[dx, dweight, dbias]` from the residuals.
private func fusedLinearBackward(_ r: [Tensor], cotangent g: Tensor, activation: LinearActivation) -> [Tensor] {
    let (x, w) = (r[0], r[1])
    if r.contains(where: { $0.traceTag != 0 }) || g.traceTag != 0 {
        // Differentiated again: tensor ops, which have rules of their own. A recorded forward kept the
        // pre-activation; an unrecorded one kept the slope, a constant here.
        var gz = g
        if activation == .geluTanh {
            gz = r[2].traceTag != 0 ? Tensor.geluTanhBackward(r[2], cotangent: g) : g * r[2].cast(to: g.dtype)
        }
        return [gz.matmul(w.transposed()), x.transposed().matmul(gz), gz.sum(axes: [0])]
    }
    let gc = g.cast(to: x.dtype).contiguous()
    let n = w.shape[1]
    let gz = activation == .geluTanh ? Tensor(uninitializedShape: gc.shape, dtype: x.dtype) : gc
    let db = Tensor(uninitializedShape: [n], dtype: x.dtype)
    let slope = activation == .geluTanh ? r[2] : nil
    if x.dtype == .float64 {
        biasCotangent(gc, slope: slope, into: gz, db, Double.self)
    } else {
        biasCotangent(gc, slope: slope, into: gz, db, Float.self)
    }
    return [gz.matmul(w.transposed()), x.transposed().matmul(gz), db]
}

/// Row blocks whose bias partial sums are added in order (fixed, so results do not depend on threads).
private let biasBlocks = 8

/// The GELU cotangent `gelu'(pre) · g` of float32 rows `[rows, n]` as the fused layer computes it: the
/// forward's slope pass, then the backward's multiply.
func geluCotangentFloat32(_ g: Tensor, pre: Tensor) -> Tensor {
    let slope = pre.copied()
    _ = geluReplacingWithSlope(slope)
    let gc = g.contiguous()
    let gz = Tensor(uninitializedShape: gc.shape, dtype: .float32), db = Tensor(uninitializedShape: [gc.shape[1]], dtype: .float32)
    biasCotangent(gc, slope: slope, into: gz, db, Float.self)
    return gz
}

/// `db = Σ_rows gz` with, when `slope` (gelu' of the pre-activation) is given, `gz = g · slope` written
/// first.
private func biasCotangent<T: NNFloat>(_ g: Tensor, slope: Tensor?, into gz: Tensor, _ db: Tensor, _: T.Type) {
    let (rows, n) = (g.shape[0], g.shape[1])
    let blocks = Swift.max(1, Swift.min(biasBlocks, rows))
    let partial = UnsafeMutablePointer<T>.allocate(capacity: blocks * n)
    defer { partial.deallocate() }
    partial.initialize(repeating: 0, count: blocks * n)
    let parts = UncheckedSendable(partial)
    let gs = UncheckedSendable(UnsafePointer(g.pointer(T.self))), out = UncheckedSendable(gz.pointer(T.self))
    let ds = UncheckedSendable(slope.map { UnsafePointer($0.pointer(T.self)) })
    Parallelism.forEachChunk(count: blocks, minimumChunk: 1) { range in
        for block in range {
            let p = parts.value + block * n
            for row in (rows * block / blocks)..<(rows * (block + 1) / blocks) {
                let gr = gs.value + row * n, zr = out.value + row * n
                if let d = ds.value, T.self == Float.self {
                    // float32: the same products and partial sums, in C, 16 lanes wide.
                    quire_scale_accumulate_f32(UnsafeRawPointer(d + row * n).assumingMemoryBound(to: Float.self),
                                               UnsafeRawPointer(gr).assumingMemoryBound(to: Float.self),
                                               UnsafeMutableRawPointer(zr).assumingMemoryBound(to: Float.self),
                                               UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self), n)
                } else if let d = ds.value {
                    let dr = d + row * n
                    for i in 0..<n {
                        let v = gr[i] * dr[i]
                        zr[i] = v
                        p[i] += v
                    }
                } else {
                    for i in 0..<n { p[i] += gr[i] }
                }
            }
        }
    }
    let pdb = db.pointer(T.self)
    for i in 0..<n { pdb[i] = 0 }
    for block in 0..<blocks {
        let p = partial + block * n
        for i in 0..<n { pdb[i] += p[i] }
    }
}
