import QuireTensor

extension Kernels {
    /// The tiled matmul kernel for `[m, k] · [k, n]`: program (i, j) owns a `blockM × blockN` tile of
    /// the result and walks k in steps of `blockK`, carrying the float32 accumulator through the loop.
    /// Ragged edges (sizes not divisible by the blocks) use bounds-masked loads and stores.
    public static func matmulKernel(m: Int, k: Int, n: Int, dtype: DType = .float32,
                                    blockM: Int = 64, blockN: Int = 128, blockK: Int = 128) -> KernelFunction {
        let bm = Swift.min(blockM, m), bn = Swift.min(blockN, n), bk = Swift.min(blockK, k)
        return cached("matmul/\(m)/\(k)/\(n)/\(dtype)/\(bm)/\(bn)/\(bk)") {
            let ragged = m % bm != 0 || n % bn != 0 || k % bk != 0
            let a = BlockSpec([bm, k], name: "a") { ids in [ids[0], 0] }
            let b = BlockSpec([k, bn], name: "b") { ids in [0, ids[1]] }
            let out = OutputSpec(shape: [m, n], dtype: .float32, block: BlockSpec([bm, bn], name: "c") { ids in [ids[0], ids[1]] })
            return pallasCall(name: "matmul", grid: [blocks(m, bm), blocks(n, bn)], inputs: [a, b], outputs: [out]) { kr in
                let (ar, br) = (kr.inputs[0], kr.inputs[1])
                let acc = kr.forLoop(0..<blocks(k, bk), carrying: [kr.full([bm, bn], 0)]) { step, carried in
                    let kStart = step * Double(bk)
                    let aSlice = [DSlice.all, ds(kStart, bk)], bSlice = [ds(kStart, bk), DSlice.all]
                    let x = ragged ? ar.loadInBounds(aSlice) : ar.load(aSlice)
                    let y = ragged ? br.loadInBounds(bSlice) : br.load(bSlice)
                    return [carried[0] + x.dot(y)]
                }[0]
                if ragged { kr.outputs[0].storeInBounds(acc) } else { kr.outputs[0][...] = acc }
            }
        }
    }

    /// `a · b` by the tiled matmul kernel (float32 result; float16/bfloat16 inputs accumulate in float32).
    /// Without `blockM`/`blockN` the blocks are autotuned when ``KernelTuning/isEnabled`` (release
    /// builds), else 64 × 128; `blockK` fixes the order each output is summed in, so it is never tuned.
    /// Its default, 512, is long enough that each program reads A's rows in 2 KB runs and passes its
    /// accumulator through the cache a few times only (n = 2048: 0.93× OpenBLAS at 128, 0.97× at 512).
    public static func matmul(_ a: Tensor, _ b: Tensor, blockM: Int? = nil, blockN: Int? = nil, blockK: Int = 512,
                              backend: KernelBackend = .compiled) throws -> Tensor {
        guard a.rank == 2, b.rank == 2, a.shape[1] == b.shape[0], a.dtype == b.dtype else {
            throw KernelError.badInput(kernel: "matmul", message: "needs [m, k] and [k, n] matrices of one dtype, got \(a.dtype)\(a.shape) and \(b.dtype)\(b.shape)")
        }
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        func run(_ bm: Int, _ bn: Int) throws -> Tensor {
            try matmulKernel(m: m, k: k, n: n, dtype: a.dtype, blockM: bm, blockN: bn, blockK: blockK)([a, b], backend: backend)[0]
        }
        if blockM == nil && blockN == nil && backend == .compiled && KernelTuning.isEnabled {
            let chosen = try KernelTuning.choose("matmul/\(m)/\(k)/\(n)/\(a.dtype)/\(blockK)", candidates: matmulBlockCandidates) {
                _ = try run($0[0], $0[1])
            }
            return try run(chosen[0], chosen[1])
        }
        return try run(blockM ?? 64, blockN ?? 128)
    }

    /// The [blockM, blockN] shapes the autotuner tries (multiples of the AVX-512 and AVX2 tiles' widths).
    /// Large tiles win on big matrices: each program streams a [k, blockN] panel of B through the cache
    /// for blockM × blockN outputs, so the traffic per multiply-add falls as 1 / blockM.
    static let matmulBlockCandidates: [[Int]] = [[128, 128], [128, 256], [256, 128], [256, 256], [256, 512], [512, 256], [512, 512]]
}
