import Synchronization

// A recorded program ready for replay: the jit trace lowered to straight-line instructions over
// value slots, after constant folding, common-subexpression elimination and dead-code elimination,
// with each slot released right after its last use.

/// A `jit` misuse or a function that cannot be compiled, naming the problem.
///
/// ```swift
/// do { _ = try f([x]) } catch let e as JitError { print(e) }
/// ```
public struct JitError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where an instruction reads a value: a slot computed earlier (or an argument), or a constant.
enum JitOperand {
    case slot(Int)
    case constant(Tensor)
}

/// One primitive application of a compiled program.
struct JitInstruction {
    let primitive: Primitive
    let args: [JitOperand]
    /// The slot the result goes to.
    let result: Int
    /// A fused kernel run instead of `primitive` (which is then the last op it replaces).
    var fused: JitFusedKernel? = nil
    /// Slots no longer read after this instruction: released at once, their buffers kept in the arena.
    var frees: [Int] = []
}

/// What the passes did, for inspection (`JitFunction.lastCompile`).
public struct JitCompileStats: Sendable, CustomStringConvertible {
    /// Nodes in the recorded trace (forward, backward and update together).
    public var tracedNodes = 0
    /// Nodes evaluated at compile time because all their inputs were constants.
    public var folded = 0
    /// Nodes replaced by an earlier identical one.
    public var deduplicated = 0
    /// Nodes that replay as their input (identity, stopGradient, a reshape to the same shape).
    public var forwarded = 0
    /// Nodes whose results no output needs.
    public var dead = 0
    /// Recorded `where(x > 0, g, 0)` (relu's backward) run as the one-pass kernel eager uses.
    public var reluGradients = 0
    /// `matmul → add(bias) [→ relu]` chains run as one `linear` instruction (BLAS, then one epilogue pass).
    public var fusedLinear = 0
    /// logSoftmax backwards (`g − exp(y) · Σ g`: four recorded ops) run as one row-wise kernel.
    public var fusedSoftmaxBackward = 0
    /// Softmax cross-entropy losses and their one-hot logSoftmax backwards run as one pass each.
    public var fusedCrossEntropy = 0
    /// Column sums of float32 matrices (bias gradients) run by the reducer's column loop directly.
    public var columnSums = 0
    /// Chains of float32 elementwise ops run as one blocked pass (`elementwise`).
    public var fusedElementwise = 0
    /// Transposes read in place by products and reshapes written by column sums, instead of views of
    /// their own.
    public var foldedViews = 0
    /// Instructions left to run on each call.
    public var instructions = 0

    public var description: String {
        "\(tracedNodes) traced nodes → \(instructions) instructions (\(folded) folded, \(forwarded) forwarded, \(deduplicated) common, "
            + "\(dead) dead, \(reluGradients) relu gradients, \(fusedLinear) fused linear, "
            + "\(fusedSoftmaxBackward) fused softmax backward, \(fusedCrossEntropy) fused cross-entropy, "
            + "\(columnSums) column sums, \(fusedElementwise) elementwise chains, \(foldedViews) folded views)"
    }
}

/// A compiled program: argument slots, instructions and outputs.
final class JitProgram: @unchecked Sendable {
    let argumentSlots: [Int]
    let instructions: [JitInstruction]
    let outputs: [JitOperand]
    let slotCount: Int
    let stats: JitCompileStats
    /// Shape and dtype of every slot (for `text`).
    private let resultTypes: [([Int], DType)]

