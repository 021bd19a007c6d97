import Foundation
import QuireOptim
import QuireTensor
import QuireTestSupport
import XCTest

/// Trajectories recorded from Optax itself (Fixtures/gen_*.py, run with the peers' virtualenv), replayed
/// with Quire's transforms: the same problem, the same gradients from Quire's autodiff, the same steps.
final class OptaxFixtureTests: XCTestCase {
    struct Trajectory: Decodable {
        let optax: String
        let hyper: [String: Double]
        let x: [[Double]]
        let y: [Double]
        let start: [String: [Double]]
        let steps: [[String: [Double]]]
    }

    static func load(_ name: String) throws -> Trajectory {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name).json")
        return try JSONDecoder().decode(Trajectory.self, from: Data(contentsOf: url))
    }

    /// `optax.rmsprop(centered=True, momentum=0.9)` on mean((x·w + bias − y)²), 25 steps, to 1e-6 absolute.
    func testCenteredRMSPropMatchesOptax() throws {
        let f = try Self.load("rmsprop_centered")
        let h = f.hyper
        let tx = rmsprop(learningRate: h["learningRate"]!, decay: h["decay"]!, eps: h["eps"]!, centered: true,
                         momentum: h["momentum"]!)
        let x = Tensor(f.x.flatMap { $0 }, shape: [f.x.count, f.x[0].count]), y = Tensor(f.y, shape: [f.y.count])
        let lossOf: (TensorDict) throws -> Tensor = { p in
            squaredError(predictions: x.matmul(p["w"]!) + p["bias"]!, targets: y).mean()
        }
        var params: TensorDict = ["w": Tensor(f.start["w"]!, shape: [3]), "bias": Tensor(f.start["bias"]!, shape: [1])]
        var state = tx.initialize(params: params)
        XCTAssertEqual(f.steps.count, 25)
        for (t, expected) in f.steps.enumerated() {
            let grads = try grad(lossOf)(params)
            let r = try tx.update(grads: grads, state: state, params: params)
            params = try applyUpdates(params, r.updates)
            state = r.state
            for k in ["w", "bias"] {
                assertClose(params[k]!.scalars(as: Double.self), expected[k]!, rtol: 0, atol: 1e-6,
                            "step \(t + 1), \(k) (Optax \(f.optax))")
            }
        }
        XCTAssertEqual(state.step, 25)
    }
}
