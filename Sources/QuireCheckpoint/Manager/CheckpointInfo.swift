import Foundation
import QuireTensor

/// The contents of a step's `checkpoint.json`: everything about the checkpoint except the tensors, so
/// listing and inspecting never read a safetensors file.
///
/// ```json
/// {"format": "quire-checkpoint/1", "step": 100, "wallTime": 1795000000.5, "metrics": {"loss": 0.31},
///  "items": {"model": {"file": "model.safetensors", "sha256": "…", "bytes": 4096, "tensors": 4,
///                      "metadata": {}}},
///  "quireVersion": "0.1.0"}
/// ```
public struct CheckpointInfo: Codable, Sendable, Equatable {
    public static let currentFormat = "quire-checkpoint/1"
    /// The Quire release that writes checkpoints (the `quire --version` string).
    public static let quireVersion = "0.1.0"

    /// One item: its safetensors file, that file's checksum and size, and the item's JSON metadata.
    public struct Item: Codable, Sendable, Equatable {
        public var file: String
        public var sha256: String
        public var bytes: Int
        public var tensors: Int
        public var metadata: [String: JSONValue]
    }

    public var format: String
    public var step: Int
    /// Seconds since 1970 when the save began.
    public var wallTime: Double
    public var metrics: [String: Double]
    public var items: [String: Item]
    public var quireVersion: String

    init(step: Int, wallTime: Double, metrics: [String: Double], items: [String: Item]) {
        format = Self.currentFormat
        self.step = step
        self.wallTime = wallTime
        self.metrics = metrics
        self.items = items
        quireVersion = Self.quireVersion
    }

    /// Reads the `checkpoint.json` of a step directory (`DIR/step_00000100`) without touching its tensors.
    ///
    /// ```swift
    /// let info = try CheckpointInfo(stepDirectory: URL(fileURLWithPath: "runs/ckpt/step_00000100"))
    /// info.metrics["loss"]
    /// ```
    public init(stepDirectory: URL) throws {
        self = try Self.read(stepDirectory.appendingPathComponent(CheckpointDirectory.infoFile))
    }

    static func read(_ url: URL) throws -> CheckpointInfo {
        let data: Data
        do { data = Data(try InputFile.readAll(url.path, limit: maximumBytes)) } catch let e as InputFileError {
            throw CheckpointError.unreadable(url.path, e.reason)
        }
        let info: CheckpointInfo
        do { info = try JSONValue.decoder.decode(CheckpointInfo.self, from: data) } catch {
            throw CheckpointError.unreadable(url.path, "not a checkpoint.json: \(error)")
        }
        guard info.format == currentFormat else {
            throw CheckpointError.unreadable(url.path, "format \"\(info.format)\", expected \"\(currentFormat)\"")
        }
        for name in info.items.keys.sorted() {
            let file = info.items[name]!.file
            guard isPlainFileName(file) else {
                throw CheckpointError.unreadable(url.path, "item \"\(name)\": field \"file\" is \(JSONValue.quoted(file)), "
                                                 + "expected the name of a file inside the step directory")
            }
        }
        return info
    }

    /// The largest `checkpoint.json` read (metadata only; a larger one is not a checkpoint Quire wrote).
    static let maximumBytes = 256 << 20

    /// A name that stays in its directory: not empty, not `.` or `..`, no `/` and no NUL.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/")) && !name.utf8.contains(0)
    }

    /// The safetensors file of item `name` in `stepDirectory`, opened so that it cannot resolve (through
    /// a symlink) outside the step directory.
    ///
    /// ```swift
    /// let file = try info.openItem("model", in: stepURL)
    /// ```
    public func openItem(_ name: String, in stepDirectory: URL) throws -> SafetensorsFile {
        guard let item = items[name] else {
            throw CheckpointError.notFound("\(stepDirectory.path): no item \"\(name)\" (items: \(items.keys.sorted().joined(separator: ", ")))")
        }
        guard Self.isPlainFileName(item.file) else {
            throw CheckpointError.unreadable(stepDirectory.path, "item \"\(name)\": field \"file\" is \(JSONValue.quoted(item.file)), "
                                             + "expected the name of a file inside the step directory")
        }
        let path = stepDirectory.appendingPathComponent(item.file).path
        return try SafetensorsFile(path: path, within: stepDirectory.path)
    }

    func encoded() throws -> Data {
        let e = JSONValue.encoder
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try e.encode(self)
    }
}

/// A checkpoint operation that failed; each case names the directory or file.
public enum CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No checkpoint matches (empty directory, unknown step, no step with the best metric).
    case notFound(String)
    /// A step directory or `checkpoint.json` that cannot be read.
    case unreadable(String, String)
    /// A file whose SHA-256 differs from the one recorded when it was written.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// A save that cannot be made (step already saved, bad item name).
    case invalidSave(String)
    /// Every candidate step failed to load; the failures are listed.
    case noLoadableStep([String])

    public var description: String {
        switch self {
        case .notFound(let s): return s
        case .unreadable(let path, let why): return "\(path): \(why)"
        case .checksumMismatch(let file, let expected, let actual):
            return "\(file): SHA-256 is \(actual), checkpoint.json recorded \(expected) (corrupt or truncated file)"
        case .invalidSave(let s): return s
        case .noLoadableStep(let failures):
            return "no checkpoint step could be loaded:\n  " + failures.joined(separator: "\n  ")
        }
    }
}
