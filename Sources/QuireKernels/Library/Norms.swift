import QuireTensor

extension Kernels {
    /// Fused layer norm over the last axis of `[rows, d]`: one program per `blockRows` rows reads each
    /// row once, computes mean and variance, and writes `(x − μ)/√(σ² + ε)·γ + β`.
    public static func layerNormKernel(rows: Int, dim: Int, blockRows: Int = 8, eps: Double = 1e-5, rms: Bool = false) -> KernelFunction {
        let br = Swift.min(blockRows, rows)
        return cached("\(rms ? "rmsNorm" : "layerNorm")/\(rows)/\(dim)/\(br)/\(eps)") {
            let ragged = rows % br != 0
            let x = BlockSpec([br, dim], name: "x") { ids in [ids[0], 0] }
            let params = [BlockSpec.whole(name: "gamma")] + (rms ? [] : [BlockSpec.whole(name: "beta")])
            let out = OutputSpec(shape: [rows, dim], block: BlockSpec([br, dim], name: "y") { ids in [ids[0], 0] })
            return pallasCall(name: rms ? "rmsNorm" : "layerNorm", grid: [blocks(rows, br)], inputs: [x] + params, outputs: [out]) { k in
                let v = read(k.inputs[0], ragged: ragged)
                let gamma = k.inputs[1][...].reshaped([1, dim])
                let y: KernelValue
                if rms {
                    let meanSquare = (v * v).sum(axis: 1) / Double(dim)
                    y = v * (meanSquare + eps).rsqrt().reshaped([br, 1]) * gamma
                } else {
                    let mean = (v.sum(axis: 1) / Double(dim)).reshaped([br, 1])
                    let centered = v - mean
                    let variance = (centered * centered).sum(axis: 1) / Double(dim)
                    y = centered * (variance + eps).rsqrt().reshaped([br, 1]) * gamma + k.inputs[2][...].reshaped([1, dim])
                }
                write(k.outputs[0], y, ragged: ragged)
            }
        }
    }

    /// Layer norm of `x` ([rows, d], float32) with scale `gamma` and shift `beta` ([d]).
    ///
    /// ```swift
    /// let y = try Kernels.layerNorm(x, gamma: .ones([512]), beta: .zeros([512]))
    /// ```
    public static func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Double = 1e-5,
                                 backend: KernelBackend = .compiled) throws -> Tensor {
        try checkNormInputs("layerNorm", x, [gamma, beta])
        return try layerNormKernel(rows: x.shape[0], dim: x.shape[1], eps: eps)([x, gamma, beta], backend: backend)[0]
    }

    /// RMS norm of `x` ([rows, d], float32): `x / √(mean(x²) + ε) · γ`.
    public static func rmsNorm(_ x: Tensor, gamma: Tensor, eps: Double = 1e-6, backend: KernelBackend = .compiled) throws -> Tensor {
        try checkNormInputs("rmsNorm", x, [gamma])
        return try layerNormKernel(rows: x.shape[0], dim: x.shape[1], eps: eps, rms: true)([x, gamma], backend: backend)[0]
    }

    private static func checkNormInputs(_ name: String, _ x: Tensor, _ params: [Tensor]) throws {
        guard x.rank == 2, x.dtype == .float32, params.allSatisfy({ $0.shape == [x.shape[1]] && $0.dtype == .float32 }) else {
            throw KernelError.badInput(kernel: name, message: "needs float32 x [rows, d] and parameters [d], got x \(x.dtype)\(x.shape), parameters \(params.map { "\($0.dtype)\($0.shape)" })")
        }
    }
}
