import QuireTensor

/// A training step compiled with `jit`, in the spirit of Flax NNX's `nnx.jit` over a train step: the
/// loss's forward and backward pass are traced once per batch signature (shapes and dtypes of the batch
/// tensors) and replayed afterwards, and the optimizer's update is applied to the replayed gradients
/// **in place**: `adam`, `adamw` and `sgd` on float32 parameters run one fused pass per parameter that
/// overwrites the parameter and its state buffers (donated), allocating nothing; other transformations
/// take ``Optimizer/update(_:)``'s general path. Parameters and the optimizer state stay where they
/// always are (the model's `Param` boxes, ``Optimizer/state``), so checkpoints work unchanged.
///
/// Donation is copy-on-write: a parameter or state tensor that the caller still holds elsewhere (`let w
/// = model.fc.weight.value`) is copied before the first write, so the caller's tensor never changes.
///
/// Frozen at trace time, as with ``jit(_:)-(([Tensor])->[Tensor])``: Swift side effects in `loss`, random
/// draws inside it (pass dropout masks or keys in the batch), and buffer updates a layer makes while
/// running (batch-norm statistics are written during the trace only). Every parameter of the model is
/// an argument of the program, so loading a checkpoint between steps is seen.
///
/// **Batch shares** (`batchShares: n`, data parallelism over the cores, as `jax.pmap` with a `pmean`
/// of the gradients): a batch whose rows divide into `n` equal runs is cut into them, each run replays
/// its own compiled program on its own worker (its products and loops unsplit, its data in its core's
/// cache), and the optimizer applies the shares' mean gradient, summed in share order and scaled by
/// 1 / n (``Optimizer/update(averaging:)``; Adam takes two shares' mean inside its fused pass); the loss
/// returned is the shares' mean. So `loss` must be a mean over the batch's first axis of per-row terms
/// (no batch statistics), and a step's results equal the whole-batch step's up to the order of the
/// batch sums, not bit for bit; they depend on `n`, never on the thread count. Rows that do not divide
/// take the whole-batch program. On the digits MLP (2 cores), 2 shares: 4,157 steps/s against 3,568.
///
/// ```swift
/// let model = MLP([64, 256, 256, 10], rngs: Rngs(0))
/// let optimizer = Optimizer(model, adam(learningRate: 1e-3))
/// let step = jitTrainStep(optimizer) { m, batch in
///     softmaxCrossEntropy(logits: m(batch[0]), labels: batch[1]).mean()
/// }
/// for (x, y) in batches { let loss = try step(x, y) }
/// step.cacheMisses   // 1 (plus one per new batch shape)
///
/// let perCore = jitTrainStep(optimizer, batchShares: 2) { m, batch in   // one share per core
///     softmaxCrossEntropy(logits: m(batch[0]), labels: batch[1]).mean()
/// }
/// ```
public final class JitTrainStep<M: Module> {
    /// The optimizer (and through it the model) the step updates.
    public let optimizer: Optimizer<M>
    /// The compiled forward + backward: arguments are the trained parameters, the model's other
    /// parameters, then the batch; results are the loss, then one gradient per trained parameter.
    private let gradients: JitFunction
    /// One compiled program per batch share (``batchShares`` > 1), each with its own buffers, so that
    /// the shares replay at once.
    private let shareGradients: [JitFunction]
    private let trained: [String]
    private let arguments: [Param]
    /// How many equal shares of the batch's rows a step runs at once, one per worker (1: the whole
    /// batch in one program).
    public let batchShares: Int

    init(_ optimizer: Optimizer<M>, batchShares: Int, loss: @escaping (M, [Tensor]) throws -> Tensor) {
        precondition(batchShares >= 1, "jitTrainStep: batchShares must be at least 1, got \(batchShares)")
        self.batchShares = batchShares
        self.optimizer = optimizer
        let model = optimizer.model
        let trained = optimizer.paths
        let trainedBoxes = trained.map { optimizer.boxes[$0]! }
        let trainedSet = Set(trained)
        let others = model.parameters(.all).filter { !trainedSet.contains($0.path) }.map(\.param)
        let arguments = trainedBoxes + others
        (self.trained, self.arguments) = (trained, arguments)
        let step = { (xs: [Tensor]) throws -> [Tensor] in
            let saved = arguments.map(\.value)
            defer { for (box, value) in zip(arguments, saved) { box.value = value } }
            for (box, x) in zip(arguments, xs) { box.value = x }
            let batch = Array(xs[arguments.count...])
            let (value, grads) = try valueAndGrad { (p: TensorDict) -> Tensor in
                for (path, box) in zip(trained, trainedBoxes) { box.value = p[path]! }
                return try loss(model, batch)
            }(TensorDict(Array(zip(trained, xs.prefix(trained.count)))))
            return [value] + trained.map { grads[$0]! }
        }
        gradients = jit(step)
        // The whole batch's program runs only when the shares do not (a batch whose rows do not divide),
        // so it keeps one pool of buffers with the first share's.
        let whole = gradients
        shareGradients = batchShares > 1 ? (0..<batchShares).map { s in s == 0 ? jit(sharingBuffersWith: whole, step) : jit(step) } : []
    }

    /// One step on `batch` (the tensors `loss` receives, in order): returns the loss before the update.
    public func callAsFunction(_ batch: Tensor...) throws -> Tensor { try self(batch) }

