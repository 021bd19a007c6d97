import Foundation
import QuireTensor
import QuireTesting
import XCTest
@testable import QuireDistributions

/// Log-probabilities, entropies and KL divergences in float64 against SciPy's (Fixtures/references.json,
/// written by Fixtures/make_references.py; the KLs there are numerical integrals), to 1e-6 relative.
final class ReferenceTests: XCTestCase {
    nonisolated(unsafe) static let references: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/references.json")
        let data = try! Data(contentsOf: url)
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    func ref(_ name: String) -> [String: Any] { Self.references[name] as! [String: Any] }
    func t(_ v: Any) -> Tensor {
        if let a = v as? [[Double]] { return Tensor(a) }
        if let a = v as? [Double] { return Tensor(a) }
        return Tensor(v as! Double, dtype: .float64)
    }

    /// Checks logProb, prob, entropy and KL of `d` (built from the reference's parameters) and `other`.
    func check<D: Distribution>(_ name: String, _ d: D, kl: (D) -> Tensor, value: (Any) -> Tensor = { v in
        (v as? [[Double]]).map { Tensor($0) } ?? Tensor(v as! [Double]) }, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = ref(name)
        XCTAssertEqual(d.dtype, .float64)
        let x = value(r["x"]!)
        try assertAllClose(d.logProb(x), t(r["logProb"]!), rtol: 1e-6, atol: 1e-12, name: "\(name).logProb", file: file, line: line)
        try assertAllClose(d.prob(x), t(r["logProb"]!).exp(), rtol: 1e-6, atol: 1e-12, name: "\(name).prob", file: file, line: line)
        try assertAllClose(try d.entropy(), t(r["entropy"]!), rtol: 1e-6, atol: 1e-12, name: "\(name).entropy", file: file, line: line)
        try assertAllClose(kl(d), t(r["kl"]!), rtol: 1e-6, atol: 1e-12, name: "\(name).kl", file: file, line: line)
    }

    func param(_ name: String, _ key: String, other: Bool = false) -> Tensor {
        let r = ref(name)
        return t(other ? (r["other"] as! [String: Any])[key]! : r[key]!)
    }

    func testNormal() throws {
        let d = try Normal(loc: param("normal", "loc"), scale: param("normal", "scale"))
        let q = try Normal(loc: param("normal", "loc", other: true), scale: param("normal", "scale", other: true))
        try check("normal", d, kl: { $0.klDivergence(to: q) })
        // The same distribution as a one-dimensional MultivariateNormalDiag.
        let mvn = try MultivariateNormalDiag(loc: d.loc.reshaped([1]), scaleDiag: d.scale.reshaped([1]))
        let mq = try MultivariateNormalDiag(loc: q.loc.reshaped([1]), scaleDiag: q.scale.reshaped([1]))
        try check("normal", mvn, kl: { $0.klDivergence(to: mq) }, value: { Tensor($0 as! [Double]).reshaped([5, 1]) })
    }

    func testLaplace() throws {
        let d = try Laplace(loc: param("laplace", "loc"), scale: param("laplace", "scale"))
        let q = try Laplace(loc: param("laplace", "loc", other: true), scale: param("laplace", "scale", other: true))
        try check("laplace", d, kl: { $0.klDivergence(to: q) })
    }

    func testUniform() throws {
        let d = try Uniform(low: param("uniform", "low"), high: param("uniform", "high"))
        let q = try Uniform(low: param("uniform", "low", other: true), high: param("uniform", "high", other: true))
        try check("uniform", d, kl: { $0.klDivergence(to: q) })
        XCTAssertEqual(d.logProb(Tensor([-1.5, 2.5])).scalars(as: Double.self), [-.infinity, -.infinity])
        XCTAssertEqual(q.klDivergence(to: d).item(as: Double.self), .infinity, "q's support is not inside d's")
    }

    func testGamma() throws {
        for name in ["gamma", "gammaSmall"] {
            let d = try Gamma(concentration: param(name, "concentration"), rate: param(name, "rate"))
            let q = try Gamma(concentration: param(name, "concentration", other: true), rate: param(name, "rate", other: true))
            try check(name, d, kl: { $0.klDivergence(to: q) })
        }
    }

