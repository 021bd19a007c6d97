import QuireTensor
import XCTest
@testable import QuireTesting

final class VariantTests: XCTestCase {
    func testEagerIsAlwaysRegisteredAndBodiesRunOncePerVariant() throws {
        XCTAssertEqual(Variants.all.first?.name, "eager")
        var ran: [String] = []
        let x = Tensor([1, 2, 3] as [Float])
        try withVariants { variant in
            ran.append(variant.name)
            let f = variant { (x: Tensor) in (x * x).sum() }
            try assertAllClose(try f(x), Tensor(Float(14)))
        }
        XCTAssertEqual(ran, Variants.all.map(\.name))
    }

    /// A registered variant joins every `withVariants` run; a failure under it names it. The test
    /// variant here doubles the result, as a broken compiled mode would.
    func testRegisteredVariantFailureNamesTheVariant() throws {
        let broken = Variant(name: "doubling") { f in { xs in try f(xs) * 2 } }
        let x = Tensor([1, 2] as [Double])
        do {
            try withVariants([.eager, broken]) { v in
                try assertAllClose(try v({ (xs: [Tensor]) in xs[0].sum() })([x]), Tensor(3.0), name: "sum")
            }
            XCTFail("no failure")
        } catch let f as AssertionFailure {
            XCTAssertEqual(f.variant, "doubling")
            XCTAssertEqual(f.line, #line - 5)
            XCTAssertTrue(f.description.hasSuffix(": assertAllClose failed [variant doubling]: sum[] is 6, expected 3: |difference| 3 > atol 0 + rtol 1e-06 · |expected| (1 of 1 element differ)"), f.description)
        }
        XCTAssertThrowsError(try assertVariantsAgree({ xs in xs[0].sum() }, at: [x], variants: [.eager, broken])) { error in
            XCTAssertTrue("\(error)".hasSuffix("assertVariantsAgree failed [variant doubling]: result[] is 6, expected 3: |difference| 3 > atol 0 + rtol 1e-06 · |expected| (1 of 1 element differ) (eager gives the expected value)"), "\(error)")
        }
        Variants.register(broken)
        defer { Variants.unregister("doubling") }
        XCTAssertEqual(Variants.all.map(\.name).suffix(1), ["doubling"])
        XCTAssertNotNil(Variants.named("doubling"))
    }

    /// `jit` is registered by default; a function with a gradient inside agrees with eager, traced and replayed.
    func testJitIsRegisteredAndAgreesWithEager() throws {
        XCTAssertEqual(Variants.all.map(\.name).prefix(2), ["eager", "jit"])
        let x = Tensor([0.5, -1, 2] as [Double])
        try assertVariantsAgree({ xs in try grad { (t: Tensor) in (t.tanh() * t).sum() }(xs[0]) }, at: [x])
        let f = Variant.jit { (xs: [Tensor]) in (xs[0].exp() * 2).sum() }
        for v in [x, x * 2, x] { try assertAllClose(try f([v]), (v.exp() * 2).sum()) }   // traced once, then replayed
    }

    func testOtherErrorsBecomeFailuresUnderTheirVariant() {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        XCTAssertThrowsError(try withVariants([.eager]) { _ in throw Boom() }) { error in
            XCTAssertTrue("\(error)".hasSuffix("withVariants failed [variant eager]: the body threw boom"), "\(error)")
        }
    }
}
