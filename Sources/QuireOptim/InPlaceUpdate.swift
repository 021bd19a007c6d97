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
        guard case .adam = inPlaceRule?.kind, shares.0.keys == shares.1.keys,
              shares.0.keys.allSatisfy({ k in shares.1[k].map { $0.dtype == .float32 && $0.shape == shares.0[k]!.shape } ?? false })
        else { return false }
        return try updateInPlace(params: &params, grads: shares.0, meanWith: shares.1, state: &state)
    }

    private func updateInPlace(params: inout TensorDict, grads: TensorDict, meanWith other: TensorDict?,
                               state: inout OptState) throws -> Bool {
        guard let rule = inPlaceRule, let buffers = rule.bufferKeys(grads: grads, params: params, state: state) else {
            return false
        }
        let lrCount = rule.learningRatePart
        let count = Int(state.scalars["\(lrCount)/count"] ?? 0)
        let lr = rule.learningRate(count)
        let negLR = Float(-lr)
        switch rule.kind {
        case .adam(let b1, let b2, let eps, let epsRoot, let weightDecay, let mask):
            let t = (state.scalars["0/count"] ?? 0) + 1
            let c1 = Float(1 / (1 - Foundation.pow(b1, t))), c2 = Float(1 / (1 - Foundation.pow(b2, t)))
            for (path, g) in grads {
                let decays = weightDecay != 0 && mask.includes(path, params[path]!)
                let g2 = other?[path]
                withTwo(&state.tensors, buffers[0](path), buffers[1](path)) { mu, nu in
                    params.modify(path) { p in
                        let n = p.scalarCount
                        withOptionalPointer(g2) { pg2 in
                            g.withUnsafeBufferPointer(as: Float.self) { pg in
                                p.withUnsafeMutableBufferPointer(as: Float.self) { pp in
                                    mu.withUnsafeMutableBufferPointer(as: Float.self) { pm in
                                        nu.withUnsafeMutableBufferPointer(as: Float.self) { pn in
                                            // Element-wise, so any split gives the same bits. Adam costs about 0.35 ns
                                            // an element (a division and a square root), so tensors from 8K elements
                                            // use both cores (16K kept a [64, 256] kernel on one: digits MLP +2 %).
                                            Parallelism.forEachChunk(count: n, minimumChunk: 4_096) { r in
                                                let i = r.lowerBound
                                                quire_adam_apply_mean_f32(pg.baseAddress! + i, pg2.map { $0 + i }, 0.5,
                                                                          pp.baseAddress! + i, pm.baseAddress! + i,
                                                                          pn.baseAddress! + i, r.count,
                                                                          Float(b1), Float(b2), Float(1 - b1), Float(1 - b2), c1, c2,
                                                                          Float(epsRoot), Float(eps), decays ? 1 : 0,
                                                                          Float(weightDecay), negLR)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            state.scalars["0/count"] = t
        case .sgd(let momentum, let nesterov):
            for (path, g) in grads {
                params.modify(path) { p in
                    let n = p.scalarCount
                    g.withUnsafeBufferPointer(as: Float.self) { pg in
                        p.withUnsafeMutableBufferPointer(as: Float.self) { pp in
                            guard let momentum else {
                                quire_sgd_apply_f32(pg.baseAddress, pp.baseAddress, nil, n, 0, 0, negLR)
                                return
                            }
                            state.tensors.modify(buffers[0](path)) { tr in
                                tr.withUnsafeMutableBufferPointer(as: Float.self) { pt in
                                    quire_sgd_apply_f32(pg.baseAddress, pp.baseAddress, pt.baseAddress, n,
                                                        Float(momentum), nesterov ? 1 : 0, negLR)
                                }
                            }
                        }
                    }
                }
            }
        }
        state.scalars["\(lrCount)/count"] = Double(count + 1)
        state.scalars["\(lrCount)/learningRate"] = lr
        return true
    }
}

extension InPlaceRule {
    /// The state keys of each per-parameter buffer, when `grads`, `params` and `state` fit the in-place
    /// loops: the gradients cover exactly the buffers' parameters (as `update` would leave them) and every
    /// tensor is float32 of its parameter's shape; `nil` otherwise.
    func bufferKeys(grads: TensorDict, params: TensorDict, state: OptState) -> [(String) -> String]? {
        let names: [String]
        switch kind {
        case .adam: names = ["0/mu/", "0/nu/"]
        case .sgd(let momentum, _): names = momentum == nil ? [] : ["0/trace/"]
        }
        guard state.tensors.count == names.count * grads.count else { return nil }
        for (path, g) in grads {
            guard let p = params[path], p.dtype == .float32, g.dtype == .float32, g.shape == p.shape else { return nil }
            for name in names {
                guard let b = state.tensors[name + path], b.dtype == .float32, b.shape == p.shape else { return nil }
            }
        }
        return names.map { name in { name + $0 } }
    }
}

/// Runs `body` on two entries of `dict` at once, each held only by `body` while it runs (so writes into
/// them need no copy when nothing else holds them).
private func withTwo(_ dict: inout TensorDict, _ a: String, _ b: String, _ body: (inout Tensor, inout Tensor) -> Void) {
    var x = dict[a]!, y = dict[b]!
    dict[a] = vacated
    dict[b] = vacated
    body(&x, &y)
    dict[a] = x
    dict[b] = y
}

/// Runs `body` with a float32 pointer into `t`, or nil.
private func withOptionalPointer(_ t: Tensor?, _ body: (UnsafePointer<Float>?) -> Void) {
    guard let t else { return body(nil) }
    t.withUnsafeBufferPointer(as: Float.self) { body($0.baseAddress) }
}

/// What an entry holds while its tensor is taken out to be written in place.
private let vacated = Tensor.zeros([0])
