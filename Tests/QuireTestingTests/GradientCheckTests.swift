import QuireTensor
import XCTest
@testable import QuireTesting

final class GradientCheckTests: XCTestCase {
    let x = Tensor([0.3, -1.2, 2.0] as [Double])

    func testCorrectGradientsPassToSecondOrder() throws {
        let report = try checkGradients({ x in (x.tanh() * x.exp()).sum() }, at: x, order: 2)
        XCTAssertEqual(report.orders.map(\.order), [1, 2])
        XCTAssertEqual(report.orders.map(\.checked), [3, 3])
        XCTAssertLessThan(report.orders[0].error, report.orders[0].tolerance)
        XCTAssertTrue(report.description.hasPrefix("order 1: 3 elements, worst x["), report.description)
        try checkGradients({ xs in (xs[0].sigmoid() * xs[1]).sum() }, at: [x, x * 2], order: 3)
        try checkGradients({ p in (p["w"]! * p["b"]!).square().mean() },
                           at: ["w": x, "b": Tensor([0.5, 0.25, 2] as [Double]), "step": Tensor(Int32(3))])
        // float32 with its looser defaults.
        try checkGradients({ x in x.softplus().sum() }, at: Tensor([-3, 0, 3] as [Float]))
    }

    /// A wrong custom VJP (twice the true derivative of sin) is caught, and the failure names the element,
    /// both values, the step and the tolerance.
    func testWrongGradientIsReportedAtTheCaller() throws {
        let wrongSin = customVJP(name: "wrongSin",
                                 forward: { (x: Tensor) in (x.sin(), [x]) },
                                 backward: { r, g in g * r[0].cos() * 2 })
        let at = Tensor([0.5] as [Double])
        do {
            try checkGradients({ x in wrongSin(x).sum() }, at: at); let line = #line
            XCTFail("no failure \(line)")
        } catch let f as AssertionFailure {
            XCTAssertEqual(f.assertion, "checkGradients")
            XCTAssertEqual(f.line, #line - 4)
            let analytic = 2 * cos(0.5)
            XCTAssertTrue(f.message.hasPrefix("gradient at x[0] is \(analytic) by autodiff but 0.87758256"), f.message)
            XCTAssertTrue(f.message.contains("by central differences (step 6.0554544"), f.message)
            XCTAssertTrue(f.message.hasSuffix("> atol 1e-09 + rtol 1e-06 · |numeric|"), f.message)
        }
        // The first order is right and the second is not: order 2 catches it.
        let wrongSecond = customVJP(name: "cube",
                                    forward: { (x: Tensor) in (x * x * x, [x]) },
                                    backward: { r, g in g * 3 * r[0].stopGradient().square() })
        XCTAssertNoThrow(try checkGradients({ x in wrongSecond(x).sum() }, at: at))
        XCTAssertThrowsError(try checkGradients({ x in wrongSecond(x).sum() }, at: at, order: 2)) { error in
            XCTAssertTrue("\(error)".contains("checkGradients failed: order-2 derivative (gradient of the projected order-1 gradient) at x[0] is 0.0 by autodiff"), "\(error)")
        }
    }

    func testBadArguments() {
        XCTAssertThrowsError(try checkGradients({ x in x * 2 }, at: x)) { error in
            XCTAssertEqual((error as? AssertionFailure)?.message, "the function must return one element, got shape [3]")
        }
        XCTAssertThrowsError(try checkGradients({ x in x.sum() }, at: x, order: 0)) { error in
            XCTAssertEqual((error as? AssertionFailure)?.message, "order must be at least 1, got 0")
        }
    }
}
