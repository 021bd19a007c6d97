// Max and average pooling, channels last ([N, H, W, C] / [N, W, C]), with Flax's defaults: stride 1
// unless given, `.valid` padding, and average pooling that counts padded positions (count_include_pad).

extension Tensor {
    /// 2-D max pooling over `window × window` patches of a channels-last `[N, H, W, C]` tensor.
    /// Padding reads as -infinity; NaN propagates. The dtype is kept.
    ///
    /// As in Flax, `stride` defaults to 1 (pass `stride: window` for non-overlapping windows).
    ///
    /// ```swift
    /// let x = Tensor.arange(16).reshaped([1, 4, 4, 1])
    /// x.maxPool2d(window: 2, stride: 2)                       // [[5, 7], [13, 15]] as [1, 2, 2, 1]
    /// x.maxPool2d(window: 3, stride: 2, padding: .same).shape // [1, 2, 2, 1]
    /// ```
    public func maxPool2d(window: Int, stride: Int = 1, padding: ConvPadding = .valid) -> Tensor {
        pooling(op: "maxPool2d", spatialRank: 2, window: [window], stride: [stride], padding: padding, kind: .max)
    }

    /// 2-D max pooling with a window and stride per spatial dimension (`[h, w]`; one value repeats).
    ///
    /// ```swift
    /// x.maxPool2d(window: [2, 1], stride: [2, 1])
    /// ```
    public func maxPool2d(window: [Int], stride: [Int] = [1], padding: ConvPadding = .valid) -> Tensor {
        pooling(op: "maxPool2d", spatialRank: 2, window: window, stride: stride, padding: padding, kind: .max)
    }

    /// 2-D average pooling of a channels-last `[N, H, W, C]` tensor.
    ///
    /// With `countIncludePad` (the default, as Flax's `avg_pool`) every window divides by its full size,
    /// padded zeros included; otherwise by the number of input elements it covers. Float dtypes are kept;
    /// integer and bool inputs give float32. `stride` defaults to 1, as in Flax.
    ///
    /// ```swift
    /// let x = Tensor.arange(16).reshaped([1, 4, 4, 1])
    /// x.avgPool2d(window: 2, stride: 2)    // [[2.5, 4.5], [10.5, 12.5]] as [1, 2, 2, 1]
    /// x.avgPool2d(window: 3, padding: .same, countIncludePad: false)
    /// ```
    public func avgPool2d(window: Int, stride: Int = 1, padding: ConvPadding = .valid,
                          countIncludePad: Bool = true) -> Tensor {
        pooling(op: "avgPool2d", spatialRank: 2, window: [window], stride: [stride], padding: padding,
                kind: .average(includePad: countIncludePad))
    }

    /// 2-D average pooling with a window and stride per spatial dimension (`[h, w]`; one value repeats).
    ///
    /// ```swift
    /// x.avgPool2d(window: [2, 3], stride: [2, 3])
    /// ```
    public func avgPool2d(window: [Int], stride: [Int] = [1], padding: ConvPadding = .valid,
                          countIncludePad: Bool = true) -> Tensor {
        pooling(op: "avgPool2d", spatialRank: 2, window: window, stride: stride, padding: padding,
                kind: .average(includePad: countIncludePad))
    }

    /// 1-D max pooling of a channels-last `[N, W, C]` tensor (see ``maxPool2d(window:stride:padding:)``).
    ///
    /// ```swift
    /// Tensor([1, 3, 2, 5] as [Float], shape: [1, 4, 1]).maxPool1d(window: 2, stride: 2)   // [3, 5]
    /// ```
    public func maxPool1d(window: Int, stride: Int = 1, padding: ConvPadding = .valid) -> Tensor {
        pooling(op: "maxPool1d", spatialRank: 1, window: [window], stride: [stride], padding: padding, kind: .max)
    }

    /// 1-D average pooling of a channels-last `[N, W, C]` tensor (see ``avgPool2d(window:stride:padding:countIncludePad:)``).
    ///
    /// ```swift
    /// Tensor([1, 3, 2, 5] as [Float], shape: [1, 4, 1]).avgPool1d(window: 2, stride: 2)   // [2, 3.5]
    /// ```
    public func avgPool1d(window: Int, stride: Int = 1, padding: ConvPadding = .valid,
                          countIncludePad: Bool = true) -> Tensor {
        pooling(op: "avgPool1d", spatialRank: 1, window: [window], stride: [stride], padding: padding,
                kind: .average(includePad: countIncludePad))
    }

