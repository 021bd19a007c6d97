// Reshape, permute, transpose and strided slicing: views over the same storage where the layout
// allows, copies otherwise.

/// Resolves a possibly negative axis against a rank, stopping with a message naming the operation.
func normalizedAxis(_ axis: Int, rank: Int, op: String) -> Int {
    tensorCheck(axis >= -rank && axis < Swift.max(rank, 1), op, "axis \(axis) is out of range for a rank-\(rank) tensor")
    return axis < 0 ? axis + rank : axis
}

extension Tensor {
    /// The same elements with a new shape; one dimension may be `-1` (inferred).
    /// A view when the layout allows, else a copy.
    ///
    /// ```swift
    /// Tensor.arange(6).reshaped([2, -1]).shape   // [2, 3]
    /// ```
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        tensorCheck(inferred.count <= 1, "reshape", "only one dimension can be -1, got \(shapeString(newShape))")
        tensorCheck(newShape.allSatisfy { $0 >= -1 }, "reshape", "invalid target shape \(shapeString(newShape))")
        if let i = inferred.first {
            tensorCheck(known > 0 && scalarCount % known == 0, "reshape",
                        "cannot reshape \(shapeString(shape)) (\(scalarCount) elements) into \(shapeString(newShape))")
            target[i] = scalarCount / known
        }
        tensorCheck(target.reduce(1, *) == scalarCount, "reshape",
                    "cannot reshape \(shapeString(shape)) (\(scalarCount) elements) into \(shapeString(newShape))")
        if _slowPath(traceTag != 0) { return Tensor.traced(.reshape(target), [self]) { detached.reshaped(target) } }
        if let s = viewStrides(for: target) {
            return Tensor(storage: storage, shape: target, strides: s, offset: offset, dtype: dtype)
        }
        let c = copied()
        return Tensor(storage: c.storage, shape: target, strides: Tensor.contiguousStrides(target), offset: 0, dtype: dtype)
    }

    /// `reshaped` with variadic dimensions: `x.reshaped(2, -1)`.
    public func reshaped(_ dims: Int...) -> Tensor { reshaped(dims) }

    /// Strides that express `target` over this tensor's memory without copying, if any exist
    /// (the NumPy `_attempt_nocopy_reshape` rule: group dimensions with equal products).
    private func viewStrides(for target: [Int]) -> [Int]? {
        if isContiguous { return Tensor.contiguousStrides(target) }
        let old = zip(shape, strides).filter { $0.0 != 1 }
        var newStrides = [Int](repeating: 0, count: target.count)
        var oi = 0, ni = 0
        let oldN = old.map(\.0), oldS = old.map(\.1)
        while ni < target.count && oi < oldN.count {
            var np = target[ni], op = oldN[oi]
            let nStart = ni, oStart = oi
            while np != op {
                if np < op { ni += 1; np *= target[ni] } else { oi += 1; op *= oldN[oi] }
            }
            for k in oStart..<oi where oldS[k] != oldN[k + 1] * oldS[k + 1] { return nil }
            newStrides[ni] = oldS[oi]
            if ni > nStart {
                for k in stride(from: ni - 1, through: nStart, by: -1) { newStrides[k] = newStrides[k + 1] * target[k + 1] }
            }
            ni += 1
            oi += 1
        }
        while ni < target.count { newStrides[ni] = 1; ni += 1 }   // trailing size-1 dims
        return newStrides
    }

    /// Reorders the axes: result axis i is `self`'s axis `axes[i]`. A view.
    ///
    /// ```swift
    /// Tensor.zeros([2, 3, 4]).permuted([2, 0, 1]).shape   // [4, 2, 3]
    /// ```
    public func permuted(_ axes: [Int]) -> Tensor {
        tensorCheck(axes.count == rank, "permute", "\(axes) does not name each of the \(rank) axes of \(shapeString(shape))")
        let norm = axes.map { normalizedAxis($0, rank: rank, op: "permute") }
        tensorCheck(Set(norm).count == rank, "permute", "\(axes) repeats an axis")
        if _slowPath(traceTag != 0) { return Tensor.traced(.permute(norm), [self]) { detached.permuted(norm) } }
        return Tensor(storage: storage, shape: norm.map { shape[$0] }, strides: norm.map { strides[$0] },
                      offset: offset, dtype: dtype)
    }

    /// `permuted` with variadic axes: `x.permuted(0, 2, 1)`.
    public func permuted(_ axes: Int...) -> Tensor { permuted(axes) }

    /// Swaps two axes (the last two by default), as a view. For a matrix, its transpose.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        if rank < 2 { return self }
        var order = Array(0..<rank)
        order.swapAt(normalizedAxis(a, rank: rank, op: "transpose"), normalizedAxis(b, rank: rank, op: "transpose"))
        return permuted(order)
    }

    /// The elements `start, start + step, …` before `end` along `axis` (a view; negative bounds count
    /// from the end; `step` must be positive).
    ///
    /// ```swift
    /// Tensor.arange(10).sliced(axis: 0, 2, 8, step: 3)   // [2, 5]
    /// ```
    public func sliced(axis: Int, _ start: Int, _ end: Int? = nil, step: Int = 1) -> Tensor {
        let ax = normalizedAxis(axis, rank: rank, op: "slice")
        tensorCheck(step > 0, "slice", "step must be positive, got \(step)")
        let n = shape[ax]
        func clampIndex(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + n : i, 0), n) }
        let lo = clampIndex(start), hi = Swift.max(lo, clampIndex(end ?? n))
        var s = shape, st = strides
        s[ax] = (hi - lo + step - 1) / step
        st[ax] = strides[ax] * step
        if _slowPath(traceTag != 0) {
            return Tensor.traced(.slice(axis: ax, start: lo, end: hi, step: step), [self]) {
                detached.sliced(axis: ax, lo, hi, step: step)
            }
        }
        return Tensor(storage: storage, shape: s, strides: st, offset: offset + lo * strides[ax], dtype: dtype)
    }
}

