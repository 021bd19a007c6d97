import QuireTensor

/// What a kernel body receives: its refs and the operations that are not methods of a value
/// (program ids, constants, iota, control flow).
///
/// ```swift
/// let add = pallasCall(name: "add", grid: [4], inputs: [spec, spec], outputs: [out]) { k in
///     k.outputs[0][...] = k.inputs[0][...] + k.inputs[1][...]
/// }
/// ```
public struct KernelRefs {
    let tracer: Tracer
    public let inputs: [Ref]
    public let outputs: [Ref]
    public let scratch: [Ref]

    /// This program's index along a grid axis (int32 scalar).
    public func programID(_ axis: Int) -> KernelValue {
        if axis < 0 || axis >= tracer.grid.count { tracer.fail("programID(\(axis)) on a grid of rank \(tracer.grid.count) \(tracer.grid)") }
        return tracer.emit(.programID(axis: axis), BlockType(dtype: .int32, shape: []))
    }

    /// The grid's extent along an axis (int32 scalar).
    public func numPrograms(_ axis: Int) -> KernelValue {
        if axis < 0 || axis >= tracer.grid.count { tracer.fail("numPrograms(\(axis)) on a grid of rank \(tracer.grid.count) \(tracer.grid)") }
        return tracer.emit(.numPrograms(axis: axis), BlockType(dtype: .int32, shape: []))
    }

    /// A scalar constant.
    public func constant(_ x: Double, dtype: DType = .float32) -> KernelValue { tracer.constant(x, dtype) }

    /// An int32 scalar constant.
    public func index(_ x: Int) -> KernelValue { tracer.constant(Double(x), .int32) }

    /// A block filled with one value.
    public func full(_ shape: [Int], _ x: Double, dtype: DType = .float32) -> KernelValue {
        tracer.broadcast(constant(x, dtype: dtype), to: shape, "full")
    }

    /// A block whose elements are their index along `axis` (int32).
    public func iota(_ shape: [Int], axis: Int) -> KernelValue {
        if axis < 0 || axis >= shape.count { tracer.fail("iota(\(shape), axis: \(axis)): axis out of range") }
        return tracer.emit(.iota(axis: axis), BlockType(dtype: .int32, shape: shape))
    }

    /// Runs `body` only in programs where the bool scalar `condition` holds.
    public func when(_ condition: KernelValue, _ body: () -> Void) {
        let t = tracer.type(condition.id)
        if t != BlockType(dtype: .bool, shape: []) { tracer.fail("when(...) needs a bool scalar condition, got \(t)") }
        let region = tracer.region(body)
        tracer.emitEffect(.when(condition: condition.id, body: region))
    }

    /// A counted loop with values carried from one iteration to the next; returns their final values.
    ///
    /// ```swift
    /// let acc = k.forLoop(0..<kBlocks, carrying: [k.full([64, 64], 0)]) { i, c in
    ///     [c[0] + a[ds(0, 64), ds(i * 64, 64)].dot(b[ds(i * 64, 64), ds(0, 64)])]
    /// }[0]
    /// ```
    public func forLoop(_ lower: any KernelIndex, _ upper: any KernelIndex, carrying inits: [KernelValue] = [],
                        _ body: (KernelValue, [KernelValue]) -> [KernelValue]) -> [KernelValue] {
        let lo = tracer.indexOperand(lower, "forLoop lower bound")
        let hi = tracer.indexOperand(upper, "forLoop upper bound")
        var index = ValueID(0), params: [ValueID] = []
        var yields: [KernelValue] = []
        let region = tracer.region {
            index = tracer.newValue(BlockType(dtype: .int32, shape: []))
            params = inits.map { tracer.newValue(tracer.type($0.id)) }
            yields = body(KernelValue(tracer: tracer, id: index), params.map { KernelValue(tracer: tracer, id: $0) })
        }
        if yields.count != params.count {
            tracer.fail("forLoop body returned \(yields.count) values for \(params.count) carried values")
            yields = params.map { KernelValue(tracer: tracer, id: $0) }
        }
        for (i, (p, y)) in zip(params, yields).enumerated() where tracer.type(p) != tracer.type(y.id) {
            tracer.fail("forLoop carried value \(i) enters as \(tracer.type(p)) but the body returns \(tracer.type(y.id))")
        }
        let results = params.map { tracer.newValue(tracer.type($0)) }
        let loop = ForLoop(lower: lo, upper: hi, inits: inits.map(\.id), index: index, params: params,
                           body: region, yields: yields.map(\.id))
        tracer.appendInstruction(Instruction(results: results, op: .forLoop(loop)))
        return results.map { KernelValue(tracer: tracer, id: $0) }
    }

    /// `forLoop` over a range known when tracing.
    public func forLoop(_ range: Range<Int>, carrying inits: [KernelValue] = [],
                        _ body: (KernelValue, [KernelValue]) -> [KernelValue]) -> [KernelValue] {
        forLoop(range.lowerBound, range.upperBound, carrying: inits, body)
    }

    /// A loop with nothing carried (its body works through refs).
    public func forLoop(_ range: Range<Int>, _ body: (KernelValue) -> Void) {
        _ = forLoop(range.lowerBound, range.upperBound, carrying: []) { i, _ in body(i); return [] }
    }
}
