#if canImport(Glibc)
import Glibc
#endif
import Synchronization

// The trace: an ordered list of recorded primitive applications, one per thread.
//
// A tensor produced inside a differentiated function carries a tag naming the node that made it
// (`Tensor.traceTag`: trace serial and node index, a plain integer). Every op entry point checks that
// tag (one integer compare when nothing is traced);
// when an input is traced it computes the result on detached inputs and appends one `TraceNode` to
// the thread's active `Trace`. The backward pass walks the nodes in reverse order.

/// One recorded primitive application: what ran, on which values, with which result shape and dtype.
///
/// Inputs are referenced by node id (`inputIDs`, `nil` for a constant: a tensor that was not traced).
/// `saved` holds the residuals the primitive's VJP rule reads (inputs and/or output, see
/// ``Primitive/residuals``); the backward pass drops them as soon as the node has been processed.
public final class TraceNode: @unchecked Sendable, CustomStringConvertible {
    /// Position in the trace (nodes are numbered in execution order).
    public let id: Int
    public let primitive: Primitive
    /// The nodes of the traced inputs, `nil` for constants.
    let inputs: [TraceNode?]
    /// Shapes and dtypes of every input, traced or not.
    public let inputShapes: [[Int]]
    public let inputDTypes: [DType]
    /// Shape and dtype of the result.
    public let shape: [Int]
    public let dtype: DType
    /// What the primitive's VJP rule reads (declared beside the rule in VJPRules.swift).
    let saves: Primitive.Residuals
    /// Inputs kept for the VJP rule (empty entries when the rule does not read them).
    var savedInputs: [Tensor]
    /// The output, kept when the rule reads it.
    var savedOutput: Tensor?
    /// In a `jit` trace: the values of the constant (untraced) inputs, `nil` at traced positions, so
    /// that the program can be replayed; empty in other traces.
    let constants: [Tensor?]
    /// In a `jit` trace, for an `input` node that is not an argument of the jitted function (the leaf
    /// of a gradient taken of a captured tensor): its value.
    var leafValue: Tensor?

    init(id: Int, primitive: Primitive, inputs: [Tensor], in trace: Trace, shape: [Int], dtype: DType) {
        self.id = id
        self.primitive = primitive
        self.inputs = inputs.map { trace.node(tagged: $0.traceTag) }
        self.inputShapes = inputs.map(\.shape)
        self.inputDTypes = inputs.map(\.dtype)
        self.shape = shape
        self.dtype = dtype
        self.saves = primitive.residuals
        self.savedInputs = saves.contains(.inputs) ? inputs : []
        self.constants = trace.recordsAll ? zip(self.inputs, inputs).map { $0 == nil ? $1.detached : nil } : []
    }

    /// Ids of the inputs' nodes (`nil` marks a constant input).
    public var inputIDs: [Int?] { inputs.map { $0?.id } }

    /// Drops the residuals (after the backward pass has used them).
    func release() {
        savedInputs = []
        savedOutput = nil
    }

    /// One line, e.g. `%4 = multiply(%2, %3) : [128, 256] float32`.
    public var description: String {
        let args = zip(inputIDs, inputShapes).map { id, s in id.map { "%\($0)" } ?? "const\(shapeString(s))" }
        return "%\(id) = \(primitive)(\(args.joined(separator: ", "))) : \(shapeString(shape)) \(dtype)"
    }
}

/// The ordered record of everything computed on traced tensors by one (outermost) differentiated call
/// on one thread, nested calls included. ``Trace/record(_:_:)`` records a function without
/// differentiating it, to look at what a transform sees (as `jax.make_jaxpr`).
///
/// ```swift
/// let (trace, _) = Trace.record([Tensor([1, 2] as [Float])]) { xs in (xs[0] * xs[0]).sum() }
/// print(trace)
/// // %0 = input() : [2] float32
/// // %1 = multiply(%0, %0) : [2] float32
/// // %2 = sum(axes: [0], keepDims: false)(%1) : [] float32
/// ```
public final class Trace: @unchecked Sendable, CustomStringConvertible {
    /// The nodes in execution order; `nodes[i].id == i`.
    public internal(set) var nodes: [TraceNode] = []
    /// Distinguishes this trace's tags from those of every other trace (other threads, earlier calls).
    let serial: UInt64
    /// A `jit` trace: every op on a traced tensor is recorded (integer and bool results, comparisons,
    /// casts, argmax included) and constant inputs keep their values, so the trace can be replayed.
    let recordsAll: Bool
    /// In a `jit` trace, why it cannot be replayed (an op with no replay rule ran on a traced tensor).
    var unreplayable: String?

