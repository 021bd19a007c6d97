/// Times `body` as IPython's `%timeit` does: `runs` runs of `loops` calls each, the loop count chosen
/// (1, 2, 5, 10, 20, …) so that one run takes at least `minRunTime` seconds unless `loops` is given.
/// Returns the per-call times of the runs, which print as mean ± standard deviation and the best run.
/// The body's result is kept alive, so the work is not optimized away.
///
/// ```swift
/// let x = Tensor.normal(PRNGKey(seed: 0), shape: [256, 256])
/// timeit { x.matmul(x) }
/// // 1.52 ms ± 31.2 µs per loop (mean ± std. dev. of 7 runs, 100 loops each), best 1.49 ms
/// ```
@discardableResult
public func timeit<T>(runs: Int = 7, loops: Int? = nil, minRunTime: Double = 0.2,
                      _ body: () throws -> T) rethrows -> TimeitResult {
    precondition(runs >= 1, "timeit: runs must be at least 1, got \(runs)")
    precondition(loops.map { $0 >= 1 } ?? true, "timeit: loops must be at least 1, got \(loops ?? 0)")
    let clock = ContinuousClock()
    func run(_ n: Int) throws -> Double {
        let start = clock.now
        for _ in 0..<n { let r = try body(); withExtendedLifetime(r) {} }
        let d = (clock.now - start).components
        return Double(d.seconds) + Double(d.attoseconds) * 1e-18
    }
    var n = loops ?? 1
    var first: Double? = nil
    if loops == nil {
        // Calibrate: the first count whose run takes long enough is also the first timed run.
        let steps = [1, 2, 5]
        var k = 0, scale = 1
        while true {
            n = steps[k] * scale
            let t = try run(n)
            if t >= minRunTime || n >= 1_000_000_000 { first = t; break }
            k += 1
            if k == steps.count { k = 0; scale *= 10 }
        }
    }
    var totals: [Double] = first.map { [$0] } ?? []
    while totals.count < runs { totals.append(try run(n)) }
    return TimeitResult(perLoop: totals.map { $0 / Double(n) }, loops: n)
}

/// What ``timeit(runs:loops:minRunTime:_:)`` measured: the seconds per call in each run.
public struct TimeitResult: Sendable, Equatable, CustomStringConvertible {
    /// Seconds per call, one value per run.
    public let perLoop: [Double]
    /// Calls per run.
    public let loops: Int

    public init(perLoop: [Double], loops: Int) {
        precondition(!perLoop.isEmpty, "TimeitResult: no runs")
        self.perLoop = perLoop; self.loops = loops
    }

    /// Mean seconds per call over the runs.
    public var mean: Double { perLoop.reduce(0, +) / Double(perLoop.count) }
    /// Population standard deviation of the runs' seconds per call (0 for one run), as `%timeit` reports.
    public var standardDeviation: Double {
        let m = mean
        return (perLoop.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(perLoop.count)).squareRoot()
    }
    /// The fastest run's seconds per call: the least disturbed by the rest of the machine.
    public var best: Double { perLoop.min()! }

    /// `1.52 ms ± 31.2 µs per loop (mean ± std. dev. of 7 runs, 100 loops each), best 1.49 ms`.
    public var description: String {
        let runs = perLoop.count
        return "\(Self.duration(mean)) ± \(Self.duration(standardDeviation)) per loop (mean ± std. dev. of \(runs) "
            + "run\(runs == 1 ? "" : "s"), \(loops) loop\(loops == 1 ? "" : "s") each), best \(Self.duration(best))"
    }

    /// Seconds with three significant digits in the largest unit below them: `812 ns`, `45.6 µs`, `2.01 s`.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "\(seconds) s" }
        if seconds == 0 { return "0 ns" }
        let units: [(Double, String)] = [(1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")]
        // The largest unit the value reaches once rounded (999.8 µs is 1 ms).
        let (scale, unit) = units.first { seconds >= $0.0 * (1 - 5e-4) } ?? units[units.count - 1]
        let v = seconds / scale
        let decimals = v >= 99.95 ? 0 : (v >= 9.995 ? 1 : 2)
        var factor = 1.0
        for _ in 0..<decimals { factor *= 10 }
        var text = String((v * factor).rounded() / factor)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text + " " + unit
    }
}
