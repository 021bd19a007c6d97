// Convolutions, channels last (the Flax/JAX default layout):
//   conv1d: input [N, W, C],    kernel [KW, C/groups, O]      → [N, OW, O]
//   conv2d: input [N, H, W, C], kernel [KH, KW, C/groups, O]  → [N, OH, OW, O]   (HWIO kernels)
// Output channel o belongs to group o / (O / groups) and sees input channels of that group only;
// groups == C is a depthwise convolution. Computed by im2col + one GEMM per group (see Im2col.swift).
//
// They are methods on the input tensor (`x.conv2d(kernel)`), like the other ops. Stride and dilation are
// given either as one Int for every spatial dimension or as an [Int] array (one value per dimension, or a
// single value repeated); the two forms do not mix in one call.

extension Tensor {
    /// 2-D convolution of a channels-last batch `[N, H, W, C]` with an HWIO kernel `[KH, KW, C/groups, O]`,
    /// plus an optional `bias` of shape `[O]`. The result is `[N, OH, OW, O]`.
    ///
    /// Float inputs keep their promoted dtype (float16/bfloat16 are computed in float32 and rounded back,
    /// float64 in float64); integer and bool inputs give float32.
    ///
    /// ```swift
    /// let x = Tensor.ones([1, 8, 8, 3])
    /// let k = Tensor.ones([3, 3, 3, 16])
    /// x.conv2d(k, padding: .same).shape                 // [1, 8, 8, 16]
    /// x.conv2d(k, stride: 2, padding: .same).shape      // [1, 4, 4, 16]
    /// x.conv2d(Tensor.ones([3, 3, 1, 3]), groups: 3)    // depthwise, [1, 6, 6, 3]
    /// ```
    public func conv2d(_ kernel: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: ConvPadding = .valid,
                       dilation: Int = 1, groups: Int = 1) -> Tensor {
        convolution(op: "conv2d", spatialRank: 2, kernel: kernel, bias: bias, stride: [stride],
                    padding: padding, dilation: [dilation], groups: groups)
    }

    /// 2-D convolution with a stride and dilation per spatial dimension (`[sh, sw]`; one value repeats).
    ///
    /// ```swift
    /// x.conv2d(k, stride: [2, 1], padding: .explicit([(1, 1), (0, 0)]), dilation: [1, 2])
    /// ```
    public func conv2d(_ kernel: Tensor, bias: Tensor? = nil, stride: [Int], padding: ConvPadding = .valid,
                       dilation: [Int] = [1], groups: Int = 1) -> Tensor {
        convolution(op: "conv2d", spatialRank: 2, kernel: kernel, bias: bias, stride: stride,
                    padding: padding, dilation: dilation, groups: groups)
    }

    /// 1-D convolution of a channels-last batch `[N, W, C]` with a kernel `[KW, C/groups, O]`, plus an
    /// optional `bias` of shape `[O]`. The result is `[N, OW, O]`. Dtypes as in ``conv2d(_:bias:stride:padding:dilation:groups:)``.
    ///
    /// ```swift
    /// let x = Tensor.ones([2, 10, 4])
    /// x.conv1d(Tensor.ones([3, 4, 8]), padding: .same).shape            // [2, 10, 8]
    /// x.conv1d(Tensor.ones([3, 2, 8]), stride: 2, groups: 2).shape      // [2, 4, 8]
    /// x.conv1d(Tensor.ones([3, 4, 8]), padding: .explicit([(2, 0)]))    // causal, [2, 10, 8]
    /// ```
    public func conv1d(_ kernel: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: ConvPadding = .valid,
                       dilation: Int = 1, groups: Int = 1) -> Tensor {
        convolution(op: "conv1d", spatialRank: 1, kernel: kernel, bias: bias, stride: [stride],
                    padding: padding, dilation: [dilation], groups: groups)
    }

    /// The output shape of a convolution, or the error explaining why the operands do not fit.
    /// `spatialRank` is 1 (conv1d shapes) or 2 (conv2d shapes).
    ///
    /// ```swift
    /// try Tensor.convolutionOutputShape(input: [1, 8, 8, 3], kernel: [3, 3, 3, 16], padding: .same)
    /// // [1, 8, 8, 16]
    /// ```
    public static func convolutionOutputShape(
        input: [Int], kernel: [Int], bias: [Int]? = nil, spatialRank: Int = 2, stride: [Int] = [1],
        padding: ConvPadding = .valid, dilation: [Int] = [1], groups: Int = 1
    ) throws -> [Int] {
        let op = spatialRank == 1 ? "conv1d" : "conv2d"
        let plan = try convolutionPlan(op: op, spatialRank: spatialRank, input: input, kernel: kernel, bias: bias,
                                       stride: stride, padding: padding, dilation: dilation, groups: groups)
        return spatialRank == 1 ? [plan.batch, plan.outW, plan.outChannels] : plan.outputShape
    }

