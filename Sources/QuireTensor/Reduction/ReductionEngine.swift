// The machinery shared by every reduction: axis validation, an iteration plan over kept and reduced
// dimensions, and a driver that runs a `Reducer` (a per-dtype kernel the compiler specializes).
//
// Three strategies, picked from the memory layout:
// - full reduction: the (contiguous) input is cut into fixed blocks whose partial results are merged
//   in order, so the answer does not depend on the thread count;
// - row mode (the reduced elements of one output are closest in memory): each output reduces its own
//   rows; outputs are split across threads;
// - column mode (a kept dimension is innermost): a vector of outputs accumulates whole input rows at a
//   time (`acc[j] += x[i, j]`), which vectorizes over the outputs.

/// A reduction kernel for one input element type.
protocol Reducer {
    associatedtype In: TensorScalar
    associatedtype Acc
    associatedtype Out: TensorScalar
    /// The starting accumulator (the identity of `merge`).
    static var identity: Acc { get }
    /// Reduces `n` elements starting at `p`, `s` elements apart.
    static func row(_ p: UnsafePointer<In>, _ n: Int, _ s: Int) -> Acc
    /// `acc[j] = combine(acc[j], p[j * s])` for `j` in `0..<m`.
    static func column(_ acc: UnsafeMutablePointer<Acc>, _ p: UnsafePointer<In>, _ m: Int, _ s: Int)
    /// `column` over `rows` rows, `rowStride` elements apart.
    static func columns(_ acc: UnsafeMutablePointer<Acc>, _ p: UnsafePointer<In>, rows: Int, rowStride: Int, _ m: Int, _ s: Int)
    static func merge(_ a: Acc, _ b: Acc) -> Acc
    /// The result from an accumulator over `count` elements.
    static func finish(_ a: Acc, count: Int) -> Out
}

extension Reducer {
    @inline(__always)
    static func columns(_ acc: UnsafeMutablePointer<Acc>, _ p: UnsafePointer<In>, rows: Int, rowStride: Int, _ m: Int, _ s: Int) {
        for r in 0..<rows { column(acc, p + r &* rowStride, m, s) }
    }
}

/// How a reduction walks its input.
struct ReductionPlan {
    /// The result shape with keepDims (reduced axes become 1) and without.
    let keptShape: [Int]
    let squeezedShape: [Int]
    /// Elements per output.
    let reduceCount: Int
    let outCount: Int
    /// Non-trivial kept dimensions in axis order: extent, input stride, output stride.
    let kept: [(n: Int, s: Int, o: Int)]
    /// Non-trivial reduced dimensions, largest stride first.
    let reduced: [(n: Int, s: Int)]

    init(shape: [Int], strides: [Int], axes: [Int]) {
        let axisSet = Set(axes)
        var keep = shape
        for a in axisSet { keep[a] = 1 }
        keptShape = keep
        squeezedShape = shape.indices.filter { !axisSet.contains($0) }.map { shape[$0] }
        reduceCount = axes.reduce(1) { $0 * shape[$1] }
        outCount = keep.reduce(1, *)
        let outStrides = Tensor.contiguousStrides(keep)
        var k: [(n: Int, s: Int, o: Int)] = []
        var r: [(n: Int, s: Int)] = []
        for d in shape.indices where shape[d] != 1 {
            if axisSet.contains(d) { r.append((shape[d], strides[d])) } else { k.append((shape[d], strides[d], outStrides[d])) }
        }
        kept = k
        reduced = r.sorted { Swift.abs($0.s) > Swift.abs($1.s) }
    }
}

extension Tensor {
    /// Resolves reduction axes (`nil` = all) against a rank: negative axes count from the end; an axis
    /// out of range or named twice is an error. The result is sorted.
    static func validatedReductionAxes(_ axes: [Int]?, rank: Int, op: String) throws -> [Int] {
        guard let axes else { return Array(0..<rank) }
        var seen = Set<Int>()
        for a in axes {
            guard a >= -rank && a < rank else {
                throw TensorError(op, "axis \(a) is out of range for a rank-\(rank) tensor (axes \(axes))")
            }
            let n = a < 0 ? a + rank : a
            guard seen.insert(n).inserted else {
                throw TensorError(op, "axis \(a) is repeated in axes \(axes)")
            }
        }
        return seen.sorted()
    }

    /// `validatedReductionAxes`, stopping with the error's message on misuse.
    func reductionAxes(_ axes: [Int]?, op: String) -> [Int] {
        do {
            return try Tensor.validatedReductionAxes(axes, rank: rank, op: op)
        } catch let e as TensorError {
            tensorFailure(TensorError(op, e.message + " of shape \(shapeString(shape))"))
        } catch {
            fatalError("\(error)")
        }
    }

    /// Runs reducer `R` over `axes` (already validated); `self.dtype` must be `R.In.dtype`.
    /// Returns the keepDims-shaped result.
    func reduce<R: Reducer>(_: R.Type, axes: [Int], op: String) -> Tensor {
        precondition(dtype == R.In.dtype)
        let plan = ReductionPlan(shape: shape, strides: strides, axes: axes)
        let out = Tensor(uninitializedShape: plan.keptShape, dtype: R.Out.dtype)
        guard plan.outCount > 0 else { return out }
        let po = out.pointer(R.Out.self)
        let K = plan.reduceCount
        if K == 0 {
            // Empty reduction: every output is the identity.
            let v = R.finish(R.identity, count: 0)
            for i in 0..<plan.outCount { po[i] = v }
            return out
        }
        if plan.kept.isEmpty {
            po[0] = fullReduce(R.self, count: K, plan: plan)
        } else if plan.reduced.isEmpty {
            let src = StridedLoop(shape: shape, strides: [out.strides, strides])
            let px = pointer(R.In.self)
            src.run { offs, n in
                let si = src.innerStrides, o = po + offs[0], x = px + offs[1]
                for j in 0..<n { o[j &* si[0]] = R.finish(R.row(x + j &* si[1], 1, 1), count: 1) }
            }
        } else if Swift.abs(plan.reduced.last!.s) < plan.kept.map({ Swift.abs($0.s) }).min()! {
            rowReduce(R.self, plan: plan, out: po)
        } else {
            columnReduce(R.self, plan: plan, out: po)
        }
        return out
    }

