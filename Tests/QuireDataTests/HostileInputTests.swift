import Foundation
import QuireCheckpoint
@testable import QuireData
import QuireTensor
import QuireTestSupport
import XCTest

/// Broken and hostile data files (issue 15): each one is a `DataError` naming the file (and line,
/// field or tensor), never a trap, a hang or a silently changed value.
final class HostileInputTests: XCTestCase {
    private func write(_ bytes: [UInt8], _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        try write(Array(text.utf8), name, in: dir)
    }

    /// The message of the `DataError` `body` throws (failing the test when it throws nothing or something else).
    private func dataError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
        do { try body() } catch let e as DataError { return e.description } catch {
            XCTFail("expected a DataError, got \(type(of: error)): \(error)", file: file, line: line)
            return ""
        }
        XCTFail("expected a DataError, nothing was thrown", file: file, line: line)
        return ""
    }

    private func idx(_ type: UInt8, _ dims: [UInt32], _ payload: [UInt8] = []) -> [UInt8] {
        var d: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for n in dims { d += withUnsafeBytes(of: n.bigEndian) { Array($0) } }
        return d + payload
    }

    // MARK: Sizes

    func testIDXShapeWithAZeroBesideHugeDimensionsIsAnError() throws {
        let dir = try temporaryDirectory(self)
        let path = try write(idx(0x08, [0, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF]), "zero.idx", in: dir)
        let e = dataError { _ = try IDXSource(files: ["x": path]) }
        XCTAssertTrue(e.hasPrefix(path) && e.contains("more elements than fit"), e)
    }

    func testIDXDimensionProductOverflowIsAnError() throws {
        let dir = try temporaryDirectory(self)
        let path = try write(idx(0x0E, [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], [1, 2, 3]), "big.idx", in: dir)
        let e = dataError { _ = try IDXSource(files: ["x": path]) }
        XCTAssertTrue(e.hasPrefix(path) && e.contains("more elements than fit"), e)
    }

    func testSafetensorsSourceWithAScalarFirstTensorIsAnError() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("s.safetensors")
        try Safetensors.write(["s": Tensor(Float(1)), "v": Tensor.zeros([2])], to: url)
        let e = dataError { _ = try SafetensorsSource(path: url.path, fields: ["s", "v"]) }
        XCTAssertTrue(e.hasPrefix(url.path) && e.contains("\"s\" is a scalar"), e)
    }

    func testSafetensorsSourceShapeWithAZeroBesideHugeDimensionsIsAnError() throws {
        let dir = try temporaryDirectory(self)
        let path = try write(safetensorsBytes(#"{"x":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}}"#),
                             "zero.safetensors", in: dir)
        let e = dataError { _ = try SafetensorsSource(path: path) }
        XCTAssertTrue(e.hasPrefix(path) && e.contains("tensor \"x\"") && e.contains("more elements than fit"), e)
    }

    func testPNGDeclaringATenBillionPixelsIsRefusedBeforeAllocating() throws {
        let dir = try temporaryDirectory(self).appendingPathComponent("bomb")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let png = tinyPNG(width: 100_000, height: 100_000)
        XCTAssertLessThan(png.count, 120)
        let path = try write(png, "huge.png", in: dir)
        let source = try ImageFolderSource(path: dir.path)
        let e = dataError { _ = try source.record(at: 0) }
        XCTAssertTrue(e.hasPrefix(path) && e.contains("100000 × 100000 pixels"), e)
    }

    // MARK: Opening

    func testAFIFOIsRefusedAtOnceByEverySource() throws {
        let dir = try temporaryDirectory(self)
        let fifo = dir.appendingPathComponent("pipe.png").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let readers: [(String, () throws -> Void)] = [
            ("CSV", { _ = try CSVSource(path: fifo, fields: [CSVField("x", column: 0)]) }),
            ("JSON Lines", { _ = try JSONLinesSource(path: fifo, fields: ["x": .float32]) }),
            ("IDX", { _ = try IDXSource(files: ["x": fifo]) }),
            ("safetensors", { _ = try SafetensorsSource(path: fifo) }),
            ("PNG folder", { _ = try ImageFolderSource(path: dir.path).record(at: 0) }),
        ]
        for (name, read) in readers {
            // On a regression the open blocks forever: run it aside and give up after a few seconds.
            let run = Attempt(read)
            let done = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                run.go()
                done.signal()
            }
            guard done.wait(timeout: .now() + 10) == .success else {
                XCTFail("\(name): opening a FIFO did not return within 10 s")
                continue
            }
            XCTAssertTrue(run.message.contains(fifo) && run.message.contains("FIFO"), "\(name): \(run.message)")
        }
    }

    func testMissingFilesDirectoriesAndBadUTF8AreNamedInPlainWords() throws {
        let dir = try temporaryDirectory(self)
        let missing = dir.appendingPathComponent("nope.csv").path
        for read in [{ _ = try CSVSource(path: missing, fields: [CSVField("x", column: 0)]) },
                     { _ = try JSONLinesSource(path: missing, fields: ["x": .float32]) },
                     { _ = try IDXSource(files: ["x": missing]) }] as [() throws -> Void] {
            XCTAssertEqual(dataError(read), "\(missing): not found")
        }
        let e = dataError { _ = try CSVSource(path: dir.path, fields: [CSVField("x", column: 0)]) }
        XCTAssertTrue(e.hasPrefix(dir.path) && e.contains("is a directory") && !e.contains("NSCocoaErrorDomain"), e)
        let latin1 = try write([0x31, 0x0A, 0x32, 0x0A, 0x33, 0xE9, 0x0A], "latin1.csv", in: dir)
        XCTAssertEqual(dataError { _ = try CSVSource(path: latin1, fields: [CSVField("x", column: 0)]) },
                       "\(latin1):3: not UTF-8 at byte 5 (line 3)")
        let jsonl = try write([0x7B, 0x7D, 0x0A, 0xFF], "bad.jsonl", in: dir)
        XCTAssertEqual(dataError { _ = try JSONLinesSource(path: jsonl, fields: [:]) }, "\(jsonl):2: not UTF-8 at byte 3 (line 2)")
    }

    // MARK: Text values

    func testCSVWithCRLFLineEndsSplitsIntoRows() throws {
        let dir = try temporaryDirectory(self)
        let path = try write("1,2\r\n3,4\r\n\r\n5,6\r\n", "crlf.csv", in: dir)
        let src = try CSVSource(path: path, fields: [CSVField("a", column: 0, dtype: .int32), CSVField("b", column: 1)])
        XCTAssertEqual(src.count, 3)
        XCTAssertEqual(src.lines, [1, 2, 4])
        XCTAssertEqual(try src.records(at: [0, 1, 2])["a"]!.scalars(as: Int32.self), [1, 3, 5])
        XCTAssertEqual(try src.records(at: [0, 1, 2])["b"]!.scalars(as: Float.self), [2, 4, 6])
    }

    func testCSVValuesThatDoNotFitTheirDTypeAreErrorsNotSaturatedOrInfinite() throws {
        let dir = try temporaryDirectory(self)
        let ints = try write("1,0.5\n3000000000,0.5\n", "ints.csv", in: dir)
        let fields = [CSVField("label", column: 0, dtype: .int32), CSVField("x", column: 1)]
        let e = dataError { _ = try CSVSource(path: ints, fields: fields) }
        XCTAssertTrue(e.hasPrefix("\(ints):2: label") && e.contains("3000000000") && e.contains("int32 range"), e)
        let huge = try write("1,0.5\n2,1e400\n", "huge.csv", in: dir)
        let h = dataError { _ = try CSVSource(path: huge, fields: fields) }
        XCTAssertTrue(h.hasPrefix("\(huge):2: x") && h.contains("1e400") && h.contains("infinity"), h)
        let f32 = try write("1,1e39\n", "f32.csv", in: dir)
        let f = dataError { _ = try CSVSource(path: f32, fields: fields) }
        XCTAssertTrue(f.hasPrefix("\(f32):1: x") && f.contains("float32 range"), f)
        // Spelled-out infinities and NaNs are the values they say.
        let spelled = try write("1,inf\n2,nan\n", "spelled.csv", in: dir)
        XCTAssertEqual(try CSVSource(path: spelled, fields: fields).count, 2)
    }

    func testJSONLinesValuesThatAreNotNumbersOfTheirDTypeAreErrors() throws {
        let dir = try temporaryDirectory(self)
        let cases: [(String, DType, String)] = [
            (#"{"x": true}"#, .float32, "got true"),
            (#"{"x": [1, false]}"#, .float32, "got false"),
            (#"{"x": 1e400}"#, .float32, "field \"x\": a number out of range"),
            (#"{"x": [1, -1e400]}"#, .float32, "field \"x\": a number out of range"),
            (#"{"x": [1, 2}"#, .float32, "not valid JSON"),
            (#"{"x": 1e39}"#, .float32, "float32 range"),
            (#"{"x": 3000000000}"#, .int32, "int32 range"),
            (#"{"x": 300}"#, .uint8, "uint8 range"),
            (#"{"x": 1.5}"#, .int32, "not an integer"),
        ]
        for (k, (line, dtype, expected)) in cases.enumerated() {
            let path = try write("{\"x\": 1}\n" + line + "\n", "case\(k).jsonl", in: dir)
            let e = dataError { _ = try JSONLinesSource(path: path, fields: ["x": dtype]) }
            XCTAssertTrue(e.hasPrefix("\(path):2:") && e.contains(expected), "\(line): \(e)")
        }
        let crlf = try write("{\"x\": 1}\r\n{\"x\": 2}\r\n", "crlf.jsonl", in: dir)
        XCTAssertEqual(try JSONLinesSource(path: crlf, fields: ["x": .int32]).count, 2)
    }
}

/// A reader run on another thread, keeping what it threw (read back after the thread signals).
private final class Attempt: @unchecked Sendable {
    let body: () throws -> Void
    var message = ""
    init(_ body: @escaping () throws -> Void) { self.body = body }
    func go() { do { try body() } catch { message = "\(error)" } }
}

/// A safetensors file from a header string and data bytes (no validation: for hostile fixtures).
func safetensorsBytes(_ header: String, data: [UInt8] = []) -> [UInt8] {
    let json = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + data
}

/// A syntactically valid PNG that declares `width` × `height` 8-bit gray pixels and holds almost none.
func tinyPNG(width: UInt32, height: UInt32) -> [UInt8] {
    func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return withUnsafeBytes(of: UInt32(body.count).bigEndian) { Array($0) } + typed
            + withUnsafeBytes(of: crc32(typed).bigEndian) { Array($0) }
    }
    var ihdr: [UInt8] = []
    ihdr += withUnsafeBytes(of: width.bigEndian) { Array($0) }
    ihdr += withUnsafeBytes(of: height.bigEndian) { Array($0) }
    ihdr += [8, 0, 0, 0, 0]   // bit depth 8, gray, deflate, adaptive filter, no interlace
    let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]   // zlib of one 0 byte
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", idat) + chunk("IEND", [])
}

private func crc32(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }
    return ~c
}
