import Synchronization
import QuireTensor

/// Which backend runs a kernel: the reference interpreter (the definition of the semantics) or C
/// emitted from the IR, compiled with clang `-O3 -march=native` and cached on disk.
public enum KernelBackend: String, Sendable, CaseIterable {
    case interpreter, compiled
}

/// Builds a kernel, as `pl.pallas_call`: `body` runs once per program of `grid` on blocks of the
/// inputs and outputs chosen by their `BlockSpec`s. The body is traced into the kernel IR on the first
/// call with given input shapes and dtypes; later calls reuse the trace (and the compiled code). The
/// grid and output shapes may be computed from each call's input shapes (``KernelShape/from(_:)``).
/// Without a `name`, the kernel is named after a hash of its traced IR (`kernel-3f9a0c12d4e5`), the
/// same in every run; a name only labels errors and IR listings.
///
/// ```swift
/// let n = 1000
/// let spec = BlockSpec([256]) { ids in [ids[0]] }
/// let add = pallasCall(name: "add", grid: [(n + 255) / 256], inputs: [spec, spec],
///                      outputs: [OutputSpec(shape: [n], block: spec)]) { k in
///     k.outputs[0].storeInBounds(k.inputs[0].loadInBounds() + k.inputs[1].loadInBounds())
/// }
/// let z = try add([x, y])[0]
/// ```
public func pallasCall(name: String? = nil, grid: KernelShape, inputs: [BlockSpec], outputs: [OutputSpec],
                       scratch: [ScratchSpec] = [], body: @escaping (KernelRefs) -> Void) -> KernelFunction {
    KernelFunction(name: name, grid: grid, inputs: inputs, outputs: outputs, scratch: scratch, body: body)
}

/// A kernel ready to call on tensors (see ``pallasCall(name:grid:inputs:outputs:scratch:body:)``).
public final class KernelFunction: @unchecked Sendable {
    /// The name given to ``pallasCall(name:grid:inputs:outputs:scratch:body:)``; nil when each trace is
    /// named after its IR.
    public let name: String?
    let grid: KernelShape
    let inputSpecs: [BlockSpec]
    let outputSpecs: [OutputSpec]
    let scratchSpecs: [ScratchSpec]
    let body: (KernelRefs) -> Void
    private let traces = Mutex<[[BlockType]: KernelIR]>([:])
    let natives = Mutex<[[BlockType]: CompiledKernel]>([:])

    init(name: String?, grid: KernelShape, inputs: [BlockSpec], outputs: [OutputSpec], scratch: [ScratchSpec],
         body: @escaping (KernelRefs) -> Void) {
        self.name = name
        self.grid = grid
        self.inputSpecs = inputs
        self.outputSpecs = outputs
        self.scratchSpecs = scratch
        self.body = body
    }

    /// Runs the kernel; returns one tensor per output.
    public func callAsFunction(_ inputs: [Tensor], backend: KernelBackend = .compiled) throws -> [Tensor] {
        let ir = try trace(inputs.map { BlockType(dtype: $0.dtype, shape: $0.shape) })
        switch backend {
        case .interpreter:
            var interpreter = Interpreter(ir: ir)
            return try interpreter.run(inputs)
        case .compiled: return try native(ir, inputs.map { BlockType(dtype: $0.dtype, shape: $0.shape) }).run(inputs)
        }
    }

    /// The C source the compiled backend builds for these input types (for reading and debugging).
    public func emittedC(for inputs: [Tensor]) throws -> String {
        CEmitter(ir: try trace(inputs.map { BlockType(dtype: $0.dtype, shape: $0.shape) })).source()
    }

    /// The kernel IR for these input types, printed.
    public func irDescription(for inputs: [Tensor]) throws -> String {
        describe(try trace(inputs.map { BlockType(dtype: $0.dtype, shape: $0.shape) }))
    }

    /// The compiled kernel for these input types, kept so later calls skip emitting and hashing the C.
    func native(_ ir: KernelIR, _ inputTypes: [BlockType]) throws -> CompiledKernel {
        if let k = natives.withLock({ $0[inputTypes] }) { return k }
        let k = try CompiledKernel.load(ir)
        natives.withLock { $0[inputTypes] = k }
        return k
    }

    /// The name in messages before a trace exists.
    var label: String { name ?? "unnamed kernel" }

