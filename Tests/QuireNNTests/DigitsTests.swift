import QuireTestSupport
import XCTest
import QuireData
import QuireTensor
@testable import QuireNN

final class DigitsTests: XCTestCase {
    func testLoadsAFixedEightyTwentySplit() throws {
        let a = try Digits.load(from: Digits.defaultPath), b = try Digits.load(from: Digits.defaultPath)
        XCTAssertEqual(a.train.x.shape, [1437, 64])
        XCTAssertEqual(a.train.y.shape, [1437])
        XCTAssertEqual(a.test.x.shape, [360, 64])
        XCTAssertEqual(a.train.x.dtype, .float32)
        XCTAssertEqual(a.train.y.dtype, .int32)
        XCTAssertEqual(a.train.x.max().item(as: Float.self), 1)
        XCTAssertEqual(a.test.y.scalars(as: Int32.self), b.test.y.scalars(as: Int32.self))
        XCTAssertEqual(Set(a.test.y.scalars(as: Int32.self)), Set(0..<10))
    }

    func testMalformedRowsNameFileAndLine() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("digits-bad.csv")
        let good = Array(repeating: "0", count: 64).joined(separator: ",") + ",3"
        for (bad, expected) in [("1,2,3", "expected 65"), (good.replacingOccurrences(of: ",3", with: ",x"), "not an integer"),
                                (good.replacingOccurrences(of: ",3", with: ",12"), "label is 12")] {
            try (good + "\n" + bad + "\n").write(to: url, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Digits.load(from: url.path)) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.contains("\(url.path):2:") && text.contains(expected), text)
            }
        }
    }
}
