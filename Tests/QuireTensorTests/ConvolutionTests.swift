import QuireTestSupport
import XCTest
@testable import QuireTensor

// Helpers shared by the NN test files (ConvolutionTests, PoolingTests, NormalizationTests).

/// The case's input `key`, turned into the view the case describes (`permute`, then `step`).
func nnInput(_ c: FixtureCase, _ key: String = "x") -> Tensor {
    var x = c.input(key)
    if let p = c.attrs["permute"]?.ints { x = x.permuted(p) }
    if let s = c.attrs["step"]?.ints { x = x.sliced(axis: s[0], 0, nil, step: s[1]) }
    return x
}

/// The case's `padding` attribute: "valid", "same" or [[lo, hi], ...].
func nnPadding(_ c: FixtureCase) -> ConvPadding {
    guard let attr = c.attrs["padding"] else { return .valid }
    if let s = attr.string { return s == "same" ? .same : .valid }
    guard case .array(let pairs) = attr else { return .valid }
    return .explicit(pairs.map { p in let v = p.ints!; return (v[0], v[1]) })
}

/// Tolerances for comparing against a float64 reference rounded to `dtype`.
func nnTolerance(_ dtype: DType) -> (rtol: Double, atol: Double) {
    switch dtype {
    case .float64: return (1e-12, 1e-12)
    case .float16, .bfloat16: return (2e-3, 1e-2)
    default: return (1e-5, 2e-5)
    }
}

/// Deterministic test values: element i is ((i * mul) % mod) / scale - shift.
func patterned(_ shape: [Int], mul: Int, mod: Int, scale: Float, shift: Float) -> Tensor {
    let n = shape.reduce(1, *)
    var values = [Float](repeating: 0, count: n)
    for i in 0..<n {
        let q = Float((i * mul) % mod)
        values[i] = q / scale - shift
    }
    return Tensor(values, shape: shape)
}

/// The message of the TensorError `body` throws, or nil.
func nnErrorMessage(_ body: () throws -> Any) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return (error as? TensorError)?.description ?? "\(error)"
    }
}

final class ConvolutionTests: XCTestCase {
    func testFixtures() throws {
        let cases = try Fixtures.load("nn").filter { $0.attrs["kind"]?.string == "conv" }
        XCTAssertGreaterThan(cases.count, 20)
        for c in cases {
            let x = nnInput(c), k = c.input("k")
            let b = c.inputs["b"] != nil ? c.input("b") : nil
            let stride = c.attrs["stride"]!.ints!, dilation = c.attrs["dilation"]!.ints!
            let groups = c.attrs["groups"]!.int!
            let padding = nnPadding(c)
            let out: Tensor
            if c.attrs["op"]!.string == "conv1d" {
                out = x.conv1d(k, bias: b, stride: stride[0], padding: padding, dilation: dilation[0], groups: groups)
            } else if stride.count == 1 && dilation.count == 1 {
                out = x.conv2d(k, bias: b, stride: stride[0], padding: padding, dilation: dilation[0], groups: groups)
            } else {
                out = x.conv2d(k, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups)
            }
            let tol = nnTolerance(c.out.dtype)
            assertClose(out, c.out, rtol: tol.rtol, atol: tol.atol, c.name)
            // The same convolution on a contiguous copy of the input gives the same values.
            if !x.isContiguous {
                let again = x.contiguous().conv2dOrConv1d(k, bias: b, c, padding: padding)
                assertClose(again, out, rtol: 0, atol: 0, "contiguous copy of \(c.name)")
            }
        }
    }

    func testOutputShapes() throws {
        XCTAssertEqual(try Tensor.convolutionOutputShape(input: [1, 8, 8, 3], kernel: [3, 3, 3, 16], padding: .same),
                       [1, 8, 8, 16])
        XCTAssertEqual(try Tensor.convolutionOutputShape(input: [2, 7, 9, 4], kernel: [3, 3, 2, 6], stride: [2],
                                                         padding: .same, groups: 2), [2, 4, 5, 6])
        XCTAssertEqual(try Tensor.convolutionOutputShape(input: [2, 7, 9, 4], kernel: [3, 3, 4, 6], stride: [2, 1],
                                                         dilation: [1, 2]), [2, 3, 5, 6])
        XCTAssertEqual(try Tensor.convolutionOutputShape(input: [2, 10, 4], kernel: [3, 4, 8], spatialRank: 1,
                                                         padding: .explicit([(2, 0)])), [2, 10, 8])
        XCTAssertEqual(Tensor.ones([2, 10, 4]).conv1d(Tensor.ones([3, 2, 8]), stride: 2, groups: 2).shape, [2, 4, 8])
        XCTAssertEqual(Tensor.ones([1, 8, 8, 3]).conv2d(Tensor.ones([3, 3, 1, 3]), groups: 3).shape, [1, 6, 6, 3])
        // No input channels: the output is the bias (or zeros); no output channels: an empty result.
        let noChannels = Tensor.ones([1, 4, 4, 0]).conv2d(Tensor.ones([3, 3, 0, 2]), bias: Tensor([1, -2] as [Float]))
        XCTAssertEqual(noChannels.shape, [1, 2, 2, 2])
        XCTAssertEqual(noChannels.scalars(as: Float.self), [1, -2, 1, -2, 1, -2, 1, -2])
        XCTAssertEqual(Tensor.ones([1, 4, 4, 0]).conv2d(Tensor.ones([3, 3, 0, 2])).scalars(as: Float.self),
                       [Float](repeating: 0, count: 8))
        XCTAssertEqual(Tensor.ones([2, 5, 3]).conv1d(Tensor.ones([2, 3, 0])).shape, [2, 4, 0])
        // Dtypes: float64 kernels promote; bfloat16 is computed in float32 and rounded back.
        XCTAssertEqual(Tensor.ones([1, 3, 3, 1]).conv2d(Tensor.ones([2, 2, 1, 1], dtype: .float64)).dtype, .float64)
        let half = Tensor.ones([1, 3, 3, 1], dtype: .bfloat16).conv2d(Tensor.ones([2, 2, 1, 1], dtype: .bfloat16))
        XCTAssertEqual(half.dtype, .bfloat16)
        XCTAssertEqual(half.scalars(as: Float.self), [4, 4, 4, 4])
    }

