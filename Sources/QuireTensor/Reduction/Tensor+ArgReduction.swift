// argmax and argmin: int32 indices of the first extreme element (the first NaN when there is one,
// as in NumPy).

extension Tensor {
    /// Index of the largest element along `axis` (over the flattened tensor when `nil`), as int32.
    /// Ties give the first occurrence; a NaN counts as the largest.
    ///
    /// ```swift
    /// let x = Tensor([[1, 9, 3], [7, 2, 7]] as [[Float]])
    /// x.argmax(axis: 1)   // [1, 0] (int32)
    /// x.argmax()          // 1 (flattened index)
    /// ```
    public func argmax(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
        argExtremum(axis: axis, keepDims: keepDims, isMax: true)
    }

    /// Index of the smallest element along `axis` (over the flattened tensor when `nil`), as int32.
    ///
    /// ```swift
    /// Tensor([3, 1, 1] as [Float]).argmin()   // 1
    /// ```
    public func argmin(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
        argExtremum(axis: axis, keepDims: keepDims, isMax: false)
    }

    private func argExtremum(axis: Int?, keepDims: Bool, isMax: Bool) -> Tensor {
        let op = isMax ? "argmax" : "argmin"
        guard let axis else {
            let flat = reshaped([scalarCount]).argExtremum(axis: 0, keepDims: false, isMax: isMax)
            return keepDims ? flat.reshaped([Int](repeating: 1, count: rank)) : flat
        }
        let ax = normalizedAxis(axis, rank: rank, op: op)
        if rank == 0 { return Tensor(0, dtype: .int32) }
        checkNonEmptyReduction([ax], op: op)
        if _slowPath(traceTag != 0) {
            return Tensor.traced(.argExtremum(axis: ax, keepDims: keepDims, isMax: isMax), [self]) {
                detached.argExtremum(axis: ax, keepDims: keepDims, isMax: isMax)
            }
        }
        var keep = shape
        keep[ax] = 1
        let out = Tensor(uninitializedShape: keep, dtype: .int32)
        let n = shape[ax]
        guard out.scalarCount > 0 else { return out.droppingReduced([ax], keepDims: keepDims) }
        switch dtype {
        case .float32: argLoop(out, axis: ax, n: n, isMax: isMax, row: argRowFloat(Float.self))
        case .float64: argLoop(out, axis: ax, n: n, isMax: isMax, row: argRowFloat(Double.self))
        case .float16, .bfloat16: cast(to: .float32).argLoop(out, axis: ax, n: n, isMax: isMax, row: argRowFloat(Float.self))
        case .int32: argLoop(out, axis: ax, n: n, isMax: isMax, row: argRowInt)
        default: cast(to: .int32).argLoop(out, axis: ax, n: n, isMax: isMax, row: argRowInt)
        }
        return out.droppingReduced([ax], keepDims: keepDims)
    }

    /// Fills `out` (keepDims shape, int32) with the index of each line's extreme element.
    private func argLoop<T: TensorScalar>(_ out: Tensor, axis: Int, n: Int, isMax: Bool,
                                          row: (UnsafePointer<T>, Int, Int, Bool) -> Int) {
        var st = strides
        st[axis] = 0
        let loop = StridedLoop(shape: out.shape, strides: [out.strides, st])
        let po = out.pointer(Int32.self), px = UnsafePointer(pointer(T.self))
        let s = strides[axis]
        let (oi, ii) = (loop.innerStrides[0], loop.innerStrides[1])
        loop.run(minimumChunk: Swift.max(1, (1 << 15) / n)) { offs, count in
            let o = po + offs[0], x = px + offs[1]
            for j in 0..<count {
                o[j &* oi] = Int32(row(x + j &* ii, n, s, isMax))
            }
        }
    }
}

/// Index of the first element that is NaN, or else the first that no later element is `better` than.
@inline(__always)
private func argRow<T: Comparable>(_ p: UnsafePointer<T>, _ n: Int, _ s: Int, better: (T, T) -> Bool) -> Int {
    var best = p[0], bi = 0
    if best != best { return 0 }
    var i = 1
    while i < n {
        let v = p[i &* s]
        if v != v { return i }
        if better(v, best) {
            best = v
            bi = i
        }
        i += 1
    }
    return bi
}

/// The arg-extremum of a float row: for a contiguous row, the (vectorized) extremum first and then
/// its first position.
private func argRowFloat<T: ReduceFloat>(_: T.Type) -> (UnsafePointer<T>, Int, Int, Bool) -> Int {
    { p, n, s, isMax in
        guard s == 1 else { return isMax ? argRow(p, n, s, better: >) : argRow(p, n, s, better: <) }
        let m = contiguousExtremum(p, n, isMax: isMax)
        if m.isNaN {
            for i in 0..<n where p[i].isNaN { return i }
        }
        for i in 0..<n where p[i] == m { return i }
        return 0
    }
}

private func argRowInt(_ p: UnsafePointer<Int32>, _ n: Int, _ s: Int, _ isMax: Bool) -> Int {
    isMax ? argRow(p, n, s, better: >) : argRow(p, n, s, better: <)
}