    /// The output shape of a pooling op over `input` (rank `spatialRank + 2`, channels last), or the
    /// error explaining why the window does not fit.
    ///
    /// ```swift
    /// try Tensor.poolingOutputShape(input: [1, 7, 7, 8], window: [3], stride: [2], padding: .same)  // [1, 4, 4, 8]
    /// ```
    public static func poolingOutputShape(input: [Int], window: [Int], stride: [Int] = [1],
                                          padding: ConvPadding = .valid, spatialRank: Int = 2) throws -> [Int] {
        let op = spatialRank == 1 ? "pool1d" : "pool2d"
        let plan = try poolPlan(op: op, spatialRank: spatialRank, input: input, window: window, stride: stride, padding: padding)
        return spatialRank == 1 ? [plan.batch, plan.outW, plan.channels] : plan.outputShape
    }

    /// Validates a pooling op and resolves it as a 2-D problem (1-D gets a unit height).
    static func poolPlan(op: String, spatialRank r: Int, input: [Int], window: [Int], stride: [Int],
                         padding: ConvPadding) throws -> PoolPlan {
        let context = "input \(shapeString(input)), window \(window), stride \(stride), padding \(padding)"
        guard r == 1 || r == 2 else { throw TensorError(op, "spatial rank must be 1 or 2, got \(r)") }
        guard input.count == r + 2 else {
            let layout = r == 1 ? "[N, W, C]" : "[N, H, W, C]"
            throw TensorError(op, "input must have rank \(r + 2) \(layout), got rank \(input.count): \(context)")
        }
        var win = try expandSpatial(window, rank: r, name: "window", op: op, context: context)
        var s = try expandSpatial(stride, rank: r, name: "stride", op: op, context: context)
        var spatialIn = Array(input[1...r])
        var pad = padding
        if r == 1 {
            spatialIn.insert(1, at: 0)
            win.insert(1, at: 0)
            s.insert(1, at: 0)
            if case .explicit(let p) = padding {
                guard p.count == 1 else {
                    throw TensorError(op, "explicit padding has \(p.count) (low, high) pairs for 1 spatial dimension: \(context)")
                }
                pad = .explicit([(0, 0)] + p)
            }
        }
        let g = try WindowGeometry.make(op: op, input: spatialIn, window: win, stride: s, dilation: [1, 1],
                                        padding: pad, context: context)
        return PoolPlan(batch: input[0], height: spatialIn[0], width: spatialIn[1], channels: input[r + 1], geometry: g)
    }

    func pooling(op: String, spatialRank r: Int, window: [Int], stride: [Int], padding: ConvPadding,
                 kind: PoolKind) -> Tensor {
        let plan = checked {
            try Tensor.poolPlan(op: op, spatialRank: r, input: shape, window: window, stride: stride, padding: padding)
        }
        let x = r == 1 ? insertUnitHeight(self) : self
        if _slowPath(traceTag != 0) {
            let work: DType = dtype == .float64 ? .float64 : .float32
            let result = (r == 1 ? expandingDims(at: 1) : self).cast(to: work)
                .tracedPooling(plan, kind: kind).cast(to: dtype.isFloatingPoint ? dtype : .float32)
            return finishPool(result, plan, r)
        }
        let out: Tensor
        switch kind {
        case .max:
            let compute = dtype.computeType
            let xc = x.cast(to: compute)
            switch compute {
            case .float64: out = maxPool(xc, plan, Double.self)
            case .float32: out = maxPool(xc, plan, Float.self)
            default: out = maxPool(xc, plan, Int32.self)
            }
            return finishPool(out.cast(to: dtype), plan, r)
        case .average(let includePad):
            let result = nnResultType([dtype])
            let compute: DType = result == .float64 ? .float64 : .float32
            let xc = x.cast(to: compute)
            out = compute == .float64
                ? averagePool(xc, plan, includePad: includePad, Double.self)
                : averagePool(xc, plan, includePad: includePad, Float.self)
            return finishPool(out.cast(to: result), plan, r)
        }
    }

    private func finishPool(_ t: Tensor, _ plan: PoolPlan, _ r: Int) -> Tensor {
        r == 1 ? t.reshaped([plan.batch, plan.outW, plan.channels]) : t
    }
}

enum PoolKind { case max, average(includePad: Bool) }

/// A resolved 2-D pooling (1-D pooling runs with a height of 1).
struct PoolPlan {
    let batch: Int, height: Int, width: Int, channels: Int
    let geometry: WindowGeometry
    var outH: Int { geometry.output[0] }
    var outW: Int { geometry.output[1] }
    var outputShape: [Int] { [batch, outH, outW, channels] }
}

/// Element types max pooling runs in: a lowest value (the padding) and a NaN-propagating maximum.
protocol MaxPoolScalar: TensorScalar {
    static var lowest: Self { get }
    static func maxPropagatingNaN(_ a: Self, _ b: Self) -> Self
}

