// The forward table: each primitive applied to concrete (untraced) inputs, beside the VJP table.
// Every case calls the kernel the eager op's entry point calls, so a replayed program computes
// bit-identical results to the eager run that recorded it.

extension Primitive {
    /// The result of this primitive on `x` (the node's inputs, in recorded order, none traced).
    ///
    /// ```swift
    /// try Primitive.add.apply([a, b])   // == a + b
    /// ```
    func apply(_ x: [Tensor]) throws -> Tensor {
        switch self {
        case .input: preconditionFailure("jit: an input node has no forward rule")
        case .identity, .stopGradient: return x[0]
        case .add, .subtract, .multiply, .divide, .pow, .maximum, .minimum, .reluGradient,
             .negate, .abs, .square, .exp, .log, .log1p, .expm1, .sqrt, .rsqrt, .sin, .cos, .tanh,
             .sigmoid, .relu, .silu, .softplus, .gelu, .sign:
            return withElementwiseKernel(TensorApplication(x: x, op: opName))!
        case .select: return Tensor.where(x[0], x[1], x[2])
        case .cast(let d): return x[0].cast(to: d)
        case .sum(let a, let k): return x[0].sum(axes: a, keepDims: k)
        case .mean(let a, let k): return x[0].mean(axes: a, keepDims: k)
        case .prod(let a, let k): return x[0].prod(axes: a, keepDims: k)
        case .max(let a, let k): return x[0].max(axes: a, keepDims: k)
        case .min(let a, let k): return x[0].min(axes: a, keepDims: k)
        case .logSumExp(let a, let k): return x[0].logSumExp(axes: a, keepDims: k)
        case .softmax(let a): return x[0].softmax(axis: a)
        case .logSoftmax(let a): return x[0].logSoftmax(axis: a)
        case .cumsum(let a): return x[0].cumsum(axis: a)
        case .reshape(let s): return x[0].reshaped(s)
        case .permute(let p): return x[0].permuted(p)
        case .broadcast(let s): return x[0].broadcast(to: s)
        case .slice(let a, let s, let e, let st): return x[0].sliced(axis: a, s, e, step: st)
        case .flip(let a): return x[0].flipped(axes: a)
        case .pad(let w, let v): return x[0].padded(w.map { ($0[0], $0[1]) }, mode: .constant(v))
        case .concatenate(let a, _): return try Tensor.checkedConcatenate(x, axis: a)
        case .take(let a): return x[0].take(x[1], axis: a)
        case .takeAlong(let a): return x[0].take(along: x[1], axis: a)
        case .scatterAdd(let a): return x[0].scatterAdding(x[1], at: x[2], axis: a)
        case .scatterAddAlong(let a): return x[0].scatterAdding(x[1], along: x[2], axis: a)
        case .matmul: return x[0].matmul(x[1])
        case .custom(let rule): return rule.forward(x).0
        case .checkpoint(let rule): return rule.body(x)
        case .compare(let op): return try Primitive.applyCompare(op, x[0], x[1])
        case .isFinite: return x[0].isFinite()
        case .argExtremum(let a, let k, let isMax):
            return isMax ? x[0].argmax(axis: a, keepDims: k) : x[0].argmin(axis: a, keepDims: k)
        }
    }

    /// The name eager binary ops report in their shape errors.
    private var opName: String {
        switch self {
        case .reluGradient: return "relu gradient"
        default: return "\(self)"
        }
    }

    /// Calls `visitor` with the kernel type the eager op runs for this primitive (one table for the
    /// replay here and jit's elementwise chains), or returns nil for a primitive that is not a plain
    /// unary or binary elementwise kernel.
    func withElementwiseKernel<V: ElementwiseKernelVisitor>(_ visitor: V) -> V.Result? {
        switch self {
        case .add: return visitor.binary(AddKernel.self)
        case .subtract: return visitor.binary(SubKernel.self)
        case .multiply: return visitor.binary(MulKernel.self)
        case .divide: return visitor.binary(DivKernel.self)
        case .pow: return visitor.binary(PowKernel.self)
        case .maximum: return visitor.binary(MaximumKernel.self)
        case .minimum: return visitor.binary(MinimumKernel.self)
        case .reluGradient: return visitor.binary(ReluGradientKernel.self)
        case .negate: return visitor.unary(NegKernel.self)
        case .abs: return visitor.unary(AbsKernel.self)
        case .square: return visitor.unary(SquareKernel.self)
        case .exp: return visitor.unary(ExpKernel.self)
        case .log: return visitor.unary(LogKernel.self)
        case .log1p: return visitor.unary(Log1pKernel.self)
        case .expm1: return visitor.unary(Expm1Kernel.self)
        case .sqrt: return visitor.unary(SqrtKernel.self)
        case .rsqrt: return visitor.unary(RsqrtKernel.self)
        case .sin: return visitor.unary(SinKernel.self)
        case .cos: return visitor.unary(CosKernel.self)
        case .tanh: return visitor.unary(TanhKernel.self)
        case .sigmoid: return visitor.unary(SigmoidKernel.self)
        case .relu: return visitor.unary(ReluKernel.self)
        case .silu: return visitor.unary(SiluKernel.self)
        case .softplus: return visitor.unary(SoftplusKernel.self)
        case .gelu(.tanh): return visitor.unary(GeluTanhKernel.self)
        case .gelu(.none): return visitor.unary(GeluErfKernel.self)
        case .sign: return visitor.unary(SignKernel.self)
        default: return nil
        }
    }

    private static func applyCompare(_ op: String, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        switch op {
        case "equal": return Tensor.compare(EqualKernel.self, a, b, op: op)
        case "notEqual": return Tensor.compare(NotEqualKernel.self, a, b, op: op)
        case "less": return Tensor.compare(LessKernel.self, a, b, op: op)
        case "lessEqual": return Tensor.compare(LessEqualKernel.self, a, b, op: op)
        case "greater": return Tensor.compare(GreaterKernel.self, a, b, op: op)
        case "greaterEqual": return Tensor.compare(GreaterEqualKernel.self, a, b, op: op)
        case "logicalAnd": return Tensor.compare(AndKernel.self, a, b, op: op)
        case "logicalOr": return Tensor.compare(OrKernel.self, a, b, op: op)
        default: throw JitError("jit: no replay rule for the comparison '\(op)'")
        }
    }
}

/// What to do with an elementwise primitive's kernel type (``Primitive/withElementwiseKernel(_:)``).
protocol ElementwiseKernelVisitor {
    associatedtype Result
    func unary<K: UnaryKernel>(_: K.Type) -> Result
    func binary<K: BinaryKernel>(_: K.Type) -> Result
}

/// The eager op on tensors: what a replayed instruction computes.
private struct TensorApplication: ElementwiseKernelVisitor {
    let x: [Tensor]
    let op: String
    func unary<K: UnaryKernel>(_: K.Type) -> Tensor { x[0].unary(K.self) }
    func binary<K: BinaryKernel>(_: K.Type) -> Tensor { Tensor.binary(K.self, x[0], x[1], op: op) }
}
