import XCTest
import QuireTensor
import QuireTestSupport
@testable import QuireKernels

/// int8 `dot` (AVX512-VNNI where the CPU has it, a plain loop elsewhere), bfloat16 `dot`, and the
/// in-place `acc + dot` fusion, against the interpreter and an independent int32 reference.
final class NarrowDotTests: XCTestCase {
    /// Exact int32 sums on every vector target this CPU runs (VNNI on AVX-512 when present), with
    /// the extreme values −128 and 127, full and tail row tiles, 16- and 32-column tiles, and k
    /// blocks that are and are not multiples of 4 (the latter take the plain loop).
    func testInt8DotIsExactOnEachVectorTarget() throws {
        for (m, k, n, bm, bn, bk) in [(40, 64, 64, 40, 64, 32), (13, 16, 48, 13, 48, 8), (24, 12, 16, 24, 16, 12), (5, 6, 32, 5, 32, 6)] {
            let a = int8Matrix([m, k], seed: m), b = int8Matrix([k, n], seed: n + 100)
            let ones = [Tensor.ones([m]), Tensor.ones([n])]
            let f = Kernels.quantizedMatmulKernel(m: m, k: k, n: n, blockM: bm, blockN: bn, blockK: bk)
            let inputs = [a, b] + ones
            let ir = try f.trace(inputs.map { BlockType(dtype: $0.dtype, shape: $0.shape) })
            let reference = int32Product(a, b, m: m, k: k, n: n)
            let interpreted = try f(inputs, backend: .interpreter)[0].scalars(as: Float.self)
            XCTAssertEqual(interpreted, reference, "interpreter \(m)×\(k)×\(n)")
            for (target, c) in try compiledOnEachTarget(ir, inputs) {
                XCTAssertEqual(c[0].scalars(as: Float.self), reference, "\(target) \(m)×\(k)×\(n)")
            }
        }
    }

    /// bfloat16 blocks are widened to float32 for the micro-kernel on every target, including the
    /// 16- and 32-column AVX-512 tiles and an odd k, and agree with the interpreter.
    func testBFloat16DotAgreesWithTheInterpreterOnEachVectorTarget() throws {
        for (m, k, n, bm, bn, bk) in [(26, 48, 64, 26, 64, 16), (7, 10, 32, 7, 16, 10)] {
            let a = randomTensor([m, k], seed: 7).cast(to: .bfloat16), b = randomTensor([k, n], seed: 8).cast(to: .bfloat16)
            let f = Kernels.matmulKernel(m: m, k: k, n: n, dtype: .bfloat16, blockM: bm, blockN: bn, blockK: bk)
            let ir = try f.trace([BlockType(dtype: .bfloat16, shape: [m, k]), BlockType(dtype: .bfloat16, shape: [k, n])])
            let interpreted = try f([a, b], backend: .interpreter)[0]
            for (target, c) in try compiledOnEachTarget(ir, [a, b]) {
                assertClose(c[0], interpreted, rtol: 1e-5, atol: 1e-5, checkDType: false, "\(target) \(m)×\(k)×\(n)")
            }
        }
    }

    /// The VNNI instruction is what the AVX-512 target emits for int8 blocks (on a CPU with VNNI).
    func testAVX512TargetEmitsVNNIForInt8Dot() throws {
        try XCTSkipUnless(VectorTarget.avx512.hasVNNI, "this CPU has no AVX512-VNNI")
        let f = Kernels.quantizedMatmulKernel(m: 32, k: 64, n: 32, blockM: 32, blockN: 32, blockK: 32)
        let types = [BlockType(dtype: .int8, shape: [32, 64]), BlockType(dtype: .int8, shape: [64, 32]),
                     BlockType(dtype: .float32, shape: [32]), BlockType(dtype: .float32, shape: [32])]
        let c = try CEmitter(ir: f.trace(types), options: CodegenOptions(target: .avx512, checked: false)).function()
        XCTAssertTrue(c.contains("_mm512_dpbusd_epi32"))
        let plain = try CEmitter(ir: f.trace(types), options: CodegenOptions(target: .avx2, checked: false)).function()
        XCTAssertFalse(plain.contains("_mm512_dpbusd_epi32"))
    }

