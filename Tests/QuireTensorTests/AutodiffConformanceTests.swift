import QuireTestSupport
import XCTest
@testable import QuireTensor

/// One differentiable operation under test: how to draw its inputs (random shapes and values) and the
/// function of them to differentiate.
struct GradCase {
    let name: String
    /// Draws the float64 inputs.
    let inputs: (inout TestRNG) -> [Tensor]
    let f: ([Tensor]) -> Tensor
    var step = 1e-6
    var rtol = 1e-5
    var atol = 1e-6

    init(_ name: String, step: Double = 1e-6, rtol: Double = 1e-5, atol: Double = 1e-6,
         _ inputs: @escaping (inout TestRNG) -> [Tensor], _ f: @escaping ([Tensor]) -> Tensor) {
        self.name = name
        self.inputs = inputs
        self.f = f
        self.step = step
        self.rtol = rtol
        self.atol = atol
    }
}

/// A random shape of rank 1...3 with dimensions 1...4 (size-1 dimensions included).
private func randomShape(_ rng: inout TestRNG, rank: ClosedRange<Int> = 1...3) -> [Int] {
    (0..<rng.int(rank)).map { _ in rng.int(1...4) }
}

/// Two shapes that broadcast together: equal, a suffix, or with size-1 dimensions on either side.
private func broadcastPair(_ rng: inout TestRNG) -> ([Int], [Int]) {
    let full = randomShape(&rng, rank: 2...3)
    switch rng.int(0...3) {
    case 0: return (full, full)
    case 1: return (full, Array(full.dropFirst()))
    case 2: return (full.map { _ in rng.bool() ? 1 : 0 }.enumerated().map { $0.element == 1 ? 1 : full[$0.offset] },
                    full.map { rng.bool() ? 1 : $0 })
    default: return ([1] + Array(full.dropFirst()), [full[0], 1] + Array(full.dropFirst(2)))
    }
}

private func unaryCase(_ name: String, _ lo: Double = -2, _ hi: Double = 2, gap: Double = 0,
                       _ f: @escaping (Tensor) -> Tensor) -> GradCase {
    GradCase(name, { rng in [rng.tensor(randomShape(&rng), lo, hi, awayFromZero: gap)] }) { f($0[0]) }
}

private func binaryCase(_ name: String, a: (Double, Double) = (-2, 2), b: (Double, Double) = (-2, 2), gap: Double = 0,
                        _ f: @escaping (Tensor, Tensor) -> Tensor) -> GradCase {
    GradCase(name, { rng in
        var (sa, sb) = broadcastPair(&rng)
        if rng.bool() { swap(&sa, &sb) }
        return [rng.tensor(sa, a.0, a.1), rng.tensor(sb, b.0, b.1, awayFromZero: gap)]
    }) { f($0[0], $0[1]) }
}

/// Random axes of a rank-r tensor (non-empty, sorted, possibly all).
private func randomAxes(_ rng: inout TestRNG, rank: Int) -> [Int] {
    let axes = (0..<rank).filter { _ in rng.bool() }
    return axes.isEmpty ? [rng.int(0...(rank - 1))] : axes
}

private func reductionCase(_ name: String, _ f: @escaping (Tensor, [Int], Bool) -> Tensor) -> GradCase {
    var axes: [Int] = [], keep = false
    return GradCase(name, { rng in
        let x = rng.tensor(randomShape(&rng), 0.5, 2)
        axes = randomAxes(&rng, rank: x.rank)
        keep = rng.bool()
        return [x]
    }) { f($0[0], axes, keep) }
}

private func axisCase(_ name: String, _ f: @escaping (Tensor, Int) -> Tensor) -> GradCase {
    var axis = 0
    return GradCase(name, { rng in
        let x = rng.tensor(randomShape(&rng))
        axis = rng.int(-x.rank...(x.rank - 1))
        return [x]
    }) { f($0[0], axis) }
}

