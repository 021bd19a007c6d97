import Synchronization

// Fusion passes over a compiled program's instructions, the fused kernels they introduce, and the arena
// that feeds those kernels buffers freed earlier in the same call or in earlier calls.

/// A kernel the compiler runs in place of one or more recorded primitives.
enum JitFusedKernel: Equatable {
    /// `a·w` (float32, rank 2, one BLAS call into an arena buffer), then `+ bias` (a row vector) and/or
    /// `relu` in one pass over the product while it is in cache. Each element goes through the same
    /// scalar operations as the unfused ops, so the result is bit-identical. Arguments: a, w[, bias];
    /// `transposed` says which of a and w are read as their transpose (a folded `permute([1, 0])`).
    case linear(bias: Bool, relu: Bool, transposed: JitTransposed = [])
    /// `a·w` masked by relu's backward: `reluGradient(h, a·w)` (the product where `h > 0`, else 0), in
    /// the product's buffer, or over `h` when `intoGate` (h's last use; small products only, whose tiles
    /// read each element of h before they store over it). Arguments: a, w, h.
    case linearReluGradient(transposed: JitTransposed = [], intoGate: Bool = false)
    /// logSoftmax's backward over the last axis, `g − exp(y) · Σ g` (y the logSoftmax output), one pass
    /// per row instead of four ops; the row sum is the reducer's (`SumReducer.row`, Double, then float32)
    /// and exp the `ExpKernel`, so bit-identical. Arguments: y, g.
    case logSoftmaxBackward
    /// A softmax cross-entropy's loss, `mean(-takeAlong(y, labels, axis: 1))` over the rows of a float32
    /// `[rows, n]` logSoftmax output (takeAlong, reshape, negate, mean: four recorded ops), in one pass: the
    /// negated picks into a buffer, then the mean reducer's own row sum and finish, so bit-identical.
    /// Arguments: y, labels (`[rows, 1]` int32).
    case meanNegatedTake
    /// logSoftmax's backward of the one-hot cotangent that loss sends back,
    /// `logSoftmaxBackward(y, zeros.scatterAdding(c, along: labels, axis: 1))` (c a constant `[rows, 1]`),
    /// without building the cotangent matrix: each row's cotangent is made in a row buffer as the scatter
    /// makes it, then `logSoftmaxBackward`'s own row formula. Arguments: y, c, labels.
    case logSoftmaxBackwardOneHot
    /// `sum(axes: [0])` of a float32 matrix (a bias gradient): the reducer's own column loop
    /// (`SumReducer.columns` over all rows, then `finish`) into an arena buffer, without planning the
    /// general reduction. Argument: the matrix.
    case columnSum(keepDims: Bool)
    /// A chain of float32 elementwise ops, each result read only by the next (JitElementwise.swift),
    /// streamed in cache-sized blocks on the workers. Arguments: the chain's external operands.
    case elementwise(ElementwiseChain)
}

/// Which operands of a fused product are read as their transpose: the matrix a `permute([1, 0])` would
/// have made, read in place with its strides swapped (BLAS and the small-product kernel take either
/// layout), so the view is not an instruction of its own.
struct JitTransposed: OptionSet, Equatable {
    let rawValue: UInt8
    static let a = JitTransposed(rawValue: 1)
    static let w = JitTransposed(rawValue: 2)

    /// `x`, or its transpose when `flag` is set.
    func operand(_ x: Tensor, _ flag: JitTransposed) -> Tensor { contains(flag) ? x.permuted([1, 0]) : x }
}

extension JitFusedKernel {
    /// The operands a fused product reads transposed (none for other kernels).
    var transposed: JitTransposed {
        switch self {
        case .linear(_, _, let t), .linearReluGradient(let t, _): t
        default: []
        }
    }
}

extension JitFusedKernel: CustomStringConvertible {
    /// As the program text shows it: `linear(bias, relu)`, `linear()`, `linear(reluGradient)`.
    var description: String {
        switch self {
        case .linear(let bias, let relu, _):
            "linear(" + [bias ? "bias" : nil, relu ? "relu" : nil].compactMap { $0 }.joined(separator: ", ") + ")"
        case .linearReluGradient(_, let intoGate): intoGate ? "linear(reluGradient, overGate)" : "linear(reluGradient)"
        case .logSoftmaxBackward: "logSoftmaxBackward"
        case .meanNegatedTake: "meanNegatedTake"
        case .logSoftmaxBackwardOneHot: "logSoftmaxBackwardOneHot"
        case .columnSum(let keepDims): "columnSum(keepDims: \(keepDims))"
        case .elementwise(let chain): "elementwise(\(chain))"
        }
    }
}

