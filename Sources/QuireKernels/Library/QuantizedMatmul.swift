import QuireTensor

extension Kernels {
    /// int8 × int8 → int32 tiled matmul, then per-channel scales: `(A·B)[i, j] · rowScale[i] · columnScale[j]`
    /// as float32 (symmetric per-row activation and per-column weight quantization).
    public static func quantizedMatmulKernel(m: Int, k: Int, n: Int, blockM: Int = 32, blockN: Int = 64, blockK: Int = 128) -> KernelFunction {
        let bm = Swift.min(blockM, m), bn = Swift.min(blockN, n), bk = Swift.min(blockK, k)
        return cached("qmatmul/\(m)/\(k)/\(n)/\(bm)/\(bn)/\(bk)") {
            let ragged = m % bm != 0 || n % bn != 0 || k % bk != 0
            let inputs = [BlockSpec([bm, k], name: "a") { ids in [ids[0], 0] }, BlockSpec([k, bn], name: "b") { ids in [0, ids[1]] },
                          BlockSpec([bm], name: "rowScale") { ids in [ids[0]] }, BlockSpec([bn], name: "columnScale") { ids in [ids[1]] }]
            let out = OutputSpec(shape: [m, n], block: BlockSpec([bm, bn], name: "c") { ids in [ids[0], ids[1]] })
            return pallasCall(name: "quantizedMatmul", grid: [blocks(m, bm), blocks(n, bn)], inputs: inputs, outputs: [out]) { kr in
                let acc = kr.forLoop(0..<blocks(k, bk), carrying: [kr.full([bm, bn], 0, dtype: .int32)]) { step, c in
                    let x = read(kr.inputs[0], [.all, ds(step * Double(bk), bk)], ragged: ragged)
                    let y = read(kr.inputs[1], [ds(step * Double(bk), bk), .all], ragged: ragged)
                    return [c[0] + x.dot(y)]
                }[0]
                let rows = read(kr.inputs[2], ragged: ragged).reshaped([bm, 1])
                let cols = read(kr.inputs[3], ragged: ragged).reshaped([1, bn])
                write(kr.outputs[0], acc.cast(to: .float32) * rows * cols, ragged: ragged)
            }
        }
    }

    /// `(a · b) · rowScales[:, None] · columnScales[None, :]` for int8 `a` [m, k], `b` [k, n] (int32
    /// accumulation, exact; AVX512-VNNI where the CPU has it). Without `blockM`/`blockN` the blocks are
    /// autotuned like ``matmul(_:_:blockM:blockN:blockK:backend:)``'s (int32 sums do not depend on them).
    ///
    /// ```swift
    /// let y = try Kernels.quantizedMatmul(qa, qb, rowScales: sa, columnScales: sb)   // float32 [m, n]
    /// ```
    public static func quantizedMatmul(_ a: Tensor, _ b: Tensor, rowScales: Tensor, columnScales: Tensor,
                                       blockM: Int? = nil, blockN: Int? = nil,
                                       backend: KernelBackend = .compiled) throws -> Tensor {
        guard a.rank == 2, b.rank == 2, a.shape[1] == b.shape[0], a.dtype == .int8, b.dtype == .int8,
              rowScales.shape == [a.shape[0]], columnScales.shape == [b.shape[1]],
              rowScales.dtype == .float32, columnScales.dtype == .float32 else {
            throw KernelError.badInput(kernel: "quantizedMatmul", message: "needs int8 a [m, k], b [k, n] and float32 scales [m], [n]; got \(a.dtype)\(a.shape), \(b.dtype)\(b.shape), \(rowScales.shape), \(columnScales.shape)")
        }
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        func run(_ bm: Int, _ bn: Int) throws -> Tensor {
            try quantizedMatmulKernel(m: m, k: k, n: n, blockM: bm, blockN: bn)([a, b, rowScales, columnScales], backend: backend)[0]
        }
        if blockM == nil && blockN == nil && backend == .compiled && KernelTuning.isEnabled {
            let chosen = try KernelTuning.choose("qmatmul/\(m)/\(k)/\(n)", candidates: matmulBlockCandidates) { _ = try run($0[0], $0[1]) }
            return try run(chosen[0], chosen[1])
        }
        return try run(blockM ?? 32, blockN ?? 64)
    }
}
