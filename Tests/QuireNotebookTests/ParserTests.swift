import XCTest
@testable import QuireNotebook

final class ParserTests: XCTestCase {
    let sample = """
        ---
        title: Demo
        description: A sample.
        params:
          lr: 0.01
          epochs: 3
          name: "run one"
          verbose: true
        seed: 42
        optimize: true
        ---
        # Intro

        Some prose.

        ```swift
        //| id: setup
        //| timeout: 2.5
        //| caption: "A figure"
        let x = 1
        x + 1
        ```

        ```python
        print("prose")
        ```

        ## Next

        ```swift
        //| echo: false
        //| error: true
        print(x)
        ```
        """

    func testFrontMatter() throws {
        let nb = try NotebookParser.parse(sample, path: "demo.md")
        XCTAssertEqual(nb.name, "demo")
        XCTAssertEqual(nb.title, "Demo")
        XCTAssertEqual(nb.frontMatter.description, "A sample.")
        XCTAssertEqual(nb.frontMatter.seed, 42)
        XCTAssertTrue(nb.frontMatter.optimize)
        XCTAssertEqual(nb.frontMatter.params.map(\.name), ["lr", "epochs", "name", "verbose"])
        XCTAssertEqual(nb.frontMatter.params.map(\.value), [.double(0.01), .int(3), .string("run one"), .bool(true)])
        XCTAssertEqual(nb.frontMatter.params[1].line, 6)
    }

    func testSwiftFenceInAListIsShownNotRunAndSaidSo() throws {
        let nb = try NotebookParser.parse("""
            Steps:

            1. Load the data:

               ```swift
               let hidden = 1
               ```

            > ```swift
            > let quoted = 2
            > ```

            ```swift
            let top = 3
            ```
            """, path: "n.md")
        XCTAssertEqual(nb.cells.map(\.code), ["let top = 3"])
        XCTAssertEqual(nb.warnings.map { $0.location?.line }, [5, 9])
        XCTAssertTrue(nb.warnings[0].message.contains("not run"))
    }

    func testCellsOptionsAndLines() throws {
        let nb = try NotebookParser.parse(sample, path: "demo.md")
        let cells = nb.cells
        XCTAssertEqual(cells.count, 2, "the python fence is prose")
        XCTAssertEqual(cells[0].id, "setup")
        XCTAssertEqual(cells[0].lines, 16...22)
        XCTAssertEqual(cells[0].codeLine, 20)
        XCTAssertEqual(cells[0].code, "let x = 1\nx + 1")
        XCTAssertEqual(cells[0].options.timeout, 2.5)
        XCTAssertEqual(cells[0].options.caption, "A figure")
        XCTAssertEqual(cells[1].id, "cell-2")
        XCTAssertFalse(cells[1].options.echo)
        XCTAssertTrue(cells[1].options.error)
        XCTAssertEqual(cells[1].codeLine, 33)
    }

    func testProseHeadingsAndAnchors() throws {
        let nb = try NotebookParser.parse(sample, path: "demo.md")
        let headings = nb.blocks.flatMap { block -> [Heading] in
            if case .prose(let p) = block { return p.headings }
            return []
        }
        XCTAssertEqual(headings.map(\.anchor), ["intro", "next"])
        guard case .prose(let between) = nb.blocks[2] else { return XCTFail("expected prose between the cells") }
        XCTAssertTrue(between.html.contains("<code class=\"language-python\">"))
        XCTAssertTrue(between.html.contains("<h2 id=\"next\">Next</h2>"))
    }

    func testTitleFallsBackToFirstHeadingThenFileName() throws {
        XCTAssertEqual(try NotebookParser.parse("# Hello there\n", path: "a/b.md").title, "Hello there")
        XCTAssertEqual(try NotebookParser.parse("text\n", path: "a/b.md").title, "b")
    }

    func testMalformedFrontMatterNamesTheLine() {
        XCTAssertThrowsError(try NotebookParser.parse("---\ntitle: ok\nseed: [1, 2\n---\n", path: "x.md")) { error in
            let e = error as! NotebookError
            XCTAssertEqual(e.kind, .input)
            XCTAssertEqual(e.location, SourceLocation(file: "x.md", line: 4))
        }
        XCTAssertThrowsError(try NotebookParser.parse("---\ntitle: ok\nseed: abc\n---\n", path: "x.md")) { error in
            XCTAssertEqual((error as! NotebookError).description, "x.md:3: error: front matter: seed must be an integer, got \"abc\"")
        }
        XCTAssertThrowsError(try NotebookParser.parse("---\ntitel: typo\n---\n", path: "x.md")) { error in
            XCTAssertTrue((error as! NotebookError).description.hasPrefix("x.md:2: error: front matter: unknown key 'titel'"))
        }
        XCTAssertThrowsError(try NotebookParser.parse("---\nparams:\n  let: 1\n---\n", path: "x.md")) { error in
            XCTAssertTrue((error as! NotebookError).description.contains("reserved"))
        }
    }

