import CQuireFused
import Dispatch
import Foundation
import Synchronization
import XCTest
@testable import QuireTensor

/// The engine's worker pool: every task runs exactly once, whoever calls, however calls nest.
final class WorkerPoolTests: XCTestCase {
    /// Runs `tasks` tasks through `forEachTask` and returns how often each index ran.
    private static func counts(tasks: Int) -> [Int] {
        let hits = Mutex([Int](repeating: 0, count: tasks))
        Parallelism.forEachTask(count: tasks) { i in hits.withLock { $0[i] += 1 } }
        return hits.withLock { $0 }
    }

    func testEveryTaskRunsExactlyOnceAcrossManyBatches() {
        for tasks in [0, 1, 2, 3, 7, 64] {
            for _ in 0..<200 {
                XCTAssertEqual(Self.counts(tasks: tasks), Array(repeating: 1, count: tasks), "\(tasks) tasks")
            }
        }
    }

    func testBatchesSeparatedByIdleTimeWakeSleepingWorkers() {
        for _ in 0..<3 {
            usleep(UInt32(WorkerPool.spinTime / 1000) * 5)  // long enough for the workers to sleep
            XCTAssertEqual(Self.counts(tasks: 8), Array(repeating: 1, count: 8))
        }
    }

    func testNestedCallsRunInlineAndComplete() {
        let hits = Mutex([Int](repeating: 0, count: 16))
        Parallelism.forEachTask(count: 4) { outer in
            Parallelism.forEachChunk(count: 4, minimumChunk: 1) { range in
                for inner in range { hits.withLock { $0[outer * 4 + inner] += 1 } }
            }
        }
        XCTAssertEqual(hits.withLock { $0 }, Array(repeating: 1, count: 16))
    }

    func testCallersOnSeveralThreadsAtOnceEachGetAllTheirTasks() {
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<100 where Self.counts(tasks: 5) != Array(repeating: 1, count: 5) {
                failures.wrappingAdd(1, ordering: .relaxed)
            }
        }
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
    }

    func testChunksCoverTheRangeWithTheSameBoundariesForAnyCaller() {
        let previous = Parallelism.threadCount
        defer { Parallelism.threadCount = previous }
        Parallelism.threadCount = 3
        let seen = Mutex<[Range<Int>]>([])
        Parallelism.forEachChunk(count: 10, minimumChunk: 2) { r in seen.withLock { $0.append(r) } }
        XCTAssertEqual(seen.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }, [0..<3, 3..<6, 6..<10])
    }

    /// A worker on its caller's CPU moves off it without being pinned: `quire_move_off_cpu` leaves the
    /// thread on another CPU with its CPU mask as it was. (Skipped where only one CPU is allowed.)
    func testMovingOffACPURestoresTheMask() throws {
        // This thread's allowed CPUs, as the kernel lists them ("0-1").
        func mask() throws -> String {
            let status = try String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8)
            let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
            return line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        }
        let before = try mask()
        try XCTSkipIf(!before.contains("-") && !before.contains(","), "one CPU allowed (\(before))")
        let cpu = quire_current_cpu()
        XCTAssertGreaterThanOrEqual(cpu, 0)
        XCTAssertEqual(quire_move_off_cpu(cpu), 1)
        XCTAssertNotEqual(quire_current_cpu(), cpu)
        XCTAssertEqual(try mask(), before, "the mask is restored: nothing is pinned")
        XCTAssertEqual(quire_move_off_cpu(-1), 0)
    }
}
