import QuireTensor

/// A block-sparse matrix in BSR form: `blocks` [nnz, b, b] stored row-block by row-block, the column
/// block of each in `columns` [nnz], and row-block r's blocks at `rowStarts[r]..<rowStarts[r + 1]`.
///
/// ```swift
/// let a = try BlockSparseMatrix(dense: d, blockSize: 16)    // keeps blocks with any non-zero
/// let y = try Kernels.blockSparseMatmul(a, b)
/// ```
public struct BlockSparseMatrix {
    public var shape: [Int]
    public var blockSize: Int
    public var blocks: Tensor
    public var columns: Tensor
    public var rowStarts: Tensor

    /// Packs the blocks of a dense float32 matrix that hold any non-zero.
    public init(dense: Tensor, blockSize b: Int) throws {
        guard b > 0, dense.rank == 2, dense.shape[0] % b == 0, dense.shape[1] % b == 0 else {
            throw KernelError.badInput(kernel: "BlockSparseMatrix", message: "dense matrix \(dense.shape) must be 2-D with both sides multiples of the block size \(b)")
        }
        let (m, n) = (dense.shape[0], dense.shape[1])
        let v = dense.scalars(as: Float.self)
        var data: [Float] = [], cols: [Int32] = [], starts: [Int32] = [0]
        for r in 0..<(m / b) {
            for c in 0..<(n / b) {
                var block: [Float] = []
                for i in 0..<b { for j in 0..<b { block.append(v[(r * b + i) * n + c * b + j]) } }
                if block.contains(where: { $0 != 0 }) {
                    data += block
                    cols.append(Int32(c))
                }
            }
            starts.append(Int32(cols.count))
        }
        shape = [m, n]
        blockSize = b
        blocks = Tensor(data.isEmpty ? [Float](repeating: 0, count: b * b) : data, shape: [Swift.max(1, cols.count), b, b])
        columns = Tensor(cols.isEmpty ? [0] : cols)
        rowStarts = Tensor(starts)
    }
}

extension Kernels {
    /// Program (r, j) multiplies row block r of the sparse matrix by column block j of `b`, looping
    /// over only the stored blocks of that row (dynamic bounds read from `rowStarts`).
    public static func blockSparseMatmulKernel(m: Int, k: Int, n: Int, blockSize bs: Int, nnz: Int, blockN: Int = 64) -> KernelFunction {
        let bn = Swift.min(blockN, n)
        return cached("bsr/\(m)/\(k)/\(n)/\(bs)/\(nnz)/\(bn)") {
            let ragged = n % bn != 0
            let inputs = [BlockSpec.whole(name: "blocks"), BlockSpec.whole(name: "columns"), BlockSpec.whole(name: "rowStarts"),
                          BlockSpec([k, bn], name: "b") { ids in [0, ids[1]] }]
            let out = OutputSpec(shape: [m, n], block: BlockSpec([bs, bn], name: "c") { ids in [ids[0], ids[1]] })
            return pallasCall(name: "blockSparseMatmul", grid: [m / bs, blocks(n, bn)], inputs: inputs, outputs: [out]) { kr in
                let row = kr.programID(0)
                let start = kr.inputs[2][ds(row, 1)].reshaped([]), end = kr.inputs[2][ds(row + 1, 1)].reshaped([])
                let acc = kr.forLoop(start, end, carrying: [kr.full([bs, bn], 0)]) { p, c in
                    let column = kr.inputs[1][ds(p, 1)].reshaped([])
                    let a = kr.inputs[0].load([ds(p, 1), .all, .all]).reshaped([bs, bs])
                    let b = read(kr.inputs[3], [ds(column * Double(bs), bs), .all], ragged: ragged)
                    return [c[0] + a.dot(b)]
                }[0]
                write(kr.outputs[0], acc, ragged: ragged)
            }
        }
    }

    /// `a · b` for a block-sparse `a` and a dense float32 `b`.
    public static func blockSparseMatmul(_ a: BlockSparseMatrix, _ b: Tensor, backend: KernelBackend = .compiled) throws -> Tensor {
        guard b.rank == 2, b.shape[0] == a.shape[1], b.dtype == .float32 else {
            throw KernelError.badInput(kernel: "blockSparseMatmul", message: "b must be float32 [\(a.shape[1]), n], got \(b.dtype)\(b.shape)")
        }
        let f = blockSparseMatmulKernel(m: a.shape[0], k: a.shape[1], n: b.shape[1], blockSize: a.blockSize, nnz: a.blocks.shape[0])
        return try f([a.blocks, a.columns, a.rowStarts, b], backend: backend)[0]
    }
}
