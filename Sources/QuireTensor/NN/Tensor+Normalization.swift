// Layer and RMS normalization over the trailing feature axes (or any given axes).
//
// Two kernels, both two-pass (mean, then squared deviations, then the output) and allocating nothing
// besides the output:
// - rows: the normalized axes are the trailing ones. Each contiguous row is read in place while it sits in
//   cache, its sums taken with SIMD partial sums (float32/float64; other dtypes are converted first).
// - columns: the normalized axes are a consecutive block before the last axis ([outer, d, inner]); the
//   statistics of a block of columns are accumulated row by row, vectorized across the columns.
// Non-consecutive axes are moved to the end first (one copy), normalized as rows, and moved back.
//
// Epsilon defaults to 1e-6, Flax's default for LayerNorm and RMSNorm (PyTorch uses 1e-5).

extension Tensor {
    /// Layer normalization: `(x - mean) / sqrt(variance + epsilon) * weight + bias`, the statistics
    /// taken over `axis` (the last by default). `weight` and `bias` must broadcast to that axis' size.
    ///
    /// Float inputs keep their (promoted with weight and bias) dtype; float16/bfloat16 are computed in
    /// float32; integer inputs give float32.
    ///
    /// ```swift
    /// let x = Tensor([[1, 2, 3], [2, 4, 6]] as [[Float]])
    /// x.layerNorm()                                    // rows ≈ [-1.22, 0, 1.22]
    /// x.layerNorm(weight: Tensor.ones([3]), bias: Tensor.zeros([3]))
    /// ```
    public func layerNorm(axis: Int = -1, epsilon: Double = 1e-6, weight: Tensor? = nil, bias: Tensor? = nil) -> Tensor {
        normalization(op: "layerNorm", axes: [axis], epsilon: epsilon, weight: weight, bias: bias, rms: false)
    }

    /// Layer normalization over several axes (for example `[-2, -1]`, or `[1, 2]` of `[N, H, W, C]`).
    /// `weight` and `bias` must broadcast to the sizes of those axes, in increasing axis order.
    ///
    /// ```swift
    /// Tensor.ones([2, 4, 4, 8]).layerNorm(axes: [1, 2, 3]).shape   // [2, 4, 4, 8]
    /// ```
    public func layerNorm(axes: [Int], epsilon: Double = 1e-6, weight: Tensor? = nil, bias: Tensor? = nil) -> Tensor {
        normalization(op: "layerNorm", axes: axes, epsilon: epsilon, weight: weight, bias: bias, rms: false)
    }

    /// RMS normalization: `x / sqrt(mean(x²) + epsilon) * weight` over `axis` (the last by default).
    /// Dtypes as in ``layerNorm(axis:epsilon:weight:bias:)``.
    ///
    /// ```swift
    /// Tensor([[3, 4]] as [[Float]]).rmsNorm()   // ≈ [[0.8485, 1.1314]]
    /// ```
    public func rmsNorm(axis: Int = -1, epsilon: Double = 1e-6, weight: Tensor? = nil) -> Tensor {
        normalization(op: "rmsNorm", axes: [axis], epsilon: epsilon, weight: weight, bias: nil, rms: true)
    }

    /// RMS normalization over several axes (see ``layerNorm(axes:epsilon:weight:bias:)``).
    ///
    /// ```swift
    /// Tensor.ones([2, 3, 4]).rmsNorm(axes: [1, 2])
    /// ```
    public func rmsNorm(axes: [Int], epsilon: Double = 1e-6, weight: Tensor? = nil) -> Tensor {
        normalization(op: "rmsNorm", axes: axes, epsilon: epsilon, weight: weight, bias: nil, rms: true)
    }

    /// The axis order that moves the normalized axes (sorted) to the end, and their sizes; throws when
    /// an axis is out of range or repeated, or when a weight/bias does not broadcast to the feature shape.
    static func normalizationLayout(op: String, shape: [Int], axes: [Int], weight: [Int]?, bias: [Int]?) throws
        -> (permutation: [Int], featureShape: [Int]) {
        let r = shape.count
        let context = "input \(shapeString(shape)), axes \(axes)"
        guard !axes.isEmpty else { throw TensorError(op, "no axes given: \(context)") }
        var norm: [Int] = []
        for a in axes {
            guard a >= -r && a < r else {
                throw TensorError(op, "axis \(a) is out of range for a rank-\(r) tensor: \(context)")
            }
            let n = a < 0 ? a + r : a
            guard !norm.contains(n) else { throw TensorError(op, "axis \(a) is repeated: \(context)") }
            norm.append(n)
        }
        norm.sort()
        let feature = norm.map { shape[$0] }
        for (name, s) in [("weight", weight), ("bias", bias)] {
            guard let s else { continue }
            let fits = (try? Tensor.broadcastShape(feature, s)) == feature
            guard fits else {
                throw TensorError(op, "\(name) \(shapeString(s)) does not broadcast to the normalized shape \(shapeString(feature)): \(context)")
            }
        }
        return ((0..<r).filter { !norm.contains($0) } + norm, feature)
    }

