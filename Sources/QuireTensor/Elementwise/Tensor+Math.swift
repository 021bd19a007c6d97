// Unary math functions. Floats keep their dtype (float16/bfloat16 are computed in float32 and rounded
// back); integers are promoted to float32 by the transcendental functions.

/// Which form of GELU to compute.
public enum GeluApproximation: Sendable {
    /// `0.5 x (1 + erf(x / √2))`, the exact form.
    case none
    /// `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`, the form used by GPT-2 and Flax's default.
    case tanh
}

extension Tensor {
    /// |x|
    public func abs() -> Tensor { unary(AbsKernel.self) }
    /// -1, 0 or 1 (NaN stays NaN).
    public func sign() -> Tensor { unary(SignKernel.self) }
    /// x²
    public func square() -> Tensor { unary(SquareKernel.self) }
    /// eˣ
    public func exp() -> Tensor { unary(ExpKernel.self) }
    /// ln x
    public func log() -> Tensor { unary(LogKernel.self) }
    /// ln(1 + x), accurate near 0.
    public func log1p() -> Tensor { unary(Log1pKernel.self) }
    /// eˣ − 1, accurate near 0.
    public func expm1() -> Tensor { unary(Expm1Kernel.self) }
    /// √x
    public func sqrt() -> Tensor { unary(SqrtKernel.self) }
    /// 1 / √x
    public func rsqrt() -> Tensor { unary(RsqrtKernel.self) }
    /// sin x
    public func sin() -> Tensor { unary(SinKernel.self) }
    /// cos x
    public func cos() -> Tensor { unary(CosKernel.self) }
    /// tanh x
    public func tanh() -> Tensor { unary(TanhKernel.self) }
    /// 1 / (1 + e⁻ˣ)
    public func sigmoid() -> Tensor { unary(SigmoidKernel.self) }
    /// max(x, 0)
    public func relu() -> Tensor { unary(ReluKernel.self) }
    /// x · sigmoid(x), also called swish.
    public func silu() -> Tensor { unary(SiluKernel.self) }
    /// ln(1 + eˣ), computed without overflow.
    public func softplus() -> Tensor { unary(SoftplusKernel.self) }

    /// Gaussian error linear unit.
    ///
    /// ```swift
    /// x.gelu()                    // tanh form (Flax's default)
    /// x.gelu(approximate: .none)  // erf form (PyTorch's default)
    /// ```
    public func gelu(approximate: GeluApproximation = .tanh) -> Tensor {
        guard approximate == .tanh else { return unary(GeluErfKernel.self) }
        // float32, not recorded: the C loop (CQuireFused/rows.c), 16 lanes wide, the same bits.
        if dtype == .float32 && traceTag == 0 { return geluTanhFloat32(self) }
        return unary(GeluTanhKernel.self)
    }
}
