// einops-style rearrange / reduce / repeat, built from reshape, permute and broadcast (views where
// the layout allows) plus a row reduction. Patterns come from users, so these functions throw.

/// The reduction ``Tensor/reduce(_:_:_:)`` applies over the axes a pattern drops.
public enum EinopsReduction: String, Sendable, CaseIterable {
    case sum, mean, max, min, prod
}

extension Tensor {
    /// Reorders, splits and merges axes as an einops pattern says: named axes, parenthesized groups
    /// `(h d)` on either side, `1` or `()` for unit axes and `...` for the axes not named. Sizes that
    /// cannot be read off the input are passed in `sizes`. A view where the layout allows.
    ///
    /// ```swift
    /// let x = Tensor.zeros([2, 12, 5])
    /// try x.rearrange("b (h d) t -> b h t d", ["h": 4]).shape   // [2, 4, 5, 3]
    /// try x.rearrange("b c t -> (b t) c").shape                 // [10, 12]
    /// try x.rearrange("... t -> t ...").shape                   // [5, 2, 12]
    /// ```
    ///
    /// Throws a ``TensorError`` that quotes the pattern and names the axis when the pattern is
    /// malformed, an axis appears on one side only, or sizes do not fit the input's shape.
    public func rearrange(_ pattern: String, _ sizes: [String: Int] = [:]) throws -> Tensor {
        let parser = EinopsParser(pattern: pattern, op: .rearrange)
        let plan = try parser.plan(shape: shape, sizes: sizes)
        let inAxes = plan.leftDims.flatMap { $0 }.filter { !$0.hasPrefix("#") }
        let outAxes = plan.rightDims.flatMap { $0 }.filter { !$0.hasPrefix("#") }
        let x = reshaped(inAxes.map { plan.sizes[$0]! })
        let perm = outAxes.map { inAxes.firstIndex(of: $0)! }
        return x.permuted(perm).reshaped(plan.outputShape)
    }

    /// Reduces the axes that appear on the left of an einops pattern but not on its right, and
    /// rearranges the rest. Anonymous numbers on the left are reduced too (`(h 2)` pools pairs).
    ///
    /// ```swift
    /// let x = Tensor.ones([2, 3, 4, 6])
    /// try x.reduce("b c h w -> b c", .mean).shape                  // [2, 3]: global average pooling
    /// try x.reduce("b c (h 2) (w 2) -> b c h w", .max).shape       // [2, 3, 2, 3]: 2×2 max pooling
    /// try x.reduce("b c h w -> b c 1 1", .sum).shape               // [2, 3, 1, 1]
    /// ```
    ///
    /// Float dtypes keep their dtype (16-bit floats are summed in float32); on integers and bool,
    /// `sum` and `prod` give int32 and `mean` gives float32; `max` and `min` keep the dtype. NaN
    /// propagates through `max` and `min`.
    public func reduce(_ pattern: String, _ reduction: EinopsReduction, _ sizes: [String: Int] = [:]) throws -> Tensor {
        let parser = EinopsParser(pattern: pattern, op: .reduce)
        let plan = try parser.plan(shape: shape, sizes: sizes)
        let inAxes = plan.leftDims.flatMap { $0 }.filter { !($0.hasPrefix("#") && plan.sizes[$0] == 1) }
        let kept = plan.rightDims.flatMap { $0 }.filter { !$0.hasPrefix("#") }
        let reduced = inAxes.filter { !kept.contains($0) }
        let rows = kept.map { plan.sizes[$0]! }.reduce(1, *)
        let count = reduced.map { plan.sizes[$0]! }.reduce(1, *)
        if count == 0 && (reduction == .max || reduction == .min) {
            throw parser.error("cannot take the \(reduction.rawValue) over an empty set of elements (input \(shapeString(shape)))")
        }
        let base = reshaped(inAxes.map { plan.sizes[$0]! })
        // When the reduced axes lead in memory, add whole rows together instead of copying to a transpose.
        let leading = base.permuted((reduced + kept).map { inAxes.firstIndex(of: $0)! })
        if count > 1 && rows > 1 && leading.isContiguous {
            return reduceRows(leading.reshaped([count, rows]), reduction, columns: true).reshaped(plan.outputShape)
        }
        let x = base.permuted((kept + reduced).map { inAxes.firstIndex(of: $0)! }).reshaped([rows, count])
        return reduceRows(x, reduction).reshaped(plan.outputShape)
    }

