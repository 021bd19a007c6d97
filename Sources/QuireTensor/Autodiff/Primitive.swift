// The primitives a trace is made of. Every differentiable tensor operation either records one of
// these or decomposes into them while tracing; each primitive has exactly one VJP rule
// (`Primitive.vjpRule` in VJPRules.swift, which also declares what the rule saves).

/// A recorded operation with its static attributes (axes, shapes, …).
///
/// Composites decompose while tracing: `variance`, `layerNorm`, `rmsNorm`, `conv1d`/`conv2d`, pooling,
/// einops `rearrange`/`reduce`, `clamped`, `stack`, `split`, subscripts are recorded as the primitives below.
/// softmax, logSoftmax and logSumExp are primitives of their own so that tracing keeps their fused kernels.
public enum Primitive: Sendable, CustomStringConvertible {
    /// An argument of a differentiated function (a leaf).
    case input
    /// A copy (`copied()`, `contiguous()` of a strided view) or a connection to an enclosing trace.
    case identity
    // Elementwise binary (broadcasting is undone by the backward pass, not by the rules).
    case add, subtract, multiply, divide, pow, maximum, minimum
    // Elementwise unary.
    case negate, abs, square, exp, log, log1p, expm1, sqrt, rsqrt, sin, cos, tanh, sigmoid, relu, silu, softplus
    case gelu(GeluApproximation)
    /// `Tensor.where(condition, a, b)`; inputs are (condition, a, b).
    case select
    /// A float-to-float dtype conversion.
    case cast(DType)
    // Reductions over normalized axes.
    case sum(axes: [Int], keepDims: Bool)
    case mean(axes: [Int], keepDims: Bool)
    case prod(axes: [Int], keepDims: Bool)
    case max(axes: [Int], keepDims: Bool)
    case min(axes: [Int], keepDims: Bool)
    case logSumExp(axes: [Int], keepDims: Bool)
    case softmax(axis: Int)
    case logSoftmax(axis: Int)
    case cumsum(axis: Int)
    // Views and data movement.
    case reshape([Int])
    case permute([Int])
    case broadcast([Int])
    case slice(axis: Int, start: Int, end: Int, step: Int)
    case flip(axes: [Int])
    /// Constant padding: widths per axis and the fill value.
    case pad([[Int]], value: Double)
    case concatenate(axis: Int, sizes: [Int])
    /// `take(indices, axis:)`; inputs are (x, indices).
    case take(axis: Int)
    /// `take(along: indices, axis:)`; inputs are (x, indices).
    case takeAlong(axis: Int)
    /// `scatterAdding(values, at: indices, axis:)`; inputs are (base, values, indices).
    case scatterAdd(axis: Int)
    /// `scatterAdding(values, along: indices, axis:)`; inputs are (base, values, indices).
    case scatterAddAlong(axis: Int)
    /// Matrix product with NumPy `matmul` semantics (batch broadcasting, 1-D operands).
    case matmul
    /// A function with a user-supplied backward (``customVJP(_:forward:backward:)``).
    case custom(CustomRule)
    /// A region recomputed in the backward pass (``checkpoint(_:)``).
    case checkpoint(CheckpointRule)
    // Not differentiable (no cotangent flows through them); recorded only by a `jit` trace, so that a
    // replayed program recomputes masks and indices from its inputs instead of baking them in.
    /// A comparison or logical op with a bool result, named as in ``Tensor/compare``: `equal`, `less`, …
    case compare(String)
    case isFinite, sign
    /// `stopGradient()`: the value passes, no cotangent does.
    case stopGradient
    /// ReLU's gradient `where(x > 0, g, 0)` in one pass, inputs (x, g): never recorded, only emitted by
    /// jit's peephole pass in place of the recorded comparison and select.
    case reluGradient
    /// `argmax`/`argmin` along one normalized axis (int32 result).
    case argExtremum(axis: Int, keepDims: Bool, isMax: Bool)

    /// What a rule reads besides the cotangent. Each rule in `VJPRules.swift` declares its residuals
    /// by the ``VJPRule`` constructor it is written with, so the trace keeps exactly what the rule reads.
    struct Residuals: OptionSet {
        let rawValue: UInt8
        static let inputs = Residuals(rawValue: 1)
        static let output = Residuals(rawValue: 2)
    }