    /// One step on `batch`: returns the loss before the update.
    public func callAsFunction(_ batch: [Tensor]) throws -> Tensor {
        if batchShares > 1, let rows = batch.first?.shape.first, rows % batchShares == 0, rows >= batchShares,
           batch.allSatisfy({ $0.rank >= 1 && $0.shape[0] == rows }) {
            return try stepOnShares(batch, rows: rows)
        }
        // The argument list is built in this call only, so once the program has run nothing but the
        // boxes holds the parameters and the update writes them without copying; the gradients' buffers
        // go back to the program for the next step.
        return try gradients(arguments.map(\.value) + batch, consumingOutputs: { out in
            if try !optimizer.updateInPlace(Array(out.dropFirst())) {
                try optimizer.update(TensorDict(Array(zip(trained, out.dropFirst()))))
            }
            return out[0]
        })
    }

    /// One step with the batch cut into ``batchShares`` equal runs of rows: each share's compiled program
    /// on its own worker, then the shares' gradients and losses averaged (summed in share order, then
    /// scaled by 1 / shares) and the optimizer applied once.
    private func stepOnShares(_ batch: [Tensor], rows: Int) throws -> Tensor {
        // The shares' inputs (which hold the parameters) are gone once `runShares` returns, so the update
        // writes the parameters in place.
        var shares = try runShares(batch, rows: rows)
        // Two shares' gradients come in the optimizer's order: Adam reads their mean in its own pass.
        let inPlace = try shares.count == 2 && optimizer.updateInPlace(Array(shares[0].outputs.dropFirst()),
                                                                        meanWith: Array(shares[1].outputs.dropFirst()))
        if !inPlace {
            try optimizer.update(averaging: shares.map { TensorDict(Array(zip(trained, $0.outputs.dropFirst()))) })
        }
        let losses = shares.map { $0.outputs[0] }
        for s in shares.indices { shares[s].giveBack() }
        return losses.dropFirst().reduce(losses[0], +) * (1 / Double(batchShares))
    }

    /// Each share's forward + backward outputs (loss, then the gradients), lent by its program.
    private func runShares(_ batch: [Tensor], rows: Int) throws -> [JitOutputs] {
        let n = batchShares, per = rows / n
        let params = arguments.map(\.value)
        // Each share's rows as views (`sliced` directly: the general subscript costs microseconds a step).
        let inputs = (0..<n).map { s in params + batch.map { $0.sliced(axis: 0, s * per, (s + 1) * per) } }
        let results = UnsafeMutablePointer<Result<JitOutputs, any Error>>.allocate(capacity: n)
        defer { results.deinitialize(count: n).deallocate() }
        // A share's first call per batch signature traces, which runs `loss` on the model's own boxes:
        // those go one at a time; replays (no Swift code) run at once.
        if zip(shareGradients, inputs).allSatisfy({ $0.isCompiled(for: $1) }) {
            let out = UncheckedOutputs(results)
            Parallelism.forEachTask(count: n) { s in
                (out.base + s).initialize(to: Result { try self.shareGradients[s].lendingOutputs(inputs[s]) })
            }
        } else {
            for s in 0..<n { (results + s).initialize(to: Result { try shareGradients[s].lendingOutputs(inputs[s]) }) }
        }
        return try (0..<n).map { try results[$0].get() }
    }

    /// The program the counters and the text describe: the first share's with shares, else the whole batch's.
    private var described: JitFunction { shareGradients.first ?? gradients }
    /// Steps that replayed a compiled program.
    public var cacheHits: Int { described.cacheHits }
    /// Steps that traced and compiled (the first, and each new batch signature).
    public var cacheMisses: Int { described.cacheMisses }
    /// What the compiler passes did to the most recently compiled program.
    public var lastCompile: JitCompileStats? { described.lastCompile }
    /// The most recently compiled forward + backward program, one instruction a line.
    public var lastProgramText: String? { described.lastProgramText }
    /// Bytes of intermediate buffers kept between steps for reuse (``JitFunction/arenaBytes``; the first
    /// share's pool is the whole batch's).
    public var arenaBytes: Int { ([gradients] + shareGradients.dropFirst()).reduce(0) { $0 + $1.arenaBytes } }
}

/// Compiles a training step for `optimizer`'s model: `loss(model, batch)` is traced with its gradient
/// once per batch signature and replayed, and the optimizer updates the parameters in place. See
/// ``JitTrainStep``.
///
/// ```swift
/// let step = jitTrainStep(Optimizer(model, adamw(learningRate: 1e-3))) { m, b in
///     (m(b[0]) - b[1]).square().mean()
/// }
/// let loss = try step(x, y)
/// ```
public func jitTrainStep<M: Module>(_ optimizer: Optimizer<M>, batchShares: Int = 1,
                                    loss: @escaping (_ model: M, _ batch: [Tensor]) throws -> Tensor) -> JitTrainStep<M> {
    JitTrainStep(optimizer, batchShares: batchShares, loss: loss)
}

/// Pointers handed to the workers (each writes or reads disjoint elements).
private struct UncheckedOutputs: @unchecked Sendable {
    let base: UnsafeMutablePointer<Result<JitOutputs, any Error>>
    init(_ base: UnsafeMutablePointer<Result<JitOutputs, any Error>>) { self.base = base }
}
