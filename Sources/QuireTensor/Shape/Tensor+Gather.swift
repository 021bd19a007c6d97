#if canImport(Glibc)
import Glibc
#endif

// Gather and scatter by integer index tensors: take, take(along:), scatterAdding, oneHot.

extension Tensor {
    /// The elements of an integer index tensor as Ints, each checked against `size` (negative
    /// indices count from the end), or the error naming the operation, the index and the axis.
    static func resolvedIndices(_ indices: Tensor, size: Int, axis: Int, op: String) throws -> [Int] {
        guard indices.dtype.isInteger else {
            throw TensorError(op, "indices must be an integer tensor, got \(indices.dtype)")
        }
        let src = indices.dtype == .int32 ? indices.contiguous() : indices.cast(to: .int32)
        let n = src.scalarCount
        var bad: Int? = nil
        let out = withExtendedLifetime(src) {
            [Int](unsafeUninitializedCapacity: n) { buf, count in
                let p = src.pointer(Int32.self)
                for k in 0..<n {
                    let i = Int(p[k])
                    if i < -size || i >= size { if bad == nil { bad = i }; buf[k] = 0 } else { buf[k] = i < 0 ? i + size : i }
                }
                count = n
            }
        }
        if let bad { throw TensorError(op, "index \(bad) is out of range for axis \(axis) of size \(size)") }
        return out
    }

    /// Picks entries along `axis` by an integer index tensor, as NumPy's `take`: the result's shape is
    /// `shape[..<axis] + indices.shape + shape[(axis+1)...]`. Negative indices count from the end.
    /// With `axis` nil the tensor is flattened first.
    ///
    /// ```swift
    /// let table = Tensor.arange(12).reshaped(4, 3)
    /// table.take(Tensor([2, 0, 2] as [Int32]), axis: 0).shape   // [3, 3]: rows 2, 0, 2
    /// ```
    public func take(_ indices: Tensor, axis: Int? = 0) -> Tensor {
        guard let axis else { return reshaped([scalarCount]).take(indices, axis: 0) }
        let ax = existingAxis(axis, op: "take")
        if _slowPath(traceTag != 0 || indices.traceTag != 0) {
            return Tensor.traced(.take(axis: ax), [self, indices]) { detached.take(indices.detached, axis: ax) }
        }
        let n = shape[ax]
        let idx = checked { try Tensor.resolvedIndices(indices, size: n, axis: ax, op: "take") }
        let outShape = Array(shape[..<ax]) + indices.shape + Array(shape[(ax + 1)...])
        let out = Tensor(uninitializedShape: outShape, dtype: dtype)
        let x = contiguous()
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        let m = idx.count, size = dtype.byteSize
        withExtendedLifetime(x) {
            let src = x.rawPointer, dst = out.rawPointer
            if inner == 1 {
                switch size {
                case 1: gatherScalars(UInt8.self, src, dst, outer: outer, n: n, idx)
                case 2: gatherScalars(UInt16.self, src, dst, outer: outer, n: n, idx)
                case 4: gatherScalars(UInt32.self, src, dst, outer: outer, n: n, idx)
                default: gatherScalars(UInt64.self, src, dst, outer: outer, n: n, idx)
                }
                return
            }
            let row = inner * size
            Parallelism.forEachChunk(count: outer * m, minimumChunk: Swift.max(1, (1 << 16) / Swift.max(row, 1))) { range in
                for r in range {
                    let o = r / m, j = r - o * m
                    memcpy(dst + r * row, src + (o * n + idx[j]) * row, row)
                }
            }
        }
        return out
    }