    /// The residuals kept for this primitive's VJP (the fewer, the less memory the forward pass holds).
    var residuals: Residuals { vjpRule.saves }

    /// The name and static attributes, e.g. `sum(axes: [1], keepDims: false)`.
    public var description: String {
        switch self {
        case .input: return "input"
        case .identity: return "identity"
        case .add: return "add"
        case .subtract: return "subtract"
        case .multiply: return "multiply"
        case .divide: return "divide"
        case .pow: return "pow"
        case .maximum: return "maximum"
        case .minimum: return "minimum"
        case .negate: return "negate"
        case .abs: return "abs"
        case .square: return "square"
        case .exp: return "exp"
        case .log: return "log"
        case .log1p: return "log1p"
        case .expm1: return "expm1"
        case .sqrt: return "sqrt"
        case .rsqrt: return "rsqrt"
        case .sin: return "sin"
        case .cos: return "cos"
        case .tanh: return "tanh"
        case .sigmoid: return "sigmoid"
        case .relu: return "relu"
        case .silu: return "silu"
        case .softplus: return "softplus"
        case .gelu(let a): return "gelu(\(a == .tanh ? "tanh" : "erf"))"
        case .select: return "select"
        case .cast(let d): return "cast(\(d))"
        case .sum(let a, let k): return "sum(axes: \(a), keepDims: \(k))"
        case .mean(let a, let k): return "mean(axes: \(a), keepDims: \(k))"
        case .prod(let a, let k): return "prod(axes: \(a), keepDims: \(k))"
        case .max(let a, let k): return "max(axes: \(a), keepDims: \(k))"
        case .min(let a, let k): return "min(axes: \(a), keepDims: \(k))"
        case .logSumExp(let a, let k): return "logSumExp(axes: \(a), keepDims: \(k))"
        case .softmax(let a): return "softmax(axis: \(a))"
        case .logSoftmax(let a): return "logSoftmax(axis: \(a))"
        case .cumsum(let a): return "cumsum(axis: \(a))"
        case .reshape(let s): return "reshape(\(s))"
        case .permute(let p): return "permute(\(p))"
        case .broadcast(let s): return "broadcast(\(s))"
        case .slice(let a, let s, let e, let st): return "slice(axis: \(a), \(s)..<\(e), step: \(st))"
        case .flip(let a): return "flip(axes: \(a))"
        case .pad(let w, let v): return "pad(\(w), value: \(v))"
        case .concatenate(let a, let s): return "concatenate(axis: \(a), sizes: \(s))"
        case .take(let a): return "take(axis: \(a))"
        case .takeAlong(let a): return "takeAlong(axis: \(a))"
        case .scatterAdd(let a): return "scatterAdd(axis: \(a))"
        case .scatterAddAlong(let a): return "scatterAddAlong(axis: \(a))"
        case .matmul: return "matmul"
        case .custom(let r): return "custom(\(r.name))"
        case .checkpoint: return "checkpoint"
        case .compare(let op): return op
        case .isFinite: return "isFinite"
        case .sign: return "sign"
        case .stopGradient: return "stopGradient"
        case .reluGradient: return "reluGradient"
        case .argExtremum(let a, let k, let isMax): return "\(isMax ? "argmax" : "argmin")(axis: \(a), keepDims: \(k))"
        }
    }
}

/// The backward of a ``customVJP(_:forward:backward:)`` function, stored in its trace node.
public struct CustomRule: Sendable {
    let name: String
    /// The user's forward, re-run (recorded) when the backward pass is itself differentiated.
    let forward: @Sendable ([Tensor]) -> (Tensor, [Tensor])
    /// Residuals produced by the forward, in the order the user returned them.
    let residuals: [Tensor]
    /// Maps (residuals, output cotangent) to one cotangent per input.
    let backward: @Sendable ([Tensor], Tensor) -> [Tensor]
}

/// A region to recompute in the backward pass (``checkpoint(_:)``).
public struct CheckpointRule: Sendable {
    let body: @Sendable ([Tensor]) -> Tensor
}