    /// Lowers `trace` (whose first `arguments.count` nodes are the arguments) with `outputs` to a
    /// program, running the passes.
    init(trace: Trace, argumentCount: Int, outputs outs: [Tensor], buffers pool: JitBufferPool) throws {
        if let reason = trace.unreplayable {
            throw JitError("jit: the function cannot be replayed: it \(reason); "
                + "compute it with tensor ops, or pass the value in as an argument")
        }
        var stats = JitCompileStats()
        stats.tracedNodes = trace.nodes.count
        var operand = [JitOperand](repeating: .slot(-1), count: trace.nodes.count)
        var body: [JitInstruction] = []
        var seen: [String: JitOperand] = [:]
        for node in trace.nodes {
            if case .input = node.primitive {
                if node.id < argumentCount {
                    operand[node.id] = .slot(node.id)
                } else {
                    guard let v = node.leafValue else { preconditionFailure("jit: leaf %\(node.id) has no value") }
                    operand[node.id] = .constant(v)
                }
                continue
            }
            let args: [JitOperand] = node.inputs.indices.map { k in
                if let input = node.inputs[k] { return operand[input.id] }
                return .constant(node.constants[k]!)
            }
            // Value-preserving ops (identity, stopGradient, a reshape to the same shape) replay as their
            // input: `apply` would return it unchanged anyway.
            if !node.inputShapes.isEmpty, node.primitive.forwardsInput(from: node.inputShapes[0], to: node.shape) {
                operand[node.id] = args[0]
                stats.forwarded += 1
                continue
            }
            // Constant folding: every input known now, so compute it once (same kernel as a replay).
            if node.primitive.isPure, args.allSatisfy({ if case .constant = $0 { true } else { false } }) {
                operand[node.id] = .constant(try node.primitive.apply(args.map(\.constantValue)))
                stats.folded += 1
                continue
            }
            // Common subexpressions: the same primitive on the same operands computes the same value.
            let key = node.primitive.isPure ? JitProgram.key(node.primitive, args) : nil
            if let key, let earlier = seen[key] {
                operand[node.id] = earlier
                stats.deduplicated += 1
                continue
            }
            operand[node.id] = .slot(node.id)
            if let key { seen[key] = .slot(node.id) }
            body.append(JitInstruction(primitive: node.primitive, args: args, result: node.id))
        }
        stats.reluGradients = JitProgram.fuseReluGradients(&body, types: trace.nodes)
        let outputs = outs.map { t in trace.node(tagged: t.traceTag).map { operand[$0.id] } ?? .constant(t.detached) }
        // Dead code goes before fusion (so a rewritten relu backward's comparison no longer counts as a
        // use of the pre-activation) and after it (the instructions fusion replaced).
        let live = JitProgram.eliminateDeadCode(body, outputs: outputs, slotCount: trace.nodes.count)
        var kept = live
        stats.fusedLinear = JitProgram.fuseLinear(&kept, outputs: outputs, nodes: trace.nodes)
        stats.fusedSoftmaxBackward = JitProgram.fuseLogSoftmaxBackward(&kept, outputs: outputs, nodes: trace.nodes)
        // The ops the logSoftmax backward replaced must not count as readers of its cotangent.
        kept = JitProgram.eliminateDeadCode(kept, outputs: outputs, slotCount: trace.nodes.count)
        stats.fusedCrossEntropy = JitProgram.fuseCrossEntropy(&kept, outputs: outputs, nodes: trace.nodes)
        stats.columnSums = JitProgram.fuseColumnSums(&kept, nodes: trace.nodes)
        stats.fusedElementwise = JitProgram.fuseElementwiseChains(&kept, outputs: outputs, nodes: trace.nodes)
        stats.foldedViews = JitProgram.foldViews(&kept, outputs: outputs, nodes: trace.nodes)
        kept = JitProgram.eliminateDeadCode(kept, outputs: outputs, slotCount: trace.nodes.count)
        stats.dead = body.count - live.count
        stats.instructions = kept.count

        // Buffer plan: release every slot after its last reader (outputs and arguments stay).
        var lastUse = [Int](repeating: -1, count: trace.nodes.count)
        for (i, inst) in kept.enumerated() {
            for case .slot(let s) in inst.args { lastUse[s] = i }
        }
        for case .slot(let s) in outputs { lastUse[s] = Int.max }
        for s in 0..<argumentCount { lastUse[s] = Int.max }
        for (s, i) in lastUse.enumerated() where i >= 0 && i < kept.count { kept[i].frees.append(s) }

        // relu's gradient mask written over the activation it reads when that is the activation's last
        // use: one buffer fewer of that size held at once.
        JitProgram.writeMasksOverGates(&kept)

        // The arena keeps, of each size, as many buffers as the fused kernels' results hold at once at
        // most (a result is held from its instruction until the one that frees it, or to the end): a
        // replay then finds every buffer it needs, and nothing more stays allocated between calls.
        var capacity: [Int: Int] = [:]
        var held: [Int: Int] = [:]
        func bytes(_ slot: Int) -> Int { trace.nodes[slot].shape.reduce(1, *) * DType.float32.byteSize }
        var ownsBuffer = [Bool](repeating: false, count: trace.nodes.count)
        for inst in kept {
            if case .linearReluGradient(_, true)? = inst.fused, case .slot(let gate) = inst.args[2] {
                // The result takes the gate's buffer over.
                ownsBuffer[gate] = false
                ownsBuffer[inst.result] = true
            } else if inst.fused != nil {
                ownsBuffer[inst.result] = true
                held[bytes(inst.result), default: 0] += 1
                capacity[bytes(inst.result)] = Swift.max(capacity[bytes(inst.result)] ?? 0, held[bytes(inst.result)]!)
            }
            for s in inst.frees where ownsBuffer[s] { held[bytes(s), default: 0] -= 1 }
        }
        pool.reserve(capacity)
        self.pool = pool
        self.argumentSlots = Array(0..<argumentCount)
        self.instructions = kept
        self.outputs = outputs
        self.slotCount = trace.nodes.count
        self.stats = stats
        self.resultTypes = trace.nodes.map { ($0.shape, $0.dtype) }
    }

