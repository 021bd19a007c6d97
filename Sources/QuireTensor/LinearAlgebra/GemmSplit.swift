#if canImport(Glibc)
import Glibc
#endif

// One thread pool for matrix products: OpenBLAS runs single-threaded (see `blasThreadCount`) and the
// engine cuts each large product into tiles that its own workers compute, one BLAS call per tile. The
// tiles depend only on the shape (never on the thread count): tiles of C are each computed by one call
// over the whole inner dimension; a product with a long inner dimension (a weight gradient) is cut into
// two fixed halves of it instead, whose partial products are added in order. So results are the same
// for any thread count.

/// One tile of the product: C's rows `row..<row+rows` and columns `col..<col+cols`, the inner indices
/// `depthStart..<depthStart+depth`, and where that tile's A and B start (in elements from the operands'
/// base pointers).
struct GemmTile: Equatable {
    let row: Int, rows: Int, col: Int, cols: Int
    let depthStart: Int, depth: Int
    let offsetA: Int, offsetB: Int
}

/// How a product is cut: along C's rows (each tile re-reads all of B), its columns (all of A), or the
/// inner dimension (each tile reads its own half of A and of B, and the second half's product goes to a
/// scratch matrix added to C after).
struct GemmSplit: Equatable {
    enum Axis: Equatable { case rows, columns, depth }

    /// Multiply-adds below which a product is one call (threads cost more than they save). 2²⁰: the digits
    /// MLP's [128, 64]·[64, 256] and its weight gradient (2²¹ each) split in two, which took its products
    /// from 0.246 to 0.231 ms a step; 2¹⁸ gained nothing more.
    static let minimumWork = 1 << 20
    /// The most tiles a product is cut into: one per online core, from 2 to 4. Each tile of C packs its
    /// own copy of the operand it shares (all of B when cut along rows), and OpenBLAS repacks the other
    /// operand's panel for every block of a tile, so few, wide tiles: on 2 cores, 2 tiles made the
    /// transformer step 2.5 % faster than 4. A property of the machine, not of `Parallelism.threadCount`,
    /// so results do not depend on the thread count.
    static let maximumTiles = Swift.min(4, Swift.max(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    /// The fewest rows, columns or inner indices one tile gets.
    static let minimumSpan = 64

    let axis: Axis
    let tiles: Int

    init(axis: Axis, tiles: Int) {
        self.axis = axis
        self.tiles = tiles
    }

    init(m: Int, n: Int, k: Int) {
        let byWork = (m * n * k) / GemmSplit.minimumWork
        // A weight gradient ([in, rows]ᵀ·[rows, out], k the long side): tiles of C would each pack all of
        // the operand they share (k rows of it), so two halves of k, each packed once.
        if k >= 4 * Swift.max(m, n) {
            axis = .depth
            tiles = Swift.max(1, Swift.min(2, byWork, k / GemmSplit.minimumSpan))
            return
        }
        axis = m >= n ? .rows : .columns
        let span = axis == .rows ? m : n
        tiles = Swift.max(1, Swift.min(GemmSplit.maximumTiles, byWork, span / GemmSplit.minimumSpan))
    }

    /// Tile `i` of `tiles` for operands laid out as `a` and `b`.
    func tile(_ i: Int, _ a: GemmOperand, _ b: GemmOperand, m: Int, n: Int, k: Int) -> GemmTile {
        switch axis {
        case .rows:
            let lo = m * i / tiles, hi = m * (i + 1) / tiles
            return GemmTile(row: lo, rows: hi - lo, col: 0, cols: n, depthStart: 0, depth: k,
                            offsetA: a.transposed ? lo : lo * a.ld, offsetB: 0)
        case .columns:
            let lo = n * i / tiles, hi = n * (i + 1) / tiles
            return GemmTile(row: 0, rows: m, col: lo, cols: hi - lo, depthStart: 0, depth: k,
                            offsetA: 0, offsetB: b.transposed ? lo * b.ld : lo)
        case .depth:
            let lo = k * i / tiles, hi = k * (i + 1) / tiles
            return GemmTile(row: 0, rows: m, col: 0, cols: n, depthStart: lo, depth: hi - lo,
                            offsetA: a.transposed ? lo * a.ld : lo, offsetB: b.transposed ? lo : lo * b.ld)
        }
    }
}

extension GemmSplit {
    /// Runs `call` once per tile of the `m × n` product (inner dimension `k`), on the engine's workers
    /// when there are several. For a split of the inner dimension, every tile after the first is a
    /// partial product that goes to scratch, not into C: `call`'s second argument is then its scratch
    /// slot (0, 1, …).
    func forEachTile(_ a: GemmOperand, _ b: GemmOperand, m: Int, n: Int, k: Int,
                     _ call: @Sendable (GemmTile, _ scratchSlot: Int?) -> Void) {
        if tiles == 1 {
            call(GemmTile(row: 0, rows: m, col: 0, cols: n, depthStart: 0, depth: k, offsetA: 0, offsetB: 0), nil)
            return
        }
        Parallelism.forEachTask(count: tiles) { i in
            call(tile(i, a, b, m: m, n: n, k: k), axis == .depth && i > 0 ? i - 1 : nil)
        }
    }
}
