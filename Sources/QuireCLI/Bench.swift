import ArgumentParser
import QuireTensor

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a benchmark (release builds only).")
    @Argument(help: "Benchmark name") var name: String?
    @Flag(help: "One JSON object per line") var json = false
    @Flag(help: "List the benchmarks") var list = false
    func run() throws {}
}