    /// Validates a convolution's operands and resolves it as a 2-D problem (1-D gets a unit height).
    static func convolutionPlan(op: String, spatialRank r: Int, input: [Int], kernel: [Int], bias: [Int]?,
                                stride: [Int], padding: ConvPadding, dilation: [Int], groups: Int) throws -> ConvPlan {
        var context = "input \(shapeString(input)), kernel \(shapeString(kernel))"
        if let bias { context += ", bias \(shapeString(bias))" }
        guard r == 1 || r == 2 else { throw TensorError(op, "spatial rank must be 1 or 2, got \(r)") }
        let inLayout = r == 1 ? "[N, W, C]" : "[N, H, W, C]"
        let kLayout = r == 1 ? "[KW, C/groups, O]" : "[KH, KW, C/groups, O]"
        guard input.count == r + 2 else {
            throw TensorError(op, "input must have rank \(r + 2) \(inLayout), got rank \(input.count): \(context)")
        }
        guard kernel.count == r + 2 else {
            throw TensorError(op, "kernel must have rank \(r + 2) \(kLayout), got rank \(kernel.count): \(context)")
        }
        guard groups >= 1 else { throw TensorError(op, "groups must be positive, got \(groups): \(context)") }
        let c = input[r + 1], o = kernel[r + 1]
        guard c % groups == 0 else {
            throw TensorError(op, "input channels \(c) are not divisible by groups \(groups): \(context)")
        }
        guard kernel[r] == c / groups else {
            throw TensorError(op, "input has \(c) channels but kernel expects \(kernel[r] * groups) (groups \(groups)): \(context)")
        }
        guard o % groups == 0 else {
            throw TensorError(op, "kernel output channels \(o) are not divisible by groups \(groups): \(context)")
        }
        if let bias, bias != [o] {
            throw TensorError(op, "bias must have shape [\(o)] (the kernel's output channels): \(context)")
        }
        var spatialIn = Array(input[1...r]), window = Array(kernel[0..<r])
        var s = try expandSpatial(stride, rank: r, name: "stride", op: op, context: context)
        var d = try expandSpatial(dilation, rank: r, name: "dilation", op: op, context: context)
        var pad = padding
        if r == 1 {
            spatialIn.insert(1, at: 0)
            window.insert(1, at: 0)
            s.insert(1, at: 0)
            d.insert(1, at: 0)
            if case .explicit(let p) = padding {
                guard p.count == 1 else {
                    throw TensorError(op, "explicit padding has \(p.count) (low, high) pairs for 1 spatial dimension: \(context)")
                }
                pad = .explicit([(0, 0)] + p)
            }
        }
        let geometry = try WindowGeometry.make(op: op, input: spatialIn, window: window, stride: s,
                                               dilation: d, padding: pad, context: context)
        return ConvPlan(batch: input[0], height: spatialIn[0], width: spatialIn[1], channels: c,
                        kernelH: window[0], kernelW: window[1], outChannels: o, groups: groups, geometry: geometry)
    }

    func convolution(op: String, spatialRank r: Int, kernel: Tensor, bias: Tensor?, stride: [Int],
                     padding: ConvPadding, dilation: [Int], groups: Int) -> Tensor {
        let plan = checked {
            try Tensor.convolutionPlan(op: op, spatialRank: r, input: shape, kernel: kernel.shape, bias: bias?.shape,
                                       stride: stride, padding: padding, dilation: dilation, groups: groups)
        }
        let resultType = nnResultType([dtype, kernel.dtype] + (bias.map { [$0.dtype] } ?? []))
        let compute: DType = resultType == .float64 ? .float64 : .float32
        let x4 = (r == 1 ? (traceTag != 0 ? expandingDims(at: 1) : insertUnitHeight(self)) : self).cast(to: compute)
        let k4 = kernel.cast(to: compute).contiguous()
            .reshaped([plan.kernelH, plan.kernelW, plan.groupChannels, plan.outChannels])
        let b = bias?.cast(to: compute).contiguous()
        if _slowPath(x4.traceTag != 0 || k4.traceTag != 0 || (b?.traceTag ?? 0) != 0) {
            let result = tracedConvolution(x4, k4, b, plan).cast(to: resultType)
            return r == 1 ? result.reshaped([plan.batch, plan.outW, plan.outChannels]) : result
        }
        let out = compute == .float64
            ? convolve2d(x4, k4, b, plan, Double.self)
            : convolve2d(x4, k4, b, plan, Float.self)
        let result = out.cast(to: resultType)
        return r == 1 ? result.reshaped([plan.batch, plan.outW, plan.outChannels]) : result
    }
}
