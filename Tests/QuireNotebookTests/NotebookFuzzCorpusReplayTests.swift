import Foundation
import QuireNotebook
import XCTest

/// Replays every committed input of the notebook fuzz target (`Tests/Fuzz/notebook/corpus/` and
/// `crashes/`, see `scripts/fuzz.sh`) through `NotebookParser.parse`, as the target does: each must
/// parse or throw, never trap.
final class NotebookFuzzCorpusReplayTests: XCTestCase {
    func testNotebookInputs() throws {
        var root = URL(fileURLWithPath: #filePath)
        root.deleteLastPathComponent()
        let target = root.deletingLastPathComponent().appendingPathComponent("Fuzz/notebook")
        var files: [URL] = []
        for sub in ["corpus", "crashes"] {
            let dir = target.appendingPathComponent(sub)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            files += names.sorted().map { dir.appendingPathComponent($0) }
        }
        XCTAssertFalse(files.isEmpty, "no committed fuzz inputs under \(target.path)")
        for file in files {
            let text = String(decoding: try Data(contentsOf: file), as: UTF8.self)
            _ = try? NotebookParser.parse(text, path: "fuzz.md")
        }
    }
}
