import Foundation
import QuireCheckpoint
@testable import QuireData
import QuireTestSupport
import XCTest

/// Replays every committed fuzz input (`Tests/Fuzz/<target>/corpus/` and `crashes/`) through the
/// reader its fuzz target drives (`Tests/Fuzz/<target>/Fuzz.swift`, built by `scripts/fuzz.sh`): each
/// must return or throw, never trap. A crash the fuzzer finds is committed under `crashes/` with its fix.
final class FuzzCorpusReplayTests: XCTestCase {
    private var fuzzRoot: URL {
        var root = URL(fileURLWithPath: #filePath)
        root.deleteLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("Fuzz")
    }

    /// The committed inputs of `target`, failing the test when there are none (a renamed folder).
    private func inputs(_ target: String) throws -> [URL] {
        var files: [URL] = []
        for sub in ["corpus", "crashes"] {
            let dir = fuzzRoot.appendingPathComponent(target).appendingPathComponent(sub)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { continue }
            files += names.sorted().map { dir.appendingPathComponent($0) }
        }
        XCTAssertFalse(files.isEmpty, "no committed fuzz inputs for \(target) under \(fuzzRoot.path)")
        return files
    }

    /// Copies `input` to a fresh folder as `name` (the readers take paths), returning the copy.
    private func staged(_ input: URL, as name: String) throws -> URL {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent(name)
        try FileManager.default.copyItem(at: input, to: url)
        return url
    }

    func testSafetensorsInputs() throws {
        for input in try inputs("safetensors") {
            let path = try staged(input, as: "input.safetensors").path
            if let file = try? SafetensorsFile(path: path) {
                _ = try? file.tensors()
                _ = try? file.sha256()
            }
        }
    }

    func testCheckpointJSONInputs() throws {
        for input in try inputs("checkpoint-json") {
            let step = try staged(input, as: "checkpoint.json").deletingLastPathComponent()
            if let info = try? CheckpointInfo(stepDirectory: step) {
                for name in info.items.keys { _ = try? info.openItem(name, in: step) }
            }
        }
    }

    func testIDXInputs() throws {
        for input in try inputs("idx") {
            let path = try staged(input, as: "input.idx").path
            if let source = try? IDXSource(files: ["x": path]) {
                _ = try? source.records(at: Array(0..<min(source.count, 4)))
                if source.count > 0 { _ = try? source.records(at: [source.count - 1]) }
            }
        }
    }

    func testCSVInputs() throws {
        let fields = [CSVField("x", columns: 0..<2), CSVField("label", column: 2, dtype: .int32), CSVField("b", column: 3, dtype: .uint8, valid: 0...200)]
        for input in try inputs("csv") {
            let path = try staged(input, as: "input.csv").path
            for header in [false, true] {
                if let source = try? CSVSource(path: path, fields: fields, hasHeader: header) {
                    _ = try? source.records(at: Array(0..<min(source.count, 4)))
                }
            }
            _ = try? CSVSource(path: path, fields: [CSVField("v", column: 0, dtype: .float16)], separator: ";")
        }
    }

    func testJSONLinesInputs() throws {
        for input in try inputs("jsonl") {
            let path = try staged(input, as: "input.jsonl").path
            if let source = try? JSONLinesSource(path: path, fields: ["x": .float32, "y": .int32]) {
                _ = try? source.records(at: Array(0..<min(source.count, 4)))
            }
            _ = try? JSONLinesSource(path: path, fields: ["t": .bfloat16])
        }
    }

    func testPNGInputs() throws {
        for input in try inputs("png") {
            let bytes = try [UInt8](Data(contentsOf: input))
            _ = try? decodePNG(bytes: bytes, path: input.lastPathComponent, channels: nil)
            _ = try? decodePNG(bytes: bytes, path: input.lastPathComponent, channels: 4)
        }
    }
}
