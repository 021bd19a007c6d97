extension Tensor {
    /// The shape two shapes broadcast to under NumPy's rules (align right; sizes equal or one is 1).
    ///
    /// ```swift
    /// try Tensor.broadcastShape([4, 1, 3], [2, 1], op: "add")   // [4, 2, 3]
    /// ```
    public static func broadcastShape(_ a: [Int], _ b: [Int], op: String = "broadcast") throws -> [Int] {
        let r = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let x = i < r - a.count ? 1 : a[i - (r - a.count)]
            let y = i < r - b.count ? 1 : b[i - (r - b.count)]
            if x == y || y == 1 {
                out[i] = x
            } else if x == 1 {
                out[i] = y
            } else {
                throw TensorError(op, "shapes \(shapeString(a)) and \(shapeString(b)) cannot be broadcast together (axis \(i - r): \(x) vs \(y))")
            }
        }
        return out
    }

    /// A view of `self` broadcast to `shape` (stride 0 along expanded dimensions, no copy).
    ///
    /// ```swift
    /// Tensor([1, 2, 3] as [Float]).broadcast(to: [2, 3])   // two rows of [1, 2, 3]
    /// ```
    public func broadcast(to target: [Int]) -> Tensor {
        tensorCheck(target.count >= rank, "broadcast(to:)",
                    "cannot broadcast shape \(shapeString(shape)) to lower-rank shape \(shapeString(target))")
        if target == shape { return self }
        if _slowPath(traceTag != 0) { return Tensor.traced(.broadcast(target), [self]) { detached.broadcast(to: target) } }
        let lead = target.count - rank
        var newStrides = [Int](repeating: 0, count: target.count)
        for i in 0..<target.count {
            if i < lead { continue }
            let n = shape[i - lead]
            if n == target[i] {
                newStrides[i] = strides[i - lead]
            } else {
                tensorCheck(n == 1, "broadcast(to:)",
                            "shape \(shapeString(shape)) cannot be broadcast to \(shapeString(target)) (axis \(i): \(n) vs \(target[i]))")
            }
        }
        return Tensor(storage: storage, shape: target, strides: newStrides, offset: offset, dtype: dtype)
    }
}
