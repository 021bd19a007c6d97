import QuireTensor

/// A probability distribution over tensors (the distrax `Distribution` counterpart).
///
/// A distribution holds a batch of independent distributions (`batchShape`), each over events of
/// `eventShape`. `sample(key:shape:)` returns `shape + batchShape + eventShape`; `logProb` reduces the event
/// axes, so its result has the value's leading shape plus `batchShape`. Samples built from tensor ops of the
/// parameters are *reparameterized*: gradients flow through them (`isReparameterized`).
///
/// `entropy`, `mean`, `mode` and `variance` are closed forms where one exists; where none does (a mode of a
/// uniform, the mean of most transformed distributions) they throw ``DistributionError/undefined(_:_:)``.
/// The concrete types declare them without `throws` when they always exist, so `normal.mean` needs no `try`.
///
/// ```swift
/// let d = try Normal(loc: Tensor([0, 1] as [Double]), scale: Tensor([1, 2] as [Double]))
/// let x = d.sample(key: PRNGKey(seed: 0), shape: [1000])   // [1000, 2]
/// let lp = d.logProb(x)                                    // [1000, 2]
/// ```
public protocol Distribution: Sendable {
    /// The shape of the batch of independent distributions this value holds.
    var batchShape: [Int] { get }
    /// The shape of one event (`[]` for scalar distributions, `[k]` for a Dirichlet over k categories).
    var eventShape: [Int] { get }
    /// The float dtype of the parameters, log-probabilities and (continuous) samples.
    var dtype: DType { get }
    /// Whether `sample(key:shape:)` is differentiable with respect to the parameters.
    var isReparameterized: Bool { get }

    /// Samples of shape `shape + batchShape + eventShape`.
    func sample(key: PRNGKey, shape: [Int]) -> Tensor
    /// The log-density (or log-mass) of `value`, whose trailing axes are `batchShape + eventShape`
    /// (broadcasting), with the event axes summed out.
    func logProb(_ value: Tensor) -> Tensor
    /// Samples and their log-probabilities in one call (a transformed distribution computes the
    /// log-probability from the pre-image it drew, without inverting).
    func sampleAndLogProb(key: PRNGKey, shape: [Int]) -> (sample: Tensor, logProb: Tensor)

    /// The entropy of each distribution in the batch.
    func entropy() throws -> Tensor
    var mean: Tensor { get throws }
    var mode: Tensor { get throws }
    var variance: Tensor { get throws }
}

extension Distribution {
    /// `exp(logProb(value))`.
    ///
    /// ```swift
    /// try Normal(loc: 0, scale: 1).prob(Tensor(0.0))   // 0.3989…
    /// ```
    public func prob(_ value: Tensor) -> Tensor { logProb(value).exp() }

    /// One sample per distribution in the batch: shape `batchShape + eventShape`.
    public func sample(key: PRNGKey) -> Tensor { sample(key: key, shape: []) }

    /// Samples and their log-probabilities in one call.
    ///
    /// ```swift
    /// let (actions, logp) = policy.sampleAndLogProb(key: key, shape: [16])
    /// ```
    public func sampleAndLogProb(key: PRNGKey, shape: [Int]) -> (sample: Tensor, logProb: Tensor) {
        let x = sample(key: key, shape: shape)
        return (x, logProb(x))
    }

    /// One sample per distribution and its log-probability.
    public func sampleAndLogProb(key: PRNGKey) -> (sample: Tensor, logProb: Tensor) { sampleAndLogProb(key: key, shape: []) }

    /// The square root of `variance`.
    public var standardDeviation: Tensor { get throws { try variance.sqrt() } }
}

/// Why a distribution or bijector could not be built or could not answer.
///
/// ```swift
/// do { _ = try Normal(loc: Tensor([0, 0, 0] as [Float]), scale: Tensor([1, 1] as [Float])) }
/// catch let e as DistributionError { print(e) }   // Normal: loc of shape [3] and scale of shape [2] do not broadcast
/// ```
public enum DistributionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Parameters of the named distribution whose shapes do not broadcast or do not fit its event shape.
    case shapes(_ distribution: String, _ message: String)
    /// A parameter that is not floating point, or parameters of different dtypes.
    case dtype(_ distribution: String, _ message: String)
    /// A quantity (entropy, mean, mode, variance) with no closed form for this distribution.
    case undefined(_ distribution: String, _ quantity: String)

    public var description: String {
        switch self {
        case .shapes(let d, let m), .dtype(let d, let m): return "\(d): \(m)"
        case .undefined(let d, let q): return "\(d): \(q) has no closed form"
        }
    }
}
