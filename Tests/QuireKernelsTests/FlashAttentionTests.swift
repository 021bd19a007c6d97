import QuireTestSupport
import XCTest
import QuireTensor
@testable import QuireKernels

final class FlashAttentionTests: XCTestCase {
    /// Forward: both backends against the plain-op attention, causal and not, head dim 64 and 128,
    /// with a sequence that no block divides.
    func testForwardAgreesWithPlainAttention() throws {
        for (seq, dim, causal) in [(12, 64, true), (9, 128, false)] {   // the gradient test's shapes: kernels shared
            let q = randomTensor([1, 1, seq, dim], seed: 1), k = randomTensor([1, 1, seq, dim], seed: 2)
            let v = randomTensor([1, 1, seq, dim], seed: 3)
            let reference = Kernels.referenceAttention(q, k, v, causal: causal)
            let a = Kernels.AttentionShape(heads: 1, seq: seq, dim: dim, causal: causal, blockQ: 8, blockK: 4)
            // The forward kernel takes k transposed: [heads, dim, seq].
            let flat = [q.reshaped([1, seq, dim]), k.reshaped([1, seq, dim]).transposed().contiguous(), v.reshaped([1, seq, dim])]
            let lse = (q.matmul(k.transposed()) * Float(1 / Double(dim).squareRoot())
                       + (causal ? causalMask(seq) : Tensor.zeros([seq, seq]))).logSumExp(axis: -1).reshaped([1, seq])
            try assertBackendsAgree(Kernels.flashForwardKernel(a), flat,
                                    reference: [reference.reshaped([1, seq, dim]), lse], tolerance: 2e-5)
        }
    }

    /// Gradients through `valueAndGrad` match the plain-op attention's, on both backends.
    func testGradientsMatchPlainAttention() throws {
        for (seq, dim, causal) in [(12, 64, true), (9, 128, false)] {
            let q = randomTensor([1, 1, seq, dim], seed: 4), k = randomTensor([1, 1, seq, dim], seed: 5)
            let v = randomTensor([1, 1, seq, dim], seed: 6), w = randomTensor([1, 1, seq, dim], seed: 7)
            let reference = try valueAndGrad { xs in (Kernels.referenceAttention(xs[0], xs[1], xs[2], causal: causal) * w).sum() }([q, k, v])
            for backend in KernelBackend.allCases {
                let flash = try valueAndGrad { xs in
                    (try Kernels.flashAttention(xs[0], xs[1], xs[2], causal: causal, blockQ: 8, blockK: 4, backend: backend) * w).sum()
                }([q, k, v])
                assertClose(flash.value, reference.value, rtol: 1e-4, atol: 1e-4, checkDType: false)
                for (name, (g, r)) in zip(["dq", "dk", "dv"], zip(flash.gradient, reference.gradient)) {
                    assertClose(g, r, rtol: 1e-4, atol: 1e-4, checkDType: false,
                                "\(name) seq \(seq) dim \(dim) causal \(causal) \(backend)")
                }
            }
        }
    }

    private func causalMask(_ s: Int) -> Tensor {
        var m = [Float](repeating: 0, count: s * s)
        for i in 0..<s { for j in 0..<s where j > i { m[i * s + j] = -.infinity } }
        return Tensor(m, shape: [s, s])
    }
}