    func testUnclosedFrontMatterIsAnErrorAtItsOpeningLine() {
        XCTAssertThrowsError(try NotebookParser.parse("---\ntitle: never closed\n\n# Hello\n", path: "u.md")) { error in
            let e = error as! NotebookError
            XCTAssertEqual(e.kind, .input)
            XCTAssertEqual(e.description, "u.md:1: error: front matter: the `---` here opens front matter that no `---` line closes; "
                           + "add the closing line, or start the notebook with something else")
        }
        // A closed block, and a `---` that is not on the first line, are fine.
        XCTAssertNoThrow(try NotebookParser.parse("---\ntitle: ok\n---\n# Hi\n", path: "u.md"))
        XCTAssertNoThrow(try NotebookParser.parse("# Hi\n\n---\n\ntext\n", path: "u.md"))
    }

    func testListAndDictionaryParameters() throws {
        let nb = try NotebookParser.parse("---\nparams:\n  layers: [64, 32]\n  rates: [1, 0.5]\n  sizes: {small: 32, large: 128}\n---\n", path: "p.md")
        XCTAssertEqual(nb.frontMatter.params.map(\.value.swiftType), ["[Int]", "[Double]", "[String: Int]"])
        XCTAssertEqual(nb.frontMatter.params.map(\.value.description), ["[64, 32]", "[1.0, 0.5]", "[small: 32, large: 128]"])
        XCTAssertEqual(ProgramGenerator.literal(nb.frontMatter.params[2].value), "[\"small\": 32, \"large\": 128]")
        let layers = nb.frontMatter.params[0].value
        XCTAssertEqual(layers.parsingOverride("[8,4,2]"), .list([.int(8), .int(4), .int(2)], element: "Int"))
        XCTAssertEqual(layers.parsingOverride("[]"), .list([], element: "Int"))
        XCTAssertEqual(ProgramGenerator.literal(layers.parsingOverride("[]")!), "[Int]()")
        XCTAssertNil(layers.parsingOverride("[8, wide]"))
        XCTAssertEqual(nb.frontMatter.params[1].value.parsingOverride("[2]"), .list([.double(2)], element: "Double"))
        XCTAssertThrowsError(try NotebookParser.parse("---\nparams:\n  mixed: [1, a]\n---\n", path: "p.md")) { error in
            XCTAssertEqual((error as! NotebookError).description, "p.md:3: error: front matter: parameter 'mixed': elements mix Int and String; use one type")
        }
    }

    func testBadCellOptions() {
        func message(_ options: String) -> String {
            do {
                _ = try NotebookParser.parse("text\n\n```swift\n\(options)\nprint(1)\n```\n", path: "c.md")
                return "no error"
            } catch { return error.description }
        }
        XCTAssertEqual(message("//| timeout: -1"), "c.md:4: error: cell option 'timeout' must be a positive number of seconds, got '-1'")
        XCTAssertEqual(message("//| echo: maybe"), "c.md:4: error: cell option 'echo' must be true or false, got 'maybe'")
        XCTAssertTrue(message("//| id: a\n//| colour: red").hasPrefix("c.md:5: error: unknown cell option 'colour'"))
        XCTAssertTrue(message("//| id: has space").contains("may use only"))
        XCTAssertTrue(message("//| novalue").contains("`//| key: value`"))
        XCTAssertEqual(message("//| cache: freeze"), "no error")
    }

    func testDuplicateCellIDs() {
        let text = "```swift\n//| id: a\n```\n\n```swift\n//| id: a\n```\n"
        XCTAssertThrowsError(try NotebookParser.parse(text, path: "d.md")) { error in
            XCTAssertEqual((error as! NotebookError).location?.line, 5)
        }
    }

    func testParameterOverrides() throws {
        let params = [Parameter(name: "lr", value: .double(0.1), line: 3), Parameter(name: "n", value: .int(2), line: 4)]
        let applied = try ParameterOverrides.apply([("lr", "0.5"), ("n", "7")], to: params, path: "p.md")
        XCTAssertEqual(applied.map(\.value), [.double(0.5), .int(7)])
        XCTAssertThrowsError(try ParameterOverrides.apply([("n", "2.5")], to: params, path: "p.md"))
        XCTAssertThrowsError(try ParameterOverrides.apply([("m", "1")], to: params, path: "p.md")) { error in
            XCTAssertEqual((error as! NotebookError).kind, .usage)
        }
    }
}
