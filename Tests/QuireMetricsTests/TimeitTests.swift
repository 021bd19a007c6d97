import QuireMetrics
import XCTest

final class TimeitTests: XCTestCase {
    func testGivenLoopsRunsTheBodyRunsTimesLoopsAndAutoCountReachesTheRunTime() {
        var calls = 0
        let fixed = timeit(runs: 3, loops: 4) { calls += 1 }
        XCTAssertEqual(calls, 12)
        XCTAssertEqual(fixed.loops, 4)
        XCTAssertEqual(fixed.perLoop.count, 3)

        // A ~0.2 ms body and a 5 ms run time: the loop count is the first of 1, 2, 5, 10, … whose run reaches it.
        calls = 0
        let spin = { () -> Int in
            let end = ContinuousClock.now + .microseconds(200)
            var n = 0
            while ContinuousClock.now < end { n += 1 }
            return n
        }
        let auto = timeit(runs: 2, minRunTime: 0.005) { calls += 1; return spin() }
        // 25 calls reach 5 ms; a busy machine may stretch a run, so a smaller count may reach it first.
        XCTAssertTrue([10, 20, 50].contains(auto.loops), "loops \(auto.loops)")
        XCTAssertEqual(auto.perLoop.count, 2)
        XCTAssertGreaterThanOrEqual(auto.best, 2e-4)
        XCTAssertLessThan(auto.mean, 2e-2)
        // Calibration runs 1 + 2 + 5 + 10 (+ 20) loops, the reaching run counts as the first timed run.
        let calibration = [1, 2, 5, 10, 20, 50].prefix { $0 < auto.loops }.reduce(0, +)
        XCTAssertEqual(calls, calibration + 2 * auto.loops)
    }

    func testResultPrintsMeanStdAndBestInReadableUnits() {
        let r = TimeitResult(perLoop: [1.5e-3, 1.6e-3, 1.4e-3, 1.5e-3], loops: 100)
        XCTAssertEqual(r.mean, 1.5e-3, accuracy: 1e-12)
        XCTAssertEqual(r.standardDeviation, (0.02e-6 / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(r.best, 1.4e-3)
        XCTAssertEqual("\(r)", "1.5 ms ± 70.7 µs per loop (mean ± std. dev. of 4 runs, 100 loops each), best 1.4 ms")
        XCTAssertEqual("\(TimeitResult(perLoop: [2.346], loops: 1))",
                       "2.35 s ± 0 ns per loop (mean ± std. dev. of 1 run, 1 loop each), best 2.35 s")
        XCTAssertEqual(TimeitResult.duration(812e-9), "812 ns")
        XCTAssertEqual(TimeitResult.duration(45.63e-6), "45.6 µs")
        XCTAssertEqual(TimeitResult.duration(999.8e-6), "1 ms")
        XCTAssertEqual(TimeitResult.duration(0.5e-9), "0.5 ns")
        XCTAssertEqual(TimeitResult.duration(125), "125 s")
    }
}
