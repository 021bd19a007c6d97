import Foundation
import XCTest

/// notebooks/transformer.md through the CLI, reduced (`-P steps=…`): it trains, logs train and held-out
/// loss, plots the curves, samples at three temperatures and restores its last checkpoint.
final class TransformerNotebookTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testTransformerNotebookTrainsSamplesAndCheckpoints() throws {
        let r = try Q.run(Q.root + "/notebooks/transformer.md",
                          arguments: ["-P", "steps=20", "-P", "batch=4", "-P", "seq=32", "-P", "features=32",
                                      "-P", "evalEvery=10", "-P", "checkpointEvery=10"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("<img src=\"figures/curves-1.png\""), "loss curves")
        for t in ["0.5", "0.8", "1.0"] { XCTAssertTrue(html.contains("temperature \(t):"), "sample at \(t)") }
        XCTAssertTrue(html.contains("checkpoint steps: [10, 20]"), "checkpoints every 10 steps")
        XCTAssertTrue(html.contains("identical"), "the restored model scores what the trained one does")
        let jsonl = try String(contentsOfFile: r.outputDirectory + "/runs/transformer/metrics.jsonl", encoding: .utf8)
        XCTAssertEqual(jsonl.split(separator: "\n").count, 20 + 2, "a train loss per step and a held-out loss every 10")
        XCTAssertTrue(jsonl.contains("heldout_loss"))
    }
}
