import Foundation
import XCTest

/// Real notebooks through the real `quire` binary: exit codes, terminal output and the HTML report.
final class EndToEndTests: XCTestCase {
    typealias Q = QuireCLIHarness

    func testGoodNotebookRendersEveryKindOfOutput() throws {
        let r = try Q.run(Q.fixture("good.md"))
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("<title>A good notebook</title>"))
        XCTAssertTrue(html.contains("hello: steps=3 rate=0.5 seed=7"))
        // The trailing expression `x * 2` is displayed.
        XCTAssertTrue(html.contains("[[ 0.  2.  4.]"), "trailing tensor expression not displayed")
        XCTAssertTrue(html.contains("<th>optimizer</th>") && html.contains("<td class=\"n\">0.25</td>"))
        XCTAssertTrue(html.contains("<strong>bold</strong> output"))
        XCTAssertTrue(html.contains("src=\"figures/rich-1.png\"") && html.contains("href=\"#figure-1\">Figure 1</a>: a ramp</figcaption>"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: r.outputDirectory + "/figures/rich-1.png"))
        XCTAssertTrue(html.contains("print(&quot;a Python fence is prose&quot;)"))
        XCTAssertTrue(html.contains("step 2"))
        XCTAssertFalse(html.contains("<span class=\"kw\">for</span> i"), "echo: false still showed the code")
        // error: true shows the thrown error (escaped) and the notebook goes on.
        XCTAssertTrue(html.contains("oops &lt;b&gt;"))
        XCTAssertTrue(html.contains("still running"))
        XCTAssertTrue(html.contains("id=\"tables-markdown-images\""), "heading anchors")
        XCTAssertTrue(html.contains("href=\"#outputs\""), "table of contents")
        XCTAssertTrue(html.contains("Quire 0.1.0") && html.contains("Swift version"), "footer")
        XCTAssertTrue(r.stdout.contains("[1/6] setup …"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  │ hello: steps=3"), r.stdout)
        // A compiler warning is kept on its cell, also when the program comes from the cache.
        XCTAssertTrue(html.contains("class=\"diagnostic diagnostic-warning\"><span class=\"where\">"), "warning shown")
        XCTAssertTrue(html.contains("good.md:57:9</span> warning: variable &#39;neverMutated&#39; was never mutated"))
    }

    func testCellOutputIsEscaped() throws {
        let r = try Q.run(Q.fixture("good.md"))
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertFalse(html.contains("<script>alert"), "raw <script> from a cell reached the report")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"))
    }

    func testParameterOverride() throws {
        let r = try Q.run(Q.fixture("good.md"), arguments: ["-P", "steps=5", "-P", "greeting=hi there", "--embed"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("hi there: steps=5 rate=0.5"))
        XCTAssertTrue(html.contains("step 4"))
        XCTAssertTrue(html.contains("<code>steps: Int = 5</code>"), "footer records the overridden value")
        XCTAssertTrue(html.contains("src=\"data:image/png;base64,iVBOR"), "--embed inlines figures")
        XCTAssertFalse(FileManager.default.fileExists(atPath: r.outputDirectory + "/figures"))
    }

    func testBadParameterIsAUsageError() throws {
        let wrongType = try Q.run(Q.fixture("good.md"), arguments: ["-P", "steps=many"])
        XCTAssertEqual(wrongType.status, 2)
        XCTAssertTrue(wrongType.stderr.contains("'steps' is Int"), wrongType.stderr)
        let unknown = try Q.run(Q.fixture("good.md"), arguments: ["-P", "epochs=3"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("no parameter 'epochs'"), unknown.stderr)
        XCTAssertNil(unknown.html, "a usage error writes no report")
    }

    func testCompileErrorPointsAtTheNotebookLine() throws {
        let path = Q.fixture("compile-error.md")
        let r = try Q.run(path)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("compile-error.md:10:14: error: cannot convert value of type 'String'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("quire: program: compilation failed after "), r.stderr)
        XCTAssertFalse(r.stderr.contains("compiled in"), "a failed compilation reported as compiled")
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("class=\"cell status-compile-error\" id=\"cell-broken\""), "the cell is marked")
        XCTAssertTrue(html.contains("compile-error.md:10:14</span> error:"))
        XCTAssertTrue(html.contains("class=\"cell status-not-run\" id=\"cell-fine\""))
    }

    /// `let x` in two cells: one error at the second declaration naming the first, not swiftc's
    /// "ambiguous use of 'x'" at the first cell.
    func testRedeclarationIsOneClearErrorAtTheSecondDeclaration() throws {
        let dir = try Q.scratch()
        let notebook = dir + "/nb.md"
        try """
            # Data

            ```swift
            //| id: data
            let x = [1, 2, 3]
            print(x)
            ```

            ```swift
            //| id: again
            print("before")
            let (y, x) = (1, 2)
            ```
            """.write(toFile: notebook, atomically: true, encoding: .utf8)
        let r = try Q.run(notebook)
        XCTAssertEqual(r.status, 1)
        let message = "'x' is already declared in cell `data` (\(notebook):5); each name is declared once — assign with `x = …` to a `var`, or use a new name"
        XCTAssertTrue(r.stderr.contains("\(notebook):12:1: error: " + message), r.stderr)
        XCTAssertFalse(r.stderr.contains("ambiguous"), r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("class=\"cell status-compile-error\" id=\"cell-again\""))
        XCTAssertTrue(html.contains("<span class=\"err\">12</span>"))
    }

    func testTrapKeepsEarlierOutputsAndNamesTheCell() throws {
        let r = try Q.run(Q.fixture("trap.md"))
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("cell crash"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Index out of range"), r.stderr)
        XCTAssertTrue(r.stderr.contains("trap.md:18"), "backtrace names the notebook line: \(r.stderr)")
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("first output") && html.contains("second output") && html.contains("before the trap"))
        XCTAssertTrue(html.contains("class=\"cell status-failed\" id=\"cell-crash\""))
        XCTAssertTrue(html.contains("<span class=\"err\">18</span>"), "the crashing line is marked in the gutter")
        XCTAssertTrue(html.contains("Index out of range"))
        XCTAssertTrue(html.contains("class=\"cell status-not-run\" id=\"cell-never\""))
        XCTAssertFalse(html.contains("never printed</pre>"))
    }

    func testFatalErrorMessageAndLocation() throws {
        let r = try Q.run(Q.fixture("fatal.md"))
        XCTAssertEqual(r.status, 1)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("the model diverged"), html)
        XCTAssertTrue(html.contains("fatal.md:4)"), "fatalError's notebook line")
        XCTAssertTrue(html.contains("about to fail"))
    }

    func testTimeoutStopsTheCell() throws {
        let start = Date()
        let r = try Q.run(Q.fixture("timeout.md"))
        XCTAssertEqual(r.status, 1)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        XCTAssertTrue(r.stderr.contains("cell stuck"), r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("class=\"cell status-timed-out\" id=\"cell-stuck\""))
        XCTAssertTrue(html.contains("still running after 1 s"))
        XCTAssertTrue(html.contains("quick cell") && html.contains("spinning"))
    }

    func testMalformedFrontMatterLeavesThePreviousReport() throws {
        let dir = try Q.scratch()
        let notebook = dir + "/nb.md"
        let out = dir + "/report"
        try FileManager.default.copyItem(atPath: Q.fixture("fatal.md"), toPath: notebook)
        try "# Fine\n\n```swift\nprint(\"first version\")\n```\n".write(toFile: notebook, atomically: true, encoding: .utf8)
        let good = try Q.run(notebook, out: out)
        XCTAssertEqual(good.status, 0, good.stderr)
        let before = try XCTUnwrap(good.html)

        try FileManager.default.removeItem(atPath: notebook)
        try FileManager.default.copyItem(atPath: Q.fixture("bad-front-matter.md"), toPath: notebook)
        let bad = try Q.run(notebook, out: out)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("nb.md:4: error: front matter is not valid YAML"), bad.stderr)
        XCTAssertEqual(bad.html, before, "the earlier report was overwritten")
    }

    func testUnknownCellOptionIsRejectedWithItsLine() throws {
        let r = try Q.run(Q.fixture("bad-option.md"))
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("bad-option.md:10: error: unknown cell option 'colour'"), r.stderr)
        XCTAssertNil(r.html)
    }

