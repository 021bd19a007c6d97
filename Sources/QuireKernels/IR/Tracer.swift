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
    private(set) var error: KernelError?

    init(kernel: String, grid: [Int]) {
        self.kernel = kernel
        self.grid = grid
    }

    func fail(_ message: String) {
        if error == nil { error = .trace(kernel: kernel, message: message) }
    }

    func newValue(_ type: BlockType) -> Int {
        types.append(type)
        return types.count - 1
    }

    @discardableResult
    func emit(_ op: Op, _ type: BlockType) -> KernelValue {
        let id = newValue(type)
        regions[regions.count - 1].append(Instruction(results: [id], op: op))
        return KernelValue(tracer: self, id: id)
    }

    func emitEffect(_ op: Op) {
        regions[regions.count - 1].append(Instruction(results: [], op: op))
    }

    func appendInstruction(_ instruction: Instruction) {
        regions[regions.count - 1].append(instruction)
    }

    /// Runs `body` collecting the instructions it emits into a nested region.
    func region(_ body: () -> Void) -> [Instruction] {
        regions.append([])
        body()
        return regions.removeLast()
    }

    func type(_ id: Int) -> BlockType { types[id] }

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
