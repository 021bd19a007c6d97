#if canImport(Glibc)
import Glibc
#endif

// Reordering and masking elements: flipped, rolled, tril, triu.

extension Tensor {
    /// The elements in reverse order along `axes` (all axes when nil). A view with negative strides.
    ///
    /// ```swift
    /// Tensor.arange(4).flipped()                          // [3, 2, 1, 0]
    /// Tensor.arange(6).reshaped(2, 3).flipped(axes: [1])  // [[2, 1, 0], [5, 4, 3]]
    /// ```
    public func flipped(axes: [Int]? = nil) -> Tensor {
        let list = axes.map { $0.map { existingAxis($0, op: "flipped") } } ?? Array(0..<rank)
        tensorCheck(Set(list).count == list.count, "flipped", "axes \(axes ?? []) repeat an axis")
        if _slowPath(traceTag != 0) { return Tensor.traced(.flip(axes: list), [self]) { detached.flipped(axes: list) } }
        var st = strides, off = offset
        for d in list where shape[d] > 0 {
            off += (shape[d] - 1) * strides[d]
            st[d] = -strides[d]
        }
        return Tensor(storage: storage, shape: shape, strides: st, offset: off, dtype: dtype)
    }

    /// The elements shifted by `shift` positions along `axis`, those falling off one end coming back
    /// at the other (NumPy's `roll`). With `axis` nil the flattened tensor is rolled and the shape kept.
    ///
    /// ```swift
    /// Tensor.arange(5).rolled(shift: 2)    // [3, 4, 0, 1, 2]
    /// Tensor.arange(5).rolled(shift: -1)   // [1, 2, 3, 4, 0]
    /// ```
    public func rolled(shift: Int, axis: Int? = nil) -> Tensor {
        guard let axis else { return reshaped([scalarCount]).rolled(shift: shift, axis: 0).reshaped(shape) }
        let ax = existingAxis(axis, op: "rolled")
        let n = shape[ax]
        guard n > 0 else { return copied() }
        let s = ((shift % n) + n) % n
        if s == 0 { return copied() }
        return Tensor.concatenate([sliced(axis: ax, n - s, n), sliced(axis: ax, 0, n - s)], axis: ax)
    }

    /// ``rolled(shift:axis:)`` along several axes at once, each by its own shift.
    ///
    /// ```swift
    /// image.rolled(shifts: [1, -2], axes: [0, 1])
    /// ```
    public func rolled(shifts: [Int], axes: [Int]) -> Tensor {
        tensorCheck(shifts.count == axes.count, "rolled", "\(shifts.count) shifts \(shifts) for \(axes.count) axes \(axes)")
        var out = self
        for (s, a) in zip(shifts, axes) { out = out.rolled(shift: s, axis: a) }
        return axes.isEmpty ? copied() : out
    }

    /// The lower triangle of the last two axes: elements with column ≤ row + `k` are kept, the rest
    /// set to zero (NumPy's `tril`; `k` > 0 keeps diagonals above the main one).
    ///
    /// ```swift
    /// Tensor.ones([3, 3]).tril()   // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    /// ```
    public func tril(k: Int = 0) -> Tensor {
        tensorCheck(rank >= 2, "tril", "needs at least 2 axes, got shape \(shapeString(shape))")
        if _slowPath(traceTag != 0) { return self * Tensor.ones(shape, dtype: dtype).tril(k: k) }
        return maskedTriangle { row, cols in Swift.max(0, Swift.min(cols, row + k + 1))..<cols }
    }

    /// The upper triangle of the last two axes: elements with column ≥ row + `k` are kept, the rest
    /// set to zero (NumPy's `triu`).
    ///
    /// ```swift
    /// Tensor.ones([3, 3]).triu(k: 1)   // [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
    /// ```
    public func triu(k: Int = 0) -> Tensor {
        tensorCheck(rank >= 2, "triu", "needs at least 2 axes, got shape \(shapeString(shape))")
        if _slowPath(traceTag != 0) { return self * Tensor.ones(shape, dtype: dtype).triu(k: k) }
        return maskedTriangle { row, cols in 0..<Swift.max(0, Swift.min(cols, row + k)) }
    }

    /// A contiguous copy with the columns `zeroed(row, columnCount)` of each row of each matrix set to 0.
    private func maskedTriangle(_ zeroed: (Int, Int) -> Range<Int>) -> Tensor {
        let out = copied()
        let rows = shape[rank - 2], cols = shape[rank - 1]
        let matrices = shape[..<(rank - 2)].reduce(1, *)
        let size = dtype.byteSize, p = out.rawPointer
        for b in 0..<matrices {
            for i in 0..<rows {
                let z = zeroed(i, cols)
                if z.isEmpty { continue }
                memset(p + ((b * rows + i) * cols + z.lowerBound) * size, 0, z.count * size)
            }
        }
        return out
    }
}
