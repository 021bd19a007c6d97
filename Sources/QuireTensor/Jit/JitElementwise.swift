// Elementwise chain fusion: a run of float32 elementwise ops in which each result is read only by the
// next op (`((x * 2 + y).exp().tanh() * z`) becomes one instruction that streams the inputs once, in
// blocks of a few hundred elements kept in cache, split over the engine's workers, and writes only the
// last result. Each step calls the kernel the eager op calls (`Float.unary(K.self, _)`,
// `Float.binary(K.self, _, _)`), element by element, so the result is bit-identical to the unfused ops.

/// Where a step of a chain reads an operand: the previous step's result, or one of the fused
/// instruction's arguments (a tensor of the chain's shape, or a single element broadcast).
enum ElementwiseOperand: Equatable {
    case running
    case argument(Int)
}

/// One step's loop over a block: operands `a`, `b` with element strides (1, or 0 for a broadcast
/// element; `b` unused by unary kernels) into `out`.
typealias ElementwiseLoop = (_ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                             _ out: UnsafeMutablePointer<Float>, _ n: Int) -> Void

/// One op of a fused chain.
struct ElementwiseStep {
    let primitive: Primitive
    let operands: [ElementwiseOperand]
    let loop: ElementwiseLoop
}

/// A fused chain of elementwise steps (see the file comment).
struct ElementwiseChain: Equatable, CustomStringConvertible {
    let steps: [ElementwiseStep]
    /// The shape of every step's result.
    let shape: [Int]

    var description: String { steps.map { "\($0.primitive)" }.joined(separator: " → ") }
    static func == (a: ElementwiseChain, b: ElementwiseChain) -> Bool {
        a.description == b.description && a.steps.map(\.operands) == b.steps.map(\.operands) && a.shape == b.shape
    }

    /// Elements per block: each step's result stays in L1 for the next.
    static let block = 512

    /// Runs the chain over `args` (float32; the chain's shape, or one element) into an arena buffer.
    func run(_ args: [Tensor], arena: inout JitArena) -> Tensor {
        let count = shape.reduce(1, *)
        let inputs = args.map { $0.isContiguous ? $0 : $0.contiguous() }
        let strides = inputs.map { $0.scalarCount == 1 && count != 1 ? 0 : 1 }
        let pointers = UncheckedSendable(inputs.map { UnsafePointer($0.pointer(Float.self)) })
        var out = arena.tensor(shape, .float32)
        let result = UncheckedSendable(out.pointer(Float.self))
        let steps = self.steps
        Parallelism.forEachChunk(count: count, minimumChunk: 1 << 14) { range in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * ElementwiseChain.block) { scratch in
                let buffers = [scratch.baseAddress!, scratch.baseAddress! + ElementwiseChain.block]
                var start = range.lowerBound
                while start < range.upperBound {
                    let n = Swift.min(ElementwiseChain.block, range.upperBound - start)
                    var running = UnsafePointer(buffers[0])
                    for (k, step) in steps.enumerated() {
                        let target = k == steps.count - 1 ? result.value + start : buffers[(k + 1) % 2]
                        func operand(_ o: ElementwiseOperand) -> (UnsafePointer<Float>, Int) {
                            switch o {
                            case .running: return (running, 1)
                            case .argument(let j): return (pointers.value[j] + start * strides[j], strides[j])
                            }
                        }
                        let (a, sa) = operand(step.operands[0])
                        let (b, sb) = step.operands.count > 1 ? operand(step.operands[1]) : (a, sa)
                        step.loop(a, sa, b, sb, target, n)
                        running = UnsafePointer(target)
                    }
                    start += n
                }
            }
        }
        out.traceTag = 0
        return out
    }

    /// The loop for `p` on float32, or nil when `p` is not a fusable elementwise kernel.
    static func loop(for p: Primitive) -> ElementwiseLoop? { p.withElementwiseKernel(LoopBuilder()) }
}

