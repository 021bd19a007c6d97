import Foundation
import XCTest
@testable import QuireServe

/// What the watch server may serve: only plain files inside the report folder.
final class ReportPathTests: XCTestCase {
    var base = ""
    var root = ""

    override func setUpWithError() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("quire-serve-\(UUID().uuidString)").path
        root = base + "/report"
        try FileManager.default.createDirectory(atPath: root + "/figures", withIntermediateDirectories: true)
        try "<html><body>report</body></html>".write(toFile: root + "/index.html", atomically: false, encoding: .utf8)
        try "png".write(toFile: root + "/figures/loss.png", atomically: false, encoding: .utf8)
        try "{}".write(toFile: root + "/.quire-report.json", atomically: false, encoding: .utf8)
        try "secret".write(toFile: base + "/secret.txt", atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root + "/out", withDestinationPath: base + "/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: root + "/inside", withDestinationPath: root + "/figures/loss.png")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: base) }

    private func real(_ p: String) -> String { ReportPath.realPath(p)! }

    func testFilesInsideTheFolderResolve() {
        XCTAssertEqual(ReportPath.resolve("/", root: root), real(root + "/index.html"))
        XCTAssertEqual(ReportPath.resolve("/index.html?x=1", root: root), real(root + "/index.html"))
        XCTAssertEqual(ReportPath.resolve("/figures/loss.png", root: root), real(root + "/figures/loss.png"))
        XCTAssertEqual(ReportPath.resolve("/figures//loss%2Epng", root: root), real(root + "/figures/loss.png"))
        XCTAssertEqual(ReportPath.resolve("/inside", root: root), real(root + "/figures/loss.png"), "a symlink within the folder")
    }

    func testEverythingElseIsRefused() {
        for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/..%2Fsecret.txt", "/%2e%2e%2fsecret.txt",
                     "/figures/../../secret.txt", "/figures/%2e%2e/index.html", "/./index.html", "/%2e/index.html",
                     "/%2Ffigures%2Floss.png", "/..\\secret.txt", "/%5C..%5Csecret.txt", "/out", "/.quire-report.json",
                     "/%00", "/index.html%00.png", "relative", "", "/missing.html", "/figures", "/%zz",
                     base + "/secret.txt", "/" + base + "/secret.txt"] {
            XCTAssertNil(ReportPath.resolve(path, root: root), path)
        }
        // Decoded once only: %252e stays the literal name "%2e", which does not exist.
        XCTAssertNil(ReportPath.resolve("/%252e%252e/secret.txt", root: root))
    }

    func testContentTypes() {
        XCTAssertEqual(ReportPath.contentType("a/index.html"), "text/html; charset=utf-8")
        XCTAssertEqual(ReportPath.contentType("figures/loss.PNG"), "image/png")
        XCTAssertEqual(ReportPath.contentType("runs/train.jsonl"), "application/jsonl")
        XCTAssertEqual(ReportPath.contentType("runs/train.csv"), "text/csv; charset=utf-8")
        XCTAssertEqual(ReportPath.contentType("outputs/cell.txt"), "text/plain; charset=utf-8")
        XCTAssertEqual(ReportPath.contentType("checkpoints/1/model.safetensors"), "application/octet-stream")
    }

    func testTheReloadScriptGoesBeforeTheLastBodyEnd() {
        let html = Data("<html><body><pre>&lt;/body&gt;</pre></body></html>".utf8)
        let out = String(decoding: LiveReload.inject(into: html, version: "1-2-3\"</script>"), as: UTF8.self)
        XCTAssertTrue(out.hasSuffix("</script></body></html>"), out)
        XCTAssertTrue(out.contains("var v=\"1-2-3\\\"\\u003c/script>\""), "the version is a safe JS string: \(out)")
        XCTAssertTrue(out.contains("new EventSource(\"/_quire/events\")"))
        let notice = String(decoding: LiveReload.inject(into: Data("no body".utf8), version: "", notice: "bad <front> matter"), as: UTF8.self)
        XCTAssertTrue(notice.hasPrefix("no body<div data-quire-notice"), notice)
        XCTAssertTrue(notice.contains("bad &lt;front&gt; matter"))
    }
}
