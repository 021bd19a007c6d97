import QuireTensor

/// 2-D convolution of a channels-last batch `[N, H, W, C]` with a kernel `[KH, KW, C/groups, O]` (HWIO).
/// Flax defaults: padding `.same`, LeCun normal kernel, zero bias.
///
/// ```swift
/// let conv = Conv2D(3, 16, kernelSize: 3, rngs: Rngs(0))
/// conv(Tensor.zeros([1, 8, 8, 3])).shape                       // [1, 8, 8, 16]
/// Conv2D(3, 16, kernelSize: 3, stride: 2, rngs: rngs)          // [1, 4, 4, 16]
/// ```
public final class Conv2D: Module, UnaryLayer {
    public let weight: Param
    public let bias: Param?
    public let stride: [Int], dilation: [Int], groups: Int
    public let padding: ConvPadding

    public init(_ inFeatures: Int, _ outFeatures: Int, kernelSize: [Int], stride: [Int] = [1, 1],
                padding: ConvPadding = .same, dilation: [Int] = [1, 1], groups: Int = 1, useBias: Bool = true,
                dtype: DType = .float32, rngs: Rngs) {
        precondition(inFeatures % groups == 0, "Conv2D: \(inFeatures) input features do not split into \(groups) groups")
        weight = Param(Initializer.lecunNormal(rngs.params(), kernelSize + [inFeatures / groups, outFeatures], dtype: dtype))
        bias = useBias ? Param(Tensor.zeros([outFeatures], dtype: dtype)) : nil
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
    }

    public convenience init(_ inFeatures: Int, _ outFeatures: Int, kernelSize: Int, stride: Int = 1,
                            padding: ConvPadding = .same, dilation: Int = 1, groups: Int = 1, useBias: Bool = true,
                            dtype: DType = .float32, rngs: Rngs) {
        self.init(inFeatures, outFeatures, kernelSize: [kernelSize, kernelSize], stride: [stride, stride],
                  padding: padding, dilation: [dilation, dilation], groups: groups, useBias: useBias, dtype: dtype, rngs: rngs)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// 1-D convolution of `[N, W, C]` with a kernel `[K, C/groups, O]`. Flax defaults as ``Conv2D``.
///
/// ```swift
/// Conv1D(4, 8, kernelSize: 3, rngs: Rngs(0))(Tensor.zeros([2, 10, 4])).shape   // [2, 10, 8]
/// ```
public final class Conv1D: Module, UnaryLayer {
    public let weight: Param
    public let bias: Param?
    public let stride: Int, dilation: Int, groups: Int
    public let padding: ConvPadding

    public init(_ inFeatures: Int, _ outFeatures: Int, kernelSize: Int, stride: Int = 1, padding: ConvPadding = .same,
                dilation: Int = 1, groups: Int = 1, useBias: Bool = true, dtype: DType = .float32, rngs: Rngs) {
        precondition(inFeatures % groups == 0, "Conv1D: \(inFeatures) input features do not split into \(groups) groups")
        weight = Param(Initializer.lecunNormal(rngs.params(), [kernelSize, inFeatures / groups, outFeatures], dtype: dtype))
        bias = useBias ? Param(Tensor.zeros([outFeatures], dtype: dtype)) : nil
        self.stride = stride; self.padding = padding; self.dilation = dilation; self.groups = groups
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv1d(weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// Transposed 2-D convolution (the upsampling counterpart of ``Conv2D``), with Flax/`lax.conv_transpose`
/// semantics (the kernel `[KH, KW, C, O]` is not flipped): the input is dilated by `stride` (zeros between
/// pixels), padded, and convolved. Output size: `in · stride` with `.same`, `in · stride + max(k - stride, 0)`
/// with `.valid`.
///
/// ```swift
/// let up = ConvTranspose2D(16, 8, kernelSize: 3, stride: 2, rngs: Rngs(0))
/// up(Tensor.zeros([1, 4, 4, 16])).shape   // [1, 8, 8, 8]
/// ```
public final class ConvTranspose2D: Module, UnaryLayer {
    public let weight: Param
    public let bias: Param?
    public let stride: [Int]
    public let padding: ConvPadding

    public init(_ inFeatures: Int, _ outFeatures: Int, kernelSize: Int, stride: Int = 1, padding: ConvPadding = .same,
                useBias: Bool = true, dtype: DType = .float32, rngs: Rngs) {
        weight = Param(Initializer.lecunNormal(rngs.params(), [kernelSize, kernelSize, inFeatures, outFeatures], dtype: dtype))
        bias = useBias ? Param(Tensor.zeros([outFeatures], dtype: dtype)) : nil
        self.stride = [stride, stride]
        self.padding = padding
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let k = weight.shape
        var h = x
        var pads: [(Int, Int)] = []
        for axis in 0..<2 {
            let s = stride[axis], kk = k[axis]
            let (a, b) = ConvTranspose2D.padding(kernel: kk, stride: s, padding: padding, axis: axis)
            if s > 1 { h = dilate(h, axis: 1 + axis, by: s) }
            pads.append((a, b))
        }
        return h.conv2d(weight.value, bias: bias?.value, stride: [1, 1], padding: .explicit(pads))
    }

    /// Zeros between elements along `axis`: length n becomes (n - 1)·s + 1.
    private func dilate(_ x: Tensor, axis: Int, by s: Int) -> Tensor {
        let n = x.shape[axis]
        var widths = [(Int, Int)](repeating: (0, 0), count: x.rank + 1)
        widths[axis + 1] = (0, s - 1)
        var shape = x.shape
        shape[axis] = n * s
        let spread = x.expandingDims(at: axis + 1).padded(widths).reshaped(shape)
        return spread.sliced(axis: axis, 0, (n - 1) * s + 1)
    }

    /// `lax.conv_transpose` padding of the dilated input for one spatial axis.
    static func padding(kernel k: Int, stride s: Int, padding: ConvPadding, axis: Int) -> (Int, Int) {
        switch padding {
        case .same:
            let total = k + s - 2
            let before = s > k - 1 ? k - 1 : (total + 1) / 2
            return (before, total - before)
        case .valid:
            let total = k + s - 2 + max(k - s, 0)
            return (k - 1, total - (k - 1))
        case .explicit(let p):
            // As in lax.conv_transpose: explicit pads apply to the dilated input as given.
            return p.count == 1 ? p[0] : p[axis]
        }
    }
}
