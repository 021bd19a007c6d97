import Foundation
import QuireTensor
import QuireTesting
import XCTest
@testable import QuireDistributions

/// Sample means and variances of 100k draws (fixed key) within 4 standard errors of the closed forms:
/// SE(mean) = √(σ²/n), SE(variance) = √((μ₄ − σ⁴)/n) with μ₄ the fourth central moment.
final class SamplingTests: XCTestCase {
    let n = 100_000
    let key = PRNGKey(seed: 20_261_206)

    /// `samples` is `[n, k]` (or `[n]`); `mean`, `variance`, `fourth` give each component's moments.
    func checkMoments(_ name: String, _ samples: Tensor, mean: [Double], variance: [Double], fourth: [Double],
                      file: StaticString = #filePath, line: UInt = #line) {
        let k = mean.count
        let x = samples.cast(to: .float64).reshaped([n, k])
        let m = x.mean(axis: 0).scalars(as: Double.self)
        let v = x.variance(axis: 0).scalars(as: Double.self)
        for i in 0..<k {
            let seMean = (variance[i] / Double(n)).squareRoot()
            let seVar = ((fourth[i] - variance[i] * variance[i]) / Double(n)).squareRoot()
            XCTAssertLessThan(abs(m[i] - mean[i]), 4 * seMean, "\(name)[\(i)] mean \(m[i]) vs \(mean[i]) (SE \(seMean))", file: file, line: line)
            XCTAssertLessThan(abs(v[i] - variance[i]), 4 * seVar, "\(name)[\(i)] variance \(v[i]) vs \(variance[i]) (SE \(seVar))", file: file, line: line)
        }
    }

    func testNormalAndMultivariateNormalDiag() throws {
        let d = try Normal(loc: Tensor([0.5, -2.0]), scale: Tensor([1.7, 0.1]))
        let x = d.sample(key: key, shape: [n])
        XCTAssertEqual(x.shape, [n, 2])
        checkMoments("normal", x, mean: [0.5, -2.0], variance: [2.89, 0.01], fourth: [3 * 2.89 * 2.89, 3e-4])
        let mvn = try MultivariateNormalDiag(loc: Tensor([[1.0, 2.0, 3.0]]), scaleDiag: Tensor([[0.5, 1.0, 2.0]]))
        let y = mvn.sample(key: key.fold(in: 1), shape: [n])
        XCTAssertEqual(y.shape, [n, 1, 3])
        checkMoments("mvn", y, mean: [1, 2, 3], variance: [0.25, 1, 4], fourth: [3 * 0.0625, 3, 48])
    }

    func testLaplaceAndUniform() throws {
        let laplace = Laplace(loc: 1, scale: 0.5, dtype: .float64)
        checkMoments("laplace", laplace.sample(key: key, shape: [n]), mean: [1], variance: [0.5], fourth: [24 * 0.0625])
        let uniform = Uniform(low: -1, high: 3, dtype: .float64)
        let u = uniform.sample(key: key, shape: [n])
        XCTAssertEqual(u.min().item(as: Double.self) >= -1 && u.max().item(as: Double.self) < 3, true)
        checkMoments("uniform", u, mean: [1], variance: [16.0 / 12], fourth: [256.0 / 80])
        // float32 samples too: Laplace's open interval keeps log(1 − |u|) finite.
        try assertAllFinite(Laplace(loc: 0, scale: 1).sample(key: key, shape: [n]))
    }

    func testGamma() throws {
        // α ≥ 1 and α < 1 (the boosted branch), with rates.
        let alpha = [0.3, 1.0, 4.5], rate = [2.0, 1.0, 0.5]
        let d = try Gamma(concentration: Tensor(alpha), rate: Tensor(rate))
        let x = d.sample(key: key, shape: [n])
        XCTAssertEqual(x.shape, [n, 3])
        XCTAssertGreaterThan(x.min().item(as: Double.self), 0)
        let variance = zip(alpha, rate).map { $0 / ($1 * $1) }
        let fourth = zip(alpha, variance).map { a, v in v * v * (3 + 6 / a) }
        checkMoments("gamma", x, mean: zip(alpha, rate).map { $0 / $1 }, variance: variance, fourth: fourth)
    }

    func testBetaAndDirichlet() throws {
        let beta = Beta(alpha: 2.3, beta: 0.8, dtype: .float64)
        let (m, v, mu4) = betaMoments(2.3, 0.8)
        checkMoments("beta", beta.sample(key: key, shape: [n]), mean: [m], variance: [v], fourth: [mu4])
        let alpha = [0.7, 2.0, 3.5], total = alpha.reduce(0, +)
        let dir = try Dirichlet(concentration: Tensor(alpha))
        let x = dir.sample(key: key, shape: [n])
        try assertAllClose(x.sum(axis: -1), Tensor.ones([n], dtype: .float64), rtol: 1e-12, name: "row sums")
        // Each component of a Dirichlet is Beta(α_i, α₀ − α_i).
        let marginals = alpha.map { betaMoments($0, total - $0) }
        checkMoments("dirichlet", x, mean: marginals.map(\.0), variance: marginals.map(\.1), fourth: marginals.map(\.2))
    }

    func testCategoricalAndBernoulli() throws {
        let probs = [0.1, 0.2, 0.3, 0.4]
        let c = try Categorical(probs: Tensor(probs))
        let draws = c.sample(key: key, shape: [n])
        XCTAssertEqual(draws.dtype, .int32)
        let frequencies = draws.oneHot(depth: 4, dtype: .float64)
        checkMoments("categorical", frequencies, mean: probs, variance: probs.map { $0 * (1 - $0) },
                     fourth: probs.map { p in p * (1 - p) * (1 - 3 * p * (1 - p)) })
        let b = try Bernoulli(logits: Tensor([-1.0, 2.0]))
        let p = b.probs.scalars(as: Double.self)
        checkMoments("bernoulli", b.sample(key: key, shape: [n]), mean: p, variance: p.map { $0 * (1 - $0) },
                     fourth: p.map { p in p * (1 - p) * (1 - 3 * p * (1 - p)) })
    }

    func testTransformedAffineMoments() throws {
        let d = Transformed(Normal(loc: 1, scale: 2, dtype: .float64), Affine(shift: -3, scale: 0.5, dtype: .float64))
        checkMoments("affine", d.sample(key: key, shape: [n]), mean: [-2.5], variance: [1], fourth: [3])
    }

    /// Mean, variance and fourth central moment of Beta(a, b).
    func betaMoments(_ a: Double, _ b: Double) -> (Double, Double, Double) {
        let s = a + b
        let v = a * b / (s * s * (s + 1))
        let excess = 6 * ((a - b) * (a - b) * (s + 1) - a * b * (s + 2)) / (a * b * (s + 2) * (s + 3))
        return (a / s, v, v * v * (3 + excess))
    }
}
