import QuireTensor

/// A kernel compiled to native code: calls `quire_kernel(lo, hi, buffers, fault)` on contiguous chunks
/// of program ids spread over the engine's threads. In checked mode a failed bounds check fills
/// `fault` (set flag, program, ref, axis, start, size) and `run` throws `KernelError.outOfBounds`.
struct CompiledKernel {
    typealias Entry = @convention(c) (Int64, Int64, UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int64>) -> Void
    let ir: KernelIR
    let entry: Entry
    let outcome: KernelCompiler.Outcome
    let overwritten: Set<RefID>   // outputs every element of which the kernel writes

    static func load(_ ir: KernelIR, options: CodegenOptions = .current) throws -> CompiledKernel {
        let source = CEmitter(ir: ir, options: options).source()
        let (fn, outcome) = try KernelCompiler.entry(source: source, kernel: ir.name, target: options.target)
        return CompiledKernel(ir: ir, entry: unsafeBitCast(fn, to: Entry.self), outcome: outcome,
                              overwritten: Set(ir.outputRefs.filter(ir.overwritesWhole)))
    }

    func run(_ inputs: [Tensor]) throws -> [Tensor] {
        var outputs = ir.outputRefs.map { r in
            // Zero-filled unless the kernel certainly writes every element (see `overwritesWhole`).
            let (shape, dtype) = (ir.ref(r).arrayShape, ir.ref(r).dtype)
            if overwritten.contains(r) { return Tensor(unsafeUninitializedShape: shape, dtype: dtype) { _ in } }
            return Tensor.zeros(shape, dtype: dtype)
        }
        let contiguous = inputs.map { $0.contiguous() }
        var fault = [Int64](repeating: 0, count: 8)
        fault.withUnsafeMutableBufferPointer { faultBuffer in
            withPointers(contiguous, &outputs) { pointers in
                let programs = ir.programCount
                let chunks = Swift.min(programs, Parallelism.threadCount * 4)
                let box = PointerBox(pointers: pointers, entry: entry, fault: faultBuffer.baseAddress!)
                Parallelism.forEachTask(count: chunks) { c in
                    var local = box.pointers
                    let lo = Int64(programs * c / chunks), hi = Int64(programs * (c + 1) / chunks)
                    local.withUnsafeMutableBufferPointer { box.entry(lo, hi, $0.baseAddress!, box.fault) }
                }
            }
        }
        if fault[0] != 0 { throw outOfBounds(fault) }
        return outputs
    }

    /// The error for a recorded fault: kernel, ref, the program's grid position and the bad range.
    private func outOfBounds(_ f: [Int64]) -> KernelError {
        let ref = ir.refs[Int(f[2])], axis = Int(f[3]), start = Int(f[4]), size = Int(f[5])
        var rest = Int(f[1])
        let program = ir.grid.reversed().map { n -> Int in defer { rest /= n }; return rest % n }.reversed()
        return .outOfBounds(kernel: ir.name, ref: ref.name,
                            message: "program \(Array(program)) accesses \(start)..<\(start + size) on axis \(axis) of an array of shape \(ref.arrayShape) without a mask (caught by the compiled backend's bounds checks)")
    }
}

private struct PointerBox: @unchecked Sendable {
    let pointers: [UnsafeMutableRawPointer?]
    let entry: CompiledKernel.Entry
    let fault: UnsafeMutablePointer<Int64>
}

/// Calls `body` with raw pointers to every input's and output's elements (inputs first). The tensors
/// are contiguous and uniquely owned here, so their storage stays put while `body` runs.
func withPointers(_ inputs: [Tensor], _ outputs: inout [Tensor], _ body: ([UnsafeMutableRawPointer?]) -> Void) {
    var pointers: [UnsafeMutableRawPointer?] = []
    for t in inputs { withRaw(t) { pointers.append($0.map { UnsafeMutableRawPointer(mutating: $0) }) } }
    for i in outputs.indices { withMutableRaw(&outputs[i]) { pointers.append($0) } }
    withExtendedLifetime((inputs, outputs)) { body(pointers) }
}

private func withRaw(_ t: Tensor, _ body: (UnsafeRawPointer?) -> Void) {
    switch t.dtype {
    case .float32: t.withUnsafeBufferPointer(as: Float.self) { body(UnsafeRawPointer($0.baseAddress)) }
    case .float16: t.withUnsafeBufferPointer(as: Float16.self) { body(UnsafeRawPointer($0.baseAddress)) }
    case .bfloat16: t.withUnsafeBufferPointer(as: BFloat16.self) { body(UnsafeRawPointer($0.baseAddress)) }
    case .int32: t.withUnsafeBufferPointer(as: Int32.self) { body(UnsafeRawPointer($0.baseAddress)) }
    case .int8: t.withUnsafeBufferPointer(as: Int8.self) { body(UnsafeRawPointer($0.baseAddress)) }
    case .bool: t.withUnsafeBufferPointer(as: Bool.self) { body(UnsafeRawPointer($0.baseAddress)) }
    case .uint8: t.withUnsafeBufferPointer(as: UInt8.self) { body(UnsafeRawPointer($0.baseAddress)) }
    case .float64: t.withUnsafeBufferPointer(as: Double.self) { body(UnsafeRawPointer($0.baseAddress)) }
    }
}

private func withMutableRaw(_ t: inout Tensor, _ body: (UnsafeMutableRawPointer?) -> Void) {
    switch t.dtype {
    case .float32: t.withUnsafeMutableBufferPointer(as: Float.self) { body(UnsafeMutableRawPointer($0.baseAddress)) }
    case .float16: t.withUnsafeMutableBufferPointer(as: Float16.self) { body(UnsafeMutableRawPointer($0.baseAddress)) }
    case .bfloat16: t.withUnsafeMutableBufferPointer(as: BFloat16.self) { body(UnsafeMutableRawPointer($0.baseAddress)) }
    case .int32: t.withUnsafeMutableBufferPointer(as: Int32.self) { body(UnsafeMutableRawPointer($0.baseAddress)) }
    case .int8: t.withUnsafeMutableBufferPointer(as: Int8.self) { body(UnsafeMutableRawPointer($0.baseAddress)) }
    case .bool: t.withUnsafeMutableBufferPointer(as: Bool.self) { body(UnsafeMutableRawPointer($0.baseAddress)) }
    case .uint8: t.withUnsafeMutableBufferPointer(as: UInt8.self) { body(UnsafeMutableRawPointer($0.baseAddress)) }
    case .float64: t.withUnsafeMutableBufferPointer(as: Double.self) { body(UnsafeMutableRawPointer($0.baseAddress)) }
    }
}