    /// All elements into one accumulator, in fixed blocks merged in order.
    private func fullReduce<R: Reducer>(_: R.Type, count K: Int, plan: ReductionPlan) -> R.Out {
        let merged = StridedLoop(shape: plan.reduced.map(\.n), strides: [plan.reduced.map(\.s)])
        guard merged.shape.count == 1 else {
            // Not expressible as one strided run: copy to contiguous memory first.
            return copied().fullReduce(R.self, count: K, plan: ReductionPlan(shape: shape, strides: Tensor.contiguousStrides(shape), axes: Array(0..<rank)))
        }
        let s = merged.strides[0][0], px = UnsafePointer(pointer(R.In.self))
        let block = 1 << 16
        let blocks = (K + block - 1) / block
        if blocks == 1 { return R.finish(R.row(px, K, s), count: K) }
        let partial = UnsafeMutablePointer<R.Acc>.allocate(capacity: blocks)
        defer { partial.deallocate() }
        Parallelism.forEachChunk(count: blocks, minimumChunk: 1) { range in
            for b in range {
                let lo = b * block, hi = Swift.min(K, lo + block)
                (partial + b).initialize(to: R.row(px + lo &* s, hi - lo, s))
            }
        }
        var acc = R.identity
        for b in 0..<blocks { acc = R.merge(acc, partial[b]) }
        (partial).deinitialize(count: blocks)
        return R.finish(acc, count: K)
    }

    /// Each output reduces its own rows (the reduced elements are innermost in memory).
    private func rowReduce<R: Reducer>(_: R.Type, plan: ReductionPlan, out po: UnsafeMutablePointer<R.Out>) {
        let K = plan.reduceCount
        let red = StridedLoop(shape: plan.reduced.map(\.n), strides: [plan.reduced.map(\.s)])
        let keptLoop = StridedLoop(shape: plan.kept.map(\.n), strides: [plan.kept.map(\.o), plan.kept.map(\.s)])
        let px = UnsafePointer(pointer(R.In.self))
        let single = red.shape.count == 1
        let rs = red.innerStrides[0]
        let (oi, ii) = (keptLoop.innerStrides[0], keptLoop.innerStrides[1])
        keptLoop.run(minimumChunk: Swift.max(1, (1 << 15) / Swift.max(K, 1))) { offs, n in
            let o = po + offs[0], x = px + offs[1]
            for j in 0..<n {
                let base = x + j &* ii
                if single {
                    o[j &* oi] = R.finish(R.row(base, K, rs), count: K)
                } else {
                    var acc = R.identity
                    red.forEachRow(in: 0..<K) { roffs, len in acc = R.merge(acc, R.row(base + roffs[0], len, rs)) }
                    o[j &* oi] = R.finish(acc, count: K)
                }
            }
        }
    }

    /// Vectors of outputs accumulate whole input rows (a kept dimension is innermost in memory).
    private func columnReduce<R: Reducer>(_: R.Type, plan: ReductionPlan, out po: UnsafeMutablePointer<R.Out>) {
        let K = plan.reduceCount
        let red = StridedLoop(shape: plan.reduced.map(\.n), strides: [plan.reduced.map(\.s)])
        let rs = red.innerStrides[0]
        // The vector dimension: the kept dimension with the smallest input stride.
        let vi = plan.kept.indices.min { Swift.abs(plan.kept[$0].s) < Swift.abs(plan.kept[$1].s) }!
        let v = plan.kept[vi]
        let outer = plan.kept.enumerated().filter { $0.offset != vi }.map(\.element)
        let chunk = 2048
        let chunks = (v.n + chunk - 1) / chunk
        let outerCount = outer.reduce(1) { $0 * $1.n }
        let px = UnsafePointer(pointer(R.In.self))
        let perItem = Swift.min(v.n, chunk) * K
        Parallelism.forEachChunk(count: outerCount * chunks, minimumChunk: Swift.max(1, (1 << 15) / Swift.max(perItem, 1))) { range in
            let acc = UnsafeMutablePointer<R.Acc>.allocate(capacity: Swift.min(v.n, chunk))
            defer { acc.deallocate() }
            for item in range {
                var rem = item / chunks
                let c = item % chunks
                var inOff = c * chunk * v.s, outOff = c * chunk * v.o
                for d in outer.reversed() {
                    let idx = rem % d.n
                    rem /= d.n
                    inOff += idx * d.s
                    outOff += idx * d.o
                }
                let m = Swift.min(chunk, v.n - c * chunk)
                acc.initialize(repeating: R.identity, count: m)
                let base = px + inOff
                red.forEachRow(in: 0..<K) { roffs, len in
                    R.columns(acc, base + roffs[0], rows: len, rowStride: rs, m, v.s)
                }
                let o = po + outOff
                for j in 0..<m { o[j &* v.o] = R.finish(acc[j], count: K) }
                acc.deinitialize(count: m)
            }
        }
    }
}