private let indices = Tensor([2, 0, 2, 1] as [Int32])

/// Every primitive and differentiable composite, as finite-difference test cases (also used by the
/// forward-mode tests).
func autodiffConformanceCases() -> [GradCase] { [
    // Elementwise binary, with broadcasting.
    binaryCase("add") { $0 + $1 },
    binaryCase("subtract") { $0 - $1 },
    binaryCase("multiply") { $0 * $1 },
    binaryCase("divide", gap: 0.5) { $0 / $1 },
    binaryCase("pow", a: (0.5, 2), b: (-1.5, 1.5)) { $0.pow($1) },
    binaryCase("maximum") { $0.maximum($1) },
    binaryCase("minimum") { $0.minimum($1) },
    binaryCase("scalar ops") { ($0 * 3 - 1) / 2 + 2 * $1 },
    // Elementwise unary.
    unaryCase("negate") { -$0 },
    unaryCase("abs", gap: 0.1) { $0.abs() },
    unaryCase("square") { $0.square() },
    unaryCase("exp") { $0.exp() },
    unaryCase("log", 0.2, 3) { $0.log() },
    unaryCase("log1p", -0.5, 3) { $0.log1p() },
    unaryCase("expm1") { $0.expm1() },
    unaryCase("sqrt", 0.2, 3) { $0.sqrt() },
    unaryCase("rsqrt", 0.2, 3) { $0.rsqrt() },
    unaryCase("sin") { $0.sin() },
    unaryCase("cos") { $0.cos() },
    unaryCase("tanh") { $0.tanh() },
    unaryCase("sigmoid") { $0.sigmoid() },
    unaryCase("relu", gap: 0.1) { $0.relu() },
    unaryCase("silu") { $0.silu() },
    unaryCase("softplus") { $0.softplus() },
    unaryCase("gelu tanh") { $0.gelu() },
    unaryCase("gelu erf") { $0.gelu(approximate: .none) },
    unaryCase("clamped", gap: 0.1) { $0.clamped(to: -1...1.5) },
    binaryCase("where") { a, b in Tensor.where(a.stopGradient() .> 0, a * 2, b.exp()) },
    GradCase("cast float32", step: 1e-2, rtol: 1e-3, atol: 1e-4, { rng in [rng.tensor(randomShape(&rng))] }) {
        ($0[0].cast(to: .float32) * 3).cast(to: .float64)
    },
    // Reductions.
    reductionCase("sum") { $0.sum(axes: $1, keepDims: $2) },
    reductionCase("mean") { $0.mean(axes: $1, keepDims: $2) },
    reductionCase("prod") { $0.prod(axes: $1, keepDims: $2) },
    reductionCase("max") { $0.max(axes: $1, keepDims: $2) },
    reductionCase("min") { $0.min(axes: $1, keepDims: $2) },
    reductionCase("logSumExp") { $0.logSumExp(axes: $1, keepDims: $2) },
    reductionCase("variance") { $0.variance(axes: $1, keepDims: $2) },
    reductionCase("standardDeviation") { $0.standardDeviation(axes: $1, keepDims: $2, correction: 0) },
    axisCase("softmax") { $0.softmax(axis: $1) },
    axisCase("logSoftmax") { $0.logSoftmax(axis: $1) },
    axisCase("cumsum") { $0.cumsum(axis: $1) },
    GradCase("softmax float32 fused", step: 1e-3, rtol: 2e-3, atol: 1e-4, { rng in [rng.tensor([3, 5])] }) {
        $0[0].cast(to: .float32).softmax().cast(to: .float64)
    },
    // Views and data movement.
    unaryCase("reshape") { $0.reshaped([-1]) },
    axisCase("transpose") { x, _ in x.rank >= 2 ? x.transposed() : x.expandingDims(at: 0).transposed() },
    GradCase("permute", { rng in [rng.tensor([2, 3, 4])] }) { $0[0].permuted([2, 0, 1]).contiguous() * 1 },
    GradCase("broadcast", { rng in [rng.tensor([3, 1])] }) { $0[0].broadcast(to: [2, 3, 4]) },
    GradCase("slice", { rng in [rng.tensor([5, 4])] }) { $0[0].sliced(axis: 0, 1, 4) },
    GradCase("strided slice", { rng in [rng.tensor([7, 3])] }) { $0[0].sliced(axis: 0, 1, 7, step: 2) },
    GradCase("squeeze/expand", { rng in [rng.tensor([3, 1, 2])] }) { $0[0].squeezed().expandingDims(at: 0) },
    GradCase("flip", { rng in [rng.tensor([3, 4])] }) { $0[0].flipped(axes: [1]) },
    GradCase("subscript", { rng in [rng.tensor([4, 5])] }) { $0[0][1, 1..<4] },
    GradCase("subscript steps", { rng in [rng.tensor([3, 7, 2])] }) {
        $0[0][indices: [.newAxis, .at(-1), .range(nil, nil, step: -2), .ellipsis]]
    },
    GradCase("padded", { rng in [rng.tensor([2, 3])] }) { $0[0].padded([(1, 0), (2, 1)]) },
    GradCase("concatenate", { rng in [rng.tensor([2, 3]), rng.tensor([1, 3])] }) { Tensor.concatenate($0, axis: 0) },
    GradCase("stack", { rng in [rng.tensor([2, 3]), rng.tensor([2, 3])] }) { Tensor.stack($0, axis: 1) },
    GradCase("split", { rng in [rng.tensor([5, 2])] }) { x in
        let parts = x[0].split(sizes: [2, 3])
        return parts[0].sum() * parts[1].square().sum()
    },
    GradCase("tril", { rng in [rng.tensor([3, 4])] }) { $0[0].tril() },
    GradCase("rolled", { rng in [rng.tensor([5])] }) { $0[0].rolled(shift: 2) },
    GradCase("tiled", { rng in [rng.tensor([2, 3])] }) { $0[0].tiled([2, 1]) },
    GradCase("take", { rng in [rng.tensor([3, 2])] }) { $0[0].take(indices, axis: 0) },
    GradCase("shuffled", { rng in [rng.tensor([4, 3])] }) { $0[0].shuffled(PRNGKey(seed: 3), axis: 1) * Tensor([1, 2, 3] as [Double]) },
    GradCase("take(along:)", { rng in [rng.tensor([3, 4])] }) {
        $0[0].take(along: Tensor([[0, 2], [1, 1], [3, 0]] as [[Int32]]), axis: 1)
    },
    GradCase("scatterAdding", { rng in [rng.tensor([3, 2]), rng.tensor([4, 2])] }) {
        $0[0].scatterAdding($0[1], at: indices, axis: 0)
    },
    GradCase("scatterAdding(along:)", { rng in [rng.tensor([3, 4]), rng.tensor([3, 2])] }) {
        $0[0].scatterAdding($0[1], along: Tensor([[0, 0], [1, 3], [2, 2]] as [[Int32]]), axis: 1)
    },
    // Matrix products.
    GradCase("matmul", { rng in [rng.tensor([3, 4]), rng.tensor([4, 2])] }) { $0[0].matmul($0[1]) },
    GradCase("matmul batch broadcast", { rng in [rng.tensor([2, 1, 2, 3]), rng.tensor([3, 3, 2])] }) { $0[0].matmul($0[1]) },
    GradCase("matmul vector-matrix", { rng in [rng.tensor([3]), rng.tensor([2, 3, 2])] }) { $0[0].matmul($0[1]) },
    GradCase("matmul matrix-vector", { rng in [rng.tensor([2, 3]), rng.tensor([3])] }) { $0[0].matmul($0[1]) },
    GradCase("matmul dot", { rng in [rng.tensor([4]), rng.tensor([4])] }) { $0[0].matmul($0[1]) },
    // NN composites.
    GradCase("layerNorm", { rng in [rng.tensor([3, 5]), rng.tensor([5]), rng.tensor([5])] }) {
        $0[0].layerNorm(weight: $0[1], bias: $0[2])
    },
    GradCase("layerNorm axes", { rng in [rng.tensor([2, 3, 4])] }) { $0[0].layerNorm(axes: [0, 2]) },
    GradCase("rmsNorm", { rng in [rng.tensor([3, 4]), rng.tensor([4])] }) { $0[0].rmsNorm(weight: $0[1]) },
    GradCase("conv2d", { rng in [rng.tensor([2, 5, 4, 3]), rng.tensor([3, 2, 3, 2]), rng.tensor([2])] }) {
        $0[0].conv2d($0[1], bias: $0[2], stride: 2, padding: .same)
    },
    GradCase("conv2d dilated grouped", { rng in [rng.tensor([1, 5, 5, 4]), rng.tensor([2, 2, 2, 4])] }) {
        $0[0].conv2d($0[1], stride: [1], padding: .valid, dilation: [2], groups: 2)
    },
    GradCase("conv1d", { rng in [rng.tensor([2, 6, 2]), rng.tensor([3, 2, 3])] }) {
        $0[0].conv1d($0[1], padding: .explicit([(1, 2)]))
    },
    GradCase("maxPool2d", { rng in [rng.tensor([1, 4, 5, 2])] }) { $0[0].maxPool2d(window: 2, stride: 2, padding: .same) },
    GradCase("avgPool2d", { rng in [rng.tensor([2, 4, 4, 1])] }) {
        $0[0].avgPool2d(window: 3, stride: 1, padding: .same, countIncludePad: false)
    },
    GradCase("maxPool1d", { rng in [rng.tensor([2, 5, 2])] }) { $0[0].maxPool1d(window: 2) },
    GradCase("avgPool1d", { rng in [rng.tensor([1, 6, 2])] }) { $0[0].avgPool1d(window: 3, stride: 2) },
    GradCase("einops rearrange", { rng in [rng.tensor([2, 3, 4])] }) { try! $0[0].rearrange("b h (w c) -> b (w h) c", ["c": 2]) },
    GradCase("einops reduce", { rng in [rng.tensor([2, 3, 4])] }) {
        try! $0[0].reduce("b h w -> w b", .mean) + (try! $0[0].reduce("b h w -> w b", .max))
    },
    GradCase("einops repeat", { rng in [rng.tensor([2, 3])] }) { try! $0[0].repeat("h w -> (h 2) w c", ["c": 2]) },
] }

final class AutodiffConformanceTests: XCTestCase {
    /// Every primitive and differentiable composite: reverse mode against central differences in
    /// float64, at three random draws of shapes and values each.
    func testEveryRuleMatchesFiniteDifferences() throws {
        var rng = TestRNG(seed: 2024)
        let cases = autodiffConformanceCases()
        for c in cases {
            for draw in 0..<3 {
                let inputs = c.inputs(&rng)
                let outShape = c.f(inputs).shape
                let cotangent = rng.tensor(outShape)
                let reverse = try reverseModeGradients(c.f, inputs, cotangent: cotangent)
                let numeric = finiteDifferenceGradients(c.f, inputs, cotangent: cotangent, step: c.step)
                for (i, (r, n)) in zip(reverse, numeric).enumerated() {
                    XCTAssertEqual(r.shape, inputs[i].shape, "\(c.name): gradient shape")
                    XCTAssertEqual(r.dtype, inputs[i].dtype, "\(c.name): gradient dtype")
                    assertClose(r, n, rtol: c.rtol, atol: c.atol, checkDType: false,
                                "\(c.name) draw \(draw) input \(i) \(shapeString(inputs[i].shape)): reverse mode vs numeric")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(cases.count, 75)
    }
}
