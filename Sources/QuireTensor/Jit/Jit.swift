import Synchronization

// `jit`: trace a function of tensors once per input signature, compile the recorded program (see
// JitProgram.swift) and replay it on later calls.

/// A function compiled by `jit(_:)`: call it like the original. The first call
/// with given input shapes and dtypes runs the function once while recording every op into a program
/// (forward, any `valueAndGrad` backward inside it, and whatever update follows), and later calls with
/// the same signature replay that program without running the Swift code again.
///
/// What replay means for the function's body (as with `jax.jit`):
/// - **Side effects happen only when tracing**: a `print`, a counter incremented, a file written run
///   on the first call for each signature, not on replays.
/// - **Captured Swift values are frozen**: a tensor or number the closure captures (rather than takes
///   as an argument) is recorded as a constant with its value at trace time; a later change to it is
///   not seen. Random numbers drawn inside are frozen too: pass masks or keys as arguments.
/// - **Control flow is frozen**: `if`/loops that read a tensor's values in Swift (`.scalars`, `.item`)
///   follow the branch taken when tracing. Data-dependent selection must use tensor ops
///   (`Tensor.where`, comparisons, `argmax`), which are recorded and recomputed on each call.
/// - Called with traced arguments (inside `grad`), it runs the function directly, so gradients flow.
///
/// ```swift
/// let step = jit { (xs: [Tensor]) in
///     let (loss, g) = try valueAndGrad { w in (x.matmul(w) - y).square().mean() }(xs[0])
///     return [xs[0] - 0.1 * g, loss]
/// }
/// var w = Tensor.zeros([3, 1])
/// for _ in 0..<100 { w = try step([w])[0] }   // traced once, replayed 99 times
/// step.cacheHits                              // 99
/// ```
/// A compiled call's outputs lent by ``JitFunction/lendingOutputs(_:)``: ``giveBack()`` returns the
/// buffers nobody else holds to the program that produced them, for its next call.
public struct JitOutputs: @unchecked Sendable {
    /// The call's results.
    public private(set) var outputs: [Tensor]
    fileprivate let program: JitProgram?

    fileprivate init(outputs: [Tensor], program: JitProgram?) {
        self.outputs = outputs
        self.program = program
    }

    /// Hands the outputs' buffers back (a tensor the caller still holds elsewhere is left alone) and
    /// empties ``outputs``.
    public mutating func giveBack() {
        program?.recycle(&outputs)
        outputs = []
    }
}

public final class JitFunction: @unchecked Sendable {
    private struct Entry {
        let program: JitProgram
        let outputKeys: [String]
    }
    /// What selects a compiled program: the input keys, shapes and dtypes. Compared as values: building a
    /// text key from them took microseconds a call.
    private struct Signature: Hashable {
        let keys: [String]
        let shapes: [[Int]]
        let dtypes: [DType]

        init(keys: [String], inputs: [Tensor]) {
            (self.keys, shapes, dtypes) = (keys, inputs.map(\.shape), inputs.map(\.dtype))
        }
    }
    private struct State {
        var cache: [Signature: Entry] = [:]
        var hits = 0
        var misses = 0
        var lastCompile: JitCompileStats?
        var lastProgram: JitProgram?
    }
    private let body: ([Tensor], [String]) throws -> ([Tensor], [String])
    private let state = Mutex(State())
    /// The buffers every program of this function reuses (and, with ``jit(sharingBuffersWith:_:)``, another function's).
    fileprivate let buffers: JitBufferPool

    init(_ body: @escaping ([Tensor], [String]) throws -> ([Tensor], [String]), buffers: JitBufferPool = JitBufferPool()) {
        self.body = body
        self.buffers = buffers
    }

