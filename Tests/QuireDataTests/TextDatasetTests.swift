import Foundation
import QuireData
import QuireTensor
import QuireTestSupport
import XCTest

final class TextDatasetTests: XCTestCase {
    func testCharTokenizerVocabularyAndRoundTrip() throws {
        let tok = CharTokenizer(training: "hello, world")
        XCTAssertEqual(String(String.UnicodeScalarView(tok.symbols)), " ,dehlorw", "sorted by code point, as Python's sorted(set(text))")
        XCTAssertEqual(try tok.encode("hello"), [4, 3, 5, 5, 6])
        XCTAssertEqual(tok.decode(try tok.encode("world, hello")), "world, hello")
        XCTAssertThrowsError(try tok.encode("help")) { e in
            XCTAssertEqual("\(e)", "CharTokenizer: scalar U+70 (p) at scalar offset 3 is not in the 9-symbol vocabulary and there is no byte fallback")
        }
    }

    func testByteFallbackEncodesUnknownScalarsAsUTF8Bytes() throws {
        let tok = CharTokenizer(training: "ab", byteFallback: true)
        XCTAssertEqual(tok.vocabularySize, 2 + 256)
        let ids = try tok.encode("aé🙂b")
        XCTAssertEqual(ids, [0, 2 + 0xC3, 2 + 0xA9, 2 + 0xF0, 2 + 0x9F, 2 + 0x99, 2 + 0x82, 1])
        XCTAssertEqual(tok.decode(ids), "aé🙂b")
        XCTAssertEqual(tok.decode([2 + 0xF0, 0]), "\u{FFFD}a", "a cut UTF-8 sequence decodes to U+FFFD")
        let bytes = CharTokenizer.bytes
        XCTAssertEqual(try bytes.encode("é"), [0xC3, 0xA9])
        XCTAssertEqual(try bytes.encodeTensor("hi").scalars(as: Int32.self), [104, 105])
    }