    func normalization(op: String, axes: [Int], epsilon: Double, weight: Tensor?, bias: Tensor?, rms: Bool) -> Tensor {
        let (perm, feature) = checked {
            try Tensor.normalizationLayout(op: op, shape: shape, axes: axes, weight: weight?.shape, bias: bias?.shape)
        }
        let resultType = nnResultType([dtype] + [weight, bias].compactMap { $0?.dtype })
        let compute: DType = resultType == .float64 ? .float64 : .float32
        if _slowPath(traceTag != 0 || (weight?.traceTag ?? 0) != 0 || (bias?.traceTag ?? 0) != 0) {
            return tracedNormalization(axes: Array(perm.suffix(feature.count)), feature: feature, epsilon: epsilon,
                                       weight: weight, bias: bias, rms: rms, compute: compute, result: resultType)
        }
        let w = weight?.cast(to: compute).broadcast(to: feature).contiguous()
        let b = bias?.cast(to: compute).broadcast(to: feature).contiguous()
        let d = feature.reduce(1, *)
        let axes = Array(perm.suffix(feature.count))
        if axes.last! - axes.first! == axes.count - 1 && axes.last! != rank - 1 {
            // A block of consecutive axes before the last: normalize columns of [outer, d, inner] in place.
            let x = cast(to: compute).contiguous()
            let inner = shape[(axes.last! + 1)...].reduce(1, *)
            let outer = d == 0 || inner == 0 ? 0 : scalarCount / (d * inner)
            let out = Tensor(uninitializedShape: shape, dtype: compute)
            if compute == .float64 {
                normalizeColumns(x, out, outer: outer, width: d, inner: inner, weight: w, bias: b, epsilon: epsilon, rms: rms, Double.self)
            } else {
                normalizeColumns(x, out, outer: outer, width: d, inner: inner, weight: w, bias: b, epsilon: epsilon, rms: rms, Float.self)
            }
            return out.cast(to: resultType)
        }
        let identity = perm == Array(0..<rank)
        let x = (identity ? self : permuted(perm)).cast(to: compute).contiguous()
        let out = Tensor(uninitializedShape: x.shape, dtype: compute)
        let rows = d == 0 ? 0 : x.scalarCount / d
        if compute == .float64 {
            normalizeRows(x, out, rows: rows, width: d, weight: w, bias: b, epsilon: epsilon, rms: rms, Double.self)
        } else {
            normalizeRows(x, out, rows: rows, width: d, weight: w, bias: b, epsilon: epsilon, rms: rms, Float.self)
        }
        var result = out
        if !identity {
            var inverse = [Int](repeating: 0, count: rank)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            result = out.permuted(inverse).contiguous()
        }
        return result.cast(to: resultType)
    }
}

/// Normalizes `rows` contiguous rows of `width` elements of `x` into `out` (same layout).
private func normalizeRows<T: NNFloat>(_ x: Tensor, _ out: Tensor, rows: Int, width d: Int, weight: Tensor?,
                                       bias: Tensor?, epsilon: Double, rms: Bool, _: T.Type) {
    let src = UncheckedSendable(UnsafePointer(x.pointer(T.self))), dst = UncheckedSendable(out.pointer(T.self))
    let w = UncheckedSendable(weight.map { UnsafePointer($0.pointer(T.self)) })
    let b = UncheckedSendable(bias.map { UnsafePointer($0.pointer(T.self)) })
    let eps = T(epsilon), count = T(d)
    Parallelism.forEachChunk(count: rows, minimumChunk: Swift.max(1, (1 << 14) / Swift.max(1, d))) { chunk in
        for row in chunk {
            let xr = src.value + row * d, yr = dst.value + row * d
            var shift: T = 0, scale: T
            if rms {
                scale = 1 / (sumOfSquares(xr, d, around: 0) / count + eps).squareRoot()
            } else {
                shift = simdSum(xr, d) / count
                scale = 1 / (sumOfSquares(xr, d, around: shift) / count + eps).squareRoot()
            }
            switch (w.value, b.value) {
            case let (w?, b?): for i in 0..<d { yr[i] = (xr[i] - shift) * scale * w[i] + b[i] }
            case let (w?, nil): for i in 0..<d { yr[i] = (xr[i] - shift) * scale * w[i] }
            case let (nil, b?): for i in 0..<d { yr[i] = (xr[i] - shift) * scale + b[i] }
            case (nil, nil): for i in 0..<d { yr[i] = (xr[i] - shift) * scale }
            }
        }
    }
}

