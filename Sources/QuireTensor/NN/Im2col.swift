#if canImport(Glibc)
import Glibc
#endif

// The convolution kernels, channels last. The general path gathers every output position's receptive
// field into one row of a patches matrix (im2col) and multiplies it by the kernel with one GEMM per
// group. Two layouts skip the gather: pointwise (1×1, stride 1, no padding) convolutions multiply the
// input directly, and depthwise convolutions with one output per channel run a direct loop.

/// A resolved 2-D convolution (1-D convolutions run with a height of 1).
struct ConvPlan {
    let batch: Int, height: Int, width: Int, channels: Int
    let kernelH: Int, kernelW: Int, outChannels: Int, groups: Int
    let geometry: WindowGeometry

    var groupChannels: Int { channels / groups }
    var groupOut: Int { outChannels / groups }
    var outH: Int { geometry.output[0] }
    var outW: Int { geometry.output[1] }
    /// Columns of one group's patch matrix: (kh, kw, c) flattened.
    var patchColumns: Int { kernelH * kernelW * groupChannels }
    var outputShape: [Int] { [batch, outH, outW, outChannels] }

    var isPointwise: Bool {
        kernelH == 1 && kernelW == 1 && geometry.stride == [1, 1]
            && geometry.padLow == [0, 0] && geometry.padHigh == [0, 0]
    }
    var isDepthwise: Bool { groups == channels && outChannels == channels && groups > 1 }
}

/// Input element strides (batch, row, column, channel).
struct NHWCStrides {
    let n: Int, h: Int, w: Int, c: Int
    init(_ x: Tensor) { (n, h, w, c) = (x.strides[0], x.strides[1], x.strides[2], x.strides[3]) }
}

/// Runs a convolution in `T`. `x` is `[N, H, W, C]` of dtype `T` with any strides; `kernel` is a
/// contiguous `[KH, KW, C/groups, O]` of dtype `T`; `bias` a contiguous `[O]` or nil. The patch matrix
/// holds at most `patchBudget` elements (about 32 MB of float32 by default); larger problems run in chunks
/// of output rows.
func convolve2d<T: NNFloat>(_ x: Tensor, _ kernel: Tensor, _ bias: Tensor?, _ p: ConvPlan, _: T.Type,
                            patchBudget: Int = 8 << 20) -> Tensor {
    let out = Tensor(uninitializedShape: p.outputShape, dtype: T.dtype)
    let rows = p.batch * p.outH * p.outW
    let o = p.outChannels
    guard rows > 0 && o > 0 else { return out }
    let y = out.pointer(T.self), xp = UnsafePointer(x.pointer(T.self)), w = UnsafePointer(kernel.pointer(T.self))
    let b = bias.map { UnsafePointer($0.pointer(T.self)) }
    let xs = NHWCStrides(x)

    if p.isDepthwise {
        depthwiseDirect(xp, xs, w, b, y, p)
        return out
    }
    if b != nil || p.patchColumns == 0 { fillRows(y, rows: rows, width: o, bias: b) }
    if p.patchColumns == 0 { return out }
    let beta: T = b == nil ? 0 : 1
    let (cg, og, groups) = (p.groupChannels, p.groupOut, p.groups)

    let pixelsDense = xs.c == 1 && (p.width == 1 || xs.w == p.channels)
        && (p.height == 1 || xs.h == p.width * p.channels)
        && (p.batch == 1 || xs.n == p.height * p.width * p.channels)
    if p.isPointwise && pixelsDense {
        // The input already is the patch matrix: rows are pixels, columns (g, c).
        for g in 0..<groups {
            T.gemm(m: rows, n: og, k: cg, a: xp + g * cg, lda: p.channels, b: w + g * og, ldb: o,
                   beta: beta, c: y + g * og, ldc: o)
        }
        return out
    }

    let k = p.patchColumns, ld = groups * k
    let chunkRows = Swift.max(1, Swift.min(rows, patchBudget / ld))
    let patches = UnsafeMutablePointer<T>.allocate(capacity: chunkRows * ld)
    defer { patches.deallocate() }
    var start = 0
    while start < rows {
        let n = Swift.min(chunkRows, rows - start)
        im2col(xp, xs, p, rows: start..<(start + n), into: patches)
        for g in 0..<groups {
            T.gemm(m: n, n: og, k: k, a: patches + g * k, lda: ld, b: w + g * og, ldb: o,
                   beta: beta, c: y + start * o + g * og, ldc: o)
        }
        start += n
    }
    return out
}

