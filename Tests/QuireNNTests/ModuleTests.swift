import XCTest
import QuireTensor
@testable import QuireNN

private final class Attn: Module {
    let query: Linear
    let key: Linear
    init(rngs: Rngs) { query = Linear(4, 4, rngs: rngs); key = Linear(4, 4, useBias: false, rngs: rngs) }
}

private final class Block: Module {
    let attn: Attn
    let norm: LayerNorm
    init(rngs: Rngs) { attn = Attn(rngs: rngs); norm = LayerNorm(4) }
}

private final class Net: Module {
    let blocks: [Block]
    let heads: [String: Linear]
    let scale = Param(Tensor.ones([1]), kind: .frozen)
    let steps = Param.buffer(Tensor.zeros([1]))
    let optionalHead: Linear?
    let constant = Tensor.ones([2])          // plain tensors are not state
    let rngs: Rngs                           // other classes are not walked
    init(rngs: Rngs) {
        blocks = [Block(rngs: rngs), Block(rngs: rngs)]
        heads = ["b": Linear(4, 2, rngs: rngs), "a": Linear(4, 3, rngs: rngs)]
        optionalHead = nil
        self.rngs = rngs
    }
}

final class ModuleTests: XCTestCase {
    func testPathsOfNestedModulesArraysAndDictionaries() {
        let net = Net(rngs: Rngs(0))
        XCTAssertEqual(net.state().keys, [
            "blocks.0.attn.query.weight", "blocks.0.attn.query.bias", "blocks.0.attn.key.weight",
            "blocks.0.norm.scale", "blocks.0.norm.bias",
            "blocks.1.attn.query.weight", "blocks.1.attn.query.bias", "blocks.1.attn.key.weight",
            "blocks.1.norm.scale", "blocks.1.norm.bias",
            "heads.a.weight", "heads.a.bias", "heads.b.weight", "heads.b.bias",
            "scale", "steps",
        ])
        XCTAssertEqual(net.state(.frozen).keys, ["scale"])
        XCTAssertEqual(net.state(.buffer).keys, ["steps"])
        XCTAssertEqual(net.state(.trainable).count, 14)
        XCTAssertEqual(net.namedModules().map(\.path).prefix(4), ["", "blocks.0", "blocks.0.attn", "blocks.0.attn.query"])
        XCTAssertNoThrow(try net.validate())
    }

    func testArraysAndDictionariesOfParams() {
        final class Bag: Module {
            let list = [Param(Tensor.zeros([1])), Param(Tensor.zeros([2]))]
            let named = ["w": Param(Tensor.zeros([3]))]
        }
        XCTAssertEqual(Bag().state().keys, ["list.0", "list.1", "named.w"])
    }

    func testValidationReportsEveryProblem() {
        final class Bad: Module {
            let shared: Param
            let again: Param
            let pair: (Linear, Int)
            let nested: [[Linear]]
            let dotted: [String: Linear]
            override init() {
                let rngs = Rngs(0)
                shared = Param(Tensor.zeros([1])); again = shared
                pair = (Linear(1, 1, rngs: rngs), 0)
                nested = [[Linear(1, 1, rngs: rngs)]]
                dotted = ["a.b": Linear(1, 1, rngs: rngs)]
            }
        }
        XCTAssertThrowsError(try Bad().validate()) { error in
            let problems = (error as! ModuleError).problems
            XCTAssertEqual(problems.count, 4, "\(problems)")
            XCTAssertTrue(problems[0].hasPrefix("again: the same Param box is already at shared"))
            XCTAssertTrue(problems[1].hasPrefix("pair: unsupported container"), problems[1])
            XCTAssertTrue(problems[2].hasPrefix("nested: unsupported container of modules or params (Array<Array<Linear>>)"), problems[2])
            XCTAssertTrue(problems[3].hasPrefix("dotted.a.b: dictionary key \"a.b\""))
        }
        final class Twice: Module {
            let a: Linear
            let b: Linear
            override init() { a = Linear(1, 1, rngs: Rngs(0)); b = a }
        }
        XCTAssertThrowsError(try Twice().validate()) { error in
            XCTAssertEqual((error as! ModuleError).problems,
                           ["b: the same Linear instance is already at a; a module may appear only once in a tree"])
        }
    }

    func testReassignedBoxIsDetected() {
        final class Holder: Module { var w = Param(Tensor.zeros([2])) }
        let h = Holder()
        _ = h.state()               // caches the table
        h.w = Param(Tensor.ones([2]))
        XCTAssertThrowsError(try h.validate()) { error in
            XCTAssertTrue("\(error)".hasPrefix("w: the Param box was replaced after reflection"), "\(error)")
        }
        h.invalidateReflection()
        XCTAssertNoThrow(try h.validate())
        XCTAssertEqual(h.state()["w"]!.scalars(), [1, 1])
    }

    func testTrainEvalPropagates() {
        let net = Net(rngs: Rngs(0))
        net.eval()
        XCTAssertTrue(net.namedModules().allSatisfy { !$0.module.isTraining })
        net.train()
        XCTAssertTrue(net.blocks[1].attn.query.isTraining)
    }

    func testRngsStreamsAreCounterBased() {
        let a = Rngs(params: 0, dropout: 1), b = Rngs(params: 0, dropout: 1)
        _ = a.dropout(); _ = a.dropout()
        XCTAssertEqual(a.params(), b.params())                   // streams are independent
        XCTAssertEqual(a.dropout(), PRNGKey(seed: 1).fold(in: 2))
        XCTAssertNotEqual(Rngs(0).next("x"), Rngs(0).next("y"))
        XCTAssertEqual(a.count("dropout"), 3)
    }
}