/// Free tensor storage kept by a program between (and within) calls, by byte size, so that a replay
/// reuses the buffers of the previous one instead of allocating.
struct JitArena: Sendable {
    private var free: [Int: [TensorStorage]] = [:]
    /// How many buffers of each byte size the fused kernels take per call: the most kept of that size
    /// (freed storage of other sizes goes back to the allocator).
    private var capacity: [Int: Int]
    /// Bytes held (free between calls).
    private(set) var bytes = 0

    init(capacity: [Int: Int] = [:]) { self.capacity = capacity }

    /// A contiguous tensor of `shape` and `dtype` whose contents are garbage (every element must be written).
    mutating func tensor(_ shape: [Int], _ dtype: DType) -> Tensor {
        let byteCount = shape.reduce(1, *) * dtype.byteSize
        if let storage = free[byteCount]?.popLast() {
            bytes -= byteCount
            return Tensor(storage: storage, shape: shape, strides: Tensor.contiguousStrides(shape), offset: 0, dtype: dtype)
        }
        return Tensor(uninitializedShape: shape, dtype: dtype)
    }

    /// Keeps `t`'s storage for reuse when a fused kernel asks for its size, there is room for it, and
    /// nothing else refers to it (a view, an output, a constant).
    mutating func recycle(_ t: inout Tensor) {
        let size = t.storage.byteCount
        guard let room = capacity[size], free[size, default: []].count < room,
              isKnownUniquelyReferenced(&t.storage) else { return }
        free[size, default: []].append(t.storage)
        bytes += size
    }

    /// Keeps up to `more` buffers of each size as well as what it keeps already (the most of either).
    mutating func reserve(_ more: [Int: Int]) {
        capacity.merge(more) { Swift.max($0, $1) }
    }

    /// An empty arena with the same capacity, and this one's buffers.
    mutating func take() -> JitArena {
        let taken = self
        free = [:]
        bytes = 0
        return taken
    }

    /// Moves `other`'s buffers into this arena (up to its capacity).
    mutating func merge(_ other: JitArena) {
        for (size, list) in other.free {
            let room = Swift.max(0, (capacity[size] ?? 0) - free[size, default: []].count)
            free[size, default: []] += list.prefix(room)
            bytes += Swift.min(room, list.count) * size
        }
    }
}

/// The arena a jitted function's programs share (one per input signature; a train step's whole-batch and
/// first-share functions share one too, as they never run at once): sized by the most each program
/// holds at once of each buffer size, so a program compiled for a smaller last batch keeps no buffers of
/// its own. Calls at the same time each take part of it (``JitArena/take()``), so sharing is safe.
final class JitBufferPool: Sendable {
    let arena = Mutex(JitArena())

    /// Raises the pool's capacity to what a program needs.
    func reserve(_ capacity: [Int: Int]) { arena.withLock { $0.reserve(capacity) } }

    /// Bytes the pool holds between calls.
    var bytes: Int { arena.withLock { $0.bytes } }
}