    private static let serials = Atomic<UInt64>(0)

    init(recordsAll: Bool = false) {
        self.recordsAll = recordsAll
        serial = (Trace.serials.add(1, ordering: .relaxed).newValue & 0xFFFF_FFFF) | 1 << 31
    }

    /// The node a tag names, if the tag belongs to this trace.
    @inline(__always)
    func node(tagged tag: UInt64) -> TraceNode? {
        guard tag >> 32 == serial else { return nil }
        let i = Int(tag & 0xFFFF_FFFF)
        return i < nodes.count ? nodes[i] : nil
    }

    /// Appends a node for `primitive` applied to `inputs` with result `output`; returns `output`
    /// carrying the new node.
    func append(_ primitive: Primitive, inputs: [Tensor], output: Tensor) -> Tensor {
        let node = TraceNode(id: nodes.count, primitive: primitive, inputs: inputs, in: self, shape: output.shape, dtype: output.dtype)
        var out = output
        out.traceTag = serial << 32 | UInt64(node.id)
        if node.saves.contains(.output) { node.savedOutput = out }
        if recordsAll, case .input = primitive { node.leafValue = output.detached }
        nodes.append(node)
        return out
    }

    /// Runs `f` on `inputs` (one `input` node each; non-float inputs are constants) and returns the
    /// trace it produced and its output. Residuals are not kept: the trace is for inspection.
    ///
    /// ```swift
    /// let (t, y) = Trace.record([x, w]) { xs in xs[0].matmul(xs[1]).relu().sum() }
    /// t.nodes.map(\.primitive)   // input, input, matmul, relu, sum
    /// ```
    public static func record(_ inputs: [Tensor], _ f: ([Tensor]) throws -> Tensor) rethrows -> (trace: Trace, output: Tensor) {
        let ctx = TraceContext.current
        let saved = (ctx.trace, ctx.depth, ctx.paused, ctx.sealedBy)
        let trace = Trace()
        (ctx.trace, ctx.depth, ctx.paused, ctx.sealedBy) = (trace, 1, 0, nil)
        defer {
            trace.releaseAll()
            (ctx.trace, ctx.depth, ctx.paused, ctx.sealedBy) = saved
        }
        let leaves = inputs.map { x in
            x.dtype.isFloatingPoint ? trace.append(.input, inputs: [], output: x.detached) : x.detached
        }
        let out = try f(leaves)
        return (trace, out.detached)
    }

    /// Drops every residual (breaking the node ↔ saved-output reference cycles).
    func releaseAll() {
        for n in nodes { n.release() }
    }

    public var description: String { nodes.map(\.description).joined(separator: "\n") }
}

/// Per-thread tracing state: the trace being recorded, how many differentiated calls are open on this
/// thread, and whether recording is paused (inside a custom-VJP or checkpoint forward, or a
/// first-order backward pass).
final class TraceContext {
    var trace: Trace?
    var depth = 0
    var paused = 0
    /// Set (to the transform's name) while a checkpoint or custom-VJP forward runs unrecorded: a traced
    /// tensor reaching an op then was captured by the closure instead of passed in, and would silently
    /// lose its gradient.
    var sealedBy: String? = nil