    func testMisuseMessages() {
        let channels = nnErrorMessage {
            try Tensor.convolutionOutputShape(input: [1, 8, 8, 3], kernel: [3, 3, 4, 16])
        }
        XCTAssertEqual(channels, "conv2d: input has 3 channels but kernel expects 4 (groups 1): input [1, 8, 8, 3], kernel [3, 3, 4, 16]")
        let grouped = nnErrorMessage {
            try Tensor.convolutionOutputShape(input: [1, 8, 8, 6], kernel: [3, 3, 2, 4], groups: 4)
        }
        XCTAssertEqual(grouped, "conv2d: input channels 6 are not divisible by groups 4: input [1, 8, 8, 6], kernel [3, 3, 2, 4]")
        let outGroups = nnErrorMessage {
            try Tensor.convolutionOutputShape(input: [1, 8, 8, 4], kernel: [3, 3, 2, 3], groups: 2)
        }
        XCTAssertEqual(outGroups, "conv2d: kernel output channels 3 are not divisible by groups 2: input [1, 8, 8, 4], kernel [3, 3, 2, 3]")
        let rank = nnErrorMessage { try Tensor.convolutionOutputShape(input: [8, 8, 3], kernel: [3, 3, 3, 16]) }
        XCTAssertEqual(rank, "conv2d: input must have rank 4 [N, H, W, C], got rank 3: input [8, 8, 3], kernel [3, 3, 3, 16]")
        let kernelRank = nnErrorMessage {
            try Tensor.convolutionOutputShape(input: [1, 8, 3], kernel: [3, 3, 3, 16], spatialRank: 1)
        }
        XCTAssertEqual(kernelRank, "conv1d: kernel must have rank 3 [KW, C/groups, O], got rank 4: input [1, 8, 3], kernel [3, 3, 3, 16]")
        let bias = nnErrorMessage {
            try Tensor.convolutionOutputShape(input: [1, 8, 8, 3], kernel: [3, 3, 3, 16], bias: [8])
        }
        XCTAssertEqual(bias, "conv2d: bias must have shape [16] (the kernel's output channels): input [1, 8, 8, 3], kernel [3, 3, 3, 16], bias [8]")
        let small = nnErrorMessage { try Tensor.convolutionOutputShape(input: [1, 2, 8, 3], kernel: [3, 3, 3, 4]) }
        XCTAssertEqual(small, "conv2d: spatial dimension 0 has size 2 (padded 2), smaller than the window 3 with dilation 1 (extent 3): input [1, 2, 8, 3], kernel [3, 3, 3, 4]")
        let strides = nnErrorMessage {
            try Tensor.convolutionOutputShape(input: [1, 8, 8, 3], kernel: [3, 3, 3, 4], stride: [1, 2, 3])
        }
        XCTAssertEqual(strides, "conv2d: stride [1, 2, 3] has 3 values for 2 spatial dimension(s): input [1, 8, 8, 3], kernel [3, 3, 3, 4]")
        let zeroStride = nnErrorMessage {
            try Tensor.convolutionOutputShape(input: [1, 8, 8, 3], kernel: [3, 3, 3, 4], stride: [0])
        }
        XCTAssertEqual(zeroStride, "conv2d: stride must be positive, got [0]: input [1, 8, 8, 3], kernel [3, 3, 3, 4]")
        let pads = nnErrorMessage {
            try Tensor.convolutionOutputShape(input: [1, 8, 8, 3], kernel: [3, 3, 3, 4], padding: .explicit([(1, 1)]))
        }
        XCTAssertEqual(pads, "conv2d: explicit padding has 1 (low, high) pairs for 2 spatial dimension(s): input [1, 8, 8, 3], kernel [3, 3, 3, 4]")
        let negative = nnErrorMessage {
            try Tensor.convolutionOutputShape(input: [1, 8, 3], kernel: [3, 3, 4], spatialRank: 1, padding: .explicit([(-1, 0)]))
        }
        XCTAssertEqual(negative, "conv1d: explicit padding must be non-negative, got (-1, 0) in dimension 1: input [1, 8, 3], kernel [3, 3, 4]")
    }