    /// `acc + dot` adds into acc in place only when nothing else reads acc; here acc is also stored,
    /// so the emitter must keep it intact — both outputs still agree with the interpreter.
    func testDotAddFusesOnlyWhenTheAddendIsDead() throws {
        let spec = BlockSpec([8, 16], name: "x") { _ in [0, 0] }, w = BlockSpec([16, 16], name: "w") { _ in [0, 0] }
        let out = OutputSpec(shape: [8, 16], block: BlockSpec([8, 16], name: "y") { _ in [0, 0] })
        let f = pallasCall(name: "dot_add_live", grid: [1], inputs: [spec, w], outputs: [out, out]) { k in
            let x = k.inputs[0][...], acc = x * 3
            k.outputs[0][...] = acc + x.dot(k.inputs[1][...])
            k.outputs[1][...] = acc
        }
        let x = randomTensor([8, 16], seed: 3), wt = randomTensor([16, 16], seed: 4)
        try assertBackendsAgree(f, [x, wt], reference: [x * 3 + x.matmul(wt), x * 3], tolerance: 1e-5)
        let fused = Kernels.matmulKernel(m: 32, k: 64, n: 32, blockM: 32, blockN: 32, blockK: 16)
        let types = [BlockType(dtype: .float32, shape: [32, 64]), BlockType(dtype: .float32, shape: [64, 32])]
        let c = try CEmitter(ir: fused.trace(types), options: CodegenOptions(target: .avx512, checked: false)).function()
        // No copy: the carried block is the zeros' own block, and the tile starts from it.
        XCTAssertEqual(c.components(separatedBy: "memcpy").count - 1, 0, "the carried accumulator is updated in place:\n\(c)")
        XCTAssertTrue(c.contains("c0_0 = *(const q_v16fu *)&"), c)
        // A is read where it lies (rows 64 floats apart in the input), B is copied into the workspace.
        XCTAssertTrue(c.contains("const float *restrict"), c)
        XCTAssertTrue(c.contains(" * 64 + p]"), c)
    }

    /// A loop's carried block takes over its init's block only when the init is defined in the same
    /// body: here the zeros are made before an outer loop and start the inner loop on every outer
    /// iteration, so the inner loop must copy them, not add into them.
    func testCarriedBlockReusesItsInitOnlyInTheSameBody() throws {
        let spec = BlockSpec([8, 16], name: "x") { _ in [0, 0] }
        let out = OutputSpec(shape: [8, 16], block: BlockSpec([8, 16], name: "y") { _ in [0, 0] })
        let f = pallasCall(name: "nested_carry", grid: [1], inputs: [spec], outputs: [out]) { k in
            let x = k.inputs[0][...], zeros = k.full([8, 16], 0)
            let total = k.forLoop(0..<3, carrying: [k.full([8, 16], 0)]) { _, outer in
                let inner = k.forLoop(0..<2, carrying: [zeros]) { _, c in [c[0] + x] }[0]
                return [outer[0] + inner]
            }[0]
            k.outputs[0][...] = total
        }
        let x = randomTensor([8, 16], seed: 5)
        try assertBackendsAgree(f, [x], reference: [x * 6], tolerance: 1e-5)
    }

    private func int8Matrix(_ shape: [Int], seed: Int) -> Tensor {
        let uniform = randomTensor(shape, seed: seed, low: -128, high: 128).scalars(as: Float.self)
        var values = uniform.map { Int8(clamping: Int($0.rounded(.down))) }
        values[0] = -128
        values[values.count - 1] = 127
        return Tensor(values, shape: shape)
    }

    private func int32Product(_ a: Tensor, _ b: Tensor, m: Int, k: Int, n: Int) -> [Float] {
        let x = a.scalars(as: Int8.self), y = b.scalars(as: Int8.self)
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Int32 = 0
                for p in 0..<k { s += Int32(x[i * k + p]) * Int32(y[p * n + j]) }
                c[i * n + j] = Float(s)
            }
        }
        return c
    }
}
