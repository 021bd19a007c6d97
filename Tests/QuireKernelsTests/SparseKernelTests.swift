import QuireTestSupport
import XCTest
import QuireTensor
@testable import QuireKernels

final class SparseKernelTests: XCTestCase {
    func testTopKRouterAndGroupedMatmulMatchAPlainMixtureOfExperts() throws {
        let (t, d, e, h, topK) = (21, 16, 4, 8, 2)
        let x = randomTensor([t, d], seed: 1), logits = randomTensor([t, e], seed: 2) * 3
        let w = randomTensor([e, d, h], seed: 3)
        // Plain reference: per token, the two best experts, softmax over their logits, weighted sum.
        let lv = logits.scalars(as: Float.self)
        var expected = Tensor.zeros([t, h]).scalars(as: Float.self)
        var expectedExperts: [Int32] = []
        for tok in 0..<t {
            let row = Array(lv[(tok * e)..<((tok + 1) * e)])
            let best = row.indices.sorted { row[$0] != row[$1] ? row[$0] > row[$1] : $0 < $1 }.prefix(topK)
            let z = best.map { Foundation.exp(row[$0] - row[best.first!]) }
            let total = z.reduce(0, +)
            for (rank, ex) in best.enumerated() {
                expectedExperts.append(Int32(ex))
                let y = x.sliced(axis: 0, tok, tok + 1).matmul(w.sliced(axis: 0, ex, ex + 1).reshaped([d, h])).scalars(as: Float.self)
                for j in 0..<h { expected[tok * h + j] += z[rank] / total * y[j] }
            }
        }
        let reference = Tensor(expected, shape: [t, h])
        for backend in KernelBackend.allCases {
            let (y, experts) = try Kernels.mixtureOfExperts(x, routerLogits: logits, expertWeights: w, k: topK, blockRows: 4, backend: backend)
            XCTAssertEqual(experts.scalars(as: Int32.self), expectedExperts, "\(backend)")
            assertClose(y, reference, rtol: 1e-5, atol: 1e-5, checkDType: false, "\(backend)")
        }
        // The router kernel alone, both backends against each other (ragged token block).
        let router = Kernels.topKRouterKernel(tokens: t, experts: e, k: topK, blockTokens: 8)
        let ri = try router([logits], backend: .interpreter), rc = try router([logits], backend: .compiled)
        XCTAssertEqual(ri[0].scalars(as: Int32.self), rc[0].scalars(as: Int32.self))
        assertClose(rc[1], ri[1], rtol: 1e-6, atol: 1e-6, checkDType: false)
    }

    func testBlockSparseMatmulMatchesDenseMatmul() throws {
        let (m, k, n, bs) = (32, 48, 40, 8)
        // Keep about a third of the blocks.
        var dense = randomTensor([m, k], seed: 4).scalars(as: Float.self)
        for r in 0..<(m / bs) { for c in 0..<(k / bs) where (r * 7 + c * 3) % 3 != 0 {
            for i in 0..<bs { for j in 0..<bs { dense[(r * bs + i) * k + c * bs + j] = 0 } }
        } }
        let a = Tensor(dense, shape: [m, k]), b = randomTensor([k, n], seed: 5)
        let sparse = try BlockSparseMatrix(dense: a, blockSize: bs)
        XCTAssertThrowsError(try BlockSparseMatrix(dense: a, blockSize: 7))
        XCTAssertLessThan(sparse.blocks.shape[0], (m / bs) * (k / bs))
        let f = Kernels.blockSparseMatmulKernel(m: m, k: k, n: n, blockSize: bs, nnz: sparse.blocks.shape[0], blockN: 16)
        try assertBackendsAgree(f, [sparse.blocks, sparse.columns, sparse.rowStarts, b], reference: [a.matmul(b)], tolerance: 1e-5)
    }

    func testLSHBucketsAndSortMatchPlainOps() throws {
        let (n, d, buckets) = (45, 16, 8)
        let x = randomTensor([n, d], seed: 6), r = randomTensor([d, buckets / 2], seed: 7)
        let projected = x.matmul(r).scalars(as: Float.self)
        var expected: [Int32] = []
        for i in 0..<n {
            let row = Array(projected[(i * buckets / 2)..<((i + 1) * buckets / 2)])
            let both = row + row.map { -$0 }
            expected.append(Int32(both.indices.max { both[$0] < both[$1] || (both[$0] == both[$1] && $0 > $1) }!))
        }
        let order = expected.indices.sorted { expected[$0] != expected[$1] ? expected[$0] < expected[$1] : $0 < $1 }.map(Int32.init)
        for backend in KernelBackend.allCases {
            let (b, o) = try Kernels.lshSort(x, rotation: r, backend: backend)
            XCTAssertEqual(b.scalars(as: Int32.self), expected, "\(backend)")
            XCTAssertEqual(o.scalars(as: Int32.self), order, "\(backend)")
        }
    }
}
