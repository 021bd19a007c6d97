import XCTest
import QuireTensor
import QuireTestSupport
@testable import QuireKernels

/// Golden snapshots of the C emitted for two small kernels, so a change to the emitter shows in review
/// as a diff of generated code. Each fixes its codegen options (one AVX2 unchecked, one AVX-512 with
/// bounds checks) so the snapshots do not depend on the machine or the build configuration. Re-record with `QUIRE_RECORD_SNAPSHOTS=1` (see `assertSnapshot`).
final class EmittedCSnapshotTests: XCTestCase {
    /// Ragged elementwise kernel: masked loads and stores, scalar constants, binary ops.
    func testMaskedScaleAddSnapshot() throws {
        let spec = BlockSpec([8], name: "x") { ids in [ids[0]] }
        let f = pallasCall(name: "scale_add", grid: [2], inputs: [spec, spec],
                           outputs: [OutputSpec(shape: [10], block: BlockSpec([8], name: "z") { ids in [ids[0]] })]) { k in
            let x = k.inputs[0].loadInBounds(), y = k.inputs[1].loadInBounds()
            k.outputs[0].storeInBounds(x * 2 + y)
        }
        let inputs = [Tensor.zeros([10]), Tensor.zeros([10])]
        let options = CodegenOptions(target: .avx2, checked: false)
        assertSnapshot(try CEmitter(ir: f.trace(types(inputs)), options: options).function(), named: "scale_add.c")
    }

    /// A carried accumulator through a loop of `dot`s, a row max, a broadcast and exp.
    func testLoopDotRowMaxSnapshot() throws {
        let a = BlockSpec([4, 8], name: "a") { ids in [ids[0], 0] }, b = BlockSpec([8, 8], name: "b") { _ in [0, 0] }
        let f = pallasCall(name: "dot_rowmax", grid: [1], inputs: [a, b],
                           outputs: [OutputSpec(shape: [4, 8], block: BlockSpec([4, 8], name: "c") { _ in [0, 0] })]) { k in
            let acc = k.forLoop(0..<2, carrying: [k.full([4, 8], 0)]) { _, c in
                [c[0] + k.inputs[0][...].dot(k.inputs[1][...])]
            }[0]
            let rowMax = acc.max(axis: 1).reshaped([4, 1]).broadcast(to: [4, 8])
            k.outputs[0][...] = (acc - rowMax).exp()
        }
        let inputs = [Tensor.zeros([4, 8]), Tensor.zeros([8, 8])]
        let options = CodegenOptions(target: .avx512, checked: true)
        assertSnapshot(try CEmitter(ir: f.trace(types(inputs)), options: options).function(), named: "dot_rowmax.c")
    }

    private func types(_ inputs: [Tensor]) -> [BlockType] { inputs.map { BlockType(dtype: $0.dtype, shape: $0.shape) } }
}