    func testBeta() throws {
        let d = try Beta(alpha: param("beta", "alpha"), beta: param("beta", "beta"))
        let q = try Beta(alpha: param("beta", "alpha", other: true), beta: param("beta", "beta", other: true))
        try check("beta", d, kl: { $0.klDivergence(to: q) })
    }

    func testDirichlet() throws {
        let d = try Dirichlet(concentration: param("dirichlet", "concentration"))
        let q = try Dirichlet(concentration: param("dirichlet", "concentration", other: true))
        try check("dirichlet", d, kl: { $0.klDivergence(to: q) })
    }

    func testCategoricalFromProbsAndFromLogits() throws {
        let probs = param("categorical", "probs"), other = param("categorical", "probs", other: true)
        let d = try Categorical(probs: probs)
        let q = try Categorical(probs: other)
        try check("categorical", d, kl: { $0.klDivergence(to: q) }, value: { Tensor(($0 as! [Double]).map { Int32($0) }) })
        let fromLogits = try Categorical(logits: probs.log() + 3)
        try check("categorical", fromLogits, kl: { $0.klDivergence(to: q) }, value: { Tensor(($0 as! [Double]).map { Int32($0) }) })
        XCTAssertEqual(d.mode.item(as: Int32.self), 3)
        // A class of probability 0: log-probability −∞, no NaN in the entropy.
        let sparse = try Categorical(probs: Tensor([0.5, 0, 0.5]))
        XCTAssertEqual(sparse.logProb(Tensor([1] as [Int32])).item(as: Double.self), -.infinity)
        XCTAssertEqual(sparse.entropy().item(as: Double.self), Foundation.log(2), accuracy: 1e-15)
    }

    func testBernoulli() throws {
        let d = try Bernoulli(probs: param("bernoulli", "probs"))
        let q = try Bernoulli(probs: param("bernoulli", "probs", other: true))
        try check("bernoulli", d, kl: { $0.klDivergence(to: q) })
        let logits = try Bernoulli(logits: Tensor(Foundation.log(0.3 / 0.7), dtype: .float64))
        try check("bernoulli", logits, kl: { $0.klDivergence(to: q) })
    }

    func testSpecialFunctions() throws {
        let r = ref("special")
        let x = t(r["x"]!)
        try assertAllClose(Special.logGamma(x), t(r["logGamma"]!), rtol: 1e-12, atol: 1e-14, name: "logGamma")
        try assertAllClose(Special.digamma(x), t(r["digamma"]!), rtol: 1e-12, atol: 1e-14, name: "digamma")
        try assertAllClose(Special.trigamma(x), t(r["trigamma"]!), rtol: 1e-12, atol: 1e-14, name: "trigamma")
        try assertAllClose(x.mappedInFloat64(ScalarSpecial.tetragamma), t(r["tetragamma"]!), rtol: 1e-12, atol: 1e-14, name: "tetragamma")
        for case let row as [Double] in r["gammaP"] as! [Any] {
            XCTAssertEqual(ScalarSpecial.regularizedGammaP(row[0], row[1]), row[2], accuracy: 1e-13 + 1e-12 * row[2], "P(\(row[0]), \(row[1]))")
        }
    }

    func testMomentsAndModes() throws {
        let g = Gamma(concentration: 3, rate: 2, dtype: .float64)
        XCTAssertEqual(g.mean.item(as: Double.self), 1.5)
        XCTAssertEqual(g.variance.item(as: Double.self), 0.75)
        XCTAssertEqual(g.mode.item(as: Double.self), 1)
        XCTAssertTrue(Gamma(concentration: 0.5, rate: 1, dtype: .float64).mode.item(as: Double.self).isNaN)
        let b = Beta(alpha: 2, beta: 5, dtype: .float64)
        XCTAssertEqual(b.mode.item(as: Double.self), 0.2, accuracy: 1e-15)
        let dir = try Dirichlet(concentration: Tensor([2.0, 3.0, 5.0]))
        XCTAssertEqual(dir.mode.scalars(as: Double.self), [1.0 / 7, 2.0 / 7, 4.0 / 7].map { $0 }, accuracy: 1e-15)
        XCTAssertEqual(try Uniform(low: 0, high: 1, dtype: .float64).standardDeviation.item(as: Double.self), (1.0 / 12).squareRoot(), accuracy: 1e-15)
    }
}

func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
