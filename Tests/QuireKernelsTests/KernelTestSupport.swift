import QuireTestSupport
import XCTest
import QuireTensor
@testable import QuireKernels

func randomTensor(_ shape: [Int], seed: Int, low: Double = -1, high: Double = 1) -> Tensor {
    Tensor.uniform(PRNGKey(seed: seed), shape: shape, low: low, high: high)
}

/// Runs `f` on both backends and checks each against `reference` and against each other.
func assertBackendsAgree(_ f: KernelFunction, _ inputs: [Tensor], reference: [Tensor], tolerance: Double,
                         file: StaticString = #filePath, line: UInt = #line) throws {
    let interpreted = try f(inputs, backend: .interpreter)
    let compiled = try f(inputs, backend: .compiled)
    XCTAssertEqual(interpreted.count, reference.count, file: file, line: line)
    for (i, (x, (c, r))) in zip(interpreted, zip(compiled, reference)).enumerated() {
        XCTAssertEqual(x.shape, r.shape, "output \(i) shape (interpreter)", file: file, line: line)
        XCTAssertEqual(c.shape, r.shape, "output \(i) shape (compiled)", file: file, line: line)
        XCTAssertEqual(x.dtype, c.dtype, "output \(i) dtype", file: file, line: line)
        let t = tolerance
        assertClose(x, r, rtol: t, atol: t, checkDType: false, "output \(i): interpreter vs reference", file: file, line: line)
        assertClose(c, r, rtol: t, atol: t, checkDType: false, "output \(i): compiled vs reference", file: file, line: line)
        assertClose(c, x, rtol: t, atol: t, checkDType: false, "output \(i): compiled vs interpreter", file: file, line: line)
    }
}

/// The vector targets this CPU can run (generic always; AVX2 and AVX-512 when /proc/cpuinfo has them).
func runnableTargets() -> [VectorTarget] {
    let flags = VectorTarget.cpuFlags
    return VectorTarget.allCases.filter { t in
        t == .generic || (t == .avx2 && flags.contains("avx2")) || (t == .avx512 && flags.contains("avx512f"))
    }
}

/// Compiles `ir` for every runnable vector target (bounds checks on) and returns each target's outputs.
func compiledOnEachTarget(_ ir: KernelIR, _ inputs: [Tensor]) throws -> [(VectorTarget, [Tensor])] {
    try runnableTargets().map { t in (t, try CompiledKernel.load(ir, options: CodegenOptions(target: t, checked: true)).run(inputs)) }
}

func assertTraceError(_ body: () throws -> Void, mentions words: [String], file: StaticString = #filePath, line: UInt = #line) {
    do {
        try body()
        XCTFail("expected a trace error", file: file, line: line)
    } catch let error as KernelError {
        guard case .trace = error else { return XCTFail("expected a trace error, got \(error)", file: file, line: line) }
        for w in words { XCTAssertTrue(error.description.contains(w), "'\(error)' should mention '\(w)'", file: file, line: line) }
    } catch {
        XCTFail("unexpected \(error)", file: file, line: line)
    }
}