    /// Picks one entry along `axis` for every position of `indices`, as NumPy's `take_along_axis`
    /// (PyTorch's `gather`): `indices` has this tensor's rank, and the other axes broadcast.
    ///
    /// ```swift
    /// let scores = Tensor([[0.1, 0.9], [0.8, 0.2]] as [[Float]])
    /// let best = Tensor([[1], [0]] as [[Int32]])
    /// scores.take(along: best, axis: 1)   // [[0.9], [0.8]]
    /// ```
    public func take(along indices: Tensor, axis: Int) -> Tensor {
        let ax = existingAxis(axis, op: "take(along:)")
        if _slowPath(traceTag != 0 || indices.traceTag != 0) {
            return Tensor.traced(.takeAlong(axis: ax), [self, indices]) { detached.take(along: indices.detached, axis: ax) }
        }
        tensorCheck(indices.rank == rank, "take(along:)",
                    "indices of shape \(shapeString(indices.shape)) must have the rank of the tensor, \(shapeString(shape))")
        var a = shape, b = indices.shape
        a[ax] = 1
        b[ax] = 1
        var outShape = checked { try Tensor.broadcastShape(a, b, op: "take(along:)") }
        var xShape = outShape
        xShape[ax] = shape[ax]
        outShape[ax] = indices.shape[ax]
        let n = shape[ax], m = outShape[ax]
        let idx = checked {
            try Tensor.resolvedIndices(indices.broadcast(to: outShape), size: n, axis: ax, op: "take(along:)")
        }
        let x = broadcast(to: xShape).contiguous()
        let out = Tensor(uninitializedShape: outShape, dtype: dtype)
        let outer = outShape[..<ax].reduce(1, *), inner = outShape[(ax + 1)...].reduce(1, *)
        withExtendedLifetime(x) {
            let src = x.rawPointer, dst = out.rawPointer
            switch dtype.byteSize {
            case 1: gatherAlong(UInt8.self, src, dst, outer: outer, n: n, m: m, inner: inner, idx)
            case 2: gatherAlong(UInt16.self, src, dst, outer: outer, n: n, m: m, inner: inner, idx)
            case 4: gatherAlong(UInt32.self, src, dst, outer: outer, n: n, m: m, inner: inner, idx)
            default: gatherAlong(UInt64.self, src, dst, outer: outer, n: n, m: m, inner: inner, idx)
            }
        }
        return out
    }

    /// A copy of `self` with `values` added at `indices` along `axis`, repeated indices accumulating
    /// (NumPy's `np.add.at(a, (..., indices), values)`; the reverse of ``take(_:axis:)``).
    /// `values` broadcasts to `shape[..<axis] + indices.shape + shape[(axis+1)...]` and is converted
    /// to this tensor's dtype; sums are formed in float32 for the 16-bit floats.
    ///
    /// ```swift
    /// let grads = Tensor.ones([3, 2])
    /// Tensor.zeros([4, 2]).scatterAdding(grads, at: Tensor([1, 3, 1] as [Int32]), axis: 0)
    /// // rows: [0, 0], [2, 2], [0, 0], [1, 1]
    /// ```
    public func scatterAdding(_ values: Tensor, at indices: Tensor, axis: Int = 0) -> Tensor {
        let ax = existingAxis(axis, op: "scatterAdding")
        if _slowPath(traceTag != 0 || values.traceTag != 0 || indices.traceTag != 0) {
            return Tensor.traced(.scatterAdd(axis: ax), [self, values, indices]) {
                detached.scatterAdding(values.detached, at: indices.detached, axis: ax)
            }
        }
        let n = shape[ax]
        let idx = checked { try Tensor.resolvedIndices(indices, size: n, axis: ax, op: "scatterAdding") }
        let vShape = Array(shape[..<ax]) + indices.shape + Array(shape[(ax + 1)...])
        let vb = checked { () throws -> Tensor in
            let target = try Tensor.broadcastShape(values.shape, vShape, op: "scatterAdding")
            guard target == vShape else {
                throw TensorError("scatterAdding", "values of shape \(shapeString(values.shape)) do not broadcast to "
                                  + "\(shapeString(vShape)) (tensor \(shapeString(shape)), indices \(shapeString(indices.shape)), axis \(ax))")
            }
            return values.broadcast(to: vShape)
        }
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        let plan = ScatterPlan(outer: outer, n: n, m: idx.count, inner: inner, idx: idx, alongAxis: false)
        return scatterAccumulate(vb, plan)
    }