    /// Calls that replayed a cached program.
    public var cacheHits: Int { state.withLock { $0.hits } }
    /// Calls that traced and compiled (the first call and each new input signature).
    public var cacheMisses: Int { state.withLock { $0.misses } }
    /// Compiled signatures held.
    public var cacheSize: Int { state.withLock { $0.cache.count } }
    /// The most recently compiled program, one instruction a line after the passes (as JAX's
    /// `jit(f).lower(…).as_text()`): fused kernels, the operands, each result's type and the slots freed.
    ///
    /// ```swift
    /// let f = jit { (xs: [Tensor]) in [(xs[0].matmul(xs[1]) + xs[2]).relu()] }
    /// _ = try f([x, w, b])
    /// print(f.lastProgramText!)   // %3 = linear(bias, relu)(%0, %1, %2) : [4, 8] float32 …
    /// ```
    public var lastProgramText: String? { state.withLock { $0.lastProgram?.text } }
    /// Bytes of intermediate buffers the compiled programs keep between calls for reuse (the arena: a
    /// replay takes its fused kernels' outputs from it instead of allocating).
    public var arenaBytes: Int { buffers.bytes }
    /// What the passes did to the most recently compiled program.
    public var lastCompile: JitCompileStats? { state.withLock { $0.lastCompile } }

    /// Whether a call with `inputs` (and `keys`, for the `TensorDict` form) would replay a program compiled
    /// earlier rather than trace: for callers that run several compiled functions at once, since a trace
    /// runs the Swift body, which may share state with theirs.
    public func isCompiled(for inputs: [Tensor], keys: [String] = []) -> Bool {
        let signature = Signature(keys: keys, inputs: inputs)
        return state.withLock { $0.cache[signature] != nil }
    }

    /// Runs the function on an array of tensors.
    public func callAsFunction(_ inputs: [Tensor]) throws -> [Tensor] {
        try call(inputs, keys: []).0
    }

    /// Runs the function and passes its outputs to `body`; afterwards the outputs' buffers go back to the
    /// compiled program, which reuses them on its next call (those `body` did not keep). For a loop that
    /// consumes each result at once, as a training step its gradients: the replay then allocates them no
    /// more. A tensor `body` keeps (returns, stores) is left alone.
    ///
    /// ```swift
    /// let loss = try f([w, x], consumingOutputs: { out in
    ///     apply(out[1])     // the gradient, used here only
    ///     return out[0]     // kept: not reused
    /// })
    /// ```
    public func callAsFunction<R>(_ inputs: consuming [Tensor], consumingOutputs body: ([Tensor]) throws -> R) throws -> R {
        // The inputs are released before `body` runs, so it can write into buffers only they shared.
        var (outputs, _, program) = try run(consume inputs, keys: [])
        let result = try body(outputs)
        program?.recycle(&outputs)
        return result
    }

    /// Runs the function and returns its outputs with a way to give their buffers back later: the
    /// ``callAsFunction(_:consumingOutputs:)`` pattern for a caller that must hold several calls' outputs
    /// at once (batch shares, whose gradients are averaged after every share has run).
    ///
    /// ```swift
    /// var a = try f.lendingOutputs(xs), b = try g.lendingOutputs(ys)
    /// use(a.outputs, b.outputs)
    /// a.giveBack(); b.giveBack()
    /// ```
    public func lendingOutputs(_ inputs: consuming [Tensor]) throws -> JitOutputs {
        let (outputs, _, program) = try run(consume inputs, keys: [])
        return JitOutputs(outputs: outputs, program: program)
    }

    /// Runs the function on path-keyed tensors (the keys are part of the signature).
    public func callAsFunction(_ inputs: TensorDict) throws -> TensorDict {
        let (values, keys) = try call(inputs.values, keys: inputs.keys)
        return TensorDict(Array(zip(keys, values)))
    }

    private func call(_ inputs: [Tensor], keys: [String]) throws -> ([Tensor], [String]) {
        let (outputs, outputKeys, _) = try run(inputs, keys: keys)
        return (outputs, outputKeys)
    }

