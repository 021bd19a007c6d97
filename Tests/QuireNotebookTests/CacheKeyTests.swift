import Foundation
import XCTest
@testable import QuireNotebook

/// The cache's static half: how a cell is split, what it uses, and what its key is made of.
final class CacheKeyTests: XCTestCase {
    func testCellAnalysisSplitsBindingsStatementsAndDisplay() {
        let a = CellAnalysis(code: """
            let (train, test) = try load(path: "x")
            var losses: [Float] = []
            func f(seed: Int) -> Int { 0 }
            for i in 0..<steps { losses.append(Float(i) * model.scale) }
            let y = try? risky()
            losses.count
            """)
        XCTAssertNil(a.verbatimReason)
        XCTAssertEqual(a.declared.map(\.name), ["train", "test", "losses", "y"])
        XCTAssertEqual(a.declared.map(\.isVar), [false, false, true, false])
        guard a.pieces.count == 6, case .binding(let tuple) = a.pieces[0], case .binding(let losses) = a.pieces[1],
              case .declaration = a.pieces[2], case .statement = a.pieces[3], case .binding(let y) = a.pieces[4],
              case .display = a.pieces[5] else { return XCTFail("\(a.pieces)") }
        XCTAssertEqual(tuple.names, ["train", "test"])
        XCTAssertTrue(tuple.throwing)
        XCTAssertFalse(y.throwing, "try? does not throw")
        XCTAssertEqual(losses.names, ["losses"])
        // Statements use `steps`, `losses`, `model`; `scale` is a member and `path:` a label.
        XCTAssertTrue(a.uses.isSuperset(of: ["steps", "losses", "model"]))
        XCTAssertFalse(a.uses.contains("scale"))
        XCTAssertFalse(a.mentions.contains("path"))
        XCTAssertFalse(a.mentions.contains("seed"), "a parameter label is not the notebook seed")
    }

    func testConstructsThatCannotBeSplitKeepTheCellWhole() {
        XCTAssertNotNil(CellAnalysis(code: "guard let v = Int(\"3\") else { fatalError() }\nprint(v)").verbatimReason)
        XCTAssertNotNil(CellAnalysis(code: "let late: Int\nlate = 3").verbatimReason)
        XCTAssertNotNil(CellAnalysis(code: "defer { print(1) }").verbatimReason)
        // A computed property and several bindings on one line stay declarations, still cacheable.
        let computed = CellAnalysis(code: "var twice: Int { 2 * base }\nlet a = 1, b = 2")
        XCTAssertNil(computed.verbatimReason)
        XCTAssertEqual(computed.pieces.filter { if case .declaration = $0 { true } else { false } }.count, 2)
    }

    func testStringInterpolationsCountAsUses() {
        let a = CellAnalysis(code: #"print("lr=\(lr), steps=\(steps)")"#)
        XCTAssertTrue(a.mentions.isSuperset(of: ["lr", "steps"]))
    }

    func testPostfixOperatorEndsAStatement() {
        let tokens = SwiftLexer.tokenize("let a = d[\"k\"]!\nprint(a)\nlet b = x!\n    .y")
        XCTAssertEqual(TrailingExpression.statements(tokens).count, 3)
    }

    func testKeyPartsNameWhatChanged() {
        let base = KeyParts(source: "s", params: ["lr": "Double 0.1"], seed: nil, deps: ["a.csv": "h1"], engine: "e",
                            toolchain: "t", previous: "p")
        var other = base
        XCTAssertEqual(base.key, other.key)
        other.engine = "e2"
        XCTAssertNotEqual(base.key, other.key)
        XCTAssertEqual(other.differences(from: base), ["engine"])
        other = base
        other.params["lr"] = "Double 0.2"
        other.deps["a.csv"] = "h2"
        XCTAssertEqual(other.differences(from: base), ["param lr", "file a.csv"])
        other = base
        other.previous = "q"
        XCTAssertEqual(other.differences(from: base), ["upstream cell"])
        XCTAssertNotEqual(other.key, base.key)
    }

    func testDepsGlobsAndErrors() throws {
        let dir = try QuireCLIHarness.scratch()
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        for name in ["b.png", "a.png", "c.txt"] { try Data(name.utf8).write(to: URL(fileURLWithPath: dir + "/data/" + name)) }
        let here = SourceLocation(file: "nb.md", line: 3)
        XCTAssertEqual(try DepsGlob.expand("data/*.png", folder: dir, at: here).map(\.relative), ["data/a.png", "data/b.png"])
        XCTAssertThrowsError(try DepsGlob.expand("data/*.jpg", folder: dir, at: here)) { e in
            XCTAssertTrue("\(e)".hasPrefix("nb.md:3: error: deps: no file matches 'data/*.jpg'"), "\(e)")
        }
        XCTAssertThrowsError(try DepsGlob.expand("data", folder: dir, at: here)) { e in
            XCTAssertTrue("\(e)".contains("is a folder"), "\(e)")
        }
        // Content, not time: a rewrite with the same bytes keeps the hash; other bytes change it.
        let hashes = FileHashes(memoPath: dir + "/memo.json")
        let file = dir + "/data/c.txt"
        let h1 = try hashes.hash(of: file, at: here)
        try Data("c.txt".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(try hashes.hash(of: file, at: here), h1)
        try Data("other".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertNotEqual(try hashes.hash(of: file, at: here), h1)
    }

    func testSizes() {
        XCTAssertEqual(ByteSize.parse("500MB"), 500_000_000)
        XCTAssertEqual(ByteSize.parse("2GiB"), 2 << 30)
        XCTAssertEqual(ByteSize.parse("1024"), 1024)
        XCTAssertNil(ByteSize.parse("lots"))
        XCTAssertNil(ByteSize.parse("-3MB"))
        XCTAssertEqual(ByteSize.text(1536), "1.5 KiB")
    }
}
