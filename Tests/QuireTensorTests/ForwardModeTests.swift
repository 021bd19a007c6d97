import QuireTestSupport
import XCTest
@testable import QuireTensor

/// Central finite differences of `f` at `inputs` along `tangents`: (f(x + hv) − f(x − hv)) / 2h, in float64.
private func finiteDifferenceJVP(_ f: ([Tensor]) -> Tensor, _ inputs: [Tensor], _ tangents: [Tensor], step h: Double) -> Tensor {
    let up = f(zip(inputs, tangents).map { $0 + $1 * h }).cast(to: .float64)
    let down = f(zip(inputs, tangents).map { $0 - $1 * h }).cast(to: .float64)
    return (up - down) / (2 * h)
}

/// Whether the reverse-mode gradient of `sum(f)` at `inputs` is finite.
private func isDifferentiable(_ f: @escaping ([Tensor]) -> Tensor, at inputs: [Tensor]) -> Bool {
    guard let g = try? grad({ (xs: [Tensor]) in f(xs).cast(to: .float64).sum() })(inputs) else { return false }
    return g.allSatisfy { $0.scalars(as: Double.self).allSatisfy(\.isFinite) }
}

final class ForwardModeTests: XCTestCase {
    /// Every primitive and differentiable composite of the reverse-mode conformance table: the JVP
    /// along a random direction against central differences, at two random draws each.
    func testJVPOfEveryRuleMatchesFiniteDifferences() throws {
        var rng = TestRNG(seed: 7)
        let cases = autodiffConformanceCases()
        for c in cases {
            for draw in 0..<2 {
                // Redraw points where the function is not differentiable (the standard deviation of
                // a single element): there the reverse-mode gradient is not finite either.
                var inputs = c.inputs(&rng)
                for _ in 0..<10 where !isDifferentiable(c.f, at: inputs) { inputs = c.inputs(&rng) }
                let tangents = inputs.map { rng.tensor($0.shape) }
                let (value, tangent) = try jvp(c.f, at: inputs, tangents: tangents)
                let direct = c.f(inputs)
                XCTAssertEqual(value.shape, direct.shape, "\(c.name): value shape")
                XCTAssertEqual(tangent.shape, direct.shape, "\(c.name): tangent shape")
                let numeric = finiteDifferenceJVP(c.f, inputs, tangents, step: c.step)
                assertClose(tangent.cast(to: .float64), numeric, rtol: c.rtol, atol: c.atol, checkDType: false,
                            "\(c.name) draw \(draw): jvp vs numeric")
            }
        }
        XCTAssertGreaterThanOrEqual(cases.count, 75)
    }

    /// jacfwd and jacrev agree with each other and with a finite-difference Jacobian, shaped output + input.
    func testJacobiansMatchFiniteDifferences() throws {
        var rng = TestRNG(seed: 11)
        let w = rng.tensor([3, 4]), x = rng.tensor([2, 3])
        let f: (Tensor) -> Tensor = { x in x.matmul(w).tanh().logSoftmax(axis: 1) }
        let forward = try jacfwd(f)(x)
        let reverse = try jacrev(f)(x)
        XCTAssertEqual(forward.shape, [2, 4, 2, 3])
        XCTAssertEqual(reverse.shape, [2, 4, 2, 3])
        var columns: [Tensor] = []
        for k in 0..<x.scalarCount {
            var v = [Double](repeating: 0, count: x.scalarCount)
            v[k] = 1
            columns.append(finiteDifferenceJVP({ f($0[0]) }, [x], [Tensor(v, shape: x.shape)], step: 1e-6))
        }
        let numeric = Tensor.stack(columns, axis: 2).reshaped([2, 4, 2, 3])
        assertClose(forward, numeric, rtol: 1e-5, atol: 1e-7, checkDType: false)
        assertClose(reverse, numeric, rtol: 1e-5, atol: 1e-7, checkDType: false)
        assertClose(forward, reverse, rtol: 1e-12, atol: 1e-12, checkDType: false)
    }

    /// The Hessian of a scalar function against the finite-difference Jacobian of its gradient, and
    /// the analytic Hessian of a cubic.
    func testHessianMatchesFiniteDifferencesOfTheGradient() throws {
        var rng = TestRNG(seed: 5)
        let a = rng.tensor([4, 4]), x = rng.tensor([4])
        let f: (Tensor) -> Tensor = { x in (a.matmul(x).sin() * x).sum() + x.exp().sum().log() }
        let h = try hessian(f)(x)
        XCTAssertEqual(h.shape, [4, 4])
        let df = grad(f)
        var columns: [Tensor] = []
        for k in 0..<4 {
            var v = [Double](repeating: 0, count: 4)
            v[k] = 1
            columns.append(finiteDifferenceJVP({ try! df($0[0]) }, [x], [Tensor(v, shape: [4])], step: 1e-5))
        }
        let numeric = Tensor.stack(columns, axis: 1)
        assertClose(h, numeric, rtol: 1e-5, atol: 1e-6, checkDType: false)
        assertClose(h, h.transposed(), rtol: 1e-10, atol: 1e-10, checkDType: false, "a Hessian is symmetric")

        let cubic = try hessian { x in (x * x * x).sum() }(Tensor([1, -2, 3] as [Double]))
        XCTAssertEqual(cubic.scalars(as: Double.self), [6, 0, 0, 0, -12, 0, 0, 0, 18])
    }

    /// jvp nests inside grad: the gradient of a directional derivative (a Hessian-vector product).
    func testJVPInsideGradGivesHessianVectorProduct() throws {
        let x = Tensor([0.5, -1, 2] as [Double]), v = Tensor([1, 2, -1] as [Double])
        // f = Σ x⁴ / 4, so ∇f = x³, ∇(∇f · v) = 3x² ⊙ v.
        let hvp = try grad { x in try jvp({ ($0 * $0 * $0 * $0 / 4).sum() }, at: x, tangent: v).tangent }(x)
        XCTAssertEqual(hvp.scalars(as: Double.self), [0.75, 6, -12])
    }

    func testMisuseIsReported() {
        let x = Tensor([1, 2] as [Float])
        XCTAssertThrowsError(try jvp({ $0.exp() }, at: x, tangent: Tensor([1, 2, 3] as [Float]))) { error in
            XCTAssertEqual((error as? AutodiffError)?.message,
                           "jvp: tangent 0 has shape [3], but its primal has shape [2]")
        }
        XCTAssertThrowsError(try jvp({ xs in xs[0] }, at: [x], tangents: [])) { error in
            XCTAssert("\(error)".contains("1 primals but 0 tangents"), "\(error)")
        }
        XCTAssertThrowsError(try jacrev { $0 }(Tensor([1, 2] as [Int32]))) { error in
            XCTAssert("\(error)".contains("jacrev: the argument has dtype int32"), "\(error)")
        }
    }
}