    /// A copy of `self` with each of `values` added at the position `indices` names along `axis`
    /// (the reverse of ``take(along:axis:)``, PyTorch's `scatter_add`). `indices` has this tensor's
    /// rank, with sizes 1 or equal to this tensor's on the other axes; `values` broadcasts to its shape.
    ///
    /// ```swift
    /// let x = Tensor.zeros([2, 3])
    /// x.scatterAdding(Tensor.ones([2, 2]), along: Tensor([[0, 0], [2, 1]] as [[Int32]]), axis: 1)
    /// // [[2, 0, 0], [0, 1, 1]]
    /// ```
    public func scatterAdding(_ values: Tensor, along indices: Tensor, axis: Int) -> Tensor {
        let ax = existingAxis(axis, op: "scatterAdding(along:)")
        if _slowPath(traceTag != 0 || values.traceTag != 0 || indices.traceTag != 0) {
            return Tensor.traced(.scatterAddAlong(axis: ax), [self, values, indices]) {
                detached.scatterAdding(values.detached, along: indices.detached, axis: ax)
            }
        }
        tensorCheck(indices.rank == rank, "scatterAdding(along:)",
                    "indices of shape \(shapeString(indices.shape)) must have the rank of the tensor, \(shapeString(shape))")
        var iShape = shape
        iShape[ax] = indices.shape[ax]
        for d in 0..<rank where d != ax {
            tensorCheck(indices.shape[d] == shape[d] || indices.shape[d] == 1, "scatterAdding(along:)",
                        "indices of shape \(shapeString(indices.shape)) do not fit tensor \(shapeString(shape)) on axis \(d)")
        }
        let n = shape[ax]
        let idx = checked {
            try Tensor.resolvedIndices(indices.broadcast(to: iShape), size: n, axis: ax, op: "scatterAdding(along:)")
        }
        let vb = checked { () throws -> Tensor in
            let target = try Tensor.broadcastShape(values.shape, iShape, op: "scatterAdding(along:)")
            guard target == iShape else {
                throw TensorError("scatterAdding(along:)", "values of shape \(shapeString(values.shape)) do not broadcast to indices' shape \(shapeString(iShape))")
            }
            return values.broadcast(to: iShape)
        }
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        let plan = ScatterPlan(outer: outer, n: n, m: iShape[ax], inner: inner, idx: idx, alongAxis: true)
        return scatterAccumulate(vb, plan)
    }

    private func scatterAccumulate(_ values: Tensor, _ plan: ScatterPlan) -> Tensor {
        let compute = dtype.computeType
        var acc = cast(to: compute)
        acc.makeUniqueContiguous()
        let v = values.cast(to: compute).contiguous()
        withExtendedLifetime(v) {
            switch compute {
            case .float32: plan.run(acc.pointer(Float.self), v.pointer(Float.self))
            case .float64: plan.run(acc.pointer(Double.self), v.pointer(Double.self))
            default: plan.run(acc.pointer(Int32.self), v.pointer(Int32.self))
            }
        }
        return acc.cast(to: dtype)
    }

    /// A tensor with a new last axis of size `depth` that is 1 at each element's value and 0 elsewhere.
    /// The tensor must hold integers; values outside `0..<depth` (for example -1 for padding) give an
    /// all-zero row, as in JAX.
    ///
    /// ```swift
    /// Tensor([2, 0] as [Int32]).oneHot(depth: 3)   // [[0, 0, 1], [1, 0, 0]] float32
    /// ```
    public func oneHot(depth: Int, dtype: DType = .float32) -> Tensor {
        tensorCheck(self.dtype.isInteger || self.dtype == .bool, "oneHot",
                    "needs an integer tensor, got \(self.dtype) of shape \(shapeString(shape))")
        tensorCheck(depth >= 0, "oneHot", "depth must not be negative, got \(depth)")
        let out = Tensor.zeros(shape + [depth], dtype: dtype)
        let values = scalars(as: Int32.self)
        let p = out.rawPointer
        for (k, v) in values.enumerated() where v >= 0 && Int(v) < depth {
            writeScalar(1, to: p, elementOffset: k * depth + Int(v), dtype: dtype)
        }
        return out
    }
}

