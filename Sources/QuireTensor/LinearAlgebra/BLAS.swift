// The thin layer over OpenBLAS: thread control and the row-major gemm calls the matrix product uses.
// The C module is imported internally so that clients of QuireTensor never see it.

internal import COpenBLAS
internal import CQuireFused

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
    // beta 1 too: the fused dense layer accumulates onto its bias, and must sum as the jit's `linear`
    // (this kernel, bias added after) does, so that both give the same bits.
    if beta == 0 || beta == 1, smallSgemm(a, b, m: m, n: n, k: k, pa, pb, pc, ldc: ldc, accumulate: beta == 1) { return }
    forEachGemmTile(a, b, m: m, n: n, k: k, pa, pb, pc, ldc: ldc, beta: beta) { t, pa, pb, pc, ldc, beta in
        cblas_sgemm(CblasRowMajor, a.cblas, b.cblas, blasint(t.rows), blasint(t.cols), blasint(t.depth),
                    1, pa, blasint(a.ld), pb, blasint(b.ld), beta, pc, blasint(ldc))
    }
}

/// `C = A·B` (`C + A·B` when `accumulate`), then `+ bias` per column, relu (`x ≤ 0 ? 0 : x`, NaN kept) and relu's gradient gate
/// (`gate > 0 ? x : 0`, `gate` an m × n row-major matrix) when asked, on the register-tiled C kernel
/// (`quire_sgemm_block_f32`) when the product is small enough for it (``SmallGemm``); returns false,
/// writing nothing, otherwise. Split over the engine's workers in blocks of C, which each compute
/// their elements exactly as one call would, so results do not depend on the thread count.
func smallSgemm(_ a: GemmOperand, _ b: GemmOperand, m: Int, n: Int, k: Int,
                _ pa: UnsafePointer<Float>, _ pb: UnsafePointer<Float>, _ pc: UnsafeMutablePointer<Float>, ldc: Int,
                accumulate: Bool = false, bias: UnsafePointer<Float>? = nil, relu: Bool = false,
                gate: UnsafePointer<Float>? = nil) -> Bool {
    guard SmallGemm.fits(a, b, m: m, n: n, k: k) else { return false }
    let (ars, aks) = a.transposed ? (1, a.ld) : (a.ld, 1)
    let blocks = SmallGemm.blocks(m: m, n: n, k: k)
    let ptrs = UncheckedSendable((pa, pb, pc, bias, gate))
    Parallelism.forEachTask(count: blocks.count) { i in
        let (pa, pb, pc, bias, gate) = ptrs.value
        let (rows, cols) = blocks.block(i, m: m, n: n)
        let (r, c) = (rows.lowerBound, cols.lowerBound)
        quire_sgemm_block_f32(pa + r * ars, ars, aks, pb + (b.transposed ? c * b.ld : c), b.ld, b.transposed ? 1 : 0,
                              pc + r * ldc + c, ldc, rows.count, cols.count, k, accumulate ? 1 : 0,
                              bias.map { $0 + c }, relu ? 1 : 0, gate.map { $0 + r * n + c }, n)
    }
    return true
}

/// Which float32 products run on the register-tiled kernel instead of OpenBLAS, and how they are split.
///
/// At the digits MLP's sizes OpenBLAS spends much of a split product packing the operand its tiles share
/// (each tile packs its own copy), and a call costs microseconds of setup: on [128, 256]·[256, 256] split
/// over two cores, 49 µs against 54 µs for OpenBLAS in a C harness, and 14.5 against 20.8 µs at
/// [128, 64]·[64, 256]. Larger products keep OpenBLAS, whose cache blocking wins there.
enum SmallGemm {
    /// Multiply-adds above which OpenBLAS is used.
    static let maximumWork = 1 << 24
    /// The longest inner dimension: a 32-column strip of B (k × 32 floats) should stay in L1 (and a
    /// transposed B's strip is copied into a buffer of that size on the stack).
    static let maximumDepth = Int(QUIRE_SGEMM_BLOCK_MAX_DEPTH)

    /// Whether `C = A·B` (beta 0 or 1) runs here: at least 32 columns and 8 rows (narrower products leave most
    /// of a register tile empty), k and the work within the limits above.
    static func fits(_ a: GemmOperand, _ b: GemmOperand, m: Int, n: Int, k: Int) -> Bool {
        n >= 32 && m >= 8 && k >= 1 && k <= maximumDepth && m * n * k <= maximumWork
    }

    /// The blocks of C the workers take: one per core (`GemmSplit.maximumTiles`, a property of the
    /// machine) from `GemmSplit.minimumWork` multiply-adds up, along the columns in whole 32-column strips
    /// (along the rows in whole 8-row blocks when there are fewer strips than blocks).
    struct Blocks {
        let count: Int
        let alongColumns: Bool

        func block(_ i: Int, m: Int, n: Int) -> (rows: Range<Int>, cols: Range<Int>) {
            let (span, unit) = alongColumns ? (n, 32) : (m, 8)
            let units = (span + unit - 1) / unit
            let lo = Swift.min(span, units * i / count * unit), hi = Swift.min(span, units * (i + 1) / count * unit)
            return alongColumns ? (0..<m, lo..<hi) : (lo..<hi, 0..<n)
        }
    }

    static func blocks(m: Int, n: Int, k: Int) -> Blocks {
        let wanted = m * n * k >= GemmSplit.minimumWork ? GemmSplit.maximumTiles : 1
        let strips = (n + 31) / 32, rowBlocks = (m + 7) / 8
        if strips >= wanted { return Blocks(count: wanted, alongColumns: true) }
        return Blocks(count: Swift.max(1, Swift.min(wanted, rowBlocks)), alongColumns: false)
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
