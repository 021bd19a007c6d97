/// The iteration plan for an elementwise pass over several operands of one (broadcast) shape.
///
/// Dimensions that are contiguous for every operand are merged, size-1 dimensions dropped, so the
/// inner row is as long as possible. `forEachRow` walks any linear sub-range of the elements, which
/// is how the work is split across threads.
struct StridedLoop {
    let shape: [Int]
    let strides: [[Int]]
    let count: Int

    init(shape: [Int], strides operandStrides: [[Int]]) {
        var dims: [(n: Int, s: [Int])] = []
        for d in 0..<shape.count where shape[d] != 1 {
            let s = operandStrides.map { $0[d] }
            if let last = dims.last, zip(last.s, s).allSatisfy({ $0.0 == $0.1 * shape[d] }) {
                dims[dims.count - 1] = (last.n * shape[d], s)
            } else {
                dims.append((shape[d], s))
            }
        }
        if dims.isEmpty { dims = [(1, operandStrides.map { _ in 0 })] }
        self.shape = dims.map(\.n)
        self.strides = (0..<operandStrides.count).map { k in dims.map { $0.s[k] } }
        self.count = shape.reduce(1, *)
    }

    /// Stride of the innermost (row) dimension for each operand.
    var innerStrides: [Int] { strides.map { $0[$0.count - 1] } }

    /// Calls `body(offsets, n)` for each run of up to one row inside the linear element range;
    /// `offsets[k]` is operand k's element offset at the run's start.
    func forEachRow(in range: Range<Int>, _ body: (UnsafeMutablePointer<Int>, Int) -> Void) {
        let r = shape.count, k = strides.count
        guard !range.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: r + k) { buf in
            let idx = buf.baseAddress!, offs = idx + r
            var rem = range.lowerBound
            for d in stride(from: r - 1, through: 0, by: -1) {
                idx[d] = rem % shape[d]
                rem /= shape[d]
            }
            for j in 0..<k {
                var o = 0
                for d in 0..<r { o += idx[d] * strides[j][d] }
                offs[j] = o
            }
            let inner = shape[r - 1]
            var remaining = range.count
            while remaining > 0 {
                let n = Swift.min(inner - idx[r - 1], remaining)
                body(offs, n)
                remaining -= n
                if remaining == 0 { break }
                idx[r - 1] += n
                for j in 0..<k { offs[j] += n * strides[j][r - 1] }
                var d = r - 1
                while d > 0 && idx[d] == shape[d] {
                    for j in 0..<k { offs[j] -= shape[d] * strides[j][d] }
                    idx[d] = 0
                    d -= 1
                    idx[d] += 1
                    for j in 0..<k { offs[j] += strides[j][d] }
                }
            }
        }
    }

    /// Runs `forEachRow` over all elements, split across threads above `minimumChunk` elements.
    func run(minimumChunk: Int = 1 << 17, _ body: (UnsafeMutablePointer<Int>, Int) -> Void) {
        Parallelism.forEachChunk(count: count, minimumChunk: minimumChunk) { range in
            forEachRow(in: range, body)
        }
    }
}
