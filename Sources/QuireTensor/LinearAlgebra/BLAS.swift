// The thin layer over OpenBLAS: thread control and the row-major gemm calls the matrix product uses.
// The C module is imported internally so that clients of QuireTensor never see it.

internal import COpenBLAS

extension Parallelism {
    /// Threads OpenBLAS itself uses inside one `sgemm`/`dgemm` call. The engine keeps this at 1 and
    /// splits each large product over its own workers instead (``threadCount``; see `GemmSplit`), so
    /// OpenBLAS's pthread pool never spins against the engine's threads.
    ///
    /// Setting it overrides that for the rest of the process (values below 1 become 1); products are
    /// still split by the engine, so more than 1 nests OpenBLAS threads inside the engine's.
    ///
    /// ```swift
    /// Parallelism.blasThreadCount   // 1: OpenBLAS single-threaded, the engine splits the work
    /// ```
    public static var blasThreadCount: Int {
        get {
            blasConfigured()
            return Int(openblas_get_num_threads())
        }
        set {
            blasConfigured()
            openblas_set_num_threads(Int32(clamping: Swift.max(1, newValue)))
        }
    }
}

/// OpenBLAS starts with its own pool (`OPENBLAS_NUM_THREADS` or one thread per core); the first product
/// makes it single-threaded, once.
private let blasSingleThreaded: Bool = {
    openblas_set_num_threads(1)
    return true
}()

func blasConfigured() { _ = blasSingleThreaded }

/// How BLAS reads one matrix operand in place: as stored (row-major, `ld` elements between rows)
/// or transposed (column-major, `ld` elements between columns).
struct GemmOperand: Equatable {
    let transposed: Bool
    let ld: Int

    /// The layout for a `rows × cols` matrix whose element (i, j) lies at `i * rowStride + j * colStride`,
    /// or nil when BLAS cannot read it without a copy (gaps inside rows, broadcast dimensions, …).
    init?(rows: Int, cols: Int, rowStride rs: Int, colStride cs: Int) {
        // Row-major: unit steps along a row (or one column), rows at least a row apart.
        if (cs == 1 || cols <= 1) && (rows <= 1 || rs >= Swift.max(1, cols)) {
            self.init(transposed: false, ld: rows <= 1 ? Swift.max(1, cols) : rs)
            return
        }
        // Column-major: unit steps down a column (or one row), columns at least a column apart.
        if (rs == 1 || rows <= 1) && (cols <= 1 || cs >= Swift.max(1, rows)) {
            self.init(transposed: true, ld: cols <= 1 ? Swift.max(1, rows) : cs)
            return
        }
        return nil
    }

    init(transposed: Bool, ld: Int) {
        self.transposed = transposed
        self.ld = ld
    }

    var cblas: CBLAS_TRANSPOSE { transposed ? CblasTrans : CblasNoTrans }
}

/// `C = A·B + beta·C` for row-major float32 matrices (`C` is `m × n` with `ldc` between rows).
func sgemm(_ a: GemmOperand, _ b: GemmOperand, m: Int, n: Int, k: Int,
           _ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>, _ pc: UnsafeMutablePointer<Float>, ldc: Int,
           beta: Float = 0) {
    forEachGemmTile(a, b, m: m, n: n, k: k, pa, pb, pc, ldc: ldc, beta: beta) { t, pa, pb, pc, ldc, beta in
        cblas_sgemm(CblasRowMajor, a.cblas, b.cblas, blasint(t.rows), blasint(t.cols), blasint(t.depth),
                    1, pa, blasint(a.ld), pb, blasint(b.ld), beta, pc, blasint(ldc))
    }
}

/// `C = A·B + beta·C` for row-major float64 matrices.
func dgemm(_ a: GemmOperand, _ b: GemmOperand, m: Int, n: Int, k: Int,
           _ pa: UnsafePointer<Double>, _ pb: UnsafePointer<Double>, _ pc: UnsafeMutablePointer<Double>, ldc: Int,
           beta: Double = 0) {
    forEachGemmTile(a, b, m: m, n: n, k: k, pa, pb, pc, ldc: ldc, beta: beta) { t, pa, pb, pc, ldc, beta in
        cblas_dgemm(CblasRowMajor, a.cblas, b.cblas, blasint(t.rows), blasint(t.cols), blasint(t.depth),
                    1, pa, blasint(a.ld), pb, blasint(b.ld), beta, pc, blasint(ldc))
    }
}

/// Runs `call` for each tile of the product (see `GemmSplit`) with the tile's A, B and C pointers, C's
/// row stride and beta, OpenBLAS set single-threaded first. A split of the inner dimension gives the
/// later halves a zeroed scratch C (beta 0) and adds it onto C after, in tile order.
private func forEachGemmTile<T: NNFloat>(
    _ a: GemmOperand, _ b: GemmOperand, m: Int, n: Int, k: Int,
    _ pa: UnsafePointer<T>, _ pb: UnsafePointer<T>, _ pc: UnsafeMutablePointer<T>, ldc: Int, beta: T,
    _ call: @escaping (GemmTile, UnsafePointer<T>, UnsafePointer<T>, UnsafeMutablePointer<T>, Int, T) -> Void
) {
    blasConfigured()
    let split = GemmSplit(m: m, n: n, k: k)
    let partials = split.axis == .depth && split.tiles > 1 ? split.tiles - 1 : 0
    // Only a split of the inner dimension needs scratch (the per-head products of attention call this
    // thousands of times a step).
    let scratch: UnsafeMutablePointer<T>? = partials > 0 ? .allocate(capacity: partials * m * n) : nil
    defer { scratch?.deallocate() }
    let base = UncheckedSendable((pa, pb, pc, scratch)), body = UncheckedSendable(call)
    split.forEachTile(a, b, m: m, n: n, k: k) { t, slot in
        let (pa, pb, pc, scratch) = base.value
        if let slot, let scratch {
            body.value(t, pa + t.offsetA, pb + t.offsetB, scratch + slot * m * n, n, 0)
        } else {
            body.value(t, pa + t.offsetA, pb + t.offsetB, pc + t.row * ldc + t.col, ldc, beta)
        }
    }
    guard let scratch else { return }
    for p in 0..<partials {
        let src = UncheckedSendable(UnsafePointer(scratch + p * m * n)), dst = UncheckedSendable(pc)
        Parallelism.forEachChunk(count: m, minimumChunk: Swift.max(1, (1 << 14) / Swift.max(1, n))) { rows in
            for row in rows {
                let (s, d) = (src.value + row * n, dst.value + row * ldc)
                for j in 0..<n { d[j] += s[j] }
            }
        }
    }
}