extension JitFusedKernel {
    /// Runs the kernel on `x`; operands outside the fast path's conditions go through the tensor ops
    /// the kernel replaces.
    func run(_ x: [Tensor], arena: inout JitArena) -> Tensor {
        switch self {
        case .elementwise(let chain):
            return chain.run(x, arena: &arena)
        case .linear(let bias, let relu, let t):
            if let y = JitFusedKernel.linear(x[0], x[1], transposed: t, bias: bias ? x[2] : nil, relu: relu, arena: &arena) {
                return y
            }
            var y = t.operand(x[0], .a).matmul(t.operand(x[1], .w))
            if bias { y = y + x[2] }
            return relu ? y.relu() : y
        case .linearReluGradient(let t, let intoGate):
            let h = x[2]
            if h.dtype == .float32, h.isContiguous,
               let y = JitFusedKernel.linear(x[0], x[1], transposed: t, bias: nil, relu: false, gate: h,
                                             overGate: intoGate, arena: &arena) {
                return y
            }
            return Tensor.binary(ReluGradientKernel.self, h, t.operand(x[0], .a).matmul(t.operand(x[1], .w)), op: "relu gradient")
        case .logSoftmaxBackward:
            let (y, g) = (x[0], x[1])
            // At least two rows of two: the shapes for which the reducer takes its row loop (a single row or
            // column goes through its whole-tensor or copy paths instead).
            guard y.dtype == .float32, g.dtype == .float32, y.shape == g.shape, y.rank >= 2, y.isContiguous, g.isContiguous,
                  let n = y.shape.last, n > 1, y.scalarCount / n > 1 else {
                return g - y.exp() * g.sum(axes: [Swift.max(0, g.rank - 1)], keepDims: true)
            }
            var out = arena.tensor(y.shape, .float32)
            let (py, pg, po) = (y.pointer(Float.self), g.pointer(Float.self), out.pointer(Float.self))
            for r in 0..<(y.scalarCount / n) { JitFusedKernel.logSoftmaxBackwardRow(UnsafePointer(py + r * n), UnsafePointer(pg + r * n), po + r * n, n) }
            out.traceTag = 0
            return out
        case .meanNegatedTake:
            let (y, labels) = (x[0], x[1])
            let unfused = { -(y.take(along: labels, axis: 1).reshaped([labels.scalarCount])).mean(axes: [0]) }
            guard y.dtype == .float32, y.rank == 2, y.isContiguous, labels.dtype == .int32, labels.isContiguous,
                  labels.shape == [y.shape[0], 1], y.shape[0] > 0, y.shape[0] <= 1 << 16 else { return unfused() }
            let (rows, n) = (y.shape[0], y.shape[1])
            let (py, pl) = (y.pointer(Float.self), labels.pointer(Int32.self))
            guard (0..<rows).allSatisfy({ pl[$0] >= 0 && Int(pl[$0]) < n }) else { return unfused() }
            let value = withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { picks -> Float in
                let pp = picks.baseAddress!
                for r in 0..<rows { pp[r] = NegKernel.apply(py[r * n + Int(pl[r])]) }
                // As `mean` reduces one contiguous run of at most 2¹⁶ elements.
                return MeanReducer<Float>.finish(MeanReducer<Float>.row(UnsafePointer(pp), rows, 1), count: rows)
            }
            return Tensor([value], shape: [])
        case .logSoftmaxBackwardOneHot:
            let (y, c, labels) = (x[0], x[1], x[2])
            let cotangent = { Tensor.zeros(y.shape, dtype: y.dtype).scatterAdding(c, along: labels, axis: 1) }
            guard y.dtype == .float32, y.rank == 2, y.isContiguous, c.dtype == .float32, c.isContiguous,
                  labels.dtype == .int32, labels.isContiguous, c.shape == [y.shape[0], 1], labels.shape == c.shape,
                  y.shape[1] > 1, y.shape[0] > 1 else {
                return JitFusedKernel.logSoftmaxBackward.run([y, cotangent()], arena: &arena)
            }
            let (rows, n) = (y.shape[0], y.shape[1])
            let (py, pc, pl) = (y.pointer(Float.self), c.pointer(Float.self), labels.pointer(Int32.self))
            guard (0..<rows).allSatisfy({ pl[$0] >= 0 && Int(pl[$0]) < n }) else {
                return JitFusedKernel.logSoftmaxBackward.run([y, cotangent()], arena: &arena)
            }
            var out = arena.tensor(y.shape, .float32)
            let po = out.pointer(Float.self)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { row in
                let gr = row.baseAddress!
                for r in 0..<rows {
                    gr.initialize(repeating: 0, count: n)
                    let j = Int(pl[r])
                    gr[j] = AddKernel.apply(gr[j], pc[r])   // the scatter's add onto zero
                    JitFusedKernel.logSoftmaxBackwardRow(UnsafePointer(py + r * n), UnsafePointer(gr), po + r * n, n)
                }
            }
            out.traceTag = 0
            return out
        case .columnSum(let keepDims):
            let m = x[0]
            // At least two rows and two columns: the shapes for which the reducer takes its column loop.
            guard m.dtype == .float32, m.rank == 2, m.isContiguous, m.shape[0] > 1, m.shape[1] > 1 else {
                return m.sum(axes: [0], keepDims: keepDims)
            }
            let (rows, n) = (m.shape[0], m.shape[1])
            var out = arena.tensor(keepDims ? [1, n] : [n], .float32)
            let (pm, po) = (UnsafePointer(m.pointer(Float.self)), out.pointer(Float.self))
            withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { acc in
                let pa = acc.baseAddress!
                pa.initialize(repeating: SumReducer<Float>.identity, count: n)
                SumReducer<Float>.columns(pa, pm, rows: rows, rowStride: n, n, 1)
                for j in 0..<n { po[j] = SumReducer<Float>.finish(pa[j], count: rows) }
            }
            out.traceTag = 0
            return out
        }
    }