    /// SAME padding puts the odd element of the padding at the end (TensorFlow/Flax), with the output
    /// size ceil(in / stride).
    func testSamePaddingSplit() throws {
        let g = try WindowGeometry.make(op: "t", input: [6, 7], window: [4, 3], stride: [1, 2], dilation: [1, 2],
                                        padding: .same, context: "")
        XCTAssertEqual(g.output, [6, 4])
        XCTAssertEqual(g.padLow, [1, 2])
        XCTAssertEqual(g.padHigh, [2, 2])
        let h = try WindowGeometry.make(op: "t", input: [5], window: [2], stride: [2], dilation: [1],
                                        padding: .same, context: "")
        XCTAssertEqual(h.output, [3])
        XCTAssertEqual(h.padLow + h.padHigh, [0, 1])
    }

    /// Chunking the patch matrix, the thread count and the fast paths do not change the result.
    func testChunkingAndThreadsAgree() throws {
        let x = patterned([2, 9, 7, 4], mul: 37, mod: 23, scale: 7, shift: 1.5)
        let k = patterned([3, 3, 2, 6], mul: 11, mod: 13, scale: 6, shift: 1)
        let b = Tensor([0.5, -1, 2, 0, 1, -0.25] as [Float])
        let plan = try Tensor.convolutionPlan(op: "conv2d", spatialRank: 2, input: x.shape, kernel: k.shape,
                                              bias: b.shape, stride: [2, 1], padding: .same, dilation: [1, 2], groups: 2)
        let whole = convolve2d(x, k, b, plan, Float.self)
        let chunked = convolve2d(x, k, b, plan, Float.self, patchBudget: 5 * 36)
        // A chunk is a smaller sgemm; OpenBLAS's AVX-512 kernels sum edge rows of a smaller M in another
        // order, so chunking agrees to rounding, not bit for bit (on AVX2 machines it is bitwise).
        assertClose(chunked, whole, rtol: 1e-6, atol: 1e-6, "chunked patches")
        let saved = Parallelism.threadCount
        Parallelism.threadCount = 1
        let single = x.conv2d(k, bias: b, stride: [2, 1], padding: .same, dilation: [1, 2], groups: 2)
        Parallelism.threadCount = 7
        let many = x.conv2d(k, bias: b, stride: [2, 1], padding: .same, dilation: [1, 2], groups: 2)
        Parallelism.threadCount = saved
        assertClose(single, whole, rtol: 0, atol: 0, "one thread")
        assertClose(many, whole, rtol: 0, atol: 0, "seven threads")
    }

    /// The depthwise and pointwise fast paths agree with the general im2col path (run as float64, which
    /// takes the same paths, against a float32 run widened).
    func testFastPathsMatchGeneralGroupedConvolution() {
        let x = patterned([1, 6, 5, 3], mul: 7, mod: 17, scale: 5, shift: 1.5)
        let dw = patterned([3, 3, 1, 3], mul: 5, mod: 11, scale: 4, shift: 1)
        // Depthwise with multiplier 1 equals a dense conv whose kernel is zero off the channel diagonal.
        var dense = [Float](repeating: 0, count: 3 * 3 * 3 * 3)
        let dwv = dw.scalars(as: Float.self)
        for a in 0..<9 { for c in 0..<3 { dense[(a * 3 + c) * 3 + c] = dwv[a * 3 + c] } }
        let denseK = Tensor(dense, shape: [3, 3, 3, 3])
        assertClose(x.conv2d(dw, stride: 2, padding: .same, groups: 3),
                    x.conv2d(denseK, stride: 2, padding: .same), rtol: 1e-6, atol: 1e-6, "depthwise")
        // Pointwise equals a matmul over channels, and the strided view of it equals the im2col path.
        let pw = patterned([1, 1, 3, 4], mul: 1, mod: 100, scale: 4, shift: 1)
        let direct = x.conv2d(pw)
        let viaPatches = x.permuted(0, 2, 1, 3).contiguous().permuted(0, 2, 1, 3).conv2d(pw)
        assertClose(direct, viaPatches, rtol: 1e-6, atol: 1e-6, "pointwise")
    }
}

extension Tensor {
    /// Runs the conv op a fixture case names on `self`.
    fileprivate func conv2dOrConv1d(_ k: Tensor, bias b: Tensor?, _ c: FixtureCase, padding: ConvPadding) -> Tensor {
        let stride = c.attrs["stride"]!.ints!, dilation = c.attrs["dilation"]!.ints!
        let groups = c.attrs["groups"]!.int!
        if c.attrs["op"]!.string == "conv1d" {
            return conv1d(k, bias: b, stride: stride[0], padding: padding, dilation: dilation[0], groups: groups)
        }
        return conv2d(k, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}
