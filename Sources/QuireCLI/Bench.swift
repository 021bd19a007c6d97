import ArgumentParser
import Foundation
import QuireTensor

/// `quire bench NAME [--json]`: runs one benchmark and prints its figures, one JSON object per line
/// with `--json`. Time release builds only (`swift build -c release`).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a benchmark (build with -c release before timing anything).",
        discussion: "Benchmarks: " + BenchmarkRegistry.all.map(\.name).joined(separator: ", ")
    )

    @Argument(help: "The benchmark to run (see --list).") var name: String?
    @Flag(help: "Print one JSON object per line.") var json = false
    @Flag(help: "List the benchmarks and exit.") var list = false
    @Option(help: "Only the cases whose name contains this text.") var filter: String?

    func validate() throws {
        if !list && name == nil { throw ValidationError("name a benchmark, or pass --list") }
        if let name, BenchmarkRegistry.find(name) == nil {
            throw ValidationError("no benchmark named '\(name)'; available: \(BenchmarkRegistry.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        if list {
            for b in BenchmarkRegistry.all { print("\(b.name.padding(toLength: 14, withPad: " ", startingAt: 0))\(b.summary)") }
            return
        }
        let bench = BenchmarkRegistry.find(name!)!
        #if DEBUG
        FileHandle.standardError.write(Data("warning: this is a debug build; timings are meaningless (swift build -c release)\n".utf8))
        #endif
        let reporter = BenchReporter(json: json, benchmark: bench.name, filter: filter)
        reporter.header()
        try bench.run(reporter)
    }
}

struct Benchmark: Sendable {
    let name: String
    let summary: String
    let run: @Sendable (BenchReporter) throws -> Void
}

enum BenchmarkRegistry {
    static let all: [Benchmark] = [sgemmBenchmark, elementwiseBenchmark, gradBenchmark, mlpBenchmark, notebookBenchmark, matmulKernelBenchmark, attentionBenchmark, attentionGradBenchmark, checkpointBenchmark, dataBenchmark, allReduceBenchmark, transformerBenchmark]
    static func find(_ name: String) -> Benchmark? { all.first { $0.name == name } }
}
