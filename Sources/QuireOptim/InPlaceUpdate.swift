internal import CQuireFused
import Foundation
import QuireTensor

// The in-place form of the named optimizers: one C pass per parameter that overwrites the parameter and
// its state buffers, instead of `update` (new buffers and updates) followed by `applyUpdates` (new
// parameters). Same operations in the same order, so the same bits.

/// What `adam`, `adamw` and `sgd` record about themselves so that their step can run in place.
struct InPlaceRule: Sendable {
    enum Kind: Sendable {
        /// Adam's moments under `"0/mu/…"`, `"0/nu/…"` and its count `"0/count"`; decoupled weight decay
        /// (AdamW) when `weightDecay` is not 0.
        case adam(b1: Double, b2: Double, eps: Double, epsRoot: Double, weightDecay: Double, mask: WeightMask)
        /// Momentum buffers under `"0/trace/…"` when `momentum` is given.
        case sgd(momentum: Double?, nesterov: Bool)
    }
    let kind: Kind
    let learningRate: Schedule
    /// The chain part that holds `count` and `learningRate` (the last one).
    let learningRatePart: Int

    /// Whether the fused pass can read the mean of two gradients (Adam's loop can; SGD's cannot).
    var averages: Bool { if case .adam = kind { true } else { false } }
}

extension GradientTransformation {
    /// Applies one step to `params` and `state` in place when this transformation has an in-place form
    /// (`adam`, `adamw` and `sgd` as those functions build them) and every parameter, gradient and buffer
    /// is float32 of the parameter's shape; returns `false`, changing nothing, otherwise (use
    /// ``update(grads:state:params:)`` and ``applyUpdates(_:_:)`` then). The result is bit-identical
    /// to that pair. Tensors are written through copy-on-write: a parameter or buffer that someone else
    /// still holds is copied first, so the holder's tensor never changes.
    ///
    /// ```swift
    /// let tx = adam(learningRate: 1e-3)
    /// var state = tx.initialize(params: params)
    /// if try !tx.updateInPlace(params: &params, grads: grads, state: &state) {
    ///     let (u, next) = try tx.update(grads: grads, state: state, params: params)
    ///     params = try applyUpdates(params, u); state = next
    /// }
    /// ```
    public func updateInPlace(params: inout TensorDict, grads: TensorDict, state: inout OptState) throws -> Bool {
        try updateInPlace(params: &params, grads: grads, meanWith: nil, state: &state)
    }

    /// ``updateInPlace(params:grads:state:)`` with the mean of two gradient dictionaries, `(a + b) · 0.5`
    /// element by element (as the tensor operations compute it), read in the update's own pass: for
    /// `adam` and `adamw`; returns `false`, changing nothing, for other transformations, other key sets
    /// or shapes (average with tensor operations and call ``updateInPlace(params:grads:state:)`` then).
    ///
    /// ```swift
    /// if try !tx.updateInPlace(params: &params, averaging: (gradsA, gradsB), state: &state) { … }
    /// ```
    public func updateInPlace(params: inout TensorDict, averaging shares: (TensorDict, TensorDict),
                              state: inout OptState) throws -> Bool {
        guard shares.0.keys == shares.1.keys else { return false }
        return try updateInPlace(params: &params, grads: shares.0, meanWith: shares.1, state: &state)
    }

    /// The in-place step for parameters given in the order of `paths`, prepared once (see ``InPlaceStep``);
    /// `nil` when this transformation has no in-place form.
    ///
    /// ```swift
    /// let step = adam(learningRate: 1e-3).inPlaceStep(paths: ["w", "b"])!
    /// var params = [w, b]
    /// if try !step.apply(params: &params, grads: [gw, gb], state: &state) { … }
    /// ```
    public func inPlaceStep(paths: [String]) -> InPlaceStep? {
        inPlaceRule.map { InPlaceStep(rule: $0, paths: paths) }
    }

    private func updateInPlace(params: inout TensorDict, grads: TensorDict, meanWith other: TensorDict?,
                               state: inout OptState) throws -> Bool {
        guard let step = inPlaceStep(paths: grads.keys), grads.keys.allSatisfy({ params[$0] != nil }) else { return false }
        // The dictionary's entries move out for the call, so a tensor only the dictionary holds is written
        // without a copy.
        return try params.modify(step.paths) { taken in
            var ps: [Tensor] = []
            for i in taken.indices {
                ps.append(taken[i]!)
                taken[i] = nil   // the array holds each tensor alone
            }
            defer { taken = ps }
            return try step.apply(params: &ps, grads: grads.values, meanWith: other.map { o in step.paths.map { o[$0]! } },
                                  state: &state)
        }
    }
}

