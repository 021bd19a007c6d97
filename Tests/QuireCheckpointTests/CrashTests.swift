#if canImport(Glibc)
import Glibc
#endif
import Foundation
import QuireTestSupport
import XCTest
import QuireTensor
@testable import QuireCheckpoint

/// A child copy of this test binary saves checkpoints in a loop and is killed with SIGKILL at random
/// moments; after every kill the directory must list only complete steps, and the newest must load
/// bit-identically to what that step was saved with.
final class CrashTests: XCTestCase {
    static let childVariable = "QUIRE_CKPT_CRASH_DIR"
    static let kills = 160

    /// The content saved for `step`: depends only on the step, so the parent knows what to expect.
    static func states(step: Int) throws -> [String: CheckpointState] {
        let s = Double(step)
        var model = CheckpointState(tensors: [
            "layers.0.weight": Tensor.arange(0, 4096, step: 1).reshaped(64, 64) * 0.5 + s,
            "layers.0.bias": Tensor.full([64], -s, dtype: .float64),
            "layers.1.weight": (Tensor.arange(0, 2048, step: 1) * 0.25 + s).cast(to: .bfloat16),
        ])
        try model.setMetadata("step", to: step)
        var opt = CheckpointState(tensors: ["mu/layers.0.weight": Tensor.full([64, 64], s * 1e-3)])
        try opt.setMetadata("scalars", to: ["count": s])
        return ["model": model, "opt": opt]
    }

    /// Saves forever (the parent kills it); does nothing in a normal test run.
    func testChildSavesInALoop() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.childVariable] else { return }
        let manager = try CheckpointManager(directory: URL(fileURLWithPath: path),
                                            options: CheckpointOptions(maxToKeep: 2, async: true))
        var step = (try manager.latestStep ?? 0) + 1
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        while step < 1_000_000 {
            try manager.save(step: step, states: Self.states(step: step), metrics: ["loss": 1 / Double(step)])
            step += 1
        }
    }

    func testSIGKILLAtRandomMomentsNeverLeavesATornStepListed() throws {
        if ProcessInfo.processInfo.environment[Self.childVariable] != nil { return }
        let dir = try temporaryDirectory(self)
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        var rng = TestRNG(seed: 42)
        var lastLatest = 0, killsMidSave = 0
        for kill in 0..<Self.kills {
            let child = Process()
            child.executableURL = binary
            child.arguments = ["QuireCheckpointTests.CrashTests/testChildSavesInALoop"]
            var env = ProcessInfo.processInfo.environment
            env[Self.childVariable] = dir.path
            child.environment = env
            let out = Pipe()
            child.standardOutput = out
            child.standardError = FileHandle.nullDevice
            try child.run()
            _ = out.fileHandleForReading.availableData   // "ready": the child is about to save
            usleep(UInt32(rng.next() % 40_000))
            Glibc.kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationReason, .uncaughtSignal, "kill \(kill): the child stopped by itself")

            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            if names.contains(where: { $0.hasPrefix(".tmp_") }) { killsMidSave += 1 }
            let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(async: false))
            let steps = try manager.allSteps
            guard let latest = steps.last else { continue }
            XCTAssertGreaterThanOrEqual(latest, lastLatest, "kill \(kill): a committed step disappeared")
            lastLatest = latest
            // Every listed step is complete and loads; the newest exactly as saved.
            for step in steps {
                let restored = try manager.restore(.step(step))
                guard step == latest else { continue }
                let expected = try Self.states(step: step)
                for (item, state) in expected {
                    let got = try XCTUnwrap(restored.states[item], "kill \(kill): step \(step) lacks \(item)")
                    XCTAssertEqual(got.tensors.keys, state.tensors.keys)
                    for (path, t) in state.tensors {
                        XCTAssertEqual(got.tensors[path].map(bytes), bytes(t), "kill \(kill): step \(step) \(item)/\(path)")
                    }
                    XCTAssertEqual(got.metadata, state.metadata)
                }
            }
        }
        XCTAssertGreaterThan(lastLatest, Self.kills / 10, "the children saved too little to test anything")
        XCTAssertGreaterThan(killsMidSave, Self.kills / 10, "too few kills landed in the middle of a save")
        print("crash test: \(Self.kills) kills, \(killsMidSave) mid-save, \(lastLatest) steps committed")
    }
}