    /// One row of logSoftmax's backward, `g − exp(y) · Σ g`: the reducer's row sum (`SumReducer.row`,
    /// Double, then float32) and the eager kernels, so bit-identical to the recorded ops.
    @inline(__always)
    private static func logSoftmaxBackwardRow(_ yr: UnsafePointer<Float>, _ gr: UnsafePointer<Float>,
                                              _ or: UnsafeMutablePointer<Float>, _ n: Int) {
        let total = SumReducer<Float>.finish(SumReducer<Float>.row(gr, n, 1), count: n)
        for j in 0..<n { or[j] = SubKernel.apply(gr[j], MulKernel.apply(ExpKernel.apply(yr[j]), total)) }
    }

    /// `a·w` (+ `bias`) (then relu) (then relu's gradient `gate > 0 ? y : 0`, with `gate` float32,
    /// contiguous, of the result's shape), in an arena buffer; nil when the operands are not float32
    /// matrices BLAS reads in place. Small products (``SmallGemm``) apply the epilogue as their tiles are
    /// stored; others get one pass over the product after BLAS, through the same scalar kernels. An
    /// operand in `transposed` is read as its transpose (its two dimensions and strides swapped). With
    /// `overGate`, a small product is stored over `gate` (which must be read by nobody after).
    private static func linear(_ a: Tensor, _ w: Tensor, transposed: JitTransposed = [], bias: Tensor?, relu: Bool,
                               gate: Tensor? = nil, overGate: Bool = false, arena: inout JitArena) -> Tensor? {
        guard a.rank == 2, w.rank == 2, a.dtype == .float32, w.dtype == .float32 else { return nil }
        let (ta, tw) = (transposed.contains(.a) ? (1, 0) : (0, 1), transposed.contains(.w) ? (1, 0) : (0, 1))
        let (m, k, n) = (a.shape[ta.0], a.shape[ta.1], w.shape[tw.1])
        guard m > 0, n > 0, k > 0, w.shape[tw.0] == k,
              let ga = GemmOperand(rows: m, cols: k, rowStride: a.strides[ta.0], colStride: a.strides[ta.1]),
              let gw = GemmOperand(rows: k, cols: n, rowStride: w.strides[tw.0], colStride: w.strides[tw.1]) else { return nil }
        if let bias { guard bias.dtype == .float32, bias.scalarCount == n, bias.rank <= 2, bias.shape.last == n else { return nil } }
        if let gate { guard gate.shape == [m, n] else { return nil } }
        let b = bias?.contiguous()
        // Over the gate only on the small-product kernel (OpenBLAS would store before the mask reads).
        if overGate, var out = gate, out.isContiguous {
            let pc = out.pointer(Float.self)
            if smallSgemm(ga, gw, m: m, n: n, k: k, a.pointer(Float.self), w.pointer(Float.self), pc, ldc: n,
                          gate: UnsafePointer(pc)) {
                out.traceTag = 0
                return out
            }
        }
        var out = arena.tensor([m, n], .float32)
        let pc = out.pointer(Float.self)
        // Small products apply the bias and relu as their tiles are stored (same operations, same bits).
        if smallSgemm(ga, gw, m: m, n: n, k: k, a.pointer(Float.self), w.pointer(Float.self), pc, ldc: n,
                      bias: b.map { UnsafePointer($0.pointer(Float.self)) }, relu: relu,
                      gate: gate.map { UnsafePointer($0.pointer(Float.self)) }) {
            out.traceTag = 0
            return out
        }
        sgemm(ga, gw, m: m, n: n, k: k, a.pointer(Float.self), w.pointer(Float.self), pc, ldc: n)
        if let b {
            let pb = b.pointer(Float.self)
            for i in 0..<m {
                let row = pc + i * n
                if relu {
                    for j in 0..<n { row[j] = ReluKernel.apply(AddKernel.apply(row[j], pb[j])) }
                } else {
                    for j in 0..<n { row[j] = AddKernel.apply(row[j], pb[j]) }
                }
            }
        } else if relu {
            for i in 0..<(m * n) { pc[i] = ReluKernel.apply(pc[i]) }
        }
        if let gate {
            let pg = gate.pointer(Float.self)
            for i in 0..<(m * n) { pc[i] = ReluGradientKernel.apply(pg[i], pc[i]) }
        }
        out.traceTag = 0
        return out
    }
}