/// Scalars that scatter-add: the three compute types (integers wrap on overflow).
protocol ScatterScalar {
    static func accumulate(_ a: Self, _ b: Self) -> Self
}
extension Float: ScatterScalar {
    @inline(__always) static func accumulate(_ a: Float, _ b: Float) -> Float { a + b }
}
extension Double: ScatterScalar {
    @inline(__always) static func accumulate(_ a: Double, _ b: Double) -> Double { a + b }
}
extension Int32: ScatterScalar {
    @inline(__always) static func accumulate(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
}

/// The index layout of a scatter-add: destination `[outer, n, inner]`, values `[outer, m, inner]`;
/// `idx` has `m` entries (`take` form) or `outer·m·inner` (`along` form).
private struct ScatterPlan {
    let outer: Int, n: Int, m: Int, inner: Int
    let idx: [Int]
    let alongAxis: Bool

    /// Adds in index order within each outer block; blocks are disjoint, so they run in parallel.
    func run<T: ScatterScalar>(_ dst: UnsafeMutablePointer<T>, _ src: UnsafeMutablePointer<T>) {
        let work = m * inner
        Parallelism.forEachChunk(count: outer, minimumChunk: Swift.max(1, (1 << 15) / Swift.max(work, 1))) { range in
            for o in range {
                let d = dst + o * n * inner
                let s = src + o * m * inner
                for j in 0..<m {
                    let sj = s + j * inner
                    if alongAxis {
                        let ij = o * m * inner + j * inner
                        for i in 0..<inner {
                            let t = idx[ij + i] * inner + i
                            d[t] = T.accumulate(d[t], sj[i])
                        }
                    } else {
                        let dj = d + idx[j] * inner
                        for i in 0..<inner { dj[i] = T.accumulate(dj[i], sj[i]) }
                    }
                }
            }
        }
    }
}

private func gatherScalars<T>(_: T.Type, _ src: UnsafeMutableRawPointer, _ dst: UnsafeMutableRawPointer,
                              outer: Int, n: Int, _ idx: [Int]) {
    let s = src.assumingMemoryBound(to: T.self), d = dst.assumingMemoryBound(to: T.self)
    let m = idx.count
    Parallelism.forEachChunk(count: outer, minimumChunk: Swift.max(1, (1 << 15) / Swift.max(m, 1))) { range in
        idx.withUnsafeBufferPointer { ix in
            for o in range {
                let so = s + o * n, dOut = d + o * m
                for j in 0..<m { dOut[j] = so[ix[j]] }
            }
        }
    }
}

private func gatherAlong<T>(_: T.Type, _ src: UnsafeMutableRawPointer, _ dst: UnsafeMutableRawPointer,
                            outer: Int, n: Int, m: Int, inner: Int, _ idx: [Int]) {
    let s = src.assumingMemoryBound(to: T.self), d = dst.assumingMemoryBound(to: T.self)
    let work = m * inner
    Parallelism.forEachChunk(count: outer, minimumChunk: Swift.max(1, (1 << 15) / Swift.max(work, 1))) { range in
        idx.withUnsafeBufferPointer { ix in
            for o in range {
                let so = s + o * n * inner, base = o * work
                for j in 0..<m {
                    let row = base + j * inner
                    for i in 0..<inner { d[row + i] = so[ix[row + i] * inner + i] }
                }
            }
        }
    }
}