/// The fused in-place step of `adam`, `adamw` or `sgd` (``GradientTransformation/inPlaceStep(paths:)``)
/// for parameters, gradients and state buffers of a fixed list of paths, given as arrays in that order:
/// the state keys are built once, and one parallel pass covers every parameter. This is what
/// ``GradientTransformation/updateInPlace(params:grads:state:)`` runs; a training loop that keeps its
/// parameters in an array calls it directly and skips the dictionaries.
///
/// ```swift
/// let step = adam(learningRate: 1e-3).inPlaceStep(paths: ["w", "b"])!
/// var params = [w, b]
/// var state = adam(learningRate: 1e-3).initialize(params: ["w": w, "b": b])
/// _ = try step.apply(params: &params, grads: [gw, gb], state: &state)
/// ```
public struct InPlaceStep: Sendable {
    /// The parameters' paths, in the order of the arrays ``apply(params:grads:meanWith:state:)`` takes.
    public let paths: [String]
    let rule: InPlaceRule
    /// The state buffers' keys, `buffersPerParameter` for each parameter in order (Adam: first and second
    /// moment; SGD: the trace, if any).
    let allKeys: [String]
    let buffersPerParameter: Int
    /// How many tensors the state holds for these parameters.
    var keyCount: Int { allKeys.count }
    let countKey: String
    let learningRateKey: String

    init(rule: InPlaceRule, paths: [String]) {
        self.rule = rule
        self.paths = paths
        let names: [String]
        switch rule.kind {
        case .adam: names = ["0/mu/", "0/nu/"]
        case .sgd(let momentum, _): names = momentum == nil ? [] : ["0/trace/"]
        }
        allKeys = paths.flatMap { path in names.map { $0 + path } }
        buffersPerParameter = names.count
        countKey = "\(rule.learningRatePart)/count"
        learningRateKey = "\(rule.learningRatePart)/learningRate"
    }

    /// Applies one step to `params` (in ``paths``' order) and `state` in place, with `grads`, or with the
    /// mean `(grads + meanWith) · 0.5` read inside the pass (Adam and AdamW only); returns `false`,
    /// changing nothing, unless every parameter, gradient and state buffer is float32 of its parameter's
    /// shape and the state holds exactly these parameters' buffers. Bit-identical to
    /// ``GradientTransformation/update(grads:state:params:)`` then ``applyUpdates(_:_:)`` (with the mean
    /// computed by tensor operations first). A tensor someone else still holds is copied before it is
    /// written.
    public func apply(params: inout [Tensor], grads: [Tensor], meanWith other: [Tensor]? = nil,
                      state: inout OptState) throws -> Bool {
        guard params.count == paths.count, grads.count == paths.count, other.map({ $0.count == paths.count }) ?? true,
              state.tensors.count == keyCount, other == nil || rule.averages else { return false }
        let count = Int(state.scalars[countKey] ?? 0)
        let lr = rule.learningRate(count)
        let kernel = Kernel(rule: rule, state: state, learningRate: lr)
        // The buffers move out of the state for the pass, so those only the state holds are written in place.
        let applied = state.tensors.modify(allKeys) { buffers -> Bool in
            guard fits(params: params, grads: grads, other: other, buffers: buffers) else { return false }
            // Pointers into tensors this call holds (the gradients contiguous) until the pass has run.
            let gs = grads.map { $0.contiguous() }, others = other?.map { $0.contiguous() }
            let b = buffersPerParameter
            var segments: [Segment] = []
            var offset = 0
            for i in params.indices {
                let n = params[i].scalarCount
                guard n > 0 else { continue }
                var segment = Segment(start: offset, count: n, g: readable(gs[i]), g2: others.map { readable($0[i]) },
                                      p: writable(&params[i]), buffers: (nil, nil), decays: false)
                if b > 0 { segment.buffers.0 = writable(&buffers[i * b]!) }
                if b > 1 { segment.buffers.1 = writable(&buffers[i * b + 1]!) }
                if case .adam(_, _, _, _, let weightDecay, let mask) = rule.kind {
                    segment.decays = weightDecay != 0 && mask.includes(paths[i], params[i])
                }
                segments.append(segment)
                offset += n
            }
            let pass = UncheckedSegments(segments)
            // Element-wise, so any split gives the same bits. Adam costs about 0.35 ns an element (a
            // division and a square root): from 8K elements both cores share one pass over every parameter.
            withExtendedLifetime((gs, others)) {
                Parallelism.forEachChunk(count: offset, minimumChunk: 4_096) { r in kernel.run(pass.segments, r) }
            }
            return true
        }
        guard applied else { return false }
        if case .adam = rule.kind { state.scalars["0/count"] = (state.scalars["0/count"] ?? 0) + 1 }
        state.scalars[countKey] = Double(count + 1)
        state.scalars[learningRateKey] = lr
        return true
    }

