import Foundation
import QuireTestSupport
import XCTest
@testable import Quire

/// The notebook helpers' pieces that run without a runner: formatting, JSON events, PNG encoding.
final class HelpersTests: XCTestCase {
    func testDoubleFormatting() {
        XCTAssertEqual(formatDouble(2, precision: 6), "2")
        XCTAssertEqual(formatDouble(0.25, precision: 6), "0.25")
        XCTAssertEqual(formatDouble(1.0 / 3.0, precision: 4), "0.3333")
        XCTAssertEqual(formatDouble(123.456789, precision: 5), "123.46")
        XCTAssertEqual(formatDouble(.infinity, precision: 6), "inf")
    }

    /// Below 1e-4 (a learning rate, a gradient norm) the precision still applies, in scientific notation.
    func testDoubleFormattingKeepsThePrecisionForTinyAndHugeValues() {
        XCTAssertEqual(formatDouble(3.12345678e-7, precision: 6), "3.12346e-7")
        XCTAssertEqual(formatDouble(3.12345678e-7, precision: 2), "3.1e-7")
        XCTAssertEqual(formatDouble(-3.12345678e-7, precision: 3), "-3.12e-7")
        XCTAssertEqual(formatDouble(9.99996e-5, precision: 3), "1e-4")
        XCTAssertEqual(formatDouble(1e-5, precision: 6), "1e-5")
        XCTAssertEqual(formatDouble(2.5e-300, precision: 4), "2.5e-300")
        XCTAssertEqual(formatDouble(5e-324, precision: 4), "4.941e-324")
        XCTAssertEqual(formatDouble(1.23456789e20, precision: 4), "1.235e20")
        XCTAssertEqual(formatCell(Float(3.12345678e-7), precision: 3), "3.12e-7")
        XCTAssertEqual(formatCell(Double.nan, precision: 3), "nan")
    }

    func testJSONEscaping() {
        let value = EventJSON.object([("text", .string("a\"b\\c\n\u{1}é")), ("n", .int(3)), ("ok", .bool(true)),
                                      ("xs", .array([.double(0.5)]))])
        XCTAssertEqual(value.text, #"{"text":"a\"b\\c\n\u0001é","n":3,"ok":true,"xs":[0.5]}"#)
        let decoded = try? JSONSerialization.jsonObject(with: Data(value.text.utf8)) as? [String: Any]
        XCTAssertEqual(decoded?["text"] as? String, "a\"b\\c\n\u{1}é")
    }

    func testUpscaleRepeatsPixels() {
        XCTAssertEqual(upscale([1, 2, 3, 4], height: 2, width: 2, channels: 1, by: 2),
                       [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    func testPNGIsWrittenWithItsSize() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("image.png").path
        XCTAssertNil(writePNG([UInt8](repeating: 200, count: 6 * 4 * 3), width: 6, height: 4, channels: 3, to: path))
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IHDR: width and height as big-endian 32-bit integers at offsets 16 and 20.
        XCTAssertEqual(bytes[19], 6)
        XCTAssertEqual(bytes[23], 4)
        XCTAssertNotNil(writePNG([0], width: 1, height: 1, channels: 1, to: "/nonexistent/dir/x.png"))
    }

    func testImageGeometry() {
        XCTAssertTrue(imageGeometry(Tensor.zeros([3, 5])) == (3, 5, 1))
        XCTAssertTrue(imageGeometry(Tensor.zeros([3, 5, 4])) == (3, 5, 4))
    }
}
