import Foundation
import QuireData
import QuireTensor
import QuireTestSupport
import XCTest

final class SourceTests: XCTestCase {
    func testArraySourceGathersRowsOfEveryDtype() throws {
        let x = Tensor((0..<12).map(Float.init), shape: [4, 3])
        let b = Tensor([true, false, true, true], shape: [4])
        let h = Tensor((0..<8).map { Double($0) }, shape: [4, 2]).cast(to: .float16)
        let s = try ArraySource(["x": x, "b": b, "h": h])
        let r = try s.records(at: [2, 0, 2])
        XCTAssertEqual(r["x"]!.shape, [3, 3])
        XCTAssertEqual(r["x"]!.scalars(as: Float.self), [6, 7, 8, 0, 1, 2, 6, 7, 8])
        XCTAssertEqual(r["b"]!.scalars(as: Bool.self), [true, true, true])
        XCTAssertEqual(r["h"]!.scalars(as: Float.self), [4, 5, 0, 1, 4, 5])
        XCTAssertEqual(try s.record(at: 1)["x"]!.shape, [3])
        assertDataError(["record index 4", "0..<4"]) { _ = try s.records(at: [4]) }
        assertDataError(["\"y\"", "[3]", "4 records"]) { _ = try ArraySource(["x": x, "y": Tensor.zeros([3])]) }
    }

    func testCSVReadsFieldsAndNamesFileLineAndFieldOfABadRow() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("t.csv").path
        try "a,b,c,label\n1,2,3,0\n\n4.5,-5,6e1,2\n".write(toFile: path, atomically: true, encoding: .utf8)
        let csv = try CSVSource(path: path, fields: [CSVField("x", columns: 0..<3), CSVField("label", column: 3, dtype: .int32, valid: 0...2)],
                                hasHeader: true)
        XCTAssertEqual(csv.count, 2)
        XCTAssertEqual(csv.lines, [2, 4])
        let r = try csv.records(at: [1, 0])
        XCTAssertEqual(r["x"]!.scalars(as: Float.self), [4.5, -5, 60, 1, 2, 3])
        XCTAssertEqual(r["label"]!.scalars(as: Int32.self), [2, 0])
        XCTAssertEqual(r["label"]!.shape, [2])