extension Float: MaxPoolScalar {
    static var lowest: Float { -.infinity }
    @inline(__always) static func maxPropagatingNaN(_ a: Float, _ b: Float) -> Float { (b > a || b != b) ? b : a }
}

extension Double: MaxPoolScalar {
    static var lowest: Double { -.infinity }
    @inline(__always) static func maxPropagatingNaN(_ a: Double, _ b: Double) -> Double { (b > a || b != b) ? b : a }
}

extension Int32: MaxPoolScalar {
    static var lowest: Int32 { .min }
    @inline(__always) static func maxPropagatingNaN(_ a: Int32, _ b: Int32) -> Int32 { Swift.max(a, b) }
}

/// The input pixels under one output pixel's window.
struct PoolWindows {
    let plan: PoolPlan
    let xn: Int, xh: Int, xw: Int

    init(_ x: Tensor, _ plan: PoolPlan) {
        self.plan = plan
        (xn, xh, xw) = (x.strides[0], x.strides[1], x.strides[2])
    }

    /// Writes the element offsets of the in-bounds input pixels of output pixel (`row` = n·OH + oy, `ox`)
    /// into `offsets` and returns how many there are.
    @inline(__always)
    func offsets(row: Int, ox: Int, into offsets: UnsafeMutablePointer<Int>) -> Int {
        let g = plan.geometry
        let n = row / plan.outH, oy = row % plan.outH
        var count = 0
        for a in 0..<g.window[0] {
            let iy = oy * g.stride[0] - g.padLow[0] + a
            if iy < 0 || iy >= plan.height { continue }
            for b in 0..<g.window[1] {
                let ix = ox * g.stride[1] - g.padLow[1] + b
                if ix < 0 || ix >= plan.width { continue }
                offsets[count] = n * xn + iy * xh + ix * xw
                count += 1
            }
        }
        return count
    }

    /// Splits the output rows (n, oy) over threads; `body(rows, offsetsScratch)`.
    func run(_ body: (Range<Int>, UnsafeMutablePointer<Int>) -> Void) {
        let g = plan.geometry
        let perRow = Swift.max(1, plan.outW * plan.channels * g.window[0] * g.window[1])
        let windowSize = g.window[0] * g.window[1]
        Parallelism.forEachChunk(count: plan.batch * plan.outH, minimumChunk: Swift.max(1, (1 << 14) / perRow)) { rows in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: windowSize) { scratch in
                body(rows, scratch.baseAddress!)
            }
        }
    }
}

private func maxPool<T: MaxPoolScalar>(_ x: Tensor, _ p: PoolPlan, _: T.Type) -> Tensor {
    let out = Tensor(uninitializedShape: p.outputShape, dtype: T.dtype)
    let (c, ow, sc) = (p.channels, p.outW, x.strides[3])
    let src = UncheckedSendable(UnsafePointer(x.pointer(T.self))), dst = UncheckedSendable(out.pointer(T.self))
    let windows = PoolWindows(x, p)
    windows.run { rows, offsets in
        for row in rows {
            for ox in 0..<ow {
                let o = dst.value + (row * ow + ox) * c
                let count = windows.offsets(row: row, ox: ox, into: offsets)
                o.update(repeating: T.lowest, count: c)
                for j in 0..<count {
                    let s = src.value + offsets[j]
                    if sc == 1 {
                        for i in 0..<c { o[i] = T.maxPropagatingNaN(o[i], s[i]) }
                    } else {
                        for i in 0..<c { o[i] = T.maxPropagatingNaN(o[i], s[i &* sc]) }
                    }
                }
            }
        }
    }
    return out
}

private func averagePool<T: NNFloat>(_ x: Tensor, _ p: PoolPlan, includePad: Bool, _: T.Type) -> Tensor {
    let out = Tensor(uninitializedShape: p.outputShape, dtype: T.dtype)
    let (c, ow, sc) = (p.channels, p.outW, x.strides[3])
    let full = p.geometry.window[0] * p.geometry.window[1]
    let src = UncheckedSendable(UnsafePointer(x.pointer(T.self))), dst = UncheckedSendable(out.pointer(T.self))
    let windows = PoolWindows(x, p)
    windows.run { rows, offsets in
        for row in rows {
            for ox in 0..<ow {
                let o = dst.value + (row * ow + ox) * c
                let count = windows.offsets(row: row, ox: ox, into: offsets)
                o.update(repeating: 0, count: c)
                for j in 0..<count {
                    let s = src.value + offsets[j]
                    if sc == 1 {
                        for i in 0..<c { o[i] += s[i] }
                    } else {
                        for i in 0..<c { o[i] += s[i &* sc] }
                    }
                }
                let divisor = includePad ? full : count
                let scale = divisor > 0 ? 1 / T(divisor) : T.nan
                for i in 0..<c { o[i] *= scale }
            }
        }
    }
    return out
}
