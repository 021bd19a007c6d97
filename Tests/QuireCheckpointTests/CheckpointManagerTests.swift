import Foundation
import QuireTestSupport
import Synchronization
import XCTest
import QuireNN
import QuireOptim
import QuireTensor
@testable import QuireCheckpoint

final class CheckpointManagerTests: XCTestCase {
    /// A model, an optimizer with a schedule and a PRNG key after a few steps.
    private func trainedState(steps: Int) throws -> (MLP, Optimizer<MLP>, PRNGKey) {
        let model = MLP([4, 8, 3], rngs: Rngs(1))
        let optimizer = Optimizer(model, adam(learningRate: .exponentialDecay(initialValue: 1e-2, transitionSteps: 2, decayRate: 0.9)))
        var key = PRNGKey(seed: 5)
        for _ in 0..<steps {
            let (k, sub) = key.splitPair()
            key = k
            let x = Tensor.normal(sub, shape: [6, 4])
            let (_, grads) = try valueAndGrad(of: model) { m in m(x).square().mean() }
            try optimizer.update(grads)
        }
        return (model, optimizer, key)
    }

    func testSaveAndRestoreInPlaceSyncAndAsync() throws {
        for async in [false, true] {
            let dir = try temporaryDirectory(self)
            let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(async: async))
            let (model, optimizer, key) = try trainedState(steps: 3)
            try manager.save(step: 3, items: ["model": model, "opt": optimizer, "rng": key], metrics: ["loss": 0.5])
            let savedModel = model.state(.all), savedOpt = optimizer.state
            // Training on after the save does not change what was saved (copy-on-write snapshot).
            let x = Tensor.ones([2, 4])
            try optimizer.update(try valueAndGrad(of: model) { m in m(x).sum() }.1)
            try manager.wait()
            XCTAssertEqual(try manager.allSteps, [3])
            XCTAssertEqual(try manager.latestStep, 3)
            let info = try manager.info(step: 3)
            XCTAssertEqual(info.metrics, ["loss": 0.5])
            XCTAssertEqual(Set(info.items.keys), ["model", "opt", "rng"])
            XCTAssertEqual(info.quireVersion, CheckpointInfo.quireVersion)

            let fresh = MLP([4, 8, 3], rngs: Rngs(99))
            let freshOpt = Optimizer(fresh, adam(learningRate: .exponentialDecay(initialValue: 1e-2, transitionSteps: 2, decayRate: 0.9)))
            var freshKey = PRNGKey(seed: 0)
            let restored = try manager.restore()
            XCTAssertEqual(restored.step, 3)
            try restored.load("model", into: fresh)
            try restored.load("opt", into: freshOpt)
            try restored.load("rng", into: &freshKey)
            for (path, t) in savedModel { XCTAssertEqual(bytes(fresh.state(.all)[path]!), bytes(t), path) }
            for (path, t) in savedOpt.tensors { XCTAssertEqual(bytes(freshOpt.state.tensors[path]!), bytes(t), path) }
            XCTAssertEqual(freshOpt.state.scalars, savedOpt.scalars)
            XCTAssertEqual(freshOpt.step, 3)
            XCTAssertEqual(freshKey, key)
        }
    }

    func testIntervalRetentionKeepPeriodAndBestNeverDeleted() throws {
        let dir = try temporaryDirectory(self)
        let options = CheckpointOptions(maxToKeep: 2, saveIntervalSteps: 2, keepPeriod: 8,
                                        best: .init(metric: "loss", mode: .min))
        let manager = try CheckpointManager(directory: dir, options: options)
        let losses: [Int: Double] = [2: 5, 4: 0.5, 6: 3, 8: 4, 10: 2, 12: 6, 14: 7]
        var saved: [Int] = []
        for step in 1...14 {
            let state = CheckpointState(tensors: ["w": Tensor.full([3], Double(step))])
            if try manager.save(step: step, states: ["model": state], metrics: ["loss": losses[step] ?? .nan]) {
                saved.append(step)
            }
        }
        try manager.wait()
        XCTAssertEqual(saved, [2, 4, 6, 8, 10, 12, 14])
        // Newest two (12, 14), the keepPeriod multiple 8, the best (4, loss 0.5).
        XCTAssertEqual(try manager.allSteps, [4, 8, 12, 14])
        XCTAssertEqual(try manager.bestStep, 4)
        let best = try manager.restore(.best)
        XCTAssertEqual(best.step, 4)
        XCTAssertEqual(best.states["model"]?.tensors["w"]?.scalars(as: Float.self), [4, 4, 4])
        XCTAssertEqual(try manager.restore(.step(8)).states["model"]?.tensors["w"]?.scalars(as: Float.self), [8, 8, 8])
        // Same result for a second reader opening the directory afresh.
        let reopened = try CheckpointManager(directory: dir, options: options)
        XCTAssertEqual(try reopened.bestStep, 4)
        XCTAssertThrowsError(try manager.save(step: 14, states: ["model": CheckpointState()], force: true)) {
            XCTAssertTrue("\($0)".contains("step_00000014 already exists"), "\($0)")
        }
    }

    func testPartialRestoreByItemAndPathAndIntoAnotherFloatDType() throws {
        let dir = try temporaryDirectory(self)
        let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(async: false))
        let enc = Tensor.arange(-3, 3, step: 0.25)
        let model = CheckpointState(tensors: ["encoder.w": enc, "encoder.b": Tensor.ones([2], dtype: .float64),
                                              "decoder.w": Tensor.zeros([4]), "steps": Tensor.arange(3, dtype: .int32)])
        var other = CheckpointState(tensors: ["x": Tensor.ones([1])])
        try other.setMetadata("epoch", to: 7)
        try manager.save(step: 1, states: ["model": model, "other": other])

        let r = try manager.restore(.latest, items: ["model"], paths: ["encoder.", "steps"], dtype: .bfloat16)
        XCTAssertEqual(Set(r.states.keys), ["model"])
        let t = try XCTUnwrap(r.states["model"]?.tensors)
        XCTAssertEqual(t.keys, ["encoder.w", "encoder.b", "steps"])
        XCTAssertEqual(t["encoder.w"]?.dtype, .bfloat16)
        XCTAssertEqual(t["encoder.w"]?.scalars(as: Float.self), enc.scalars(as: Float.self), "quarter steps are exact in bf16")
        XCTAssertEqual(t["encoder.b"]?.dtype, .bfloat16)
        XCTAssertEqual(t["steps"]?.dtype, .int32, "integers are not converted")
        // And back up to float32 from a bf16 checkpoint.
        try manager.save(step: 2, states: ["model": CheckpointState(tensors: ["w": enc.cast(to: .bfloat16)])])
        XCTAssertEqual(try manager.restore(.step(2), dtype: .float32).states["model"]?.tensors["w"]?.dtype, .float32)
        XCTAssertEqual(try manager.restore(.step(1), items: ["other"]).states["other"]?.metadata("epoch", as: Int.self), 7)
        XCTAssertThrowsError(try manager.restore(.step(1), items: ["nope"])) { XCTAssertTrue("\($0)".contains("no item \"nope\"")) }
        XCTAssertThrowsError(try manager.restore(.step(5))) { XCTAssertTrue("\($0)".contains("step_00000005: no such checkpoint step")) }
    }

    func testACorruptStepIsNamedInAWarningAndSkippedForThePreviousGoodOne() throws {
        let dir = try temporaryDirectory(self)
        let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(async: false))
        let warnings = Mutex<[String]>([])
        manager.warningHandler = { w in warnings.withLock { $0.append(w) } }
        for step in 1...3 {
            try manager.save(step: step, states: ["model": CheckpointState(tensors: ["w": Tensor.full([256], Double(step))])])
        }
        // Flip one bit in step 3's data, truncate step 2's file.
        let file3 = dir.appendingPathComponent("step_00000003/model.safetensors")
        var d = try Data(contentsOf: file3)
        d[d.count - 5] ^= 0x10
        try d.write(to: file3)
        let file2 = dir.appendingPathComponent("step_00000002/model.safetensors")
        try Data(contentsOf: file2).dropLast(100).write(to: file2)

        let r = try manager.restore(.latest)
        XCTAssertEqual(r.step, 1)
        XCTAssertEqual(r.states["model"]?.tensors["w"]?.scalars(as: Float.self).first, 1)
        let w = warnings.withLock { $0 }
        XCTAssertEqual(w.count, 2)
        XCTAssertTrue(w[0].contains("step 3") && w[0].contains(file3.path) && w[0].contains("SHA-256"), w[0])
        XCTAssertTrue(w[1].contains("step 2") && w[1].contains(file2.path), w[1])
        XCTAssertThrowsError(try manager.restore(.step(3))) { error in
            guard case CheckpointError.checksumMismatch(let file, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, file3.path)
        }
    }

    func testOrphanedTemporaryDirectoriesAreIgnoredAndCleanedByTheNextSave() throws {
        let dir = try temporaryDirectory(self)
        let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(async: false))
        let orphan = dir.appendingPathComponent(".tmp_step_00000009.dead")
        try FileManager.default.createDirectory(at: orphan, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: orphan.appendingPathComponent("checkpoint.json"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("step_00000007"), withIntermediateDirectories: true)
        XCTAssertEqual(try manager.allSteps, [], "a temporary and a step without checkpoint.json are not listed")
        try manager.save(step: 1, states: ["m": CheckpointState(tensors: ["w": Tensor.ones([1])])])
        XCTAssertFalse(FileManager.default.fileExists(atPath: orphan.path))
        XCTAssertEqual(try manager.allSteps, [1])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["step_00000001", "step_00000007"])
    }
}
