import Foundation
import Synchronization
import QuireTensor

/// Block-shape autotuning for library kernels: on the first call for a shape, dtype and vector target,
/// time a few candidate block shapes, keep the fastest in memory and in `tuning.json` beside the
/// compiled kernels, and reuse it from then on (a later call, or a later process, tunes nothing).
/// Candidates differ only in how the output is tiled, never in the order each output is summed, so
/// the results do not depend on which one wins.
///
/// ```swift
/// KernelTuning.isEnabled = true
/// let c = try Kernels.matmul(a, b)        // first call: tries the candidates, keeps the fastest
/// print(KernelTuning.lastReport!)         // tried [64, 128]: 4.1 ms, ... chosen [128, 128]
/// ```
public enum KernelTuning {
    /// Whether library kernels tune their blocks: on in release builds, off in debug builds (so off in
    /// tests, which pass explicit blocks); `QUIRE_KERNEL_AUTOTUNE=1` or `=0` overrides.
    public static var isEnabled: Bool {
        get { enabled.withLock { $0 } }
        set { enabled.withLock { $0 = newValue } }
    }

    /// What one tuning decision did: the candidates timed (empty when the choice came from a cache).
    public struct Report: Sendable, CustomStringConvertible {
        public var key: String
        public var tried: [(blocks: [Int], milliseconds: Double)]
        public var chosen: [Int]
        public var source: String   // "tuned", "memory", "disk"
        public var description: String {
            let t = tried.map { "\($0.blocks): \(String(format: "%.2f", $0.milliseconds)) ms" }.joined(separator: ", ")
            return "\(key): \(source)\(t.isEmpty ? "" : ", tried \(t)"), chosen \(chosen)"
        }
    }

    /// The last decision made in this process (for benchmarks and logs).
    public static var lastReport: Report? { last.withLock { $0 } }

    /// Forgets choices made in this process (the file stays), so the next call reads `tuning.json`.
    public static func forgetLoaded() { memory.withLock { $0.removeAll() } }

    private static let enabled = Mutex<Bool>(defaultEnabled)
    private static let memory = Mutex<[String: [Int]]>([:])
    private static let last = Mutex<Report?>(nil)

    private static var defaultEnabled: Bool { buildSwitch("QUIRE_KERNEL_AUTOTUNE", inDebug: false) }

    static var file: URL { KernelCompiler.cacheDirectory.appendingPathComponent("tuning.json") }

    /// The chosen blocks for `key` (which must name the shape and dtype; the vector target is added
    /// here): from memory, else from `tuning.json`, else by timing `run` on each candidate (best of
    /// three calls, taken in rounds over the candidates after a warm-up call that compiles each).
    static func choose(_ key: String, candidates: [[Int]], run: ([Int]) throws -> Void) throws -> [Int] {
        let fullKey = "\(key)/\(VectorTarget.host.rawValue)"
        if let c = memory.withLock({ $0[fullKey] }) {
            last.withLock { $0 = Report(key: fullKey, tried: [], chosen: c, source: "memory") }
            return c
        }
        if let c = readFile()[fullKey], candidates.contains(c) {
            memory.withLock { $0[fullKey] = c }
            last.withLock { $0 = Report(key: fullKey, tried: [], chosen: c, source: "disk") }
            return c
        }
        // Compile and warm every candidate, then time them in turn (three rounds, best of each), so a
        // change in machine load during tuning falls on all candidates alike.
        for blocks in candidates { try run(blocks) }
        var best = [Double](repeating: .infinity, count: candidates.count)
        for _ in 0..<3 {
            for (i, blocks) in candidates.enumerated() {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try run(blocks)
                best[i] = Swift.min(best[i], Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
        }
        let tried = zip(candidates, best).map { (blocks: $0, milliseconds: $1) }
        let chosen = tried.min { $0.milliseconds < $1.milliseconds }!.blocks
        memory.withLock { $0[fullKey] = chosen }
        writeFile(fullKey, chosen)
        last.withLock { $0 = Report(key: fullKey, tried: tried, chosen: chosen, source: "tuned") }
        return chosen
    }

    private static func readFile() -> [String: [Int]] {
        guard let data = try? Data(contentsOf: file) else { return [:] }
        return (try? JSONDecoder().decode([String: [Int]].self, from: data)) ?? [:]
    }

    /// Read, add, write to a private name and rename, so readers never see a half-written file (two
    /// processes tuning at once may each keep only their own entry; the other is re-tuned later).
    private static func writeFile(_ key: String, _ blocks: [Int]) {
        var table = readFile()
        table[key] = blocks
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(table) else { return }
        let dir = file.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent("tuning.\(getpid()).\(UInt32.random(in: 0...UInt32.max)).json")
        guard (try? data.write(to: tmp)) != nil else { return }
        if rename(tmp.path, file.path) != 0 { try? FileManager.default.removeItem(at: tmp) }
    }
}