    private func fits(params: [Tensor], grads: [Tensor], other: [Tensor]?, buffers: [Tensor?]) -> Bool {
        for (i, p) in params.enumerated() {
            guard p.dtype == .float32, grads[i].dtype == .float32, grads[i].shape == p.shape else { return false }
            if let other, other[i].dtype != .float32 || other[i].shape != p.shape { return false }
            for b in buffers[(i * buffersPerParameter)..<((i + 1) * buffersPerParameter)] {
                guard let b, b.dtype == .float32, b.shape == p.shape else { return false }
            }
        }
        return true
    }
}

/// One parameter's part of the flat index space a pass runs over, with its tensors' pointers.
private struct Segment {
    let start: Int
    let count: Int
    let g: UnsafePointer<Float>
    let g2: UnsafePointer<Float>?
    let p: UnsafeMutablePointer<Float>
    var buffers: (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?)
    var decays: Bool
}

/// Segments handed to the workers (each chunk writes its own elements only).
private struct UncheckedSegments: @unchecked Sendable {
    let segments: [Segment]
    init(_ segments: [Segment]) { self.segments = segments }
}

/// The C loop and its constants for one step.
private struct Kernel: Sendable {
    enum Constants: Sendable {
        /// `oneMinusB1` and `oneMinusB2` rounded from double precision, as the tensor form computes them.
        case adam(b1: Float, b2: Float, oneMinusB1: Float, oneMinusB2: Float, c1: Float, c2: Float, epsRoot: Float,
                  eps: Float, weightDecay: Float)
        case sgd(momentum: Float, nesterov: Bool)
    }
    let constants: Constants
    let negLR: Float

    init(rule: InPlaceRule, state: OptState, learningRate lr: Double) {
        negLR = Float(-lr)
        switch rule.kind {
        case .adam(let b1, let b2, let eps, let epsRoot, let weightDecay, _):
            let t = (state.scalars["0/count"] ?? 0) + 1
            let c1 = Float(1 / (1 - Foundation.pow(b1, t))), c2 = Float(1 / (1 - Foundation.pow(b2, t)))
            constants = .adam(b1: Float(b1), b2: Float(b2), oneMinusB1: Float(1 - b1), oneMinusB2: Float(1 - b2), c1: c1,
                              c2: c2, epsRoot: Float(epsRoot), eps: Float(eps), weightDecay: Float(weightDecay))
        case .sgd(let momentum, let nesterov):
            constants = .sgd(momentum: Float(momentum ?? 0), nesterov: nesterov)
        }
    }

    /// Runs the loop over the elements `range` of the flat index space.
    func run(_ segments: [Segment], _ range: Range<Int>) {
        for s in segments where s.start < range.upperBound && s.start + s.count > range.lowerBound {
            let lo = Swift.max(range.lowerBound, s.start) - s.start
            let n = Swift.min(range.upperBound, s.start + s.count) - s.start - lo
            switch constants {
            case .adam(let b1, let b2, let oneMinusB1, let oneMinusB2, let c1, let c2, let epsRoot, let eps, let weightDecay):
                quire_adam_apply_mean_f32(s.g + lo, s.g2.map { $0 + lo }, 0.5, s.p + lo, s.buffers.0! + lo,
                                          s.buffers.1! + lo, n, b1, b2, oneMinusB1, oneMinusB2, c1, c2, epsRoot, eps,
                                          s.decays ? 1 : 0, weightDecay, negLR)
            case .sgd(let momentum, let nesterov):
                quire_sgd_apply_f32(s.g + lo, s.p + lo, s.buffers.0.map { $0 + lo }, n, momentum, nesterov ? 1 : 0, negLR)
            }
        }
    }
}

/// A pointer to `t`'s elements (contiguous float32, held by the caller while the pointer is used).
private func readable(_ t: Tensor) -> UnsafePointer<Float> {
    t.withUnsafeBufferPointer(as: Float.self) { $0.baseAddress! }
}

/// A pointer to `t`'s elements after copy-on-write has made its storage `t`'s own.
private func writable(_ t: inout Tensor) -> UnsafeMutablePointer<Float> {
    t.withUnsafeMutableBufferPointer(as: Float.self) { $0.baseAddress! }
}
