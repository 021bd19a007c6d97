import Foundation
import QuireTensor

/// Flash attention: softmax(q·kᵀ/√d [+ causal mask])·v computed block by block with an online
/// softmax, so no [S, S] matrix is ever stored (O(S·d) extra memory). Forward and backward are
/// kernels joined by `customVJP`, so `grad`/`valueAndGrad` work through it.
extension Kernels {
    struct AttentionShape: Hashable {
        var heads: Int, seq: Int, dim: Int, causal: Bool, blockQ: Int, blockK: Int
        var bq: Int { Swift.min(blockQ, seq) }
        var bk: Int { Swift.min(blockK, seq) }
        var nq: Int { blocks(seq, bq) }
        var nk: Int { blocks(seq, bk) }
        var ragged: Bool { seq % bq != 0 || seq % bk != 0 }
        var scale: Double { 1 / Double(dim).squareRoot() }
        var key: String { "\(heads)/\(seq)/\(dim)/\(causal)/\(bq)/\(bk)" }
    }

    /// Loads `slices` of a ref, bounds-masked when the shape has ragged blocks.
    static func read(_ r: Ref, _ slices: [DSlice]? = nil, ragged: Bool) -> KernelValue {
        ragged ? r.loadInBounds(slices) : r.load(slices)
    }

    static func write(_ r: Ref, _ v: KernelValue, ragged: Bool) {
        if ragged { r.storeInBounds(v) } else { r.store(v) }
    }

    /// Which scores of a [bq, bk] tile are real: key inside the sequence, query inside it (when asked),
    /// and key ≤ query when causal. nil when every score is real.
    static func scoreMask(_ k: KernelRefs, _ a: AttentionShape, qStart: KernelValue, kStart: KernelValue, checkQuery: Bool) -> KernelValue? {
        let (bq, bk) = (a.bq, a.bk)
        let qpos = (k.iota([bq, 1], axis: 0) + qStart).broadcast(to: [bq, bk])
        let kpos = (k.iota([1, bk], axis: 1) + kStart).broadcast(to: [bq, bk])
        var valid: KernelValue? = a.causal ? kpos.isLessEqual(qpos) : nil
        if a.seq % bk != 0 {
            let inside = kpos.isLess(than: Double(a.seq))
            valid = valid.map { $0.and(inside) } ?? inside
        }
        if checkQuery && a.seq % bq != 0 {
            let inside = qpos.isLess(than: Double(a.seq))
            valid = valid.map { $0.and(inside) } ?? inside
        }
        return valid
    }

    /// Forward: program (h, i) owns query block i of head h; outputs o and the log-sum-exp per row.
    /// Takes k transposed ([heads, dim, seq], transposed once by the caller), so q·kᵀ is a plain `dot`
    /// on a [dim, blockK] slice: transposing each key block inside the loop (once per query block)
    /// took 11 % of the kernel's time.
    static func flashForwardKernel(_ a: AttentionShape) -> KernelFunction {
        cached("flashForward/\(a.key)") {
            let (s, d, bq, bk) = (a.seq, a.dim, a.bq, a.bk)
            let qSpec = BlockSpec([1, bq, d], name: "q") { ids in [ids[0], ids[1], 0] }
            let kSpec = BlockSpec([1, d, s], name: "kT") { ids in [ids[0], 0, 0] }
            let vSpec = BlockSpec([1, s, d], name: "v") { ids in [ids[0], 0, 0] }
            let outputs = [OutputSpec(shape: [a.heads, s, d], block: BlockSpec([1, bq, d], name: "o") { ids in [ids[0], ids[1], 0] }),
                           OutputSpec(shape: [a.heads, s], block: BlockSpec([1, bq], name: "lse") { ids in [ids[0], ids[1]] })]
            return pallasCall(name: "flashAttentionForward", grid: [a.heads, a.nq], inputs: [qSpec, kSpec, vSpec], outputs: outputs) { k in
                let qi = k.programID(1)
                let qStart = qi * Double(bq)
                let q = read(k.inputs[0], ragged: a.ragged).reshaped([bq, d]) * a.scale
                let upper: any KernelIndex = a.causal
                    ? ((qi + 1) * Double(bq) + Double(bk - 1)).divided(by: bk).minimum(Double(a.nk)) : a.nk
                let inits = [k.full([bq], -Double.infinity), k.full([bq], 0), k.full([bq, d], 0)]
                func step(_ j: KernelValue, _ c: [KernelValue], masked: Bool) -> [KernelValue] {
                    let slice = [DSlice.all, ds(j * Double(bk), bk), .all]
                    let kTb = read(k.inputs[1], [.all, .all, ds(j * Double(bk), bk)], ragged: a.ragged).reshaped([d, bk])
                    let vb = read(k.inputs[2], slice, ragged: a.ragged).reshaped([bk, d])
                    var scores = q.dot(kTb)
                    if masked, let valid = scoreMask(k, a, qStart: qStart, kStart: j * Double(bk), checkQuery: false) {
                        scores = valid.select(scores, -Double.infinity)
                    }
                    let mNew = c[0].maximum(scores.max(axis: 1))
                    let p = (scores - mNew.reshaped([bq, 1])).exp()
                    let alpha = (c[0] - mNew).exp()
                    let l = c[1] * alpha + p.sum(axis: 1)
                    let acc = c[2] * alpha.reshaped([bq, 1]) + p.dot(vb)
                    return [mNew, l, acc]
                }
                let out: [KernelValue]
                if a.causal && a.seq % bk == 0 {
                    // Key blocks wholly at or below the diagonal need no mask; only the rest do.
                    let unmasked = (qStart + 1).divided(by: bk)
                    let first = k.forLoop(0, unmasked, carrying: inits) { j, c in step(j, c, masked: false) }
                    out = k.forLoop(unmasked, upper, carrying: first) { j, c in step(j, c, masked: true) }
                } else {
                    out = k.forLoop(0, upper, carrying: inits) { j, c in step(j, c, masked: true) }
                }
                write(k.outputs[0], (out[2] / out[1].reshaped([bq, 1])).reshaped([1, bq, d]), ragged: a.ragged)
                write(k.outputs[1], (out[0] + out[1].log()).reshaped([1, bq]), ragged: a.ragged)
            }
        }
    }
}

extension KernelValue {
    /// Integer division by a constant (int32, truncating).
    func divided(by n: Int) -> KernelValue { self / Double(n) }
}
