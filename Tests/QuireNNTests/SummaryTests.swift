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

extension SummaryTests {
    func testPrintingAModuleShowsTheLayerTree() {
        XCTAssertEqual(String(describing: MLP([2, 3, 1], rngs: Rngs(0))), """
            MLP (13 params)
              layers.0: Linear (9 params)
                weight  [2, 3]  float32
                bias    [3]     float32
              layers.1: Linear (4 params)
                weight  [3, 1]  float32
                bias    [1]     float32
            """)
    }

    func testLayerTreeNestsSubmodulesAndMarksBuffers() {
        final class Block: Module {
            let norm = BatchNorm(2)
            let mlp = MLP([2, 2], rngs: Rngs(1))
            let gain = Param(Tensor.ones([1]))
        }
        final class Net: Module {
            let blocks = [Block(), Block()]
            let head = Sequential { Flatten(); Linear(2, 1, useBias: false, rngs: Rngs(2)) }
        }
        let net = Net()
        XCTAssertEqual("\(net)", """
            Net (24 params)
              blocks.0: Block (11 params)
                gain  [1]  float32
                blocks.0.norm: BatchNorm (4 params)
                  scale  [2]  float32
                  bias   [2]  float32
                  mean   [2]  float32  buffer
                  var    [2]  float32  buffer
                blocks.0.mlp: MLP (6 params)
                  blocks.0.mlp.layers.0: Linear (6 params)
                    weight  [2, 2]  float32
                    bias    [2]     float32
              blocks.1: Block (11 params)
                gain  [1]  float32
                blocks.1.norm: BatchNorm (4 params)
                  scale  [2]  float32
                  bias   [2]  float32
                  mean   [2]  float32  buffer
                  var    [2]  float32  buffer
                blocks.1.mlp: MLP (6 params)
                  blocks.1.mlp.layers.0: Linear (6 params)
                    weight  [2, 2]  float32
                    bias    [2]     float32
              head: Sequential (2 params)
                head.layers.0: Flatten (0 params)
                head.layers.1: Linear (2 params)
                  weight  [2, 1]  float32
            """, "\n\(net)")
        XCTAssertEqual(net.parameterCount(), 24)
    }
}
