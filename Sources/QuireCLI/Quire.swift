import ArgumentParser
import Foundation

@main
struct Quire: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quire",
        abstract: "A literate experiment runner for machine learning.",
        version: QuireVersion.string,
        subcommands: [Run.self, Watch.self, Status.self, Publish.self, Clean.self, Cache.self, Bench.self, Demo.self, Ckpt.self, Launch.self]
    )

    /// Parses and runs the command; usage errors exit with 2 (not ArgumentParser's 64), as `quire run` documents.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

enum QuireVersion {
    static let string = "0.1.0"
}
