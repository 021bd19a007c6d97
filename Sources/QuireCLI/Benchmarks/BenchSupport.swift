import Foundation
import QuireTensor

/// Times closures and prints results as text or JSON lines.
final class BenchReporter {
    let json: Bool
    let benchmark: String
    let filter: String?

    init(json: Bool, benchmark: String, filter: String?) {
        self.json = json
        self.benchmark = benchmark
        self.filter = filter
    }

    func wants(_ caseName: String) -> Bool { filter.map { caseName.contains($0) } ?? true }

    /// One line describing the machine and settings the figures were taken under.
    func header() {
        let env = ProcessInfo.processInfo.environment
        emit(["benchmark": benchmark, "kind": "environment",
              "cores": ProcessInfo.processInfo.activeProcessorCount,
              "quire_threads": Parallelism.threadCount,
              "blas": Parallelism.blasDescription,
              
              "OPENBLAS_CORETYPE": env["OPENBLAS_CORETYPE"] ?? "unset",
              "OPENBLAS_L2_SIZE": env["OPENBLAS_L2_SIZE"] ?? "unset",
              "date": ISO8601DateFormatter().string(from: Date())])
    }

    func emit(_ fields: [String: Any]) {
        if json {
            let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let keys = fields.keys.sorted { a, b in (a == "case" ? "" : a) < (b == "case" ? "" : b) }
            print(keys.map { "\($0)=\(format(fields[$0]!))" }.joined(separator: "  "))
        }
        fflush(nil)
    }

    private func format(_ v: Any) -> String {
        if let d = v as? Double { return String(format: d < 10 ? "%.3f" : "%.1f", d) }
        return "\(v)"
    }
}

struct Timing {
    let best: Double
    let median: Double
    let reps: Int
}

/// Runs `body` once to warm up, then repeatedly until at least `minReps` runs and `minSeconds` have
/// passed (at most `maxReps`); returns the best and median wall times in seconds.
func measure(minReps: Int = 5, minSeconds: Double = 0.5, maxReps: Int = 1000, _ body: () -> Void) -> Timing {
    body()
    var times: [Double] = []
    let start = DispatchTime.now().uptimeNanoseconds
    while times.count < minReps || (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < minSeconds && times.count < maxReps) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    times.sort()
    return Timing(best: times[0], median: times[times.count / 2], reps: times.count)
}

func round(_ x: Double, _ digits: Int) -> Double {
    let p = Foundation.pow(10, Double(digits))
    return (x * p).rounded() / p
}

/// Deterministic pseudo-random floats in [-1, 1) for benchmark inputs.
func benchInput(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
    let n = shape.reduce(1, *)
    var s = seed
    var values = [Float](repeating: 0, count: n)
    for i in 0..<n {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        values[i] = Float(Int32(truncatingIfNeeded: s >> 32)) / Float(Int32.max)
    }
    return Tensor(values, shape: shape)
}

/// Keeps a value alive and opaque to the optimizer.
@inline(never) func blackHole<T>(_ x: T) { _ = x }

/// Runs a command to completion and returns its wall time in seconds, with stdout and stderr discarded.
/// `posix_spawn` + `waitpid`, because Foundation's `Process.waitUntilExit` polls every 50 ms, which
/// rounded every notebook timing up to a multiple of 0.05 s.
func timedCommand(_ arguments: [String], environment: [String: String]) throws -> Double {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = arguments.map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in argv + envp { free(p) } }
    var pid: pid_t = 0
    let t0 = DispatchTime.now().uptimeNanoseconds
    let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
    guard rc == 0 else {
        throw NSError(domain: "bench", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "cannot start \(arguments[0]): \(String(cString: strerror(rc)))"])
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    guard status == 0 else {
        throw NSError(domain: "bench", code: Int(status), userInfo: [NSLocalizedDescriptionKey: "\(arguments.joined(separator: " ")) failed (status \(status))"])
    }
    return seconds
}
