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

extension SummaryTests {
    func testSummaryOfTheDocExample() {
        XCTAssertEqual(MLP([2, 3, 1], rngs: Rngs(0)).summary(), """
            path             kind       shape   dtype    params  bytes
            ----------------------------------------------------------
            layers.0.weight  parameter  [2, 3]  float32       6     24
            layers.0.bias    parameter  [3]     float32       3     12
            layers.1.weight  parameter  [3, 1]  float32       3     12
            layers.1.bias    parameter  [1]     float32       1      4
            ----------------------------------------------------------
            total (4 tensors)                                13     52
            trainable                                        13     52
            """)
    }
}