    /// Buffers freed by earlier calls, reused by the fused kernels of the next one: the pool of the
    /// function this program was compiled for, shared by its programs for other shapes.
    private let pool: JitBufferPool

    /// One instruction a line, e.g. `%7 = linear(bias, relu)(%0, %2, %3) : [128, 256] float32  (frees %2)`.
    var text: String {
        func name(_ a: JitOperand) -> String {
            switch a {
            case .slot(let s): return "%\(s)"
            case .constant(let t): return "const\(shapeString(t.shape))"
            }
        }
        let args = "arguments: " + argumentSlots.map { "%\($0)" }.joined(separator: ", ")
        let lines = instructions.map { inst -> String in
            let op = inst.fused?.description ?? "\(inst.primitive)"
            let (shape, dtype) = (resultTypes[inst.result].0, resultTypes[inst.result].1)
            // A transposed operand reads `%4ᵀ`.
            let transposed = inst.fused?.transposed ?? []
            let names = inst.args.enumerated().map { k, a in
                name(a) + ((k == 0 && transposed.contains(.a)) || (k == 1 && transposed.contains(.w)) ? "ᵀ" : "")
            }
            var line = "%\(inst.result) = \(op)(\(names.joined(separator: ", "))) : \(shapeString(shape)) \(dtype)"
            if !inst.frees.isEmpty { line += "  (frees " + inst.frees.map { "%\($0)" }.joined(separator: ", ") + ")" }
            return line
        }
        return ([args] + lines + ["return " + outputs.map(name).joined(separator: ", ")]).joined(separator: "\n")
    }

    /// Runs the program on `arguments` (shapes and dtypes as traced).
    func run(_ arguments: [Tensor]) throws -> [Tensor] {
        // Calls on several threads at once each get part of the arena (or none): buffers are never shared.
        var buffers = pool.arena.withLock { $0.take() }
        defer { pool.arena.withLock { $0.merge(buffers) } }
        var slots = [Tensor?](repeating: nil, count: slotCount)
        for (s, x) in zip(argumentSlots, arguments) { slots[s] = x.detached }
        for inst in instructions {
            slots[inst.result] = try execute(inst, slots, &buffers)
            for s in inst.frees {
                guard var t = slots[s] else { continue }
                slots[s] = nil
                buffers.recycle(&t)
            }
        }
        return outputs.map { o in
            switch o {
            case .slot(let s): return slots[s]!
            case .constant(let t): return t
            }
        }
    }

    /// Gives the buffers of `tensors` (outputs of an earlier call) to the arena, those nobody else holds.
    func recycle(_ tensors: inout [Tensor]) {
        pool.arena.withLock { a in for i in tensors.indices { a.recycle(&tensors[i]) } }
        tensors = []
    }

    /// Marks `linearReluGradient` instructions whose gate (a `linear` result, so a buffer of its own, of
    /// the product's shape) is freed by that instruction: the masked product is then written over the
    /// gate, each element read before it is overwritten (the small-product kernel masks a tile as it
    /// stores it), instead of into a buffer of its own. Run after the frees are known.
    static func writeMasksOverGates(_ body: inout [JitInstruction]) {
        var producer: [Int: JitFusedKernel] = [:]
        for inst in body { if let f = inst.fused { producer[inst.result] = f } }
        for i in body.indices {
            guard case .linearReluGradient(let t, false)? = body[i].fused, case .slot(let gate) = body[i].args[2],
                  body[i].frees.contains(gate), case .linear? = producer[gate],
                  !body[i].args[0...1].contains(where: { if case .slot(gate) = $0 { true } else { false } }) else { continue }
            body[i].fused = .linearReluGradient(transposed: t, intoGate: true)
        }
    }

