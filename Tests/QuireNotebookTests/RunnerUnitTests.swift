import XCTest
@testable import QuireNotebook

/// Runner pieces without a program: pipe text decoding, crash summaries, report folders.
final class RunnerUnitTests: XCTestCase {
    func testUTF8SplitAcrossReadsIsKeptWhole() {
        let bytes = Array("aé€😀b".utf8)   // 1 + 2 + 3 + 4 + 1 bytes
        for cut in 0...bytes.count {
            var chunks = UTF8Chunks()
            let text = chunks.decode(Array(bytes[..<cut])) + chunks.decode(Array(bytes[cut...])) + chunks.flush()
            XCTAssertEqual(text, "aé€😀b", "cut at \(cut)")
        }
        var oneByOne = UTF8Chunks()
        XCTAssertEqual(bytes.map { oneByOne.decode([$0]) }.joined(), "aé€😀b")
        // A sequence the stream never completes becomes one replacement character at the end.
        var truncated = UTF8Chunks()
        XCTAssertEqual(truncated.decode([0x61, 0xE2, 0x82]), "a")
        XCTAssertEqual(truncated.flush(), "\u{FFFD}")
    }

    func testPreconditionMessageIsTheCrash() {
        let stderr = """
            Notebook/nb.md:14: Precondition failed: learning rate must be positive
            💣 Program crashed: Illegal instruction at 0x00007f0e2c3a1b2c
            Thread 0 crashed:
            0 [ra] 0x000055d1 main + 120 in nb at /tmp/x/nb.md:14:1
            """
        let (message, frames) = CrashReport.summarize(stderr: stderr, termination: .signaled(4), notebookPath: "/tmp/x/nb.md")
        XCTAssertEqual(message, "Precondition failed: learning rate must be positive (at /tmp/x/nb.md:14)")
        XCTAssertEqual(frames, ["at /tmp/x/nb.md:14:1"])
        XCTAssertTrue(CrashReport.looksLikeCrash("Notebook/nb.md:3: Assertion failed\n"))
        let (bare, _) = CrashReport.summarize(stderr: "Notebook/nb.md:3: Assertion failed\n", termination: .signaled(4), notebookPath: "nb.md")
        XCTAssertEqual(bare, "Assertion failed (at nb.md:3)")
        let (fatal, _) = CrashReport.summarize(stderr: "Notebook/nb.md:5: Fatal error: boom\n", termination: .signaled(4), notebookPath: "nb.md")
        XCTAssertEqual(fatal, "boom (at nb.md:5)")
    }

    func testCrashLinesComeFromTheMessageAndTheFrames() {
        let failure = CellFailure(kind: .crash, message: "boom (at nb.md:5)", details: ["at nb.md:7:3", "at nb.md:12:1 in f"])
        XCTAssertEqual(CrashLines.lines(of: failure, notebookPath: "nb.md"), [5, 7, 12])
        XCTAssertEqual(CrashLines.lines(of: CellFailure(kind: .timeout, message: "x", details: ["at nb.md:1"]), notebookPath: "nb.md"), [])
    }

    func testReportFolderNames() {
        for bad in ["", ".", "..", "a/b"] { XCTAssertFalse(ReportFolder.isPlainName(bad), bad) }
        for good in ["digits", ".hidden", "a..b"] { XCTAssertTrue(ReportFolder.isPlainName(good), good) }
    }

    /// Columns align by kind: all-number columns right (header too), text columns left, even where a text
    /// column holds a number.
    func testTableColumnsAlignByKind() {
        let html = ReportModel.tableHTML(header: ["name", "loss"], rows: [["adam", "0.25"], ["7", "1e-3"], ["sgd", ""]])
        XCTAssertEqual(html, "<table><thead><tr><th>name</th><th class=\"n\">loss</th></tr></thead><tbody>"
            + "<tr><td>adam</td><td class=\"n\">0.25</td></tr><tr><td>7</td><td class=\"n\">1e-3</td></tr>"
            + "<tr><td>sgd</td><td class=\"n\"></td></tr></tbody></table>")
    }
}
