import Foundation
import QuireTestSupport
import XCTest
import QuireTensor
@testable import QuireCheckpoint

/// `quire ckpt ls` and `quire ckpt show` through the real executable.
final class CLITests: XCTestCase {
    private func quire() throws -> String {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let path = root.path + "/.build/debug/quire"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("no .build/debug/quire; run `swift build --build-tests` first")
        }
        return path
    }

    func testLsAndShowReadMetadataOnly() throws {
        let exe = try quire()
        let dir = try temporaryDirectory(self)
        let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(async: false))
        var opt = CheckpointState(tensors: ["mu/w": Tensor.zeros([3, 4], dtype: .bfloat16)])
        try opt.setMetadata("scalars", to: ["count": 7.0])
        for step in [100, 200] {
            try manager.save(step: step, states: ["model": CheckpointState(tensors: ["w": Tensor.ones([3, 4]), "b": Tensor.zeros([4])]),
                                                  "opt": opt], metrics: ["loss": step == 100 ? 0.5 : 0.25])
        }
        // The tensors are unreadable garbage now; metadata commands must not notice.
        let model200 = dir.appendingPathComponent("step_00000200/model.safetensors")
        var data = try Data(contentsOf: model200)
        data[data.count - 1] ^= 0xFF
        try data.write(to: model200)

        let ls = try runProgram(exe, ["ckpt", "ls", dir.path])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        let lines = ls.stdout.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("100 ") && $0.contains("model,opt") && $0.contains("loss=0.5") }, ls.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("200 ") && $0.contains("loss=0.25") }, ls.stdout)
        XCTAssertTrue(ls.stdout.contains("2 steps in"), ls.stdout)

        let show = try runProgram(exe, ["ckpt", "show", dir.appendingPathComponent("step_00000200").path])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("step 200 saved"), show.stdout)
        let sha = try manager.info(step: 200).items["opt"]!.sha256
        XCTAssertTrue(show.stdout.contains("item opt: opt.safetensors") && show.stdout.contains(sha), show.stdout)
        XCTAssertTrue(show.stdout.contains(#"metadata: {"scalars":{"count":7}}"#), show.stdout)
        XCTAssertTrue(show.stdout.contains("mu/w") && show.stdout.contains("BF16  [3, 4]"), show.stdout)

        let missing = try runProgram(exe, ["ckpt", "show", dir.appendingPathComponent("step_00000300").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("step_00000300/checkpoint.json"), missing.stderr)
    }

    /// Names and metrics in checkpoint.json are printed with control characters and bidi overrides
    /// escaped, metrics to 6 significant digits, sizes that overflow shown as invalid, paths unescaped.
    func testLsAndShowPrintHostileMetadataSafely() throws {
        let exe = try quire()
        let dir = try temporaryDirectory(self)
        let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(async: false))
        var state = CheckpointState(tensors: ["w": Tensor.ones([2])])
        try state.setMetadata("source", to: "data/train.csv")
        try manager.save(step: 5, states: ["model": state, "opt": CheckpointState(tensors: [:])],
                         metrics: ["loss": 0.1 + 0.2, "evil\u{1B}]0;pwned\u{07}\u{202E}": 1])
        let infoURL = manager.stepDirectory(5).appendingPathComponent("checkpoint.json")
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: infoURL)) as? [String: Any])
        var items = object["items"] as! [String: Any]
        for name in ["model", "opt"] {
            var item = items[name] as! [String: Any]
            item["bytes"] = Int.max
            items[name] = item
        }
        object["items"] = items
        try JSONSerialization.data(withJSONObject: object).write(to: infoURL)

        let ls = try runProgram(exe, ["ckpt", "ls", dir.path])
        XCTAssertEqual(ls.status, 0, ls.stderr)
        XCTAssertFalse(ls.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E }, ls.stdout)
        XCTAssertTrue(ls.stdout.contains(#"evil\u{1b}]0;pwned\u{7}\u{202e}=1"#), ls.stdout)
        XCTAssertTrue(ls.stdout.contains("loss=0.3\n"), ls.stdout)
        XCTAssertTrue(ls.stdout.contains("(invalid)"), ls.stdout)

        // `show` on the manager folder lists its steps; on the step it prints the metadata unescaped.
        let folder = try runProgram(exe, ["ckpt", "show", dir.path])
        XCTAssertEqual(folder.status, 0, folder.stderr)
        XCTAssertTrue(folder.stdout.contains("1 step in") && folder.stdout.contains("\n5 "), folder.stdout)
        let show = try runProgram(exe, ["ckpt", "show", manager.stepDirectory(5).path])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains(#""source":"data/train.csv""#), show.stdout)
        XCTAssertTrue(show.stdout.contains("loss=0.3"), show.stdout)
        XCTAssertFalse(show.stdout.unicodeScalars.contains { $0.value == 0x1B }, show.stdout)
    }
}
