import QuireData
import QuireNN
import QuireOptim
import QuireTensor

/// Gradients averaged across ranks (a bucketed ``Distributed/allReduce(_:_:bucketBytes:)-(TensorDict,_,_)``
/// with `.mean`), as an Optax-style step: put it first in a `chain`. No state.
///
/// ```swift
/// let tx = chain(allReduceMean(), clipByGlobalNorm(1), adam(learningRate: 1e-3))
/// ```
public func allReduceMean(bucketBytes: Int = Distributed.defaultBucketBytes) -> GradientTransformation {
    GradientTransformation(initialize: { _ in OptState() }, update: { grads, state, _ in
        (try Distributed.allReduce(grads, .mean, bucketBytes: bucketBytes), state)
    })
}

/// `tx` applied to gradients averaged across ranks. Unlike `chain(allReduceMean(), tx)` the state is
/// exactly `tx`'s, so a checkpoint of a data-parallel optimizer loads into a single-process one and back.
///
/// ```swift
/// let optimizer = Optimizer(model, dataParallel(adam(learningRate: 1e-3)))
/// ```
public func dataParallel(_ tx: GradientTransformation, bucketBytes: Int = Distributed.defaultBucketBytes) -> GradientTransformation {
    GradientTransformation(initialize: { params in tx.initialize(params: params) }, update: { grads, state, params in
        try tx.update(grads: try Distributed.allReduce(grads, .mean, bucketBytes: bucketBytes), state: state, params: params)
    })
}

extension Distributed {
    /// Copies rank `root`'s parameters and buffers into every rank's model, so every rank starts identical.
    ///
    /// ```swift
    /// try Distributed.broadcastParameters(model)
    /// ```
    public static func broadcastParameters(_ model: some Module, from root: Int = 0) throws {
        guard worldSize > 1 else { return }
        try model.load(try broadcast(model.state(.all), from: root), filter: .all)
    }
}

extension Optimizer {
    /// A data-parallel optimizer: the model's parameters are broadcast from rank 0 first, and every
    /// update averages the gradients across ranks before `tx` (``dataParallel(_:bucketBytes:)``). In a world of
    /// one it is `Optimizer(model, tx)`.
    ///
    /// ```swift
    /// let optimizer = try Optimizer(model, adam(learningRate: 1e-3), dataParallel: true)
    /// ```
    public convenience init(_ model: M, _ tx: GradientTransformation, dataParallel: Bool,
                            bucketBytes: Int = Distributed.defaultBucketBytes, filter: ParamFilter = .trainable) throws {
        if dataParallel { try Distributed.broadcastParameters(model) }
        self.init(model, dataParallel ? QuireDistributed.dataParallel(tx, bucketBytes: bucketBytes) : tx, filter: filter)
    }
}

extension MapDataset {
    /// This rank's share of every global batch: `batch(globalSize, shard: Distributed.rank, of: Distributed.worldSize)`.
    /// The ranks together see exactly the batches a single process sees with `batch(globalSize)`, so
    /// averaging the gradients reproduces single-process training.
    ///
    /// ```swift
    /// let mine = ds.shuffle(seed: 0).repeat().distributedBatch(128)   // 64 rows per rank on 2 ranks
    /// ```
    public func distributedBatch(_ globalSize: Int, dropRemainder: Bool = false) -> MapDataset {
        batch(globalSize, shard: Distributed.rank, of: Distributed.worldSize, dropRemainder: dropRemainder)
    }
}
