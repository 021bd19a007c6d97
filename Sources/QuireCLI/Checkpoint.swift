import ArgumentParser
import Foundation
import QuireCheckpoint
import QuireTensor

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
            try listSteps(of: manager, directory: directory)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one step: items, metadata, checksums and tensors.")

        @Argument(help: "A step directory (DIR/step_00000100), or a checkpoint directory to list its steps.") var step: String

        func run() throws {
            let url = URL(fileURLWithPath: step)
            // A manager folder (holding step_… directories) has no checkpoint.json of its own: list it.
            if !FileManager.default.fileExists(atPath: url.appendingPathComponent("checkpoint.json").path),
               let names = try? FileManager.default.contentsOfDirectory(atPath: url.path),
               names.contains(where: { $0.hasPrefix("step_") }) {
                try listSteps(of: CheckpointManager(directory: url), directory: step)
                return
            }
            let info = try CheckpointInfo(stepDirectory: url)
            print("step \(info.step) saved \(timestamp(info.wallTime)) UTC by Quire \(terminalSafe(info.quireVersion))")
            if !info.metrics.isEmpty {
                print("metrics: " + metricsText(info.metrics))
            }
            for name in info.items.keys.sorted() {
                let item = info.items[name]!
                print("\nitem \(terminalSafe(name)): \(terminalSafe(item.file)), \(byteText(item.bytes)), \(item.tensors) tensor\(item.tensors == 1 ? "" : "s"), sha256 \(terminalSafe(item.sha256))")
                if !item.metadata.isEmpty {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    if let json = try? encoder.encode(item.metadata) {
                        print("  metadata: \(terminalSafe(String(decoding: json, as: UTF8.self)))")
                    }
                }
                let file = try info.openItem(name, in: url)
                for e in file.entries {
                    let shape = "[" + e.shape.map(String.init).joined(separator: ", ") + "]"
                    print("  \(pad(terminalSafe(e.name), 36)) \(pad(e.dtype.safetensorsName, 5)) \(shape)")
                }
            }
        }
    }
}

/// The `ckpt ls` table: one line per committed step.
private func listSteps(of manager: CheckpointManager, directory: String) throws {
    let steps = try manager.allSteps
    print("step      saved (UTC)          size        items                 metrics")
    for step in steps {
        let info = try manager.info(step: step)
        // Sizes come from the file; a sum past Int.max is shown as such, not trapped on.
        let total = try? info.items.values.reduce(0) { sum, item in
            guard item.bytes >= 0 else { throw TensorError("size", "negative item size") }
            return try CheckedSize.add(sum, item.bytes, "size")
        }
        let size = total.map(byteText) ?? "(invalid)"
        let items = terminalSafe(info.items.keys.sorted().joined(separator: ","))
        print("\(pad(String(step), 9)) \(pad(timestamp(info.wallTime), 20)) \(pad(size, 11)) \(pad(items, 21)) \(metricsText(info.metrics))")
    }
    print("\(steps.count) step\(steps.count == 1 ? "" : "s") in \(terminalSafe(directory))")
}

/// `name=value` pairs, sorted, values to 6 significant digits (`loss=0.312457`), names made terminal-safe.
private func metricsText(_ metrics: [String: Double]) -> String {
    metrics.keys.sorted().map { "\(terminalSafe($0))=\(String(format: "%.6g", metrics[$0]!))" }.joined(separator: " ")
}

private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

private func timestamp(_ seconds: Double) -> String {
    guard seconds.isFinite, abs(seconds) < 1e11 else { return "(invalid time)" }
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