    func trace(_ inputTypes: [BlockType]) throws -> KernelIR {
        if let ir = traces.withLock({ $0[inputTypes] }) { return ir }
        guard inputTypes.count == inputSpecs.count else {
            throw KernelError.badInput(kernel: label, message: "\(inputTypes.count) tensors for \(inputSpecs.count) inputs")
        }
        let supported: Set<DType> = [.float32, .float16, .bfloat16, .int32, .int8, .bool]
        for (i, t) in inputTypes.enumerated() where !supported.contains(t.dtype) {
            throw KernelError.badInput(kernel: label, message: "input \(i) \(t): kernels take float32, float16, bfloat16, int32, int8 or bool")
        }
        let ir = try Tracer.trace(self, inputTypes)
        traces.withLock { $0[inputTypes] = ir }
        return ir
    }
}

extension Tracer {
    static func trace(_ f: KernelFunction, _ inputTypes: [BlockType]) throws -> KernelIR {
        let shapes = inputTypes.map(\.shape)
        let grid = f.grid.rule(shapes)
        let t = Tracer(kernel: f.label, grid: grid)
        if grid.contains(where: { $0 <= 0 }) {
            t.fail("grid \(grid) has an empty axis" + (shapes.isEmpty ? "" : " (for inputs \(shapes))"))
        }
        let ids = grid.indices.map { t.emit(.programID(axis: $0), BlockType(dtype: .int32, shape: [])) }
        var inputs: [Ref] = [], outputs: [Ref] = []
        for (i, (spec, type)) in zip(f.inputSpecs, inputTypes).enumerated() {
            inputs.append(t.addRef(spec, name: spec.name ?? "input\(i)", role: .input, dtype: type.dtype, shape: type.shape, ids: ids))
        }
        for (i, spec) in f.outputSpecs.enumerated() {
            let shape = spec.shape.rule(shapes)
            if shape.contains(where: { $0 < 0 }) { t.fail("output \(i) has a negative extent: \(shape) (for inputs \(shapes))") }
            outputs.append(t.addRef(spec.block, name: spec.block.name ?? "output\(i)", role: .output, dtype: spec.dtype, shape: shape, ids: ids))
        }
        let scratch = f.scratchSpecs.enumerated().map { i, s in
            t.refs.append(RefInfo(name: s.name ?? "scratch\(i)", role: .scratch, dtype: s.dtype, arrayShape: s.shape,
                                  blockShape: s.shape, origin: s.shape.map { _ in .constant(0) }))
            return Ref(tracer: t, id: RefID(t.refs.count - 1))
        }
        f.body(KernelRefs(tracer: t, inputs: inputs, outputs: outputs, scratch: scratch))
        if let error = t.error { throw error }
        var ir = KernelIR(name: f.name ?? "kernel", grid: grid, refs: t.refs, types: t.types, body: t.instructions)
        if f.name == nil { ir.name = "kernel-" + KernelCompiler.digest(describe(ir)).prefix(12) }
        return ir
    }

    /// Traces a ref's index map into origin values: block index × block extent per axis.
    func addRef(_ spec: BlockSpec, name: String, role: RefInfo.Role, dtype: DType, shape: [Int], ids: [KernelValue]) -> Ref {
        let block = spec.blockShape ?? shape
        var origin: [Operand] = shape.map { _ in .constant(0) }
        let what = "ref '\(name)' (array \(shape), block \(block))"
        if block.count != shape.count {
            fail("\(what): block rank \(block.count) differs from the array's rank \(shape.count)")
        } else if block.contains(where: { $0 <= 0 }) {
            fail("\(what): block extents must be positive")
        } else if let map = spec.indexMap {
            let indices = map(ids)
            if indices.count != shape.count {
                fail("\(what): index map returned \(indices.count) block indices for a rank-\(shape.count) array (the grid \(grid) gives it \(ids.count) program ids)")
            } else {
                origin = indices.enumerated().map { axis, x in
                    switch indexOperand(x, "\(what): index map result \(axis)") {
                    case let .constant(c): return .constant(c * block[axis])
                    case let .value(v): return .value((KernelValue(tracer: self, id: v) * Double(block[axis])).id)
                    }
                }
            }
        }
        refs.append(RefInfo(name: name, role: role, dtype: dtype, arrayShape: shape, blockShape: block, origin: origin))
        return Ref(tracer: self, id: RefID(refs.count - 1))
    }
}