        let fields = [CSVField("x", columns: 0..<3), CSVField("label", column: 3, dtype: .int32, valid: 0...2)]
        for (bad, expected) in [("1,2,3", "expected 4"), ("1,zz,3,0", "x[1] (value 2) is not a number: \"zz\""),
                                ("1,2,3,1.5", "label (value 4) is not an integer"), ("1,2,3,7", "label is 7, outside 0…2"),
                                ("1,2,3,0,9", "expected 4")] {
            try "1,2,3,0\n\(bad)\n".write(toFile: path, atomically: true, encoding: .utf8)
            assertDataError(["\(path):2:", expected]) { _ = try CSVSource(path: path, fields: fields) }
        }
        assertDataError(["/no/such.csv", "not found"]) { _ = try CSVSource(path: "/no/such.csv", fields: fields) }
    }

    func testJSONLinesReadsNestedArraysAndNamesTheLineOfABadRecord() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("d.jsonl").path
        try """
        {"tokens": [1, 2, 3], "m": [[1, 2], [3, 4]], "score": 0.5}
        {"tokens": [4, 5, 6], "m": [[5, 6], [7, 8]], "score": 1}

        {"tokens": [7], "m": [[0, 0], [0, 0]], "score": 2, "extra": "ignored"}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let src = try JSONLinesSource(path: path, fields: ["tokens": .int32, "m": .float32, "score": .float32])
        XCTAssertEqual(src.count, 3)
        let r = try src.records(at: [1, 0])
        XCTAssertEqual(r["tokens"]!.scalars(as: Int32.self), [4, 5, 6, 1, 2, 3])
        XCTAssertEqual(r["m"]!.shape, [2, 2, 2])
        XCTAssertEqual(r["score"]!.scalars(as: Float.self), [1, 0.5])
        // Record 2 (line 4) has 1 token: it cannot join a batch of 3-token records.
        assertDataError(["\(path):4 (record 2)", "\"tokens\"", "[1]", "[3]"]) { _ = try src.records(at: [0, 2]) }
        assertDataError(["record 2", "\(path):4"]) { _ = try MapDataset(src).batch(3).record(at: 0) }

        for (bad, expected) in [("{\"tokens\": [1], \"m\": [[1]], \"score\": 1", "not valid JSON"),
                                ("{\"tokens\": [1], \"score\": 1}", "field \"m\" is missing"),
                                ("{\"tokens\": [1.5], \"m\": [1], \"score\": 1}", "field \"tokens\" is int32 but holds 1.5"),
                                ("{\"tokens\": [1], \"m\": [[1, 2], [3]], \"score\": 1}", "field \"m\": ragged"),
                                ("[1, 2]", "expected a JSON object")] {
            try "{\"tokens\": [1], \"m\": [1], \"score\": 1}\n\(bad)\n".write(toFile: path, atomically: true, encoding: .utf8)
            assertDataError(["\(path):2:", expected]) {
                _ = try JSONLinesSource(path: path, fields: ["tokens": .int32, "m": .float32, "score": .float32])
            }
        }
    }

    /// IDX bytes written here by hand from the format's definition (magic 0 0 type rank, big-endian
    /// dimensions and values), read back through the memory-mapped source.
    func testIDXReadsBigEndianFilesAndRejectsBadHeaders() throws {
        let dir = try temporaryDirectory(self)
        func idx(_ type: UInt8, _ dims: [UInt32], _ payload: [UInt8]) -> Data {
            var d = Data([0, 0, type, UInt8(dims.count)])
            for v in dims { withUnsafeBytes(of: v.bigEndian) { d.append(contentsOf: $0) } }
            d.append(contentsOf: payload)
            return d
        }
        let images = dir.appendingPathComponent("images-idx3-ubyte"), labels = dir.appendingPathComponent("labels-idx1-ubyte")
        let floats = dir.appendingPathComponent("f-idx2")
        try idx(0x08, [3, 2, 2], (0..<12).map { UInt8($0 * 20) }).write(to: images)
        try idx(0x08, [3], [7, 1, 9]).write(to: labels)
        let values: [Float] = [1.5, -2, 3.25, 1e-3, 6, 7]
        try idx(0x0D, [3, 2], values.flatMap { v in withUnsafeBytes(of: v.bitPattern.bigEndian) { Array($0) } }).write(to: floats)
        let s = try IDXSource(files: ["image": images.path, "label": labels.path, "f": floats.path])
        XCTAssertEqual(s.count, 3)
        let r = try s.records(at: [2, 0])
        XCTAssertEqual(r["image"]!.shape, [2, 2, 2])
        XCTAssertEqual(r["image"]!.dtype, .uint8)
        XCTAssertEqual(r["image"]!.scalars(as: UInt8.self), [160, 180, 200, 220, 0, 20, 40, 60])
        XCTAssertEqual(r["label"]!.scalars(as: UInt8.self), [9, 7])
        XCTAssertEqual(r["f"]!.scalars(as: Float.self), [6, 7, 1.5, -2])

        let bad = dir.appendingPathComponent("bad")
        try Data([1, 0, 8, 1, 0, 0, 0, 1, 5]).write(to: bad)
        assertDataError([bad.path, "two zero bytes"]) { _ = try IDXSource(files: ["x": bad.path]) }
        try idx(0x0A, [1], [5]).write(to: bad)
        assertDataError([bad.path, "type code 0xa"]) { _ = try IDXSource(files: ["x": bad.path]) }
        try idx(0x08, [2, 3], [1, 2, 3, 4, 5]).write(to: bad)
        assertDataError([bad.path, "2×3", "6 bytes", "5 bytes"]) { _ = try IDXSource(files: ["x": bad.path]) }
        try idx(0x08, [2], [1, 2]).write(to: bad)
        assertDataError([bad.path, "2 records", "has 3"]) { _ = try IDXSource(files: ["image": images.path, "y": bad.path]) }
    }

    func testImageFolderDecodesPNGsWithLibpngAndNamesBadFiles() throws {
        let dir = try temporaryDirectory(self)
        for c in ["cat", "dog"] { try FileManager.default.createDirectory(at: dir.appendingPathComponent(c), withIntermediateDirectories: true) }
        let gray: [UInt8] = (0..<12).map { UInt8($0 * 10) }
        writeTestPNG(gray, width: 4, height: 3, channels: 1, to: dir.path + "/cat/a.png")
        writeTestPNG(gray.reversed(), width: 4, height: 3, channels: 1, to: dir.path + "/dog/b.png")
        writeTestPNG((0..<36).map { UInt8($0) }, width: 4, height: 3, channels: 3, to: dir.path + "/dog/c.png")
        let src = try ImageFolderSource(path: dir.path)
        XCTAssertEqual(src.classes, ["cat", "dog"])
        XCTAssertEqual(src.count, 3)
        let r = try src.records(at: [1, 0])
        XCTAssertEqual(r["image"]!.shape, [2, 3, 4, 1])
        XCTAssertEqual(r["image"]!.scalars(as: UInt8.self), gray.reversed() + gray)
        XCTAssertEqual(r["label"]!.scalars(as: Int32.self), [1, 0])
        XCTAssertEqual(try src.record(at: 2)["image"]!.scalars(as: UInt8.self), (0..<36).map { UInt8($0) })
        // An RGB image next to grayscale ones: batching names the odd record and its file.
        assertDataError(["record 2 (\(dir.path)/dog/c.png)", "[3, 4, 3]", "[3, 4, 1]"]) { _ = try src.records(at: [0, 2]) }
        XCTAssertEqual(try ImageFolderSource(path: dir.path, channels: 3).records(at: [0, 2])["image"]!.shape, [2, 3, 4, 3])

        try Data("not a png at all".utf8).write(to: dir.appendingPathComponent("cat/broken.png"))
        let withBroken = try ImageFolderSource(path: dir.path)
        assertDataError(["\(dir.path)/cat/broken.png", "PNG"]) { _ = try withBroken.records(at: [1]) }
        // Truncated after a valid header: begins reading, fails while decoding.
        let good = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/cat/a.png"))
        try good.prefix(good.count - 20).write(to: dir.appendingPathComponent("cat/broken.png"))
        assertDataError(["\(dir.path)/cat/broken.png"]) { _ = try withBroken.records(at: [1]) }
    }
}

extension SourceTests {
    func testCSVChoosesColumnsByHeaderNameAndMapsCategoriesToClassIndices() throws {
        let dir = try temporaryDirectory(self)
        let path = dir.appendingPathComponent("iris.csv").path
        try """
            sepal, petal ,width,species
            1,2,3,virginica
            4,5,6, setosa
            7,8,9,virginica
            0,1,2,versicolor

            """.write(toFile: path, atomically: true, encoding: .utf8)
        let csv = try CSVSource(path: path, fields: [
            CSVField("x", headers: ["width", "sepal"]),                 // any order, not contiguous
            CSVField("petal", header: "petal", dtype: .int32),
            .categorical("sorted", header: "species"),
            .categorical("seen", column: 3, vocabulary: .firstSeen),
            .categorical("fixed", header: "species", vocabulary: .fixed(["virginica", "versicolor", "setosa", "other"])),
        ], hasHeader: true)
        let r = try csv.records(at: [0, 1, 2, 3])
        XCTAssertEqual(r["x"]!.scalars(as: Float.self), [3, 1, 6, 4, 9, 7, 2, 0])
        XCTAssertEqual(r["x"]!.shape, [4, 2])
        XCTAssertEqual(r["petal"]!.scalars(as: Int32.self), [2, 5, 8, 1])
        XCTAssertEqual(csv.vocabularies["sorted"], ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(r["sorted"]!.scalars(as: Int32.self), [2, 0, 2, 1])
        XCTAssertEqual(r["sorted"]!.dtype, .int32)
        XCTAssertEqual(csv.vocabularies["seen"], ["virginica", "setosa", "versicolor"])
        XCTAssertEqual(r["seen"]!.scalars(as: Int32.self), [0, 1, 0, 2])
        XCTAssertEqual(csv.vocabularies["fixed"], ["virginica", "versicolor", "setosa", "other"])
        XCTAssertEqual(r["fixed"]!.scalars(as: Int32.self), [0, 2, 0, 1])
        XCTAssertNil(csv.vocabularies["x"])

        assertDataError(["\(path):1:", "field \"y\": no column named \"height\"", "\"sepal\", \"petal\""]) {
            _ = try CSVSource(path: path, fields: [CSVField("y", headers: ["width", "height"])], hasHeader: true)
        }
        assertDataError(["\(path):", "\"y\"", "hasHeader is false"]) {
            _ = try CSVSource(path: path, fields: [CSVField("y", header: "width")])
        }
        assertDataError(["\(path):5:", "s is \"versicolor\", not one of its 2 classes \"setosa\", \"virginica\""]) {
            _ = try CSVSource(path: path, fields: [.categorical("s", column: 3, vocabulary: .fixed(["setosa", "virginica"]))],
                              hasHeader: true)
        }
    }
}
