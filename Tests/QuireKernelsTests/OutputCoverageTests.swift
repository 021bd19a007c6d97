import XCTest
import QuireTensor
import QuireTestSupport
@testable import QuireKernels

/// The compiled runner skips zero-filling an output only when the kernel certainly writes all of it.
final class OutputCoverageTests: XCTestCase {
    /// A matmul whose blocks tile the result writes it whole; a ragged one (masked stores), an atomic
    /// add and a kernel whose programs all write block 0 do not — and the last still returns zeros
    /// outside block 0 from the compiled backend.
    func testOnlyWhollyWrittenOutputsSkipTheZeroFill() throws {
        func f32(_ shape: [Int]) -> BlockType { BlockType(dtype: .float32, shape: shape) }
        let tiled = try Kernels.matmulKernel(m: 32, k: 16, n: 32, blockM: 16, blockN: 16, blockK: 16).trace([f32([32, 16]), f32([16, 32])])
        XCTAssertTrue(tiled.overwritesWhole(tiled.outputRefs[0]))
        let ragged = try Kernels.matmulKernel(m: 30, k: 16, n: 32, blockM: 16, blockN: 16, blockK: 16).trace([f32([30, 16]), f32([16, 32])])
        XCTAssertFalse(ragged.overwritesWhole(ragged.outputRefs[0]))

        let x = BlockSpec([4], name: "x") { _ in [0] }
        let firstBlock = OutputSpec(shape: [8], block: BlockSpec([4], name: "y") { _ in [0] })
        let first = pallasCall(name: "first_block", grid: [2], inputs: [x], outputs: [firstBlock]) { k in
            k.outputs[0][...] = k.inputs[0][...] + 1
        }
        let input = Tensor([Float](repeating: 2, count: 8), shape: [8])
        XCTAssertFalse(try first.trace([f32([8])]).overwritesWhole(RefID(1)))
        XCTAssertEqual(try first([input], backend: .compiled)[0].scalars(as: Float.self), [3, 3, 3, 3, 0, 0, 0, 0])

        let every = OutputSpec(shape: [8], block: BlockSpec([4], name: "y") { ids in [ids[0]] })
        let adds = pallasCall(name: "atomic_adds", grid: [2], inputs: [BlockSpec([4], name: "x") { ids in [ids[0]] }], outputs: [every]) { k in
            k.outputs[0].atomicAdd(k.inputs[0][...])
        }
        XCTAssertFalse(try adds.trace([f32([8])]).overwritesWhole(RefID(1)))
        XCTAssertEqual(try adds([input], backend: .compiled)[0].scalars(as: Float.self), [Float](repeating: 2, count: 8))
    }
}
