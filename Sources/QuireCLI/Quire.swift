import ArgumentParser

@main
struct Quire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quire",
        abstract: "A literate experiment runner for machine learning.",
        version: QuireVersion.string,
        subcommands: [Bench.self, Demo.self]
    )
}

enum QuireVersion {
    static let string = "0.1.0"
}
