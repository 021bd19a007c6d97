// One thread pool for matrix products: OpenBLAS runs single-threaded (see `blasThreadCount`) and the
// engine cuts each large product into tiles of C that its own workers compute, one BLAS call per tile.
// The tiles depend only on the shape (never on the thread count), and each output element is computed
// by exactly one call over the whole inner dimension, so results are the same for any thread count.

/// One tile of C = A·B: rows `row..<row+rows`, columns `col..<col+cols`, and where that tile's A rows
/// and B columns start (in elements from the operands' base pointers).
struct GemmTile: Equatable {
    let row: Int, rows: Int, col: Int, cols: Int
    let offsetA: Int, offsetB: Int
}

/// How a product is cut: along C's rows (each tile re-reads all of B) or its columns (all of A).
struct GemmSplit: Equatable {
    /// Multiply-adds below which a product is one call (threads cost more than they save).
    static let minimumWork = 1 << 21
    /// The most tiles a product is cut into, and the fewest rows or columns one tile gets. Each tile packs
    /// its own copy of the operand it shares (all of B when cut along rows), so few, wide tiles: enough
    /// to balance two to four workers without repacking a [4096, 128] activation eight times in a
    /// weight gradient.
    static let maximumTiles = 4, minimumSpan = 64

    let alongRows: Bool
    let tiles: Int

    init(m: Int, n: Int, k: Int) {
        alongRows = m >= n
        let span = alongRows ? m : n
        let byWork = (m * n * k) / GemmSplit.minimumWork
        // A weight gradient ([in, rows]ᵀ·[rows, out], k the long side) shares an operand of k rows: each
        // tile packs all of it, so it gets two tiles, not four.
        let most = k >= 4 * Swift.max(m, n) ? 2 : GemmSplit.maximumTiles
        tiles = Swift.max(1, Swift.min(most, byWork, span / GemmSplit.minimumSpan))
    }

    /// Tile `i` of `tiles` for operands laid out as `a` and `b`.
    func tile(_ i: Int, _ a: GemmOperand, _ b: GemmOperand, m: Int, n: Int) -> GemmTile {
        if alongRows {
            let lo = m * i / tiles, hi = m * (i + 1) / tiles
            return GemmTile(row: lo, rows: hi - lo, col: 0, cols: n, offsetA: a.transposed ? lo : lo * a.ld, offsetB: 0)
        }
        let lo = n * i / tiles, hi = n * (i + 1) / tiles
        return GemmTile(row: 0, rows: m, col: lo, cols: hi - lo, offsetA: 0, offsetB: b.transposed ? lo * b.ld : lo)
    }
}

/// Runs `call` once per tile of the `m × n` product, on the engine's workers when there are several.
func splitGemm(_ a: GemmOperand, _ b: GemmOperand, m: Int, n: Int, k: Int, _ call: @Sendable (GemmTile) -> Void) {
    let split = GemmSplit(m: m, n: n, k: k)
    if split.tiles == 1 {
        call(GemmTile(row: 0, rows: m, col: 0, cols: n, offsetA: 0, offsetB: 0))
        return
    }
    Parallelism.forEachTask(count: split.tiles) { i in call(split.tile(i, a, b, m: m, n: n)) }
}