extension JitProgram {
    /// Fuses `matmul → add(bias) → relu` chains into `linear` instructions, turns the remaining
    /// float32 matmuls into `linear` without epilogue (so their results come from the arena), and a
    /// product read only by relu's backward into `linearReluGradient`. The
    /// relu backward `reluGradient(x, g)` is re-pointed at relu's output `h` (`h > 0` exactly when
    /// `x > 0`, NaN included), so the pre-activation `x` need not be kept. Returns how many chains were
    /// fused; replaced instructions are left for dead-code elimination.
    static func fuseLinear(_ body: inout [JitInstruction], outputs: [JitOperand], nodes: [TraceNode]) -> Int {
        var producer: [Int: Int] = [:]
        for (i, inst) in body.enumerated() { producer[inst.result] = i }
        var reluOf: [Int: Int] = [:]   // pre-activation slot → relu result slot
        for inst in body {
            if case .relu = inst.primitive, inst.fused == nil, case .slot(let x) = inst.args[0] { reluOf[x] = inst.result }
        }
        for i in body.indices {
            guard case .reluGradient = body[i].primitive, case .slot(let x) = body[i].args[0], let h = reluOf[x] else { continue }
            body[i] = JitInstruction(primitive: .reluGradient, args: [.slot(h), body[i].args[1]], result: body[i].result)
        }
        func uses() -> [Int: Int] {
            var u: [Int: Int] = [:]
            for inst in body { for case .slot(let s) in inst.args { u[s, default: 0] += 1 } }
            for case .slot(let s) in outputs { u[s, default: 0] += 2 }
            return u
        }
        func isFloat32(_ s: Int) -> Bool { nodes[s].dtype == .float32 }
        var fused = 0
        // matmul → add(bias)
        var useCount = uses()
        for i in body.indices {
            guard case .add = body[i].primitive, body[i].fused == nil, case .slot(let mm) = body[i].args[0],
                  let p = producer[mm], case .matmul = body[p].primitive, body[p].fused == nil, useCount[mm] == 1,
                  isFloat32(mm), nodes[mm].shape.count == 2, nodes[body[i].result].shape == nodes[mm].shape else { continue }
            let n = nodes[mm].shape[1]
            let bias = body[i].args[1]
            let (bShape, bType) = operandType(bias, nodes)
            guard bType == .float32, bShape == [n] || bShape == [1, n] else { continue }
            body[i] = JitInstruction(primitive: .add, args: body[p].args + [bias], result: body[i].result,
                                     fused: .linear(bias: true, relu: false))
            fused += 1
        }
        // linear → relu
        useCount = uses()
        for i in body.indices {
            guard case .relu = body[i].primitive, body[i].fused == nil, case .slot(let y) = body[i].args[0],
                  let p = producer[y], case .linear(let bias, false, [])? = body[p].fused, useCount[y] == 1 else { continue }
            body[i] = JitInstruction(primitive: .relu, args: body[p].args, result: body[i].result,
                                     fused: .linear(bias: bias, relu: true))
        }
        // Remaining float32 matrix products: same BLAS call, result from the arena.
        for i in body.indices {
            guard case .matmul = body[i].primitive, body[i].fused == nil, isFloat32(body[i].result),
                  nodes[body[i].result].shape.count == 2 else { continue }
            body[i].fused = .linear(bias: false, relu: false)
        }
        // product → relu backward mask (the product's only reader).
        useCount = uses()
        for i in body.indices {
            guard case .reluGradient = body[i].primitive, case .slot(let y) = body[i].args[1], let p = producer[y],
                  case .linear(false, false, [])? = body[p].fused, useCount[y] == 1,
                  operandType(body[i].args[0], nodes) == (nodes[y].shape, .float32) else { continue }
            body[i] = JitInstruction(primitive: .reluGradient, args: body[p].args + [body[i].args[0]], result: body[i].result,
                                     fused: .linearReluGradient())
        }
        return fused
    }

