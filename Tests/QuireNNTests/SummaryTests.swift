import XCTest
import QuireTensor
@testable import QuireNN

final class SummaryTests: XCTestCase {
    func testSummaryText() {
        final class Small: Module {
            let fc = Linear(3, 4, rngs: Rngs(0))
            let bn = BatchNorm(4)
        }
        let expected = """
            path       kind       shape   dtype    params  bytes
            ----------------------------------------------------
            fc.weight  parameter  [3, 4]  float32      12     48
            fc.bias    parameter  [4]     float32       4     16
            bn.scale   parameter  [4]     float32       4     16
            bn.bias    parameter  [4]     float32       4     16
            bn.mean    buffer     [4]     float32       4     16
            bn.var     buffer     [4]     float32       4     16
            ----------------------------------------------------
            total (6 tensors)                          32    128
            trainable                                  24     96
            buffers                                     8     32
            """
        XCTAssertEqual(Small().summary(), expected, "\n" + Small().summary())
    }
}
