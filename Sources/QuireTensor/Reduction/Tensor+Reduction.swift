// sum, mean, prod, max, min, all, any over any set of axes.
//
// Dtypes: float32 and float64 reduce in their own type (sums accumulate in Double); float16 and
// bfloat16 reduce in float32 and return their dtype; int32 sums and products wrap in int32, and
// int8/uint8/bool sum to int32. The mean of integers is float32. max/min keep the dtype.

extension Tensor {
    /// Sum over `axes` (all axes when `nil`); reduced axes are dropped unless `keepDims`.
    /// An empty reduction gives 0.
    ///
    /// ```swift
    /// let x = Tensor([[1, 2, 3], [4, 5, 6]] as [[Float]])
    /// x.sum()                                // 21.0
    /// x.sum(axes: [1])                       // [6.0, 15.0]
    /// x.sum(axes: [0], keepDims: true).shape // [1, 3]
    /// ```
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "sum")
        if _slowPath(traceTag != 0) {
            return Tensor.traced(.sum(axes: ax, keepDims: keepDims), [self]) { detached.sum(axes: ax, keepDims: keepDims) }
        }
        let r: Tensor
        switch dtype {
        case .float32: r = reduce(SumReducer<Float>.self, axes: ax, op: "sum")
        case .float64: r = reduce(SumReducer<Double>.self, axes: ax, op: "sum")
        case .float16, .bfloat16: r = cast(to: .float32).reduce(SumReducer<Float>.self, axes: ax, op: "sum").cast(to: dtype)
        default: r = cast(to: .int32).reduce(IntSumReducer.self, axes: ax, op: "sum")
        }
        return r.droppingReduced(ax, keepDims: keepDims)
    }

    /// Sum over one axis.
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 4]] as [[Float]]).sum(axis: -1)   // [3.0, 7.0]
    /// ```
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Arithmetic mean over `axes` (all when `nil`). Integer and bool inputs give float32.
    /// The mean of an empty set is NaN.
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 4]] as [[Float]]).mean(axes: [0])   // [2.0, 3.0]
    /// ```
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "mean")
        if _slowPath(traceTag != 0) {
            return Tensor.traced(.mean(axes: ax, keepDims: keepDims), [self]) { detached.mean(axes: ax, keepDims: keepDims) }
        }
        let r: Tensor
        switch dtype {
        case .float32: r = reduce(MeanReducer<Float>.self, axes: ax, op: "mean")
        case .float64: r = reduce(MeanReducer<Double>.self, axes: ax, op: "mean")
        case .float16, .bfloat16: r = cast(to: .float32).reduce(MeanReducer<Float>.self, axes: ax, op: "mean").cast(to: dtype)
        default: r = cast(to: .float64).reduce(MeanReducer<Double>.self, axes: ax, op: "mean").cast(to: .float32)
        }
        return r.droppingReduced(ax, keepDims: keepDims)
    }

    /// Mean over one axis.
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 4]] as [[Float]]).mean(axis: 0)   // [2.0, 3.0]
    /// ```
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Product over `axes` (all when `nil`); an empty product is 1. Integers multiply in int32 (wrapping).
    ///
    /// ```swift
    /// Tensor([1, 2, 3, 4] as [Float]).prod()   // 24.0
    /// ```
    public func prod(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "prod")
        if _slowPath(traceTag != 0) {
            return Tensor.traced(.prod(axes: ax, keepDims: keepDims), [self]) { detached.prod(axes: ax, keepDims: keepDims) }
        }
        let r: Tensor
        switch dtype {
        case .float32: r = reduce(ProdReducer<Float>.self, axes: ax, op: "prod")
        case .float64: r = reduce(ProdReducer<Double>.self, axes: ax, op: "prod")
        case .float16, .bfloat16: r = cast(to: .float32).reduce(ProdReducer<Float>.self, axes: ax, op: "prod").cast(to: dtype)
        default: r = cast(to: .int32).reduce(IntProdReducer.self, axes: ax, op: "prod")
        }
        return r.droppingReduced(ax, keepDims: keepDims)
    }

    /// Largest element over `axes` (all when `nil`), NaN if any element is NaN (as in NumPy).
    /// Reducing over an empty axis is an error: the maximum of nothing is undefined.
    ///
    /// ```swift
    /// Tensor([[1, 5], [7, 2]] as [[Float]]).max(axes: [1])   // [5.0, 7.0]
    /// ```
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes, keepDims: keepDims, isMax: true)
    }

    /// Maximum over one axis.
    ///
    /// ```swift
    /// Tensor([[1, 5], [7, 2]] as [[Float]]).max(axis: -1)   // [5.0, 7.0]
    /// ```
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }

    /// Smallest element over `axes` (all when `nil`), NaN if any element is NaN.
    ///
    /// ```swift
    /// Tensor([[1, 5], [7, 2]] as [[Float]]).min()   // 1.0
    /// ```
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        extremum(axes, keepDims: keepDims, isMax: false)
    }

    /// Minimum over one axis.
    ///
    /// ```swift
    /// Tensor([[1, 5], [7, 2]] as [[Float]]).min(axis: 0)   // [1.0, 2.0]
    /// ```
    public func min(axis: Int, keepDims: Bool = false) -> Tensor { min(axes: [axis], keepDims: keepDims) }

    /// True (a bool tensor) where every element over `axes` is non-zero; true for an empty set.
    ///
    /// ```swift
    /// (x .> 0).all()   // rank-0 bool
    /// ```
    public func all(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "all")
        return cast(to: .bool).reduce(AllReducer.self, axes: ax, op: "all").droppingReduced(ax, keepDims: keepDims)
    }

    /// True (a bool tensor) where some element over `axes` is non-zero; false for an empty set.
    ///
    /// ```swift
    /// x.isFinite().all().item(as: Bool.self)
    /// (x .< 0).any(axes: [1])
    /// ```
    public func any(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes, op: "any")
        return cast(to: .bool).reduce(AnyReducer.self, axes: ax, op: "any").droppingReduced(ax, keepDims: keepDims)
    }

    private func extremum(_ axes: [Int]?, keepDims: Bool, isMax: Bool) -> Tensor {
        let op = isMax ? "max" : "min"
        let ax = reductionAxes(axes, op: op)
        checkNonEmptyReduction(ax, op: op)
        if _slowPath(traceTag != 0) {
            return Tensor.traced(isMax ? .max(axes: ax, keepDims: keepDims) : .min(axes: ax, keepDims: keepDims), [self]) {
                detached.extremum(ax, keepDims: keepDims, isMax: isMax)
            }
        }
        let r: Tensor
        switch (dtype, isMax) {
        case (.float32, true): r = reduce(MaxReducer<Float>.self, axes: ax, op: op)
        case (.float32, false): r = reduce(MinReducer<Float>.self, axes: ax, op: op)
        case (.float64, true): r = reduce(MaxReducer<Double>.self, axes: ax, op: op)
        case (.float64, false): r = reduce(MinReducer<Double>.self, axes: ax, op: op)
        case (.float16, _), (.bfloat16, _):
            r = cast(to: .float32).extremum(ax, keepDims: true, isMax: isMax).cast(to: dtype)
        case (.int32, true): r = reduce(IntMaxReducer.self, axes: ax, op: op)
        case (.int32, false): r = reduce(IntMinReducer.self, axes: ax, op: op)
        default:
            r = cast(to: .int32).extremum(ax, keepDims: true, isMax: isMax).cast(to: dtype)
        }
        return r.droppingReduced(ax, keepDims: keepDims)
    }

    /// Stops when a reduction without identity (max, min, argmax …) would reduce zero elements into
    /// a non-empty result.
    func checkNonEmptyReduction(_ axes: [Int], op: String) {
        if let msg = Tensor.emptyReductionMessage(shape: shape, axes: axes, op: op) {
            tensorFailure(TensorError(op, msg))
        }
    }

    /// The misuse message for reducing an empty axis with an operation that has no identity, or nil.
    static func emptyReductionMessage(shape: [Int], axes: [Int], op: String) -> String? {
        let reduced = axes.reduce(1) { $0 * shape[$1] }
        let kept = shape.indices.filter { !axes.contains($0) }.reduce(1) { $0 * shape[$1] }
        guard reduced == 0 && kept > 0 else { return nil }
        let axis = axes.first { shape[$0] == 0 }!
        return "cannot reduce over zero-size axis \(axis) of shape \(shapeString(shape)): \(op) of no elements is undefined"
    }

    /// Removes the (size-1) reduced axes of a keepDims-shaped result unless `keepDims`.
    func droppingReduced(_ axes: [Int], keepDims: Bool) -> Tensor {
        if keepDims || axes.isEmpty { return self }
        let drop = Set(axes)
        return reshaped(shape.indices.filter { !drop.contains($0) }.map { shape[$0] })
    }
}