    func testTokenizerSaveLoadAndBadFiles() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("tokenizer.json")
        let tok = CharTokenizer(training: "Quire\n\t\"é", byteFallback: true)
        try tok.save(to: url)
        XCTAssertEqual(try CharTokenizer.load(from: url), tok)
        func rejects(_ text: String, _ expected: String) throws {
            let bad = dir.appendingPathComponent("bad.json")
            try Data(text.utf8).write(to: bad)
            XCTAssertThrowsError(try CharTokenizer.load(from: bad)) { e in
                XCTAssertTrue("\(e)".hasPrefix(bad.path + ": "), "\(e)")
                XCTAssertTrue("\(e)".contains(expected), "\(e)")
            }
        }
        try rejects("{", "not a tokenizer file")
        try rejects(#"{"format":"other","version":1,"symbols":[],"byteFallback":false}"#, "expected \"quire-char-tokenizer\" version 1")
        try rejects(#"{"format":"quire-char-tokenizer","version":1,"symbols":["ab"],"byteFallback":false}"#, "symbols[0] is \"ab\"")
        try rejects(#"{"format":"quire-char-tokenizer","version":1,"symbols":["a","a"],"byteFallback":false}"#, "repeat")
        XCTAssertThrowsError(try CharTokenizer.load(from: dir.appendingPathComponent("missing.json")))
    }

    private func ids(_ n: Int) -> Tensor { Tensor((0..<n).map { Int32($0) }, shape: [n]) }

    func testRandomWindowsAreShiftedPairsFixedByIndex() throws {
        let windows = try TextWindows(tokens: ids(100), length: 8, order: .random(seed: 3))
        XCTAssertEqual(windows.count, 12)
        let r = try windows.records(at: [0, 5, 11])
        let x = r["inputs"]!.scalars(as: Int32.self), y = r["targets"]!.scalars(as: Int32.self)
        XCTAssertEqual(r["inputs"]!.shape, [3, 8])
        for (i, record) in [0, 5, 11].enumerated() {
            let s = Int32(windows.start(of: record))
            XCTAssertEqual(Array(x[(i * 8)..<(i * 8 + 8)]), (s..<(s + 8)).map { $0 })
            XCTAssertEqual(Array(y[(i * 8)..<(i * 8 + 8)]), ((s + 1)...(s + 8)).map { $0 })
            XCTAssertLessThanOrEqual(s + 8, 99)
        }
        let starts = Set((0..<12).map(windows.start(of:)))
        XCTAssertGreaterThan(starts.count, 6, "starts spread over the text: \(starts)")
        let other = try TextWindows(tokens: ids(100), length: 8, order: .random(seed: 4))
        XCTAssertNotEqual((0..<12).map(other.start(of:)), (0..<12).map(windows.start(of:)))
        // Batching does not change which window a record is.
        let batched = try MapDataset(windows).batch(4).iterator().nextElement()!
        XCTAssertEqual(batched["inputs"]!.scalars(as: Int32.self), try windows.records(at: [0, 1, 2, 3])["inputs"]!.scalars(as: Int32.self))
    }

    func testSequentialWindowsTileTheText() throws {
        let windows = try TextWindows(tokens: ids(33), length: 8, order: .sequential)
        XCTAssertEqual(windows.count, 4)
        XCTAssertEqual(try windows.records(at: [3])["targets"]!.scalars(as: Int32.self), Array(25...32).map { Int32($0) })
        XCTAssertThrowsError(try windows.records(at: [4]))
        XCTAssertThrowsError(try TextWindows(tokens: ids(33), length: 8, order: .sequential, count: 5))
        XCTAssertThrowsError(try TextWindows(tokens: ids(8), length: 8, order: .sequential)) { e in
            XCTAssertTrue("\(e)".contains("8 tokens cannot hold a window of 8 + 1"), "\(e)")
        }
        XCTAssertThrowsError(try TextWindows(tokens: Tensor.zeros([40]), length: 8, order: .sequential)) { e in
            XCTAssertTrue("\(e)".contains("must be int32 [n]"), "\(e)")
        }
    }

    func testIteratorResumesFromACheckpointedState() throws {
        let windows = try TextWindows(tokens: ids(500), length: 16, order: .random(seed: 0), count: 64)
        let dataset = MapDataset(windows).batch(4)
        let all = dataset.iterator().map { $0["inputs"]!.scalars(as: Int32.self) }
        let it = dataset.iterator(workers: 2)
        for _ in 0..<5 { _ = try it.nextElement() }
        let saved = try it.checkpointState()
        let resumed = dataset.iterator()
        try resumed.load(saved)
        let rest = resumed.map { $0["inputs"]!.scalars(as: Int32.self) }
        XCTAssertEqual(rest, Array(all.dropFirst(5)))
    }

    func testCorpusReadsPlainFilesInNameOrder() throws {
        let dir = try temporaryDirectory(self)
        try Data("second\n".utf8).write(to: dir.appendingPathComponent("b"))
        try Data("first\n".utf8).write(to: dir.appendingPathComponent("a"))
        try Data("index".utf8).write(to: dir.appendingPathComponent("a.dat"))
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("c"), withDestinationURL: dir.appendingPathComponent("a"))
        try Data([0x66, 0xFF, 0x0A]).write(to: dir.appendingPathComponent("d"))
        let corpus = try TextCorpus.read(directory: dir.path, plainOnly: true, source: "test")
        XCTAssertEqual(corpus.text, "first\nsecond\nf\u{FFFD}\n")
        XCTAssertEqual(corpus.files.map { ($0 as NSString).lastPathComponent }, ["a", "b", "d"])
        XCTAssertEqual(corpus.source, "test, 3 files")
        XCTAssertThrowsError(try TextCorpus.read(directory: dir.appendingPathComponent("nope").path, plainOnly: true, source: "x"))
    }
}
