import Foundation
import XCTest

/// notebooks/distributions.md through the CLI, reduced to 2 epochs: the VAE trains, its figures are real
/// PNGs with captions, the gradient check's report is printed, and the cell whose assert fails shows the
/// failure at the notebook's own line.
final class DistributionsNotebookTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testDistributionsNotebookRunsAndShowsAFailingAssertAtItsLine() throws {
        let path = Q.root + "/notebooks/distributions.md"
        let r = try Q.run(path, arguments: ["-P", "epochs=2"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        let html = try XCTUnwrap(r.html)
        for (file, caption) in [("beta-1", "20,000 samples of Beta(2, 5)."), ("train-1", "The negative evidence lower bound per image"),
                                ("samples-1", "24 images decoded from codes drawn from the prior."),
                                ("reconstructions-1", "Test digits (top rows) and their reconstructions")] {
            XCTAssertTrue(html.contains("<img src=\"figures/\(file).png\""), "\(file) missing from the report")
            XCTAssertTrue(html.contains("</a>: \(caption)"), "caption of \(file)")
            let png = try XCTUnwrap(FileManager.default.contents(atPath: r.outputDirectory + "/figures/\(file).png"))
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        }
        XCTAssertTrue(html.contains("order 1: 4 elements, worst x["), "the gradient check's report")
        XCTAssertTrue(html.contains("sample mean 0.28"), "Beta(2, 5)'s sample mean is near 2/7")
        // The failing assert: its message, located at the notebook line it was called from.
        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        let line = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("try assertShape(codes,") }) + 1
        XCTAssertTrue(html.contains("distributions.md:\(line): assertShape failed: codes has shape [24, 2], expected [24, 3] (axis 1 is 2, expected 3)"),
                      "the failure at line \(line) in the report")
    }

    /// An assert that fails outside an `error: true` cell stops the notebook there: the report shows the
    /// message with the notebook line it was called from and marks that line in the gutter.
    func testUncaughtAssertFailureIsReportedAtTheCellLine() throws {
        let dir = try Q.scratch()
        let notebook = dir + "/asserts.md"
        try "# Asserts\n\n```swift\nlet x = Tensor.zeros([2, 3])\nprint(\"before the assert\")\ntry assertShape(x, [2, 4], name: \"x\")\n```\n"
            .write(toFile: notebook, atomically: true, encoding: .utf8)
        let r = try Q.run(notebook)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("asserts.md:6: assertShape failed: x has shape [2, 3], expected [2, 4] (axis 1 is 3, expected 4)"), r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("before the assert"))
        XCTAssertTrue(html.contains("<span class=\"err\">6</span>"), "line 6 is marked in the gutter")
    }
}
