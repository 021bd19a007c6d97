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
        let count = reduced.map { plan.sizes[$0]! }.reduce(1, *)
        if count == 0 && (reduction == .max || reduction == .min) {
            throw parser.error("cannot take the \(reduction.rawValue) over an empty set of elements (input \(shapeString(shape)))")
        }
        let base = reshaped(inAxes.map { plan.sizes[$0]! })
        let axes = reduced.map { inAxes.firstIndex(of: $0)! }
        let result: Tensor
        switch reduction {
        case .sum: result = base.sum(axes: axes)
        case .mean: result = base.mean(axes: axes)
        case .prod: result = base.prod(axes: axes)
        case .max: result = base.max(axes: axes)
        case .min: result = base.min(axes: axes)
        }
        // The reductions keep the remaining axes in input order; the pattern may reorder them.
        let remaining = inAxes.filter { !reduced.contains($0) }
        return result.permuted(kept.map { remaining.firstIndex(of: $0)! }).reshaped(plan.outputShape)
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
        if _slowPath(traceTag != 0) { return full.copied().reshaped(plan.outputShape) }
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
