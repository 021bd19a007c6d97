import ArgumentParser
import Foundation
import QuireCheckpoint

/// `quire ckpt ls DIR` and `quire ckpt show DIR/step_…`: what a checkpoint directory holds, from the
/// `checkpoint.json` files and safetensors headers only (no tensor is read).
struct Ckpt: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect checkpoints (metadata only; no tensor is loaded).",
        subcommands: [List.self, Show.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the committed steps of a checkpoint directory.")

        @Argument(help: "The checkpoint directory.") var directory: String

        func run() throws {
            guard FileManager.default.fileExists(atPath: directory) else {
                throw ValidationError("\(directory): no such checkpoint directory")
            }
            let manager = try CheckpointManager(directory: URL(fileURLWithPath: directory))
            let steps = try manager.allSteps
            print("step      saved (UTC)          size        items                 metrics")
            for step in steps {
                let info = try manager.info(step: step)
                let bytes = info.items.values.reduce(0) { $0 + $1.bytes }
                let items = info.items.keys.sorted().joined(separator: ",")
                let metrics = info.metrics.keys.sorted().map { "\($0)=\(info.metrics[$0]!)" }.joined(separator: " ")
                print("\(pad(String(step), 9)) \(pad(timestamp(info.wallTime), 20)) \(pad(byteText(bytes), 11)) \(pad(items, 21)) \(metrics)")
            }
            print("\(steps.count) step\(steps.count == 1 ? "" : "s") in \(directory)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one step: items, metadata, checksums and tensors.")

        @Argument(help: "A step directory (DIR/step_00000100).") var step: String

        func run() throws {
            let url = URL(fileURLWithPath: step)
            let info = try CheckpointInfo(stepDirectory: url)
            print("step \(info.step) saved \(timestamp(info.wallTime)) UTC by Quire \(info.quireVersion)")
            if !info.metrics.isEmpty {
                print("metrics: " + info.metrics.keys.sorted().map { "\($0)=\(info.metrics[$0]!)" }.joined(separator: " "))
            }
            for name in info.items.keys.sorted() {
                let item = info.items[name]!
                print("\nitem \(name): \(item.file), \(byteText(item.bytes)), \(item.tensors) tensor\(item.tensors == 1 ? "" : "s"), sha256 \(item.sha256)")
                if !item.metadata.isEmpty, let json = try? JSONEncoder().encode(item.metadata) {
                    print("  metadata: \(String(decoding: json, as: UTF8.self))")
                }
                let file = try SafetensorsFile(url: url.appendingPathComponent(item.file))
                for e in file.entries {
                    let shape = "[" + e.shape.map(String.init).joined(separator: ", ") + "]"
                    print("  \(pad(e.name, 36)) \(pad(e.dtype.safetensorsName, 5)) \(shape)")
                }
            }
        }
    }
}

private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

private func timestamp(_ seconds: Double) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return f.string(from: Date(timeIntervalSince1970: seconds))
}

private func byteText(_ n: Int) -> String {
    if n >= 1 << 30 { return String(format: "%.2f GiB", Double(n) / Double(1 << 30)) }
    if n >= 1 << 20 { return String(format: "%.1f MiB", Double(n) / Double(1 << 20)) }
    if n >= 1 << 10 { return String(format: "%.1f KiB", Double(n) / Double(1 << 10)) }
    return "\(n) B"
}
