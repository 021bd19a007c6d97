import Foundation
import XCTest

/// Hostile text in every field that reaches the report: the HTML a browser parses has no element or
/// attribute Quire did not write. Checked by a second reader, Python's `html.parser`.
final class HostileReportTests: XCTestCase {
    typealias Q = QuireCLIHarness

    static let hostile = [
        "\"\u{301} onload=alert(1) x=\"",                // a quote that a combining mark hides from per-Character escaping
        "</script><script>alert(2)</script>",
        "\"><img src=x onerror=alert(3)>",
        "'\u{301} onfocus=alert(4) autofocus '",
        "\u{202E}evil\u{200B}zero-width\u{2066}",          // RTL override, zero-width space, isolate
        "<svg/onload=alert(5)>",
    ]

    func testHostileStringsStayText() throws {
        let dir = try Q.scratch()
        let swiftList = "[" + Self.hostile.map { s in
            "\"" + s.unicodeScalars.map { c -> String in
                switch c {
                case "\"": return "\\\""
                case "\\": return "\\\\"
                default: return c.value < 0x80 ? String(c) : "\\u{\(String(c.value, radix: 16))}"
                }
            }.joined() + "\""
        }.joined(separator: ", ") + "]"
        let caption = Self.hostile[0].replacingOccurrences(of: "\n", with: " ")
        let notebook = """
            ---
            title: "T \\" onload=alert(6) <b>"
            description: "</p><script>alert(7)</script>"
            params:
              label: "<img src=y onerror=alert(8)>"
            ---

            # Hostile \(Self.hostile[2])

            ```swift
            //| id: strings
            //| caption: \(caption)
            import Foundation
            let hostile: [String] = \(swiftList)
            for s in hostile { print(s) }
            display(hostile[1], label: hostile[0])
            table([[hostile[2], hostile[3]]], header: [hostile[4], hostile[5]])
            markdown(hostile[2] + " *md*")
            image(Tensor.zeros([4, 4]), caption: hostile[0])
            FileHandle.standardOutput.write(Data([0xED, 0xA0, 0x80, 0xFF, 0x00, 0x0A]))   // a lone surrogate, a bad byte, NUL
            print(label)
            ```

            ```swift
            //| id: thrown
            //| error: true
            struct Bad: Error, CustomStringConvertible { var description: String { "\\"><img src=z onerror=alert(9)>" } }
            throw Bad()
            ```
            """
        let path = dir + "/hostile \"<b>.md"
        try notebook.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try Q.run(path, out: dir + "/report")
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("onerror=alert(3)"), "the hostile text is shown, as text")
        XCTAssertTrue(html.contains("\u{FFFD}"), "undecodable bytes become U+FFFD")
        XCTAssertFalse(html.contains("\0"), "no NUL reaches the HTML")

        let checker = """
            import sys
            from html.parser import HTMLParser
            bad = []
            class P(HTMLParser):
                def handle_starttag(self, tag, attrs):
                    if tag in ("script", "svg", "iframe", "object", "embed"): bad.append("element " + tag)
                    for name, value in attrs:
                        if name.startswith("on") or name in ("autofocus", "x"): bad.append(tag + " attribute " + name)
                    if tag == "img" and not (dict(attrs).get("src") or "").startswith(("figures/", "data:image/png")):
                        bad.append("img src " + str(dict(attrs).get("src")))
            P().feed(open(sys.argv[1], encoding="utf-8").read())
            print("\\n".join(bad) if bad else "clean")
            """
        let script = dir + "/check.py"
        try checker.write(toFile: script, atomically: true, encoding: .utf8)
        let python = ProcessInfo.processInfo.environment["QUIRE_TEST_PYTHON"] ?? "/usr/bin/python3"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, r.outputDirectory + "/index.html"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "clean")
    }

    /// An image event whose file name leaves the figures folder is refused, so `--embed` never reads (and
    /// inlines) a file outside it.
    func testImageNamesFromTheProgramStayInsideTheFiguresFolder() throws {
        let dir = try Q.scratch()
        try Data("SECRET-CONTENT".utf8).write(to: URL(fileURLWithPath: dir + "/secret.png"))
        try """
            ```swift
            import Foundation
            let fd = Int32(ProcessInfo.processInfo.environment["QUIRE_EVENT_FD"]!)!
            let ack = Int32(ProcessInfo.processInfo.environment["QUIRE_ACK_FD"]!)!
            let line = "{\\"event\\":\\"image\\",\\"cell\\":0,\\"file\\":\\"../../secret.png\\",\\"width\\":1,\\"height\\":1}\\n"
            _ = line.withCString { write(fd, $0, strlen($0)) }
            var byte: UInt8 = 0
            _ = read(ack, &byte, 1)
            print("sent")
            ```
            """.write(toFile: dir + "/nb.md", atomically: true, encoding: .utf8)
        let r = try Q.run(dir + "/nb.md", out: dir + "/out/report", arguments: ["--embed"], directory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try XCTUnwrap(r.html)
        XCTAssertTrue(html.contains("not a plain file name"), html)
        XCTAssertFalse(html.contains(Data("SECRET-CONTENT".utf8).base64EncodedString()), "a file outside figures/ was inlined")
        XCTAssertFalse(html.contains("src=\"figures/../../secret.png\""))
    }

    /// A notebook's file name never becomes code: one with a line break and Swift in it runs as itself.
    func testFileNameWithCodeInItIsNotCompiled() throws {
        let dir = try Q.scratch()
        let path = dir + "/evil\nfatalError(\"pwned\")\n.md"
        try "```swift\nprint(\"hello\")\n```\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try Q.run(path, out: dir + "/report", directory: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("hello"))
        XCTAssertFalse(r.stderr.contains("pwned") && r.stderr.contains("Fatal error"), r.stderr)
    }
}
