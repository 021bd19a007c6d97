import Foundation
import XCTest
import QuireTensor
@testable import QuireKernels

final class AutotuneTests: XCTestCase {
    /// First call times every candidate and records the winner in tuning.json; the second call reuses
    /// it from memory, a "new process" (memory forgotten) from disk; results equal the untuned kernel's.
    func testMatmulTunesOnceThenReusesTheChoiceFromMemoryAndDisk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-autotune-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        setenv("XDG_CACHE_HOME", dir.path, 1)
        let wasEnabled = KernelTuning.isEnabled
        KernelTuning.isEnabled = true
        defer {
            KernelTuning.isEnabled = wasEnabled
            KernelTuning.forgetLoaded()
            unsetenv("XDG_CACHE_HOME")
            try? FileManager.default.removeItem(at: dir)
        }
        XCTAssertFalse(wasEnabled, "autotuning is off by default in debug builds (tests)")
        let (m, k, n) = (64, 32, 64)
        let a = randomTensor([m, k], seed: 5), b = randomTensor([k, n], seed: 6)
        let untuned = try Kernels.matmul(a, b, blockM: 64, blockN: 128)

        let first = try Kernels.matmul(a, b)
        let report = try XCTUnwrap(KernelTuning.lastReport)
        XCTAssertEqual(report.source, "tuned")
        XCTAssertEqual(report.tried.map(\.blocks), Kernels.matmulBlockCandidates)
        XCTAssertTrue(Kernels.matmulBlockCandidates.contains(report.chosen))
        XCTAssertEqual(first.scalars(as: Float.self), untuned.scalars(as: Float.self))

        _ = try Kernels.matmul(a, b)
        XCTAssertEqual(KernelTuning.lastReport?.source, "memory")
        XCTAssertEqual(KernelTuning.lastReport?.chosen, report.chosen)

        KernelTuning.forgetLoaded()
        let third = try Kernels.matmul(a, b)
        XCTAssertEqual(KernelTuning.lastReport?.source, "disk")
        XCTAssertEqual(KernelTuning.lastReport?.chosen, report.chosen)
        XCTAssertEqual(third.scalars(as: Float.self), untuned.scalars(as: Float.self))

        let table = try JSONDecoder().decode([String: [Int]].self, from: Data(contentsOf: KernelTuning.file))
        XCTAssertEqual(table[report.key], report.chosen)
    }
}
