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
/// ```swift
/// let model = MLP([64, 256, 256, 10], rngs: Rngs(0))
/// let optimizer = Optimizer(model, adam(learningRate: 1e-3))
/// let step = jitTrainStep(optimizer) { m, batch in
///     softmaxCrossEntropy(logits: m(batch[0]), labels: batch[1]).mean()
/// }
/// for (x, y) in batches { let loss = try step(x, y) }
/// step.cacheMisses   // 1 (plus one per new batch shape)
/// ```
public final class JitTrainStep<M: Module> {
    /// The optimizer (and through it the model) the step updates.
    public let optimizer: Optimizer<M>
    /// The compiled forward + backward: arguments are the trained parameters, the model's other
    /// parameters, then the batch; results are the loss, then one gradient per trained parameter.
    private let gradients: JitFunction
    private let trained: [String]
    private let arguments: [Param]

    init(_ optimizer: Optimizer<M>, loss: @escaping (M, [Tensor]) throws -> Tensor) {
        self.optimizer = optimizer
        let model = optimizer.model
        let trained = optimizer.paths
        let trainedBoxes = trained.map { optimizer.boxes[$0]! }
        let trainedSet = Set(trained)
        let others = model.parameters(.all).filter { !trainedSet.contains($0.path) }.map(\.param)
        let arguments = trainedBoxes + others
        (self.trained, self.arguments) = (trained, arguments)
        gradients = jit { (xs: [Tensor]) -> [Tensor] in
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
    }

    /// One step on `batch` (the tensors `loss` receives, in order): returns the loss before the update.
    public func callAsFunction(_ batch: Tensor...) throws -> Tensor { try self(batch) }

    /// One step on `batch`: returns the loss before the update.
    public func callAsFunction(_ batch: [Tensor]) throws -> Tensor {
        // The argument list is built in this call only, so once the program has run nothing but the
        // boxes holds the parameters and the update writes them without copying; the gradients' buffers
        // go back to the program for the next step.
        try gradients(arguments.map(\.value) + batch, consumingOutputs: { out in
            try optimizer.update(TensorDict(Array(zip(trained, out.dropFirst()))))
            return out[0]
        })
    }

    /// Steps that replayed a compiled program.
    public var cacheHits: Int { gradients.cacheHits }
    /// Steps that traced and compiled (the first, and each new batch signature).
    public var cacheMisses: Int { gradients.cacheMisses }
    /// What the compiler passes did to the most recently compiled program.
    public var lastCompile: JitCompileStats? { gradients.lastCompile }
    /// The most recently compiled forward + backward program, one instruction a line.
    public var lastProgramText: String? { gradients.lastProgramText }
    /// Bytes of intermediate buffers kept between steps for reuse (``JitFunction/arenaBytes``).
    public var arenaBytes: Int { gradients.arenaBytes }
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
public func jitTrainStep<M: Module>(_ optimizer: Optimizer<M>,
                                    loss: @escaping (_ model: M, _ batch: [Tensor]) throws -> Tensor) -> JitTrainStep<M> {
    JitTrainStep(optimizer, loss: loss)
}