    /// Repeats along new axes and rearranges as an einops pattern says: axes on the right that are not
    /// on the left are new, with sizes given in `sizes` or written as numbers.
    ///
    /// ```swift
    /// let img = Tensor.zeros([4, 5])
    /// try img.repeat("h w -> h w c", ["c": 3]).shape           // [4, 5, 3]
    /// try img.repeat("h w -> (h 2) (w 2)").shape                // [8, 10]: nearest-neighbour upsampling
    /// try img.repeat("h w -> (r h) w", ["r": 2]).shape         // [8, 5]: stacked copies
    /// ```
    public func `repeat`(_ pattern: String, _ sizes: [String: Int] = [:]) throws -> Tensor {
        let parser = EinopsParser(pattern: pattern, op: .repeat)
        let plan = try parser.plan(shape: shape, sizes: sizes)
        let inAxes = plan.leftDims.flatMap { $0 }.filter { !$0.hasPrefix("#") }
        let outAxes = plan.rightDims.flatMap { $0 }.filter { !($0.hasPrefix("#") && plan.sizes[$0] == 1) }
        let present = outAxes.filter { inAxes.contains($0) }
        let x = reshaped(inAxes.map { plan.sizes[$0]! }).permuted(present.map { inAxes.firstIndex(of: $0)! })
        let withUnits = x.reshaped(outAxes.map { inAxes.contains($0) ? plan.sizes[$0]! : 1 })
        let fullShape = outAxes.map { plan.sizes[$0]! }
        let full = withUnits.broadcast(to: fullShape)
        // Copy with the new (broadcast) axes outermost, so the inner loops run along the input's axes
        // instead of along a short repeated axis; keep the natural order when the input is tiny.
        let newPositions = outAxes.indices.filter { !inAxes.contains(outAxes[$0]) }
        let oldPositions = outAxes.indices.filter { inAxes.contains(outAxes[$0]) }
        let out = Tensor(uninitializedShape: fullShape, dtype: dtype)
        if scalarCount >= 64 && !newPositions.isEmpty {
            let order = newPositions + oldPositions
            writeRegion(full.permuted(order), into: out.permuted(order))
        } else {
            writeRegion(full, into: out)
        }
        return out.reshaped(plan.outputShape)
    }
}

extension EinopsPlan {
    /// The output's shape: the product of each right-side group's sizes.
    var outputShape: [Int] { rightDims.map { $0.map { sizes[$0]! }.reduce(1, *) } }
}

/// Reduces each row of a `[rows, count]` tensor to one element, or with `columns` each column of a
/// `[count, rows]` tensor (see ``Tensor/reduce(_:_:_:)`` for dtypes).
func reduceRows(_ x: Tensor, _ reduction: EinopsReduction, columns: Bool = false) -> Tensor {
    let rows = x.shape[columns ? 1 : 0], count = x.shape[columns ? 0 : 1]
    var compute = x.dtype.computeType
    if reduction == .mean && compute == .int32 { compute = .float32 }
    var result = x.dtype
    if !x.dtype.isFloatingPoint {
        switch reduction {
        case .sum, .prod: result = .int32
        case .mean: result = .float32
        case .max, .min: result = x.dtype
        }
    }
    let src = x.cast(to: compute).contiguous()
    let out = Tensor(uninitializedShape: [rows], dtype: compute)
    withExtendedLifetime(src) {
        if columns {
            switch compute {
            case .float32: reduceColumnsLoop(src.pointer(Float.self), out.pointer(Float.self), rows, count, reduction)
            case .float64: reduceColumnsLoop(src.pointer(Double.self), out.pointer(Double.self), rows, count, reduction)
            default: reduceColumnsLoop(src.pointer(Int32.self), out.pointer(Int32.self), rows, count, reduction)
            }
            return
        }
        switch compute {
        case .float32: reduceRowsLoop(src.pointer(Float.self), out.pointer(Float.self), rows, count, reduction)
        case .float64: reduceRowsLoop(src.pointer(Double.self), out.pointer(Double.self), rows, count, reduction)
        default: reduceRowsLoop(src.pointer(Int32.self), out.pointer(Int32.self), rows, count, reduction)
        }
    }
    return out.cast(to: result)
}

/// Scalars the einops row reduction handles: the three compute types.
protocol RowReducible: ScatterScalar {
    static var zeroValue: Self { get }
    static var oneValue: Self { get }
    static func product(_ a: Self, _ b: Self) -> Self
    /// The larger (`greater`) or smaller one, NaN winning.
    static func pick(_ a: Self, _ b: Self, greater: Bool) -> Self
    static func divided(_ a: Self, by n: Int) -> Self
}

