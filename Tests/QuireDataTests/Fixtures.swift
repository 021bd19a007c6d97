import CPNG
import Foundation
import QuireData
import QuireTensor
import XCTest

/// Writes 8-bit pixels as a PNG with libpng (channels 1 or 3).
func writeTestPNG(_ pixels: [UInt8], width: Int, height: Int, channels: Int, to path: String) {
    var image = png_image()
    image.version = QUIRE_PNG_IMAGE_VERSION
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = channels == 1 ? QUIRE_PNG_FORMAT_GRAY : QUIRE_PNG_FORMAT_RGB
    let ok = pixels.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, Int32(width * channels), nil) }
    png_image_free(&image)
    precondition(ok != 0, "could not write the PNG fixture \(path)")
}

/// `n` records: `x` = [i, i + 0.5] float32, `y` = i int32.
func numbered(_ n: Int) throws -> MapDataset {
    let x = Tensor((0..<n).flatMap { [Float($0), Float($0) + 0.5] }, shape: [n, 2])
    let y = Tensor((0..<n).map { Int32($0) }, shape: [n])
    return MapDataset(try ArraySource(["x": x, "y": y]))
}

/// The `y` labels of every element an iterator yields, element by element.
func labels(_ it: DataIterator) throws -> [[Int32]] {
    var out: [[Int32]] = []
    while let e = try it.nextElement() { out.append(e["y"]!.scalars(as: Int32.self)) }
    return out
}

/// Every element as its fields' scalars, for exact comparison.
func contents(_ it: DataIterator) throws -> [[String: [Float]]] {
    var out: [[String: [Float]]] = []
    while let e = try it.nextElement() {
        var d: [String: [Float]] = [:]
        for (k, v) in e { d[k] = v.scalars(as: Float.self) }
        out.append(d)
    }
    return out
}

/// Asserts `body` throws a ``DataError`` whose text contains every one of `parts`.
func assertDataError(_ parts: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected a DataError containing \(parts)", file: file, line: line)
    } catch let e as DataError {
        for p in parts { XCTAssertTrue(e.description.contains(p), "\"\(e.description)\" lacks \"\(p)\"", file: file, line: line) }
    } catch {
        XCTFail("expected a DataError, got \(error)", file: file, line: line)
    }
}

/// Runs `script` with the test virtualenv's Python (made by scripts/test.sh) as an independent writer of
/// fixture files; fails the test, not skips it, when numpy or safetensors is missing.
func runPython(_ script: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
    let exe = ProcessInfo.processInfo.environment["QUIRE_TEST_PYTHON"] ?? "python3"
    func run(_ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [exe] + args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }
    guard try run(["-c", "import numpy, safetensors"]).0 == 0 else {
        XCTFail("numpy and safetensors are missing in \(exe): run scripts/test.sh (it makes the test virtualenv)", file: file, line: line)
        throw DataError("no Python modules")
    }
    let (status, stderr) = try run(["-c", script] + arguments)
    guard status == 0 else {
        XCTFail("python failed (\(status)):\n\(stderr)", file: file, line: line)
        throw DataError("python failed")
    }
}
