import QuireTensor

/// Records a kernel body into `KernelIR`. Operations on `KernelValue`s append instructions to the
/// innermost open region; the first ill-formed operation is remembered as the trace error and the
/// rest of the body still runs (on placeholder values) so the closure can return normally.
final class Tracer {
    let kernel: String
    var types: [BlockType] = []
    var refs: [RefInfo] = []
    var grid: [Int]
    private var regions: [[Instruction]] = [[]]
    /// Which region defined each value, and the regions open now (a value is usable only inside the
    /// region that defined it, or regions nested in it).
    private var scopeOf: [Int] = []     // by value index
    private var openScopes: [Int] = [0]
    private var nextScope = 1
    private(set) var error: KernelError?

    init(kernel: String, grid: [Int]) {
        self.kernel = kernel
        self.grid = grid
    }

    func fail(_ message: String) {
        if error == nil { error = .trace(kernel: kernel, message: message) }
    }

    func newValue(_ type: BlockType) -> ValueID {
        types.append(type)
        scopeOf.append(openScopes[openScopes.count - 1])
        return ValueID(types.count - 1)
    }

    /// Fails when an instruction uses a value defined inside a `when` or `forLoop` body it is not in.
    private func checkScopes(_ op: Op) {
        for v in op.operands where !openScopes.contains(scopeOf[v.index]) {
            fail("value \(v) (\(type(v))) is used outside the when/forLoop body that defined it; carry it out of a loop with forLoop(carrying:), or write it to a scratch ref")
            return
        }
    }

    @discardableResult
    func emit(_ op: Op, _ type: BlockType) -> KernelValue {
        checkScopes(op)
        let id = newValue(type)
        regions[regions.count - 1].append(Instruction(results: [id], op: op))
        return KernelValue(tracer: self, id: id)
    }

    func emitEffect(_ op: Op) {
        checkScopes(op)
        regions[regions.count - 1].append(Instruction(results: [], op: op))
    }

    func appendInstruction(_ instruction: Instruction) {
        checkScopes(instruction.op)
        regions[regions.count - 1].append(instruction)
    }

    /// Runs `body` collecting the instructions it emits into a nested region.
    func region(_ body: () -> Void) -> [Instruction] {
        regions.append([])
        openScopes.append(nextScope)
        nextScope += 1
        defer { openScopes.removeLast() }
        body()
        return regions.removeLast()
    }

    func type(_ id: ValueID) -> BlockType { types[id.index] }

    var instructions: [Instruction] { regions[0] }

    func constant(_ x: Double, _ dtype: DType) -> KernelValue {
        emit(.constant(x), BlockType(dtype: dtype, shape: []))
    }

    func operand(_ v: KernelValue, _ what: String) -> Operand {
        let t = type(v.id)
        if !t.isScalar || t.dtype != .int32 { fail("\(what) must be an int32 scalar, got \(t)") }
        return .value(v.id)
    }
}