    /// The instructions some output depends on, in order.
    private static func eliminateDeadCode(_ body: [JitInstruction], outputs: [JitOperand], slotCount: Int) -> [JitInstruction] {
        var live = [Bool](repeating: false, count: slotCount)
        for case .slot(let s) in outputs { live[s] = true }
        var kept: [JitInstruction] = []
        for inst in body.reversed() where live[inst.result] {
            for case .slot(let s) in inst.args { live[s] = true }
            kept.append(inst)
        }
        return kept.reversed()
    }

    /// One instruction's result (its argument list released on return, so freed slots can be recycled).
    private func execute(_ inst: JitInstruction, _ slots: [Tensor?], _ buffers: inout JitArena) throws -> Tensor {
        let args = inst.args.map { a -> Tensor in
            switch a {
            case .slot(let s): return slots[s]!
            case .constant(let t): return t
            }
        }
        if let kernel = inst.fused { return kernel.run(args, arena: &buffers) }
        return try inst.primitive.apply(args)
    }

    /// Peephole: the backward of `relu` recorded under a trace is `where(x > 0, g, 0)` (a comparison
    /// and a select, two passes); when `x` and `g` agree in shape and dtype it is exactly the one-pass
    /// `reluGradient` kernel the eager backward uses. Returns how many were rewritten (the comparison
    /// is left for dead-code elimination).
    private static func fuseReluGradients(_ body: inout [JitInstruction], types nodes: [TraceNode]) -> Int {
        func isZero(_ a: JitOperand) -> Bool {
            guard case .constant(let t) = a, t.scalarCount == 1 else { return false }
            return t.scalars(as: Double.self)[0] == 0
        }
        func type(_ a: JitOperand) -> ([Int], DType) {
            switch a {
            case .slot(let s): return (nodes[s].shape, nodes[s].dtype)
            case .constant(let t): return (t.shape, t.dtype)
            }
        }
        var producer: [Int: Int] = [:]
        for (i, inst) in body.enumerated() { producer[inst.result] = i }
        var count = 0
        for i in body.indices {
            let sel = body[i]
            guard case .select = sel.primitive, case .slot(let c) = sel.args[0], isZero(sel.args[2]),
                  let p = producer[c], case .compare("greater") = body[p].primitive,
                  case .slot(let x) = body[p].args[0], isZero(body[p].args[1]) else { continue }
            let (gShape, gType) = type(sel.args[1])
            guard nodes[x].shape == gShape, nodes[x].dtype == gType, type(sel.args[2]).1 == gType else { continue }
            body[i] = JitInstruction(primitive: .reluGradient, args: [.slot(x), sel.args[1]], result: sel.result)
            count += 1
        }
        return count
    }

    /// A key equal for two applications that must compute the same value.
    private static func key(_ p: Primitive, _ args: [JitOperand]) -> String {
        var k = p.description
        for a in args {
            switch a {
            case .slot(let s): k += "|%\(s)"
            case .constant(let t):
                k += "|c\(ObjectIdentifier(t.storage).hashValue):\(t.offset):\(t.shape):\(t.strides):\(t.dtype)"
            }
        }
        return k
    }
}

extension JitOperand {
    var constantValue: Tensor {
        guard case .constant(let t) = self else { preconditionFailure("jit: not a constant") }
        return t
    }
}

extension Primitive {
    /// Whether `apply` returns its first input unchanged for these shapes.
    func forwardsInput(from input: [Int], to output: [Int]) -> Bool {
        switch self {
        case .identity, .stopGradient: return true
        case .reshape: return input == output
        default: return false
        }
    }

    /// Whether two applications on the same operands always agree and may be folded or merged
    /// (user-supplied rules are left alone).
    var isPure: Bool {
        switch self {
        case .custom, .checkpoint, .input: return false
        default: return true
        }
    }
}

