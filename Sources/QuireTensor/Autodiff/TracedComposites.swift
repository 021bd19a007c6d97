// How the fused NN kernels run when an operand is traced: they decompose into primitives (pad, strided
// slices, concatenate, matmul, reductions, elementwise), so their gradients come from the primitive
// rules. The fused kernels stay on the untraced path; these forms are only taken while differentiating.

extension Tensor {
    /// The strided window views of a padded channels-last `[N, H, W, C]` tensor, one per window offset
    /// (row-major over (kh, kw)), each `[N, OH, OW, C]`.
    fileprivate func windowViews(_ g: WindowGeometry, padValue: Double) -> [Tensor] {
        let pads = [(0, 0), (g.padLow[0], Swift.max(g.padHigh[0], 0)), (g.padLow[1], Swift.max(g.padHigh[1], 0)), (0, 0)]
        let needsPad = pads.contains { $0.0 != 0 || $0.1 != 0 }
        let xp = needsPad ? padded(pads, mode: .constant(padValue)) : self
        var views: [Tensor] = []
        for kh in 0..<g.window[0] {
            for kw in 0..<g.window[1] {
                let h0 = kh * g.dilation[0], w0 = kw * g.dilation[1]
                views.append(xp
                    .sliced(axis: 1, h0, h0 + (g.output[0] - 1) * g.stride[0] + 1, step: g.stride[0])
                    .sliced(axis: 2, w0, w0 + (g.output[1] - 1) * g.stride[1] + 1, step: g.stride[1]))
            }
        }
        return views
    }

    /// Convolution as im2col with traceable ops: the window views concatenated along channels, times the
    /// kernel as a `[KH·KW·C/groups, O]` matrix (per group).
    func tracedConvolution(_ x4: Tensor, _ k4: Tensor, _ bias: Tensor?, _ plan: ConvPlan) -> Tensor {
        let views = x4.windowViews(plan.geometry, padValue: 0)
        var outputs: [Tensor] = []
        for group in 0..<plan.groups {
            let c0 = group * plan.groupChannels, o0 = group * plan.groupOut
            let patches = Tensor.concatenate(
                plan.groups == 1 ? views : views.map { $0.sliced(axis: 3, c0, c0 + plan.groupChannels) }, axis: 3)
            let k = (plan.groups == 1 ? k4 : k4.sliced(axis: 3, o0, o0 + plan.groupOut))
                .reshaped([plan.patchColumns, plan.groupOut])
            outputs.append(patches.matmul(k))
        }
        let out = outputs.count == 1 ? outputs[0] : Tensor.concatenate(outputs, axis: 3)
        return bias.map { out + $0 } ?? out
    }

    /// Max or average pooling of `[N, H, W, C]` with traceable ops.
    func tracedPooling(_ plan: PoolPlan, kind: PoolKind) -> Tensor {
        switch kind {
        case .max:
            let views = windowViews(plan.geometry, padValue: -.infinity)
            return views.dropFirst().reduce(views[0]) { $0.maximum($1) }
        case .average(let includePad):
            let views = windowViews(plan.geometry, padValue: 0)
            let total = views.dropFirst().reduce(views[0]) { $0 + $1 }
            if includePad { return total / Double(views.count) }
            let ones = Tensor.ones([1, plan.height, plan.width, 1], dtype: dtype).windowViews(plan.geometry, padValue: 0)
            return total / ones.dropFirst().reduce(ones[0]) { $0 + $1 }
        }
    }

    /// Layer or RMS normalization with traceable ops (`axes` sorted, `feature` their sizes).
    func tracedNormalization(axes: [Int], feature: [Int], epsilon: Double, weight: Tensor?, bias: Tensor?,
                             rms: Bool, compute: DType, result: DType) -> Tensor {
        let x = cast(to: compute)
        var y: Tensor
        if rms {
            y = x * (x.square().mean(axes: axes, keepDims: true) + epsilon).rsqrt()
        } else {
            let centered = x - x.mean(axes: axes, keepDims: true)
            y = centered * (centered.square().mean(axes: axes, keepDims: true) + epsilon).rsqrt()
        }
        var placed = [Int](repeating: 1, count: rank)
        for (a, n) in zip(axes, feature) { placed[a] = n }
        if let weight { y = y * weight.cast(to: compute).broadcast(to: feature).reshaped(placed) }
        if let bias { y = y + bias.cast(to: compute).broadcast(to: feature).reshaped(placed) }
        return y.cast(to: result)
    }

    /// A (validated) subscript as slices, flips and reshapes, so its gradient comes from their rules.
    func tracedIndexedView(_ indices: [TensorIndex]) -> Tensor {
        let expanded = expandingEllipsis(indices)
        var r = self, axis = 0
        for ix in expanded {
            switch ix.kind {
            case .newAxis:
                r = r.expandingDims(at: axis)
                axis += 1
            case .all, .ellipsis:
                axis += 1
            case .index(let i):
                let n = r.shape[axis], at = i < 0 ? i + n : i
                var s = r.shape
                s.remove(at: axis)
                r = r.sliced(axis: axis, at, at + 1).reshaped(s)
            case .range(let start, let end, let step):
                let n = r.shape[axis]
                let (first, count) = Tensor.rangeSelection(start, end, step, size: n)
                if step < 0 { r = r.flipped(axes: [axis]) }
                let from = step < 0 ? n - 1 - first : first, by = Swift.abs(step)
                r = count > 0 ? r.sliced(axis: axis, from, from + (count - 1) * by + 1, step: by) : r.sliced(axis: axis, 0, 0)
                axis += 1
            }
        }
        return r
    }
}