/// Writes `rows` rows of `width` elements: copies of `bias`, or zeros.
private func fillRows<T: NNFloat>(_ y: UnsafeMutablePointer<T>, rows: Int, width: Int, bias: UnsafePointer<T>?) {
    let yb = UncheckedSendable(y)
    let bb = UncheckedSendable(bias)
    Parallelism.forEachChunk(count: rows, minimumChunk: Swift.max(1, (1 << 15) / width)) { r in
        let base = yb.value + r.lowerBound * width
        if let b = bb.value {
            for i in 0..<r.count { (base + i * width).update(from: b, count: width) }
        } else {
            base.update(repeating: 0, count: r.count * width)
        }
    }
}

/// Gathers the receptive fields of output rows `rows` (flattened n, oh, ow) into `dst`, one row of
/// `groups × KH × KW × C/groups` elements each, column order (g, kh, kw, c); padding reads as zero.
func im2col<T: NNFloat>(_ x: UnsafePointer<T>, _ xs: NHWCStrides, _ p: ConvPlan, rows: Range<Int>,
                        into dst: UnsafeMutablePointer<T>) {
    let g = p.geometry
    let (sh, sw, dh, dw) = (g.stride[0], g.stride[1], g.dilation[0], g.dilation[1])
    let (top, left) = (g.padLow[0], g.padLow[1])
    let (oh, ow, cg) = (p.outH, p.outW, p.groupChannels)
    let rowWidth = p.groups * p.patchColumns
    let src = UncheckedSendable(x), out = UncheckedSendable(dst)
    Parallelism.forEachChunk(count: rows.count, minimumChunk: Swift.max(1, (1 << 14) / rowWidth)) { chunk in
        let x = src.value
        for local in chunk {
            let m = rows.lowerBound + local
            let n = m / (oh * ow), rem = m % (oh * ow)
            let oy = rem / ow, ox = rem % ow
            var d = out.value + local * rowWidth
            for grp in 0..<p.groups {
                for a in 0..<p.kernelH {
                    let iy = oy * sh - top + a * dh
                    let rowInside = iy >= 0 && iy < p.height
                    for b in 0..<p.kernelW {
                        let ix = ox * sw - left + b * dw
                        if rowInside && ix >= 0 && ix < p.width {
                            let s = x + n * xs.n + iy * xs.h + ix * xs.w + grp * cg * xs.c
                            if xs.c == 1 {
                                d.update(from: s, count: cg)
                            } else {
                                for c in 0..<cg { d[c] = s[c &* xs.c] }
                            }
                        } else {
                            d.update(repeating: 0, count: cg)
                        }
                        d += cg
                    }
                }
            }
        }
    }
}

/// Depthwise convolution with one output per channel (kernel `[KH, KW, 1, C]`), computed directly:
/// each output pixel accumulates `x[…, c] * w[kh, kw, 0, c]` over the window, vectorized over channels.
private func depthwiseDirect<T: NNFloat>(_ x: UnsafePointer<T>, _ xs: NHWCStrides, _ w: UnsafePointer<T>,
                                         _ bias: UnsafePointer<T>?, _ y: UnsafeMutablePointer<T>, _ p: ConvPlan) {
    let g = p.geometry
    let (sh, sw, dh, dw) = (g.stride[0], g.stride[1], g.dilation[0], g.dilation[1])
    let (top, left) = (g.padLow[0], g.padLow[1])
    let (oh, ow, c) = (p.outH, p.outW, p.channels)
    let src = UncheckedSendable(x), wt = UncheckedSendable(w), bs = UncheckedSendable(bias)
    let dst = UncheckedSendable(y)
    Parallelism.forEachChunk(count: p.batch * oh, minimumChunk: Swift.max(1, (1 << 13) / Swift.max(1, ow * c))) { chunk in
        let x = src.value, w = wt.value
        for row in chunk {
            let n = row / oh, oy = row % oh
            for ox in 0..<ow {
                let o = dst.value + (row * ow + ox) * c
                if let b = bs.value { o.update(from: b, count: c) } else { o.update(repeating: 0, count: c) }
                for a in 0..<p.kernelH {
                    let iy = oy * sh - top + a * dh
                    if iy < 0 || iy >= p.height { continue }
                    for bb in 0..<p.kernelW {
                        let ix = ox * sw - left + bb * dw
                        if ix < 0 || ix >= p.width { continue }
                        let s = x + n * xs.n + iy * xs.h + ix * xs.w
                        let k = w + (a * p.kernelW + bb) * c
                        if xs.c == 1 {
                            for i in 0..<c { o[i] += s[i] * k[i] }
                        } else {
                            for i in 0..<c { o[i] += s[i &* xs.c] * k[i] }
                        }
                    }
                }
            }
        }
    }
}