/// Builds a step's block loop around the eager op's kernel.
private struct LoopBuilder: ElementwiseKernelVisitor {
    func unary<K: UnaryKernel>(_: K.Type) -> ElementwiseLoop {
        { a, sa, _, _, o, n in
            if sa == 1 {
                for i in 0..<n { o[i] = Float.unary(K.self, a[i]) }
            } else {
                let c = Float.unary(K.self, a[0])
                for i in 0..<n { o[i] = c }
            }
        }
    }

    func binary<K: BinaryKernel>(_: K.Type) -> ElementwiseLoop {
        { a, sa, b, sb, o, n in
            if sa == 1 && sb == 1 {
                for i in 0..<n { o[i] = Float.binary(K.self, a[i], b[i]) }
            } else if sa == 1 {
                let c = b[0]
                for i in 0..<n { o[i] = Float.binary(K.self, a[i], c) }
            } else if sb == 1 {
                let c = a[0]
                for i in 0..<n { o[i] = Float.binary(K.self, c, b[i]) }
            } else {
                let c = Float.binary(K.self, a[0], b[0])
                for i in 0..<n { o[i] = c }
            }
        }
    }
}

extension JitProgram {
    /// Fuses chains of at least two float32 elementwise instructions of one shape in which each result
    /// is read only by the next instruction of the chain (and is not an output) into one `elementwise`
    /// instruction at the chain's last position. Operands must have the chain's shape or one element
    /// (no other broadcasting). Returns how many chains.
    static func fuseElementwiseChains(_ body: inout [JitInstruction], outputs: [JitOperand], nodes: [TraceNode]) -> Int {
        var uses: [Int: Int] = [:]
        var reader: [Int: Int] = [:]   // slot → the (last) instruction reading it
        for (i, inst) in body.enumerated() {
            for case .slot(let s) in inst.args { uses[s, default: 0] += 1; reader[s] = i }
        }
        for case .slot(let s) in outputs { uses[s, default: 0] += 2 }
        func fusable(_ i: Int) -> Bool {
            let inst = body[i]
            guard inst.fused == nil, ElementwiseChain.loop(for: inst.primitive) != nil, inst.args.count <= 2,
                  nodes[inst.result].dtype == .float32 else { return false }
            let shape = nodes[inst.result].shape
            return inst.args.allSatisfy { a in
                let (s, t) = operandType(a, nodes)
                return t == .float32 && (s == shape || s.reduce(1, *) == 1)
            }
        }
        // next[i]: the chain instruction after i (i's result read once, there, with the same shape).
        var next: [Int: Int] = [:], hasPrevious = Set<Int>()
        for i in body.indices where fusable(i) {
            let r = body[i].result
            guard uses[r] == 1, let j = reader[r], j > i, fusable(j), !hasPrevious.contains(j),
                  nodes[body[j].result].shape == nodes[r].shape else { continue }
            next[i] = j
            hasPrevious.insert(j)
        }
        var fused = 0
        for start in body.indices where next[start] != nil && !hasPrevious.contains(start) {
            var chain = [start]
            while let j = next[chain.last!] { chain.append(j) }
            var arguments: [JitOperand] = [], steps: [ElementwiseStep] = []
            func argument(_ a: JitOperand) -> ElementwiseOperand {
                if case .slot(let s) = a, let k = arguments.firstIndex(where: { if case .slot(s) = $0 { true } else { false } }) {
                    return .argument(k)
                }
                arguments.append(a)
                return .argument(arguments.count - 1)
            }
            for (k, i) in chain.enumerated() {
                let previous = k > 0 ? body[chain[k - 1]].result : -1
                var usedRunning = false
                let operands: [ElementwiseOperand] = body[i].args.map { a in
                    if case .slot(let s) = a, s == previous, !usedRunning { usedRunning = true; return .running }
                    return argument(a)
                }
                steps.append(ElementwiseStep(primitive: body[i].primitive, operands: operands,
                                             loop: ElementwiseChain.loop(for: body[i].primitive)!))
            }
            let last = chain.last!
            body[last] = JitInstruction(primitive: body[last].primitive, args: arguments, result: body[last].result,
                                        fused: .elementwise(ElementwiseChain(steps: steps, shape: nodes[body[last].result].shape)))
            fused += 1
        }
        return fused
    }
}