    /// `sum(axes: [0])` of float32 matrices (bias gradients) as `columnSum`. Returns how many.
    static func fuseColumnSums(_ body: inout [JitInstruction], nodes: [TraceNode]) -> Int {
        var count = 0
        for i in body.indices {
            guard case .sum(let axes, let keepDims) = body[i].primitive, body[i].fused == nil, axes == [0],
                  case .slot(let s) = body[i].args[0], nodes[s].dtype == .float32, nodes[s].shape.count == 2 else { continue }
            body[i].fused = .columnSum(keepDims: keepDims)
            count += 1
        }
        return count
    }

    /// Views that only reshape what a fused kernel reads or writes stop being instructions of their own: a
    /// `permute([1, 0])` read by a product becomes that product's transposed operand (the view is left
    /// for dead-code elimination when nothing else reads it), and a `reshape` to `[n]` of a
    /// `columnSum(keepDims: true)` read by nothing else becomes `columnSum(keepDims: false)`. Each view
    /// instruction cost about half a microsecond a replay. Returns how many were folded.
    static func foldViews(_ body: inout [JitInstruction], outputs: [JitOperand], nodes: [TraceNode]) -> Int {
        let (producer, uses) = readers(body, outputs: outputs)
        var folded = 0
        for i in body.indices {
            guard let kernel = body[i].fused else { continue }
            var args = body[i].args, transposed = kernel.transposed
            switch kernel {
            case .linear, .linearReluGradient:
                for (k, flag) in [(0, JitTransposed.a), (1, .w)] where !transposed.contains(flag) {
                    guard case .slot(let s) = args[k], let p = producer[s], body[p].fused == nil,
                          case .permute([1, 0]) = body[p].primitive else { continue }
                    args[k] = body[p].args[0]
                    transposed.insert(flag)
                    folded += 1
                }
                let fused: JitFusedKernel = switch kernel {
                case .linear(let bias, let relu, _): .linear(bias: bias, relu: relu, transposed: transposed)
                default: .linearReluGradient(transposed: transposed, intoGate: false)
                }
                body[i] = JitInstruction(primitive: body[i].primitive, args: args, result: body[i].result, fused: fused)
            default: continue
            }
        }
        for i in body.indices {
            guard case .reshape(let shape) = body[i].primitive, body[i].fused == nil, case .slot(let s) = body[i].args[0],
                  uses[s] == 1, let p = producer[s], case .columnSum(true)? = body[p].fused,
                  shape == [nodes[s].shape.last ?? -1] else { continue }
            body[i] = JitInstruction(primitive: body[p].primitive, args: body[p].args, result: body[i].result,
                                     fused: .columnSum(keepDims: false))
            folded += 1
        }
        return folded
    }

    /// `subtract(g, multiply(exp(y), sum(g, last axis, keepDims)))` — logSoftmax's recorded backward —
    /// becomes one `logSoftmaxBackward(y, g)` when the exp, sum and product have no other reader.
    static func fuseLogSoftmaxBackward(_ body: inout [JitInstruction], outputs: [JitOperand], nodes: [TraceNode]) -> Int {
        let (producer, uses) = readers(body, outputs: outputs)
        func single(_ s: Int) -> JitInstruction? {
            guard uses[s] == 1, let p = producer[s], body[p].fused == nil else { return nil }
            return body[p]
        }
        var count = 0
        for i in body.indices {
            guard case .subtract = body[i].primitive, body[i].fused == nil, case .slot(let g) = body[i].args[0],
                  case .slot(let m) = body[i].args[1], let product = single(m), case .multiply = product.primitive,
                  nodes[g].dtype == .float32, nodes[g].shape == nodes[body[i].result].shape, !nodes[g].shape.isEmpty else { continue }
            let rank = nodes[g].shape.count
            var y: JitOperand?
            var summed = false
            for case .slot(let f) in product.args {
                guard let factor = single(f) else { continue }
                if case .exp = factor.primitive, case .slot = factor.args[0], nodes[f].shape == nodes[g].shape { y = factor.args[0] }
                if case .sum(let axes, true) = factor.primitive, axes == [rank - 1], case .slot(g) = factor.args[0] { summed = true }
            }
            guard let y, summed, operandType(y, nodes) == (nodes[g].shape, .float32) else { continue }
            body[i] = JitInstruction(primitive: .subtract, args: [y, .slot(g)], result: body[i].result, fused: .logSoftmaxBackward)
            count += 1
        }
        return count
    }