/// Normalizes `x` viewed as `[outer, d, inner]` over its middle dimension into `out` (same layout).
/// Each work item is one outer index and a block of up to 512 columns, whose statistics are
/// accumulated row by row (vectorized across columns) in two small buffers.
private func normalizeColumns<T: NNFloat>(_ x: Tensor, _ out: Tensor, outer: Int, width d: Int, inner: Int,
                                          weight: Tensor?, bias: Tensor?, epsilon: Double, rms: Bool, _: T.Type) {
    let src = UncheckedSendable(UnsafePointer(x.pointer(T.self))), dst = UncheckedSendable(out.pointer(T.self))
    let w = UncheckedSendable(weight.map { UnsafePointer($0.pointer(T.self)) })
    let b = UncheckedSendable(bias.map { UnsafePointer($0.pointer(T.self)) })
    let eps = T(epsilon), count = T(d), block = 512
    let blocks = (inner + block - 1) / block
    Parallelism.forEachChunk(count: outer * blocks, minimumChunk: Swift.max(1, (1 << 14) / Swift.max(1, d * block))) { items in
        withUnsafeTemporaryAllocation(of: T.self, capacity: 2 * block) { buffer in
            let center = buffer.baseAddress!, scale = center + block
            for item in items {
                let o = item / blocks, j0 = (item % blocks) * block, n = Swift.min(block, inner - j0)
                let xb = src.value + o * d * inner + j0, yb = dst.value + o * d * inner + j0
                center.update(repeating: 0, count: n)
                scale.update(repeating: 0, count: n)
                if !rms {
                    for k in 0..<d {
                        let r = xb + k * inner
                        for i in 0..<n { center[i] += r[i] }
                    }
                    for i in 0..<n { center[i] /= count }
                }
                for k in 0..<d {
                    let r = xb + k * inner
                    for i in 0..<n { let u = r[i] - center[i]; scale[i] += u * u }
                }
                for i in 0..<n { scale[i] = 1 / (scale[i] / count + eps).squareRoot() }
                for k in 0..<d {
                    let r = xb + k * inner, y = yb + k * inner
                    let wk = w.value?[k] ?? 1, bk = b.value?[k] ?? 0
                    for i in 0..<n { y[i] = (r[i] - center[i]) * scale[i] * wk + bk }
                }
            }
        }
    }
}

/// Sum of `n` elements with 16 partial sums (vectorized, and more accurate than one running sum).
@inline(__always)
func simdSum<T: NNFloat>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    var a0 = SIMD8<T>(), a1 = SIMD8<T>()
    let raw = UnsafeRawPointer(p), step = MemoryLayout<T>.stride
    var i = 0
    while i + 16 <= n {
        a0 += raw.loadUnaligned(fromByteOffset: i * step, as: SIMD8<T>.self)
        a1 += raw.loadUnaligned(fromByteOffset: (i + 8) * step, as: SIMD8<T>.self)
        i += 16
    }
    var s = (a0 + a1).sum()
    while i < n { s += p[i]; i += 1 }
    return s
}

/// Σ (p[i] - center)² over `n` elements, vectorized like ``simdSum(_:_:)``.
@inline(__always)
func sumOfSquares<T: NNFloat>(_ p: UnsafePointer<T>, _ n: Int, around center: T) -> T {
    var a0 = SIMD8<T>(), a1 = SIMD8<T>()
    let c = SIMD8<T>(repeating: center)
    let raw = UnsafeRawPointer(p), step = MemoryLayout<T>.stride
    var i = 0
    while i + 16 <= n {
        let u = raw.loadUnaligned(fromByteOffset: i * step, as: SIMD8<T>.self) - c
        let v = raw.loadUnaligned(fromByteOffset: (i + 8) * step, as: SIMD8<T>.self) - c
        a0 += u * u
        a1 += v * v
        i += 16
    }
    var s = (a0 + a1).sum()
    while i < n { let u = p[i] - center; s += u * u; i += 1 }
    return s
}