    /// The outputs, their keys, and the program that replayed them (nil when traced or run directly).
    private func run(_ inputs: [Tensor], keys: [String]) throws -> ([Tensor], [String], JitProgram?) {
        if inputs.contains(where: \.isTraced) {
            let (outputs, outputKeys) = try body(inputs, keys)
            return (outputs, outputKeys, nil)
        }
        let signature = Signature(keys: keys, inputs: inputs)
        if let entry = state.withLock({ s -> Entry? in
            guard let e = s.cache[signature] else { return nil }
            s.hits += 1
            return e
        }) {
            return (try entry.program.run(inputs), entry.outputKeys, entry.program)
        }
        let (entry, outputs) = try trace(inputs, keys: keys)
        state.withLock {
            $0.cache[signature] = entry
            $0.misses += 1
            $0.lastCompile = entry.program.stats
            $0.lastProgram = entry.program
        }
        return (outputs, entry.outputKeys, nil)
    }

    /// Runs the body once with every op recorded, and compiles what it recorded.
    private func trace(_ inputs: [Tensor], keys: [String]) throws -> (Entry, [Tensor]) {
        let ctx = TraceContext.current
        let saved = (ctx.trace, ctx.depth, ctx.paused, ctx.sealedBy)
        let trace = Trace(recordsAll: true)
        (ctx.trace, ctx.depth, ctx.paused, ctx.sealedBy) = (trace, 1, 0, nil)
        defer {
            trace.releaseAll()
            (ctx.trace, ctx.depth, ctx.paused, ctx.sealedBy) = saved
        }
        let arguments = inputs.map { trace.append(.input, inputs: [], output: $0.detached) }
        let (outputs, outputKeys) = try body(arguments, keys)
        let program = try JitProgram(trace: trace, argumentCount: inputs.count, outputs: outputs, buffers: buffers)
        return (Entry(program: program, outputKeys: outputKeys), outputs.map(\.detached))
    }
}

/// Compiles a function of an array of tensors: traced on the first call for each input signature
/// (shapes and dtypes), replayed afterwards. See ``JitFunction`` for what replay freezes.
///
/// ```swift
/// let f = jit { (xs: [Tensor]) in [(xs[0] * xs[1]).relu().sum()] }
/// try f([a, b])   // traces
/// try f([c, d])   // replays (same shapes)
/// ```
public func jit(_ f: @escaping ([Tensor]) throws -> [Tensor]) -> JitFunction {
    JitFunction { xs, _ in (try f(xs), []) }
}

/// ``jit(_:)-(([Tensor])->[Tensor])`` whose programs take their intermediate buffers from the same pool
/// as `other`'s: for functions that run one after the other, never at once (a train step's whole-batch
/// function and one of its per-share functions), so memory kept between calls is held once. Calls at
/// the same time stay correct, each with part of the pool.
///
/// ```swift
/// let whole = jit(step)
/// let firstShare = jit(sharingBuffersWith: whole, step)
/// ```
public func jit(sharingBuffersWith other: JitFunction, _ f: @escaping ([Tensor]) throws -> [Tensor]) -> JitFunction {
    JitFunction({ xs, _ in (try f(xs), []) }, buffers: other.buffers)
}

/// Compiles a function of path-keyed tensors (a model's parameters and optimizer state, a batch);
/// the keys are part of the signature. Integer entries (labels, step counters) are inputs like the rest.
///
/// ```swift
/// let step = jit { (s: TensorDict) in
///     let (loss, g) = try valueAndGrad { p in lossOf(p, s["x"]!, s["y"]!) }(s.filter { $0.hasPrefix("w") })
///     var next = s
///     for (k, gk) in g { next[k] = s[k]! - 0.1 * gk }
///     next["loss"] = loss
///     return next
/// }
/// ```
public func jit(_ f: @escaping (TensorDict) throws -> TensorDict) -> JitFunction {
    JitFunction { xs, keys in
        let out = try f(TensorDict(Array(zip(keys, xs))))
        return (out.values, out.keys)
    }
}
