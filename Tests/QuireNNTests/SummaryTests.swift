import XCTest
import QuireTensor
import QuireTestSupport
@testable import QuireNN

final class SummaryTests: XCTestCase {
    func testSummaryText() {
        final class Small: Module {
            let fc = Linear(3, 4, rngs: Rngs(0))
            let bn = BatchNorm(4)
        }
        assertSnapshot(Small().summary(), named: "summary-small")
    }
}

extension SummaryTests {
    func testSummaryOfTheDocExample() {
        assertSnapshot(MLP([2, 3, 1], rngs: Rngs(0)).summary(), named: "summary-mlp")
    }
}

extension SummaryTests {
    func testPrintingAModuleShowsTheLayerTree() {
        assertSnapshot(String(describing: MLP([2, 3, 1], rngs: Rngs(0))), named: "layer-tree-mlp")
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
        assertSnapshot("\(net)", named: "layer-tree-nested")
        XCTAssertEqual(net.parameterCount(), 24)
    }
}