    /// The trace ops should record into now, if any.
    var active: Trace? { paused == 0 ? trace : nil }

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        let rc = pthread_key_create(&k) { p in
            if let p { Unmanaged<TraceContext>.fromOpaque(p).release() }
        }
        precondition(rc == 0, "autodiff: cannot create the thread-local trace key")
        return k
    }()

    /// This thread's context (created on first use).
    static var current: TraceContext {
        if let p = pthread_getspecific(key) { return Unmanaged<TraceContext>.fromOpaque(p).takeUnretainedValue() }
        let c = TraceContext()
        pthread_setspecific(key, Unmanaged.passRetained(c).toOpaque())
        return c
    }

    /// Runs `body` with recording paused.
    func paused<R>(_ body: () throws -> R) rethrows -> R {
        paused += 1
        defer { paused -= 1 }
        return try body()
    }

    /// Runs `body` unrecorded, stopping on any traced tensor it did not receive as an argument.
    func sealed<R>(by transform: String, _ body: () throws -> R) rethrows -> R {
        let saved = sealedBy
        sealedBy = transform
        paused += 1
        defer { paused -= 1; sealedBy = saved }
        return try body()
    }
}

extension Tensor {
    /// The same values with no trace reference: operations on it are not recorded.
    var detached: Tensor {
        var t = self
        t.traceTag = 0
        return t
    }

    /// The node of the current thread's trace that produced this tensor (nil when untraced, or when the
    /// tensor outlived the trace it was computed in: then it is a constant).
    var node: TraceNode? {
        guard traceTag != 0, let trace = TraceContext.current.trace else { return nil }
        return trace.node(tagged: traceTag)
    }

    /// Called when code reads or writes a traced tensor's memory instead of going through an op: in a
    /// `jit` trace the value would be baked into the program, so the trace is marked unreplayable.
    func noteDirectAccess(_ what: String) {
        guard let trace = TraceContext.current.active, trace.recordsAll, trace.node(tagged: traceTag) != nil,
              trace.unreplayable == nil else { return }
        trace.unreplayable = "\(what) a traced tensor (shape \(shapeString(shape)) \(dtype)) outside the recorded ops "
            + "(`.scalars`, `.item`, a buffer pointer, or an op with no trace rule)"
    }

    /// Whether a `jit` trace on this thread is recording this tensor. Fused composite ops (a
    /// `customVJP` such as `linear`) then record their plain primitives instead: the jit's own passes
    /// fuse those (JitFusion.swift) and replay them without re-running a closure.
    var isRecordedByJit: Bool {
        guard traceTag != 0, let trace = TraceContext.current.active, trace.recordsAll else { return false }
        return trace.node(tagged: traceTag) != nil
    }

    /// Whether this tensor was computed, inside a differentiated function that is still running on this
    /// thread, from the function's arguments.
    public var isTraced: Bool { node != nil }

    /// The hook every op entry point calls when one of its inputs is traced: computes the result
    /// (`compute` must use detached inputs) and records it as `primitive` in the active trace.
    /// Non-float results, `nil` primitives (ops without a derivative) and paused recording give the
    /// plain result.
    static func traced(_ primitive: Primitive?, _ inputs: [Tensor], _ compute: () -> Tensor) -> Tensor {
        let ctx = TraceContext.current
        if let transform = ctx.sealedBy, inputs.contains(where: { $0.node != nil }) {
            tensorFailure(TensorError(transform, "the function uses a traced tensor (shape \(shapeString(inputs.first { $0.node != nil }?.shape ?? []))) "
                + "that it captured instead of receiving as an argument; pass every tensor that needs a gradient in the inputs"))
        }
        let output = compute()
        guard let trace = ctx.active, inputs.contains(where: { trace.node(tagged: $0.traceTag) != nil }) else {
            return output
        }
        if trace.recordsAll {
            // A jit trace records every result; an op it cannot replay makes the whole trace unusable.
            guard let primitive else {
                trace.unreplayable = trace.unreplayable
                    ?? "runs an operation with no replay rule on a traced tensor (result \(shapeString(output.shape)) \(output.dtype))"
                return output
            }
            return trace.append(primitive, inputs: inputs, output: output)
        }
        guard let primitive, output.dtype.isFloatingPoint else { return output }
        return trace.append(primitive, inputs: inputs, output: output)
    }
}