// MARK: - Adding and removing axes

extension Tensor {
    /// Removes size-1 axes: all of them, or only `axes` (each must have size 1). A view.
    ///
    /// ```swift
    /// Tensor.zeros([1, 3, 1]).squeezed().shape            // [3]
    /// Tensor.zeros([1, 3, 1]).squeezed(axes: [-1]).shape   // [1, 3]
    /// ```
    public func squeezed(axes: [Int]? = nil) -> Tensor {
        let drop: Set<Int>
        if let axes {
            drop = Set(axes.map { existingAxis($0, op: "squeeze") })
            for a in drop.sorted() {
                tensorCheck(shape[a] == 1, "squeeze",
                            "axis \(a) of shape \(shapeString(shape)) has size \(shape[a]); only size-1 axes can be removed")
            }
        } else {
            drop = Set(shape.indices.filter { shape[$0] == 1 })
        }
        let keep = shape.indices.filter { !drop.contains($0) }
        if _slowPath(traceTag != 0) { return reshaped(keep.map { shape[$0] }) }
        return Tensor(storage: storage, shape: keep.map { shape[$0] }, strides: keep.map { strides[$0] },
                      offset: offset, dtype: dtype)
    }

    /// Inserts a size-1 axis so that it becomes axis `axis` of the result (negative counts from the
    /// end of the result, as in NumPy's `expand_dims`). A view.
    ///
    /// ```swift
    /// Tensor.zeros([2, 3]).expandingDims(at: 0).shape    // [1, 2, 3]
    /// Tensor.zeros([2, 3]).expandingDims(at: -1).shape   // [2, 3, 1]
    /// ```
    public func expandingDims(at axis: Int) -> Tensor {
        let ax = normalizedAxis(axis, rank: rank + 1, op: "expandingDims")
        if _slowPath(traceTag != 0) {
            var s = shape
            s.insert(1, at: ax)
            return reshaped(s)
        }
        var s = shape, st = strides
        let stride = ax < rank ? strides[ax] * Swift.max(shape[ax], 1) : 1
        s.insert(1, at: ax)
        st.insert(stride, at: ax)
        return Tensor(storage: storage, shape: s, strides: st, offset: offset, dtype: dtype)
    }

    /// Merges axes `start...end` (inclusive; negative counts from the end) into one.
    /// A view when the layout allows, else a copy.
    ///
    /// ```swift
    /// Tensor.zeros([2, 3, 4]).flattened().shape                  // [24]
    /// Tensor.zeros([2, 3, 4]).flattened(from: 1).shape           // [2, 12]
    /// Tensor.zeros([2, 3, 4, 5]).flattened(from: 1, to: 2).shape // [2, 12, 5]
    /// ```
    public func flattened(from start: Int = 0, to end: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let a = normalizedAxis(start, rank: rank, op: "flatten")
        let b = normalizedAxis(end, rank: rank, op: "flatten")
        tensorCheck(a <= b, "flatten", "start axis \(start) comes after end axis \(end) for shape \(shapeString(shape))")
        let merged = shape[a...b].reduce(1, *)
        return reshaped(Array(shape[..<a]) + [merged] + Array(shape[(b + 1)...]))
    }
}

extension Tensor {
    /// `normalizedAxis` for operations that need the axis to exist (rank-0 tensors have none).
    func existingAxis(_ axis: Int, op: String) -> Int {
        tensorCheck(rank > 0, op, "a rank-0 tensor has no axis \(axis)")
        return normalizedAxis(axis, rank: rank, op: op)
    }
}
