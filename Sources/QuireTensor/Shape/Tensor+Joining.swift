// Joining and splitting along an axis: concatenate, stack, split, chunked.

/// Copies `src` (cast to the destination dtype, broadcast to its shape) into `region`, a view that
/// shares storage with a tensor being built. The caller owns that storage exclusively.
func writeRegion(_ src: Tensor, into region: Tensor) {
    var dst = region
    let s = src.cast(to: region.dtype)
    copyElements(from: s.shape == region.shape ? s : s.broadcast(to: region.shape), into: &dst)
}

extension Tensor {
    /// Joins tensors along an existing axis. All must have the same rank and equal sizes on the other
    /// axes; the result has their promoted dtype (``DType/promoted(_:_:)``).
    ///
    /// ```swift
    /// let a = Tensor.zeros([2, 3]), b = Tensor.ones([1, 3])
    /// Tensor.concatenate([a, b], axis: 0).shape   // [3, 3]
    /// ```
    public static func concatenate(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        checked { try checkedConcatenate(tensors, axis: axis) }
    }

    /// The shape and dtype of a concatenation, or the error that explains why it cannot be made.
    static func concatenationLayout(_ tensors: [Tensor], axis: Int, op: String = "concatenate") throws
        -> (shape: [Int], axis: Int, dtype: DType) {
        guard let first = tensors.first else { throw TensorError(op, "needs at least one tensor") }
        let r = first.rank
        guard r > 0 else { throw TensorError(op, "rank-0 tensors cannot be concatenated; use stack") }
        guard axis >= -r && axis < r else {
            throw TensorError(op, "axis \(axis) is out of range for rank-\(r) tensors")
        }
        let ax = axis < 0 ? axis + r : axis
        var shape = first.shape
        shape[ax] = 0
        var dtype = first.dtype
        for (i, t) in tensors.enumerated() {
            var same = t.rank == r
            if same {
                for d in 0..<r where d != ax && t.shape[d] != first.shape[d] { same = false }
            }
            guard same else {
                throw TensorError(op, "tensor \(i) has shape \(shapeString(t.shape)), tensor 0 has \(shapeString(first.shape)); "
                                  + "they must agree on every axis except axis \(ax)")
            }
            shape[ax] += t.shape[ax]
            dtype = DType.promoted(dtype, t.dtype)
        }
        return (shape, ax, dtype)
    }

    static func checkedConcatenate(_ tensors: [Tensor], axis: Int) throws -> Tensor {
        let (shape, ax, dtype) = try concatenationLayout(tensors, axis: axis)
        if _slowPath(tensors.contains { $0.traceTag != 0 }) {
            let plain = try checkedConcatenate(tensors.map(\.detached), axis: ax)
            return traced(.concatenate(axis: ax, sizes: tensors.map { $0.shape[ax] }), tensors) { plain }
        }
        let out = Tensor(uninitializedShape: shape, dtype: dtype)
        var start = 0
        for t in tensors where t.shape[ax] > 0 {
            writeRegion(t, into: out.sliced(axis: ax, start, start + t.shape[ax]))
            start += t.shape[ax]
        }
        return out
    }

    /// Joins tensors of one shape along a new axis `axis` (negative counts from the end of the result).
    ///
    /// ```swift
    /// let a = Tensor.zeros([2, 3]), b = Tensor.ones([2, 3])
    /// Tensor.stack([a, b], axis: 1).shape   // [2, 2, 3]
    /// ```
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        tensorCheck(!tensors.isEmpty, "stack", "needs at least one tensor")
        let first = tensors[0]
        for (i, t) in tensors.enumerated() {
            tensorCheck(t.shape == first.shape, "stack",
                        "tensor \(i) has shape \(shapeString(t.shape)), tensor 0 has \(shapeString(first.shape)); all must match")
        }
        let ax = normalizedAxis(axis, rank: first.rank + 1, op: "stack")
        return concatenate(tensors.map { $0.expandingDims(at: ax) }, axis: ax)
    }

    /// Splits along `axis` into consecutive pieces of the given sizes, which must add up to the
    /// axis's size. The pieces are views.
    ///
    /// ```swift
    /// let parts = Tensor.arange(10).split(sizes: [3, 7])   // shapes [3] and [7]
    /// ```
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        let ax = existingAxis(axis, op: "split")
        tensorCheck(sizes.allSatisfy { $0 >= 0 }, "split", "sizes \(sizes) must not be negative")
        tensorCheck(sizes.reduce(0, +) == shape[ax], "split",
                    "sizes \(sizes) add up to \(sizes.reduce(0, +)), but axis \(ax) of shape \(shapeString(shape)) has size \(shape[ax])")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return sliced(axis: ax, start, start + n)
        }
    }

    /// Splits along `axis` into `count` equal pieces (the size must divide evenly). Views.
    ///
    /// ```swift
    /// let parts = Tensor.zeros([4, 6]).split(count: 3, axis: -1)   // three [4, 2] views
    /// ```
    public func split(count: Int, axis: Int = 0) -> [Tensor] {
        let ax = existingAxis(axis, op: "split")
        tensorCheck(count > 0, "split", "count must be positive, got \(count)")
        tensorCheck(shape[ax] % count == 0, "split",
                    "axis \(ax) of shape \(shapeString(shape)) has size \(shape[ax]), which \(count) does not divide; use split(sizes:) or chunked(_:)")
        return split(sizes: [Int](repeating: shape[ax] / count, count: count), axis: ax)
    }

    /// Splits along `axis` into at most `count` pieces of `ceil(size / count)` elements, the last
    /// one smaller when the size does not divide (as `torch.chunk`; there may be fewer than `count`
    /// pieces). Views.
    ///
    /// ```swift
    /// Tensor.arange(5).chunked(2).map(\.shape)   // [[3], [2]]
    /// ```
    public func chunked(_ count: Int, axis: Int = 0) -> [Tensor] {
        let ax = existingAxis(axis, op: "chunked")
        tensorCheck(count > 0, "chunked", "count must be positive, got \(count)")
        let n = shape[ax]
        if n == 0 { return [self] }
        let size = (n + count - 1) / count
        return stride(from: 0, to: n, by: size).map { sliced(axis: ax, $0, Swift.min($0 + size, n)) }
    }
}
