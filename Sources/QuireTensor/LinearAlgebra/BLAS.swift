// The thin layer over OpenBLAS: thread control and the row-major gemm calls the matrix product uses.
// The C module is imported internally so that clients of QuireTensor never see it.

internal import COpenBLAS

extension Parallelism {
    /// Threads OpenBLAS uses for matrix products (its own pool, separate from ``threadCount``).
    ///
    /// OpenBLAS reads `OPENBLAS_NUM_THREADS` (or `OMP_NUM_THREADS`) at start-up; setting this
    /// property overrides it for the rest of the process. Values below 1 become 1.
    ///
    /// ```swift
    /// Parallelism.blasThreadCount = 1   // single-threaded sgemm, e.g. for benchmarks
    /// ```
    public static var blasThreadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(clamping: Swift.max(1, newValue))) }
    }
}

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
    cblas_sgemm(CblasRowMajor, a.cblas, b.cblas, blasint(m), blasint(n), blasint(k),
                1, pa, blasint(a.ld), pb, blasint(b.ld), beta, pc, blasint(ldc))
}

/// `C = A·B + beta·C` for row-major float64 matrices.
func dgemm(_ a: GemmOperand, _ b: GemmOperand, m: Int, n: Int, k: Int,
           _ pa: UnsafePointer<Double>, _ pb: UnsafePointer<Double>, _ pc: UnsafeMutablePointer<Double>, ldc: Int,
           beta: Double = 0) {
    cblas_dgemm(CblasRowMajor, a.cblas, b.cblas, blasint(m), blasint(n), blasint(k),
                1, pa, blasint(a.ld), pb, blasint(b.ld), beta, pc, blasint(ldc))
}