    /// A softmax cross-entropy over integer labels, as `softmaxCrossEntropy(logits:labels:).mean()`
    /// records it: its loss (`mean(negate(reshape(takeAlong(y, labels))))`) becomes one `meanNegatedTake`,
    /// and its backward (`logSoftmaxBackward(y, scatterAddAlong(zeros, c, labels))`, the logSoftmax
    /// backward already fused) one `logSoftmaxBackwardOneHot`, when the intermediates have no other
    /// reader. Run after `fuseLogSoftmaxBackward`. Returns how many of the two were fused.
    static func fuseCrossEntropy(_ body: inout [JitInstruction], outputs: [JitOperand], nodes: [TraceNode]) -> Int {
        let (producer, uses) = readers(body, outputs: outputs)
        func single(_ a: JitOperand) -> JitInstruction? {
            guard case .slot(let s) = a, uses[s] == 1, let p = producer[s], body[p].fused == nil else { return nil }
            return body[p]
        }
        func isZeros(_ a: JitOperand) -> Bool {
            guard case .constant(let t) = a, t.dtype == .float32 else { return false }
            return t.scalars(as: Float.self).allSatisfy { $0.bitPattern == 0 }
        }
        var count = 0
        for i in body.indices {
            switch (body[i].primitive, body[i].fused) {
            case (.mean(let axes, false), nil):
                guard axes == [0], let negated = single(body[i].args[0]), case .negate = negated.primitive,
                      let flat = single(negated.args[0]), case .reshape = flat.primitive,
                      let picked = single(flat.args[0]), case .takeAlong(1) = picked.primitive,
                      operandType(picked.args[0], nodes).0.count == 2, operandType(picked.args[0], nodes).1 == .float32,
                      operandType(picked.args[1], nodes).1 == .int32 else { continue }
                body[i] = JitInstruction(primitive: body[i].primitive, args: picked.args, result: body[i].result, fused: .meanNegatedTake)
                count += 1
            case (_, .logSoftmaxBackward?):
                guard let scatter = single(body[i].args[1]), case .scatterAddAlong(1) = scatter.primitive,
                      isZeros(scatter.args[0]), case .constant = scatter.args[1],
                      operandType(scatter.args[2], nodes).1 == .int32 else { continue }
                body[i] = JitInstruction(primitive: body[i].primitive, args: [body[i].args[0], scatter.args[1], scatter.args[2]],
                                         result: body[i].result, fused: .logSoftmaxBackwardOneHot)
                count += 1
            default: continue
            }
        }
        return count
    }

    /// Which instruction writes each slot, and how many readers each slot has (an output counts as two,
    /// so it is never "read once").
    static func readers(_ body: [JitInstruction], outputs: [JitOperand]) -> (producer: [Int: Int], uses: [Int: Int]) {
        var producer: [Int: Int] = [:]
        for (i, inst) in body.enumerated() { producer[inst.result] = i }
        var uses: [Int: Int] = [:]
        for inst in body { for case .slot(let s) in inst.args { uses[s, default: 0] += 1 } }
        for case .slot(let s) in outputs { uses[s, default: 0] += 2 }
        return (producer, uses)
    }

    static func operandType(_ a: JitOperand, _ nodes: [TraceNode]) -> ([Int], DType) {
        switch a {
        case .slot(let s): return (nodes[s].shape, nodes[s].dtype)
        case .constant(let t): return (t.shape, t.dtype)
        }
    }
}
