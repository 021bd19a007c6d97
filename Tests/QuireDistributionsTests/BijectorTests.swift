import Foundation
import QuireTensor
import QuireTesting
import XCTest
@testable import QuireDistributions

final class BijectorTests: XCTestCase {
    let x = Tensor([-2.0, -0.4, 0.0, 0.9, 3.0])

    /// inverse ∘ forward is the identity, and the log-determinant is log |dy/dx| from autodiff
    /// (elementwise maps: the gradient of Σy is the diagonal of the Jacobian).
    func testInverseAndLogDeterminant() throws {
        let bijectors: [(String, any Bijector)] = [
            ("affine", Affine(shift: 1.5, scale: -2, dtype: .float64)), ("scale", Scale(3, dtype: .float64)),
            ("shift", Shift(-1, dtype: .float64)), ("tanh", Tanh()), ("sigmoid", Sigmoid()),
            ("chain", Chain([Affine(shift: 2, scale: 3, dtype: .float64), Sigmoid(), Scale(0.5, dtype: .float64)])),
        ]
        for (name, b) in bijectors {
            let y = b.forward(x)
            try assertAllClose(b.inverse(y), x, rtol: 1e-12, atol: 1e-12, name: "\(name) inverse")
            let derivative = try grad { x in b.forward(x).sum() }(x)
            try assertAllClose(b.forwardLogDetJacobian(x), derivative.abs().log(), rtol: 1e-12, atol: 1e-12, name: "\(name) log det")
            try assertAllClose(b.inverseLogDetJacobian(y), -derivative.abs().log(), rtol: 1e-10, atol: 1e-10, name: "\(name) inverse log det")
        }
    }

    func testChainAppliesRightToLeft() throws {
        let chain = Chain([Shift(1, dtype: .float64), Scale(2, dtype: .float64)])
        try assertAllEqual(chain.forward(Tensor([3.0])), Tensor([7.0]))
        try assertAllEqual(chain.inverse(Tensor([7.0])), Tensor([3.0]))
    }

    /// A transformed normal's density against the closed forms: an affine map gives a normal, a sigmoid gives
    /// the logit-normal p(y) = N(logit y; μ, σ) / (y(1 − y)).
    func testTransformedLogProb() throws {
        let base = Normal(loc: 0.3, scale: 1.4, dtype: .float64)
        let affine = Transformed(base, Affine(shift: -1, scale: 2.5, dtype: .float64))
        try assertAllClose(affine.logProb(x), Normal(loc: -0.25, scale: 3.5, dtype: .float64).logProb(x), rtol: 1e-12, name: "affine")
        let y = Tensor([0.05, 0.3, 0.5, 0.92])
        let logitNormal = Transformed(base, Sigmoid())
        let logit = y.log() - (-y).log1p()
        let expected = base.logProb(logit) - y.log() - (-y).log1p()
        try assertAllClose(logitNormal.logProb(y), expected, rtol: 1e-12, name: "logit-normal")
        // sampleAndLogProb (no inverse) agrees with logProb of the sample (through the inverse).
        let (s, lp) = Transformed(try Normal(loc: Tensor([0.1, -0.2]), scale: Tensor([0.5, 0.8])), Tanh())
            .sampleAndLogProb(key: PRNGKey(seed: 3), shape: [6])
        let tanhNormal = Transformed(try Normal(loc: Tensor([0.1, -0.2]), scale: Tensor([0.5, 0.8])), Tanh())
        try assertAllClose(lp, tanhNormal.logProb(s), rtol: 1e-9, name: "tanh-normal")
        // Over a vector event the log-determinant is summed over the event axis.
        let mvn = try MultivariateNormalDiag(loc: Tensor([[0.0, 1.0]]), scaleDiag: Tensor([[1.0, 2.0]]))
        let scaled = Transformed(mvn, Scale(2, dtype: .float64))
        try assertAllClose(scaled.logProb(Tensor([[1.0, 1.0]])),
                           mvn.logProb(Tensor([[0.5, 0.5]])) - 2 * Foundation.log(2.0), rtol: 1e-12, name: "event sum")
    }

    func testClearErrors() {
        XCTAssertThrowsError(try Normal(loc: Tensor([0.0, 0.0, 0.0]), scale: Tensor([1.0, 1.0]))) { error in
            XCTAssertEqual("\(error)", "Normal: loc of shape [3] and scale of shape [2] do not broadcast")
        }
        XCTAssertThrowsError(try Gamma(concentration: Tensor([1.0] as [Double]), rate: Tensor([1] as [Float]))) { error in
            XCTAssertEqual("\(error)", "Gamma: concentration is float64 but rate is float32")
        }
        XCTAssertThrowsError(try Categorical(logits: Tensor([1, 2] as [Int32]))) { error in
            XCTAssertEqual("\(error)", "Categorical: logits must be a float tensor, got int32")
        }
        XCTAssertThrowsError(try Dirichlet(concentration: Tensor(1.0, dtype: .float64))) { error in
            XCTAssertEqual("\(error)", "Dirichlet: concentration must have rank ≥ 1 with a non-empty last axis (the event), got shape []")
        }
        let squashed = Transformed(Normal(loc: 0, scale: 1), Tanh())
        XCTAssertThrowsError(try squashed.entropy()) { XCTAssertEqual("\($0)", "Transformed: entropy has no closed form") }
        XCTAssertThrowsError(try Uniform().mode) { XCTAssertEqual($0 as? DistributionError, .undefined("Uniform", "mode (every point of the support is one)")) }
    }
}