extension Float: RowReducible {
    static var zeroValue: Float { 0 }
    static var oneValue: Float { 1 }
    @inline(__always) static func product(_ a: Float, _ b: Float) -> Float { a * b }
    @inline(__always) static func pick(_ a: Float, _ b: Float, greater: Bool) -> Float {
        if a.isNaN || b.isNaN { return .nan }
        return greater ? (b > a ? b : a) : (b < a ? b : a)
    }
    static func divided(_ a: Float, by n: Int) -> Float { a / Float(n) }
}
extension Double: RowReducible {
    static var zeroValue: Double { 0 }
    static var oneValue: Double { 1 }
    @inline(__always) static func product(_ a: Double, _ b: Double) -> Double { a * b }
    @inline(__always) static func pick(_ a: Double, _ b: Double, greater: Bool) -> Double {
        if a.isNaN || b.isNaN { return .nan }
        return greater ? (b > a ? b : a) : (b < a ? b : a)
    }
    static func divided(_ a: Double, by n: Int) -> Double { a / Double(n) }
}
extension Int32: RowReducible {
    static var zeroValue: Int32 { 0 }
    static var oneValue: Int32 { 1 }
    @inline(__always) static func product(_ a: Int32, _ b: Int32) -> Int32 { a &* b }
    @inline(__always) static func pick(_ a: Int32, _ b: Int32, greater: Bool) -> Int32 {
        greater ? Swift.max(a, b) : Swift.min(a, b)
    }
    static func divided(_ a: Int32, by n: Int) -> Int32 { a / Int32(n) }
}

private func reduceRowsLoop<T: RowReducible>(_ src: UnsafeMutablePointer<T>, _ dst: UnsafeMutablePointer<T>,
                                             _ rows: Int, _ count: Int, _ reduction: EinopsReduction) {
    Parallelism.forEachChunk(count: rows, minimumChunk: Swift.max(1, (1 << 15) / Swift.max(count, 1))) { range in
        for r in range {
            let p = src + r * count
            switch reduction {
            case .sum: dst[r] = pairwiseSum(p, count)
            case .mean: dst[r] = count == 0 ? T.divided(T.zeroValue, by: 0) : T.divided(pairwiseSum(p, count), by: count)
            case .prod:
                var acc = T.oneValue
                for i in 0..<count { acc = T.product(acc, p[i]) }
                dst[r] = acc
            case .max, .min:
                var acc = p[0]
                for i in 1..<Swift.max(count, 1) { acc = T.pick(acc, p[i], greater: reduction == .max) }
                dst[r] = acc
            }
        }
    }
}

/// Column reduction of a `[count, rows]` array: whole rows are combined, so the inner loops run over
/// contiguous memory; the columns are split across threads.
private func reduceColumnsLoop<T: RowReducible>(_ src: UnsafeMutablePointer<T>, _ dst: UnsafeMutablePointer<T>,
                                                _ rows: Int, _ count: Int, _ reduction: EinopsReduction) {
    Parallelism.forEachChunk(count: rows, minimumChunk: Swift.max(64, (1 << 15) / Swift.max(count, 1))) { range in
        let d = dst + range.lowerBound, n = range.count
        let first = src + range.lowerBound
        for i in 0..<n { d[i] = first[i] }
        for k in 1..<count {
            let p = first + k * rows
            switch reduction {
            case .sum, .mean: for i in 0..<n { d[i] = T.accumulate(d[i], p[i]) }
            case .prod: for i in 0..<n { d[i] = T.product(d[i], p[i]) }
            case .max: for i in 0..<n { d[i] = T.pick(d[i], p[i], greater: true) }
            case .min: for i in 0..<n { d[i] = T.pick(d[i], p[i], greater: false) }
            }
        }
        if reduction == .mean { for i in 0..<n { d[i] = T.divided(d[i], by: count) } }
    }
}

/// Pairwise summation (error grows with log n, as NumPy's).
private func pairwiseSum<T: RowReducible>(_ p: UnsafeMutablePointer<T>, _ n: Int) -> T {
    if n <= 128 {
        var acc = T.zeroValue
        for i in 0..<n { acc = T.accumulate(acc, p[i]) }
        return acc
    }
    let h = n / 2
    return T.accumulate(pairwiseSum(p, h), pairwiseSum(p + h, n - h))
}
