import Foundation
import QuireTensor
import QuireTesting
import XCTest
@testable import QuireDistributions

/// Gradients of reparameterized samples and of log-densities against central finite differences
/// (QuireTesting's checkGradients, float64), and the Gamma sampler's implicit gradients.
final class GradientTests: XCTestCase {
    let key = PRNGKey(seed: 5)
    /// A fixed weighting, so the checked scalar depends on every sample differently.
    func weights(_ shape: [Int]) -> Tensor { Tensor.normal(PRNGKey(seed: 99), shape: shape, dtype: .float64) }

    func testReparameterizedSamplesOfLocationScaleFamilies() throws {
        let loc = Tensor([0.3, -1.2]), scale = Tensor([0.7, 1.9])
        let w = weights([4, 2])
        try checkGradients({ p in (try Normal(loc: p[0], scale: p[1]).sample(key: self.key, shape: [4]) * w).sum() }, at: [loc, scale])
        try checkGradients({ p in (try Laplace(loc: p[0], scale: p[1]).sample(key: self.key, shape: [4]) * w).sum() }, at: [loc, scale])
        try checkGradients({ p in (try Uniform(low: p[0], high: p[1] + 2).sample(key: self.key, shape: [4]) * w).sum() }, at: [loc, scale])
        try checkGradients({ p in
            (try MultivariateNormalDiag(loc: p[0], scaleDiag: p[1]).sample(key: self.key, shape: [4]) * w).sum()
        }, at: [loc, scale])
        // Through a bijector: a tanh-squashed normal.
        try checkGradients({ p in
            (Transformed(try Normal(loc: p[0], scale: p[1]), Tanh()).sample(key: self.key, shape: [4]) * w).sum()
        }, at: [loc, scale])
    }

    /// log-densities, entropies and KLs with respect to the parameters, to second order where log Γ and ψ
    /// are involved (their custom VJPs are ψ and ψ').
    func testLogProbEntropyAndKLGradients() throws {
        let x = Tensor([0.2, 0.9, 2.4])
        let a = Tensor([0.8, 2.0, 3.3]), b = Tensor([1.5, 0.6, 2.2])
        try checkGradients({ p in try Gamma(concentration: p[0], rate: p[1]).logProb(x).sum() }, at: [a, b], order: 2)
        try checkGradients({ p in try Gamma(concentration: p[0], rate: p[1]).entropy().sum() }, at: [a, b])
        let u = Tensor([0.1, 0.5, 0.85])
        try checkGradients({ p in try Beta(alpha: p[0], beta: p[1]).logProb(u).sum() }, at: [a, b], order: 2)
        try checkGradients({ p in
            try Beta(alpha: p[0], beta: p[1]).klDivergence(to: Beta(alpha: p[1], beta: p[0] + 1)).sum()
        }, at: [a, b])
        try checkGradients({ c in try Dirichlet(concentration: c).entropy().sum() }, at: a, order: 2)
        try checkGradients({ p in try Normal(loc: p[0], scale: p[1]).klDivergence(to: Normal(loc: p[1], scale: p[0] + 1)).sum() }, at: [a, b])
        try checkGradients({ l in try Categorical(logits: l).entropy() }, at: Tensor([0.5, -1.0, 2.0]))
        try checkGradients({ l in try Bernoulli(logits: l).logProb(Tensor([1.0, 0.0, 1.0])).sum() }, at: Tensor([0.5, -1.0, 2.0]))
    }

    /// Implicit reparameterization: along dz/dα the CDF value of each sample does not move, so
    /// d/dα P(α, z(α)) = 0; checked by a central difference of P along the gradient, for α < 1 and α > 1.
    func testGammaImplicitGradientKeepsTheCDFFixed() throws {
        let alpha = Tensor([0.35, 1.0, 2.5, 9.0])
        let z = GammaSampler.sample(key: key, concentration: alpha)
        let dz = try grad { a in GammaSampler.sample(key: self.key, concentration: a).sum() }(alpha)
        let (a, zs, g) = (alpha.scalars(as: Double.self), z.scalars(as: Double.self), dz.scalars(as: Double.self))
        for i in a.indices {
            let h = 1e-5
            let along = (ScalarSpecial.regularizedGammaP(a[i] + h, zs[i] + h * g[i]) - ScalarSpecial.regularizedGammaP(a[i] - h, zs[i] - h * g[i])) / (2 * h)
            let across = (ScalarSpecial.regularizedGammaP(a[i] + h, zs[i]) - ScalarSpecial.regularizedGammaP(a[i] - h, zs[i])) / (2 * h)
            XCTAssertLessThan(abs(along), 1e-7 * max(1, abs(across)), "α \(a[i]), z \(zs[i]), dz/dα \(g[i])")
            XCTAssertGreaterThan(abs(across), 1e-4, "the check has something to cancel")
        }
    }

    /// The gradients are unbiased: the mean of dz/dα over 100k samples is d/dα E[z] = 1/β for Gamma, and
    /// d/dα E[x] = β/(α + β)² for Beta, within 4 standard errors.
    func testGammaAndBetaGradientsMatchTheDerivativeOfTheMean() throws {
        let n = 100_000
        let alpha = Tensor.full([n], 0.7, dtype: .float64)
        let perSample = try grad { a in try Gamma(concentration: a, rate: Tensor(2.0, dtype: .float64)).sample(key: self.key).sum() }(alpha)
        try assertMeanWithin4SE(perSample, 0.5, "Gamma dz/dα")
        let betaGrad = try grad { a in try Beta(alpha: a, beta: Tensor(3.0, dtype: .float64)).sample(key: self.key).sum() }(alpha)
        try assertMeanWithin4SE(betaGrad, 3.0 / (3.7 * 3.7), "Beta dx/dα")
    }

    func assertMeanWithin4SE(_ x: Tensor, _ expected: Double, _ what: String) throws {
        let n = Double(x.scalarCount)
        let mean = x.mean().item(as: Double.self)
        let se = (x.variance().item(as: Double.self) / n).squareRoot()
        XCTAssertLessThan(abs(mean - expected), 4 * se, "\(what): mean \(mean) vs \(expected) (SE \(se))")
    }
}
