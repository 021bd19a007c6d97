// Matrix products with NumPy's `matmul` semantics, computed by OpenBLAS.

extension Tensor {
    /// The shape of `a.matmul(b)` for operands of shapes `a` and `b`, or a ``TensorError`` naming
    /// both shapes: rank-0 operands, differing inner dimensions, or batch dimensions that do not
    /// broadcast.
    ///
    /// ```swift
    /// try Tensor.matmulShape([2, 1, 3, 4], [5, 4, 6])   // [2, 5, 3, 6]
    /// try Tensor.matmulShape([2, 3], [4, 5])            // throws "inner dimensions differ …"
    /// ```
    public static func matmulShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let pair = "\(shapeString(a)) x \(shapeString(b))"
        guard !a.isEmpty && !b.isEmpty else {
            throw TensorError("matmul", "operands must have at least one dimension, got \(pair) (use * to scale by a scalar)")
        }
        let ka = a[a.count - 1], kb = b.count == 1 ? b[0] : b[b.count - 2]
        guard ka == kb else {
            throw TensorError("matmul", "inner dimensions differ: \(pair) (\(ka) vs \(kb))")
        }
        let batchA = Array(a.dropLast(2)), batchB = Array(b.dropLast(2))
        let batch: [Int]
        do {
            batch = try broadcastShape(batchA, batchB, op: "matmul")
        } catch {
            throw TensorError("matmul", "batch dimensions \(shapeString(batchA)) and \(shapeString(batchB)) of \(pair) cannot be broadcast together")
        }
        var out = batch
        if a.count >= 2 { out.append(a[a.count - 2]) }
        if b.count >= 2 { out.append(b[b.count - 1]) }
        return out
    }

    /// Matrix product with NumPy `matmul` rules: the last two dimensions multiply as matrices, the
    /// leading (batch) dimensions broadcast; a 1-D left operand is a row vector and a 1-D right
    /// operand a column vector, and that added dimension is removed from the result.
    ///
    /// float32 goes to `cblas_sgemm` and float64 to `cblas_dgemm`; float16/bfloat16 are multiplied
    /// in float32 and the result converted back. Integer and bool operands are multiplied in
    /// float64 (exact while every partial sum stays below 2^53) and give int32, saturating on
    /// overflow instead of wrapping. A transposed view (of the last two dimensions) is handed to BLAS
    /// as a transposed operand without copying; other strided layouts are copied first.
    ///
    /// ```swift
    /// let a = Tensor([[1, 2], [3, 4]] as [[Float]])
    /// a.matmul(a)                       // [[7, 10], [15, 22]]
    /// a.matmul(a.transposed())          // no copy of the transpose
    /// Tensor.zeros([8, 1, 3, 4]).matmul(Tensor.zeros([5, 4, 6])).shape   // [8, 5, 3, 6]
    /// ```
    public func matmul(_ other: Tensor) -> Tensor {
        let resultShape = checked { try Tensor.matmulShape(shape, other.shape) }
        if _slowPath(traceTag != 0 || other.traceTag != 0) {
            return Tensor.traced(.matmul, [self, other]) { detached.matmul(other.detached) }
        }
        let promoted = DType.promoted(dtype, other.dtype)
        let compute: DType = promoted == .float32 || promoted == .float16 || promoted == .bfloat16 ? .float32 : .float64
        var a = cast(to: compute), b = other.cast(to: compute)
        if a.rank == 1 { a = a.reshaped([1, a.shape[0]]) }
        if b.rank == 1 { b = b.reshaped([b.shape[0], 1]) }
        let product = Tensor.batchedGemm(a, b)
        let result = promoted.isFloatingPoint ? product.cast(to: promoted) : product.cast(to: .int32)
        return result.reshaped(resultShape)
    }

    /// The outer product of two tensors, flattened: `out[i, j] = a[i] * b[j]`.
    ///
    /// ```swift
    /// Tensor.outer(Tensor([1, 2] as [Float]), Tensor([1, 10, 100] as [Float]))
    /// // [[1, 10, 100], [2, 20, 200]]
    /// ```
    public static func outer(_ a: Tensor, _ b: Tensor) -> Tensor {
        a.reshaped([a.scalarCount, 1]) * b.reshaped([1, b.scalarCount])
    }

    /// `a · b` for operands of rank ≥ 2 in float32 or float64 (the same dtype), batch dimensions
    /// broadcast. The result is contiguous, shape `batch + [m, n]`.
    static func batchedGemm(_ a: Tensor, _ b: Tensor) -> Tensor {
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        let batch = try! broadcastShape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)))
        var out = Tensor(uninitializedShape: batch + [m, n], dtype: a.dtype)
        if out.scalarCount == 0 { return out }
        if k == 0 {
            out = Tensor.zeros(out.shape, dtype: out.dtype)
            return out
        }
        let (ga, av) = gemmOperand(a)
        let (gb, bv) = gemmOperand(b)
        let x = av.broadcast(to: batch + [m, k]), y = bv.broadcast(to: batch + [k, n])
        let batchCount = batch.reduce(1, *)
        let size = a.dtype.byteSize
        let (pa, pb, pc) = (x.rawPointer, y.rawPointer, out.rawPointer)
        let call: (Int, Int, Int, Int, GemmOperand) -> Void = { offA, offB, offC, rows, opA in
            if a.dtype == .float64 {
                dgemm(opA, gb, m: rows, n: n, k: k,
                      (pa + offA * size).assumingMemoryBound(to: Double.self),
                      (pb + offB * size).assumingMemoryBound(to: Double.self),
                      (pc + offC * size).assumingMemoryBound(to: Double.self), ldc: n)
            } else {
                sgemm(opA, gb, m: rows, n: n, k: k,
                      (pa + offA * size).assumingMemoryBound(to: Float.self),
                      (pb + offB * size).assumingMemoryBound(to: Float.self),
                      (pc + offC * size).assumingMemoryBound(to: Float.self), ldc: n)
            }
        }
        // One shared right matrix and a left operand whose batch rows stack evenly: one big product.
        if let folded = foldedRows(x, ga, batchRank: batch.count), batch.indices.allSatisfy({ y.strides[$0] == 0 || batch[$0] == 1 }) {
            call(0, 0, 0, batchCount * m, folded)
            return out
        }
        var index = [Int](repeating: 0, count: batch.count)
        for i in 0..<batchCount {
            var offA = 0, offB = 0
            for d in batch.indices {
                offA += index[d] * x.strides[d]
                offB += index[d] * y.strides[d]
            }
            call(offA, offB, i * m * n, m, ga)
            var d = batch.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < batch[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return out
    }

    /// The BLAS layout of a matrix (stack)'s last two dimensions, copying to contiguous when BLAS
    /// cannot read it in place.
    private static func gemmOperand(_ t: Tensor) -> (GemmOperand, Tensor) {
        let r = t.rank
        if let g = GemmOperand(rows: t.shape[r - 2], cols: t.shape[r - 1], rowStride: t.strides[r - 2], colStride: t.strides[r - 1]) {
            return (g, t)
        }
        let c = t.copied()
        return (GemmOperand(rows: c.shape[r - 2], cols: c.shape[r - 1], rowStride: c.strides[r - 2], colStride: c.strides[r - 1])!, c)
    }

    /// The layout of the left operand's batch dimensions and rows seen as one tall matrix, when they
    /// are evenly spaced by the row stride (e.g. a contiguous `[b, m, k]`), else nil.
    private static func foldedRows(_ x: Tensor, _ g: GemmOperand, batchRank: Int) -> GemmOperand? {
        guard !g.transposed, batchRank > 0 else { return nil }
        var expected = g.ld * x.shape[batchRank]
        if x.shape[batchRank] > 1 && x.strides[batchRank] != g.ld { return nil }
        for d in stride(from: batchRank - 1, through: 0, by: -1) where x.shape[d] != 1 {
            if x.strides[d] != expected { return nil }
            expected *= x.shape[d]
        }
        return g
    }
}
