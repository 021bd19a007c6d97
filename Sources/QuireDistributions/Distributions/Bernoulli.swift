import QuireTensor

/// A Bernoulli distribution over {0, 1}, elementwise over a batch (distrax `Bernoulli`), from logits or
/// from probabilities. Samples are int32 (not reparameterized); `logProb` accepts 0/1 of any dtype.
///
/// ```swift
/// let pixels = try Bernoulli(logits: decoder(z))      // [batch, 64]
/// let nll = -pixels.logProb(images).sum(axis: -1)     // images in {0, 1}
/// ```
public struct Bernoulli: Distribution {
    /// log(p / (1 − p)).
    public let logits: Tensor
    public let dtype: DType

    public init(logits: Tensor) throws {
        self.dtype = try Parameters.dtype("Bernoulli", [("logits", logits)])
        self.logits = logits
    }

    /// From probabilities in [0, 1].
    public init(probs: Tensor) throws {
        self.dtype = try Parameters.dtype("Bernoulli", [("probs", probs)])
        self.logits = probs.log() - (-probs).log1p()
    }

    public var probs: Tensor { logits.sigmoid() }
    public var batchShape: [Int] { logits.shape }
    public var eventShape: [Int] { [] }
    public var isReparameterized: Bool { false }

    public func sample(key: PRNGKey, shape: [Int]) -> Tensor {
        Tensor.bernoulli(key, probability: probs.stopGradient(), shape: shape + batchShape).cast(to: .int32)
    }

    /// x·log p + (1 − x)·log(1 − p) = x·logits − softplus(logits), stable for large |logits|.
    public func logProb(_ value: Tensor) -> Tensor {
        value.cast(to: dtype) * logits - logits.softplus()
    }

    /// softplus(l) − l·σ(l).
    public func entropy() -> Tensor { logits.softplus() - logits * probs }
    public var mean: Tensor { probs }
    public var variance: Tensor { probs * (1 - probs) }
    /// 1 where p > ½, else 0 (int32).
    public var mode: Tensor { (logits .> 0).cast(to: .int32) }

    /// KL(self ‖ other) = p(log p − log q) + (1 − p)(log(1 − p) − log(1 − q)).
    public func klDivergence(to other: Bernoulli) -> Tensor {
        let p = probs
        let logP = -(-logits).softplus(), logNotP = -logits.softplus()
        let logQ = -(-other.logits).softplus(), logNotQ = -other.logits.softplus()
        return p * (logP - logQ) + (1 - p) * (logNotP - logNotQ)
    }
}
