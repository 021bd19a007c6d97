import QuireTensor

extension Kernels {
    /// Backward for key block j of head h: walks the query blocks that see it, accumulating dK and dV.
    /// Takes k and v transposed ([heads, dim, seq]), so q·kᵀ and dO·vᵀ are plain `dot`s (no transpose
    /// of the same blocks on every step).
    static func flashBackwardKVKernel(_ a: AttentionShape) -> KernelFunction {
        cached("flashBackwardKV/\(a.key)") {
            let (s, d, bq, bk) = (a.seq, a.dim, a.bq, a.bk)
            let whole = { (name: String) in BlockSpec([1, s, d], name: name) { ids in [ids[0], 0, 0] } }
            let rows = { (name: String) in BlockSpec([1, s], name: name) { ids in [ids[0], 0] } }
            let kBlock = { (name: String) in BlockSpec([1, bk, d], name: name) { ids in [ids[0], ids[1], 0] } }
            let kTBlock = { (name: String) in BlockSpec([1, d, bk], name: name) { ids in [ids[0], 0, ids[1]] } }
            let outputs = [OutputSpec(shape: [a.heads, s, d], block: kBlock("dk")), OutputSpec(shape: [a.heads, s, d], block: kBlock("dv"))]
            return pallasCall(name: "flashAttentionBackwardKV", grid: [a.heads, a.nk],
                              inputs: [whole("q"), kTBlock("kT"), kTBlock("vT"), whole("dO"), rows("lse"), rows("delta")],
                              outputs: outputs) { k in
                let kStart = k.programID(1) * Double(bk)
                let kTb = read(k.inputs[1], ragged: a.ragged).reshaped([d, bk])
                let vTb = read(k.inputs[2], ragged: a.ragged).reshaped([d, bk])
                let lower: any KernelIndex = a.causal ? kStart.divided(by: bq) : 0
                let out = k.forLoop(lower, a.nq, carrying: [k.full([bk, d], 0), k.full([bk, d], 0)]) { i, c in
                    let qStart = i * Double(bq)
                    let slice = [DSlice.all, ds(qStart, bq), .all], rowSlice = [DSlice.all, ds(qStart, bq)]
                    let qb = read(k.inputs[0], slice, ragged: a.ragged).reshaped([bq, d])
                    let dob = read(k.inputs[3], slice, ragged: a.ragged).reshaped([bq, d])
                    let lse = read(k.inputs[4], rowSlice, ragged: a.ragged).reshaped([bq, 1])
                    let delta = read(k.inputs[5], rowSlice, ragged: a.ragged).reshaped([bq, 1])
                    var p = (qb.dot(kTb) * a.scale - lse).exp()
                    if let valid = scoreMask(k, a, qStart: qStart, kStart: kStart, checkQuery: true) { p = valid.select(p, 0) }
                    let dv = c[1] + p.transposed().dot(dob)
                    // The score scale goes on dscores before the dot, so `acc + dot` adds in place.
                    let dscores = p * (dob.dot(vTb) - delta) * a.scale
                    let dk = c[0] + dscores.transposed().dot(qb)
                    return [dk, dv]
                }
                write(k.outputs[0], out[0].reshaped([1, bk, d]), ragged: a.ragged)
                write(k.outputs[1], out[1].reshaped([1, bk, d]), ragged: a.ragged)
            }
        }
    }

    /// Backward for query block i of head h: walks the key blocks it sees, accumulating dQ. Takes k,
    /// and k and v transposed ([heads, dim, seq]) for q·kᵀ and dO·vᵀ as plain `dot`s.
    static func flashBackwardQKernel(_ a: AttentionShape) -> KernelFunction {
        cached("flashBackwardQ/\(a.key)") {
            let (s, d, bq, bk) = (a.seq, a.dim, a.bq, a.bk)
            let whole = { (name: String) in BlockSpec([1, s, d], name: name) { ids in [ids[0], 0, 0] } }
            let wholeT = { (name: String) in BlockSpec([1, d, s], name: name) { ids in [ids[0], 0, 0] } }
            let qBlock = { (name: String) in BlockSpec([1, bq, d], name: name) { ids in [ids[0], ids[1], 0] } }
            let qRows = { (name: String) in BlockSpec([1, bq], name: name) { ids in [ids[0], ids[1]] } }
            return pallasCall(name: "flashAttentionBackwardQ", grid: [a.heads, a.nq],
                              inputs: [qBlock("q"), whole("k"), wholeT("kT"), wholeT("vT"), qBlock("dO"), qRows("lse"), qRows("delta")],
                              outputs: [OutputSpec(shape: [a.heads, s, d], block: qBlock("dq"))]) { k in
                let qi = k.programID(1)
                let qStart = qi * Double(bq)
                let qb = read(k.inputs[0], ragged: a.ragged).reshaped([bq, d])
                let dob = read(k.inputs[4], ragged: a.ragged).reshaped([bq, d])
                let lse = read(k.inputs[5], ragged: a.ragged).reshaped([bq, 1])
                let delta = read(k.inputs[6], ragged: a.ragged).reshaped([bq, 1])
                let upper: any KernelIndex = a.causal
                    ? ((qi + 1) * Double(bq) + Double(bk - 1)).divided(by: bk).minimum(Double(a.nk)) : a.nk
                let dq = k.forLoop(0, upper, carrying: [k.full([bq, d], 0)]) { j, c in
                    let kStart = j * Double(bk)
                    let slice = [DSlice.all, ds(kStart, bk), .all]
                    let sliceT = [DSlice.all, .all, ds(kStart, bk)]
                    let kb = read(k.inputs[1], slice, ragged: a.ragged).reshaped([bk, d])
                    let kTb = read(k.inputs[2], sliceT, ragged: a.ragged).reshaped([d, bk])
                    let vTb = read(k.inputs[3], sliceT, ragged: a.ragged).reshaped([d, bk])
                    var p = (qb.dot(kTb) * a.scale - lse).exp()
                    if let valid = scoreMask(k, a, qStart: qStart, kStart: kStart, checkQuery: true) { p = valid.select(p, 0) }
                    let dscores = p * (dob.dot(vTb) - delta) * a.scale
                    return [c[0] + dscores.dot(kb)]
                }[0]
                write(k.outputs[0], dq.reshaped([1, bq, d]), ragged: a.ragged)
            }
        }
    }
}