    /// A cell reads the report from disk: the previous cell's output is already in it, and it is running.
    func testReportIsRewrittenAfterEveryCell() throws {
        let r = try Q.run(Q.fixture("live.md"))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("first cell in the live report: true"), r.stdout)
        XCTAssertTrue(r.stdout.contains("reader marked running: true"), r.stdout)
    }

    func testSecondRunUsesTheCachedProgram() throws {
        let first = try Q.run(Q.fixture("fatal.md"))
        let second = try Q.run(Q.fixture("fatal.md"))
        XCTAssertEqual(first.status, 1)
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("program: cached"), second.stderr)
    }

    /// Every notebook in notebooks/ runs cleanly: they are documentation that must not rot.
    func testShippedNotebooksRun() throws {
        let folder = Q.root + "/notebooks"
        let notebooks = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted()
        XCTAssertFalse(notebooks.isEmpty)
        for name in notebooks {
            let r = try Q.run(folder + "/" + name)
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            XCTAssertNotNil(r.html, name)
            XCTAssertFalse(r.stderr.contains("cell cache off"), "\(name) needs the plain program: \(r.stderr)")
        }
    }

    /// notebooks/digits.md through the CLI (3 epochs): its report shows the curves, the confusion matrix and the
    /// predictions as 2× PNGs with captions, the run's final metrics in the summary, and the run log's files.
    func testDigitsReportShowsCurvesAndFinalMetrics() throws {
        let r = try Q.run(Q.root + "/notebooks/digits.md", arguments: ["-P", "epochs=3"])
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        let html = try XCTUnwrap(r.html)
        for (file, caption) in [("samples-1", "The first 24 training images"), ("curves-1", "Cross-entropy per step"),
                                ("curves-2", "Accuracy on the whole training"), ("evaluate-1", "Rows: the true digit"),
                                ("predictions-1", "Test images with their predicted digit")] {
            XCTAssertTrue(html.contains("<img src=\"figures/\(file).png\""), "\(file) missing from the report")
            XCTAssertTrue(html.contains("</a>: \(caption)"), "caption of \(file)")
            // A real PNG, drawn at twice the size it is shown at.
            let png = try XCTUnwrap(FileManager.default.contents(atPath: r.outputDirectory + "/figures/\(file).png"))
            XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
            XCTAssertTrue(html.contains("<img src=\"figures/\(file).png\" width=\"\(width / 2)\""), "\(file): \(width) px wide")
        }
        XCTAssertTrue(html.contains("<p class=\"run-metrics\"><span class=\"run-name\">digits</span>"), "final metrics in the summary")
        XCTAssertTrue(html.contains("<span class=\"metric-name\">test_accuracy</span> <span class=\"metric-value\">0.9"), "test accuracy")
        XCTAssertTrue(r.stdout.contains("train 33/33 100% "), "progress lines: \(r.stdout)")
        let run = r.outputDirectory + "/runs/digits"
        let jsonl = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8)
        XCTAssertEqual(jsonl.split(separator: "\n").count, 3 * 11 + 3, "one line per step and one per epoch")
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: run).contains { $0.hasPrefix("events.out.tfevents.") })
    }

    /// Charts that cannot be drawn show their error in the cell and the notebook goes on.
    func testPlotErrorsAreShownNotFatal() throws {
        let r = try Q.run(Q.fixture("plot-errors.md"))
        XCTAssertEqual(r.status, 0, r.stderr + r.stdout)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("line chart: series &quot;loss&quot; has 2 x values but 1 y values"))
        XCTAssertTrue(html.contains("after the mismatched series"))
        XCTAssertTrue(html.contains("histogram: none of the 2 values is finite"))
        XCTAssertTrue(html.contains("line chart: series 0 has no points"))
        XCTAssertTrue(html.contains("has no metric &quot;accuracy&quot; (it has loss)"))
        XCTAssertTrue(html.contains("<img src=\"figures/fine-1.png\"") && html.contains("</a>: a fine curve</figcaption>"))
        XCTAssertFalse(html.contains("figures/mismatched-1.png") || html.contains("figures/empty-1.png"), "no blank picture")
    }
}
