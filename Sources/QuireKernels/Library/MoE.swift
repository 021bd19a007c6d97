import QuireTensor

extension KernelValue {
    /// Index of the first maximum along the last axis of a 2-D block (int32, one per row).
    func argmaxLastAxis(_ k: KernelRefs) -> (index: KernelValue, value: KernelValue) {
        let (r, c) = (shape[0], shape[1])
        let m = max(axis: 1)
        let hit = isEqual(to: m.reshaped([r, 1]))
        return (hit.select(k.iota([r, c], axis: 1), Double(c)).min(axis: 1), m)
    }
}

extension Kernels {
    /// Top-k routing: for each token's expert logits, the k best experts (int32 [tokens, k], best
    /// first, ties to the lower index) and their softmax weights over those k (float32 [tokens, k]).
    public static func topKRouterKernel(tokens: Int, experts: Int, k topK: Int, blockTokens: Int = 32) -> KernelFunction {
        let bt = Swift.min(blockTokens, tokens)
        return cached("topK/\(tokens)/\(experts)/\(topK)/\(bt)") {
            let ragged = tokens % bt != 0
            let logits = BlockSpec([bt, experts], name: "logits") { ids in [ids[0], 0] }
            let outBlock = { (name: String) in BlockSpec([bt, topK], name: name) { ids in [ids[0], 0] } }
            return pallasCall(name: "topKRouter", grid: [blocks(tokens, bt)], inputs: [logits],
                              outputs: [OutputSpec(shape: [tokens, topK], dtype: .int32, block: outBlock("experts")),
                                        OutputSpec(shape: [tokens, topK], block: outBlock("weights"))],
                              scratch: [ScratchSpec(shape: [bt, topK], name: "chosen")]) { k in
                var x = read(k.inputs[0], ragged: ragged)
                var first: KernelValue? = nil
                var indices: [KernelValue] = []
                for i in 0..<topK {
                    let (index, value) = x.argmaxLastAxis(k)
                    indices.append(index)
                    // softmax over the chosen logits, relative to the best one
                    let shifted = first.map { value - $0 } ?? value * 0
                    if first == nil { first = value }
                    k.scratch[0].store(shifted.exp().reshaped([bt, 1]), at: [.all, ds(i, 1)])
                    let taken = k.iota([bt, experts], axis: 1).isEqual(to: index.reshaped([bt, 1]))
                    x = taken.select(k.full([bt, experts], -Double.infinity), x)
                }
                let e = k.scratch[0][...]
                let weights = e / e.sum(axis: 1).reshaped([bt, 1])
                for (i, index) in indices.enumerated() {
                    let column = [DSlice.all, ds(i, 1)]
                    if ragged { k.outputs[0].storeInBounds(index.reshaped([bt, 1]), at: column) } else { k.outputs[0].store(index.reshaped([bt, 1]), at: column) }
                }
                write(k.outputs[1], weights, ragged: ragged)
            }
        }
    }

    /// Grouped matmul over experts: row blocks of a padded, expert-sorted assignment list each
    /// use one expert's weights. Rows are gathered from `x` by token index (−1 pads), multiplied by
    /// `w[expert]`, scaled by the routing weight and scattered back with `atomicAdd`.
    public static func groupedMatmulKernel(tokens: Int, dim: Int, hidden: Int, experts: Int, rows: Int, blockRows: Int) -> KernelFunction {
        cached("groupedMatmul/\(tokens)/\(dim)/\(hidden)/\(experts)/\(rows)/\(blockRows)") {
            let br = blockRows
            let inputs = [BlockSpec.whole(name: "x"), BlockSpec.whole(name: "w"),
                          BlockSpec([br], name: "rowToken") { ids in [ids[0]] },
                          BlockSpec([br], name: "rowWeight") { ids in [ids[0]] },
                          BlockSpec([1], name: "blockExpert") { ids in [ids[0]] }]
            return pallasCall(name: "groupedMatmul", grid: [rows / br], inputs: inputs,
                              outputs: [OutputSpec(shape: [tokens, hidden], block: .whole(name: "y"))],
                              scratch: [ScratchSpec(shape: [br, dim], name: "gathered"), ScratchSpec(shape: [br, hidden], name: "products")]) { k in
                let expert = k.inputs[4][...].reshaped([])
                k.forLoop(0..<br) { r in
                    let token = k.inputs[2][ds(r, 1)].reshaped([])
                    let row = k.inputs[0].load([ds(token.maximum(k.index(0)), 1), .all])
                    k.scratch[0][ds(r, 1), .all] = token.isGreaterEqual(k.index(0)).select(row, 0)
                }
                let weights = k.inputs[1].load([ds(expert, 1), .all, .all]).reshaped([dim, hidden])
                k.scratch[1][...] = k.scratch[0][...].dot(weights) * k.inputs[3][...].reshaped([br, 1])
                k.forLoop(0..<br) { r in
                    let token = k.inputs[2][ds(r, 1)].reshaped([])
                    k.outputs[0].atomicAdd(k.scratch[1][ds(r, 1), .all], at: [ds(token, 1), .all], mask: token.isGreaterEqual(k.index(0)))
                }
            }
        }
    }

    /// A mixture-of-experts layer: route each token of `x` [tokens, dim] to its top-k experts by
    /// `routerLogits` [tokens, experts], apply `expertWeights` [experts, dim, hidden] and sum the results
    /// weighted by the routing softmax. Returns the output [tokens, hidden] and the chosen experts.
    public static func mixtureOfExperts(_ x: Tensor, routerLogits: Tensor, expertWeights: Tensor, k topK: Int,
                                        blockRows: Int = 16, backend: KernelBackend = .compiled) throws -> (output: Tensor, experts: Tensor) {
        guard x.rank == 2, routerLogits.rank == 2, expertWeights.rank == 3, routerLogits.shape[0] == x.shape[0],
              expertWeights.shape[0] == routerLogits.shape[1], expertWeights.shape[1] == x.shape[1],
              topK >= 1, topK <= routerLogits.shape[1] else {
            throw KernelError.badInput(kernel: "mixtureOfExperts", message: "needs x [t, d], logits [t, e], weights [e, d, h] and 1 ≤ k ≤ e; got \(x.shape), \(routerLogits.shape), \(expertWeights.shape), k \(topK)")
        }
        let (t, d, e, h) = (x.shape[0], x.shape[1], routerLogits.shape[1], expertWeights.shape[2])
        let routed = try topKRouterKernel(tokens: t, experts: e, k: topK)([routerLogits], backend: backend)
        let chosen = routed[0].scalars(as: Int32.self), weight = routed[1].scalars(as: Float.self)
        // Sort assignments by expert (stable) and pad each expert's group to a whole number of row blocks.
        var rowToken: [Int32] = [], rowWeight: [Float] = [], blockExpert: [Int32] = []
        for expert in 0..<e {
            let members = chosen.indices.filter { Int(chosen[$0]) == expert }
            guard !members.isEmpty else { continue }
            let padded = blocks(members.count, blockRows) * blockRows
            for i in 0..<padded {
                rowToken.append(i < members.count ? Int32(members[i] / topK) : -1)
                rowWeight.append(i < members.count ? weight[members[i]] : 0)
            }
            blockExpert += [Int32](repeating: Int32(expert), count: padded / blockRows)
        }
        let f = groupedMatmulKernel(tokens: t, dim: d, hidden: h, experts: e, rows: rowToken.count, blockRows: blockRows)
        let y = try f([x, expertWeights, Tensor(rowToken), Tensor(rowWeight), Tensor(blockExpert)], backend: backend)[0]
        return (y, routed[0])
    }
}
