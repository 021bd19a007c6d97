import XCTest
@testable import QuireNotebook

final class CodegenTests: XCTestCase {
    /// The trailing expression of `code`, or nil.
    func trailing(_ code: String) -> String? {
        guard let r = TrailingExpression.range(in: code) else { return nil }
        let s = Array(code.unicodeScalars)[r]
        var v = String.UnicodeScalarView()
        v.append(contentsOf: s)
        return String(v)
    }

    func testTrailingExpressions() {
        XCTAssertEqual(trailing("let x = 1\nx + 1"), "x + 1")
        XCTAssertEqual(trailing("let x = 1\nx\n  .reshaped(2, 3)\n"), "x\n  .reshaped(2, 3)")
        XCTAssertEqual(trailing("a +\n  b"), "a +\n  b")
        XCTAssertEqual(trailing("xs.map { v in\n  v * 2\n}"), "xs.map { v in\n  v * 2\n}")
        XCTAssertEqual(trailing("try model.loss(x) // comment"), "try model.loss(x)")
        XCTAssertEqual(trailing("f(); g()"), "g()")
        XCTAssertEqual(trailing("print(\"a = \\(1 + 2)\")"), "print(\"a = \\(1 + 2)\")")
        XCTAssertEqual(trailing("[1, 2, 3]"), "[1, 2, 3]")
    }

    func testStatementsAreNotDisplayed() {
        for code in ["let x = 1", "var y = 2", "x = 3", "x += 1", "for i in 0..<3 { print(i) }", "if a { b }",
                     "func f() -> Int { 1 }", "struct S {}", "import Foundation", "fatalError(\"x\")", "",
                     "// only a comment", "x.y = z", "f();", "@discardableResult func g() {}", "} else {"] {
            XCTAssertNil(trailing(code), code)
        }
    }

    func testGeneratedProgram() throws {
        let nb = try NotebookParser.parse("""
            ---
            params:
              label: "say \\"hi\\""
            seed: 3
            ---
            ```swift
            //| id: one
            let v = 1
            v + 1
            ```

            ```swift
            //| error: true
            throw E()
            ```
            """, path: "n.md")
        let program = ProgramGenerator.generate(nb, params: nb.frontMatter.params)
        XCTAssertTrue(program.contains("import Quire\n_NotebookRuntime.start()"))
        XCTAssertTrue(program.contains("let label: String = \"say \\\"hi\\\"\""))
        XCTAssertTrue(program.contains("let seed: Int = 3"))
        XCTAssertTrue(program.contains("_NotebookRuntime.beginCell(0, \"one\")\n#sourceLocation(file: \"n.md\", line: 8)\nlet v = 1\n_NotebookRuntime.show(v + 1)\n#sourceLocation()"))
        XCTAssertTrue(program.contains("do {\n#sourceLocation(file: \"n.md\", line: 14)\nthrow E()\n#sourceLocation()\n} catch {\n    _NotebookRuntime.caught(error)\n}"))
        XCTAssertTrue(program.hasSuffix("_NotebookRuntime.finish()\n"))
    }

    func testStringLiteralEscaping() {
        XCTAssertEqual(ProgramGenerator.stringLiteral("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u{1}\"")
    }

    func testHighlighterEscapesAndClassifies() {
        let html = SyntaxHighlighter.html("let s = \"<b>\" // done\nTensor.zeros([2])")
        XCTAssertTrue(html.contains("<span class=\"kw\">let</span>"))
        XCTAssertTrue(html.contains("<span class=\"str\">&quot;&lt;b&gt;&quot;</span>"))
        XCTAssertTrue(html.contains("<span class=\"com\">// done</span>"))
        XCTAssertTrue(html.contains("<span class=\"ty\">Tensor</span>.<span class=\"fn\">zeros</span>"))
        XCTAssertFalse(html.contains("<b>"))
    }

    func testLexerHandlesMultilineAndRawStrings() {
        let code = "let a = \"\"\"\n  x \"quoted\" \\(f(\"in\"))\n  \"\"\"\nlet b = #\"raw \\n \"# + 1"
        let strings = SwiftLexer.tokenize(code).filter { $0.kind == .string }.map(\.text)
        XCTAssertEqual(strings, ["\"\"\"\n  x \"quoted\" \\(f(\"in\"))\n  \"\"\"", "#\"raw \\n \"#"])
    }

    func testDiagnosticsMapToCells() throws {
        let nb = try NotebookParser.parse("```swift\nlet a = 1\n```\n\n```swift\nlet b: Int = \"x\"\n```\n", path: "m.md")
        let output = "m.md:6:14: error: cannot convert value\nmain.swift:2:1: warning: unrelated\n"
        let diagnostics = ProgramBuilder.parseDiagnostics(output, notebook: nb)
        XCTAssertEqual(diagnostics.count, 2)
        XCTAssertEqual(diagnostics[0].cellIndex, 1)
        XCTAssertEqual(diagnostics[0].location, SourceLocation(file: "m.md", line: 6))
        XCTAssertNil(diagnostics[1].cellIndex)
    }

    func testCrashSummary() {
        let stderr = """
            Notebook/t.md:4: Fatal error: boom
            *** Program crashed: Illegal instruction at 0x1 ***
              3 [ra] 0x000055a36a8165cb main + 842 in notebook at Tests/t.md:4:1
            """
        let (message, frames) = CrashReport.summarize(stderr: stderr, termination: .signaled(4), notebookPath: "/abs/t.md")
        XCTAssertEqual(message, "boom (at /abs/t.md:4)")
        XCTAssertEqual(frames, ["at /abs/t.md:4:1"])
        let killed = CrashReport.summarize(stderr: "", termination: .signaled(11), notebookPath: "t.md")
        XCTAssertTrue(killed.0.contains("SIGSEGV"))
    }
}
