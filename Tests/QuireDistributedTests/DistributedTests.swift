import Foundation
import XCTest
import QuireCheckpoint
import QuireData
import QuireDistributed
import QuireNN
import QuireTensor

final class DistributedTests: XCTestCase {
    // MARK: A world of one (no mpirun, no MPI call)

    func testWorldOfOneReturnsInputs() throws {
        XCTAssertFalse(Distributed.isLaunched)
        XCTAssertEqual(Distributed.rank, 0)
        XCTAssertEqual(Distributed.worldSize, 1)
        try Distributed.initialize()
        try Distributed.barrier()
        let x = Tensor([Float(1), 2, 3])
        XCTAssertEqual(try Distributed.allReduce(x, .mean).scalars(as: Float.self), [1, 2, 3])
        XCTAssertEqual(try Distributed.broadcast(x).scalars(as: Float.self), [1, 2, 3])
        XCTAssertEqual(try Distributed.allGather(x).shape, [1, 3])
        XCTAssertEqual(try Distributed.allReduce(4.5, .sum), 4.5)
    }

    func testReduceRejectsBoolAndIntegerMean() {
        XCTAssertThrowsError(try Distributed.allReduce(["mask": Tensor([true, false])], .sum)) { e in
            XCTAssertTrue("\(e)".contains("mask is bool"), "\(e)")
        }
        XCTAssertThrowsError(try Distributed.allReduce(["count": Tensor([Int32(1)])], .mean)) { e in
            XCTAssertTrue("\(e)".contains("count is int32"), "\(e)")
        }
        XCTAssertThrowsError(try Distributed.broadcast(Tensor([Float(1)]), from: 1)) { e in
            XCTAssertTrue("\(e)".contains("root rank 1 is outside 0..<1"), "\(e)")
        }
    }

    /// The shards of every global batch are contiguous, disjoint, and together exactly `batch(n)`'s rows,
    /// also for an epoch's short last batch.
    func testShardedBatchesTileTheGlobalBatch() throws {
        let ds = try MapDataset(ArraySource(["i": Tensor.arange(10, dtype: .int32)])).shuffle(seed: 3)
        func rows(_ d: MapDataset) throws -> [[Int32]] { try (0..<d.count).map { try d.record(at: $0)["i"]!.scalars(as: Int32.self) } }
        let whole = try rows(ds.batch(4))
        XCTAssertEqual(Set(whole.flatMap { $0 }), Set(0..<10))
        for shards in 1...3 {
            let parts = try (0..<shards).map { s in try rows(ds.batch(4, shard: s, of: shards)) }
            for part in parts { XCTAssertEqual(part.count, whole.count) }
            for b in whole.indices { XCTAssertEqual(parts.flatMap { $0[b] }, whole[b], "batch \(b), \(shards) shards") }
        }
        XCTAssertEqual(try rows(ds.batch(4, shard: 1, of: 2)).map(\.count), [2, 2, 1])
        XCTAssertEqual(ds.batch(4, shard: 0, of: 2).recordsPerElement, 2)
    }

    /// A group save writes replicated items once and per-rank items per rank; restoring per-rank state in
    /// a world of another size is refused, naming both sizes.
    func testGroupCheckpointRoundTripAndWorldSizeCheck() throws {
        let dir = try temporaryDirectory("group-ckpt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let manager = try CheckpointManager(directory: dir, options: CheckpointOptions(async: false))
        let model = MLP([4, 3], rngs: Rngs(0))
        let data = try MapDataset(ArraySource(["i": Tensor.arange(10, dtype: .int32)])).batch(2).iterator()
        _ = try data.nextElement()
        try manager.save(step: 1, replicated: ["model": model], perRank: ["data": data], group: FixedGroup(rank: 0, size: 1))
        XCTAssertEqual(try manager.allSteps, [1])
        let info = try manager.info(step: 1)
        XCTAssertEqual(info.items.keys.sorted(), ["data.rank0", "model"])
        let restored = try manager.restore(.latest)
        let fresh = try MapDataset(ArraySource(["i": Tensor.arange(10, dtype: .int32)])).batch(2).iterator()
        try restored.load(perRank: "data", into: fresh, group: FixedGroup(rank: 0, size: 1))
        XCTAssertEqual(try fresh.nextElement()!["i"]!.scalars(as: Int32.self), [2, 3])
        XCTAssertThrowsError(try restored.load(perRank: "data", into: fresh, group: FixedGroup(rank: 1, size: 2))) { e in
            XCTAssertTrue("\(e)".contains("saved by 1 ranks (data.rank0); this run has 2"), "\(e)")
        }
    }

    // MARK: Two ranks under mpirun

    func testCollectivesOnTwoRanks() throws {
        let dir = try temporaryDirectory("collectives")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try MPIRun.run("collectives", ranks: 2, dir: dir)
        XCTAssertEqual(run.status, 0, run.output)
        for r in 0..<2 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("ok.\(r)").path), run.output)
            let message = try String(contentsOf: dir.appendingPathComponent("mismatch.\(r).txt"), encoding: .utf8)
            XCTAssertTrue(message.contains("rank 0: tensor float32 [2]") && message.contains("rank 1: tensor float32 [3]"), message)
        }
    }

    /// Issue 22's equivalence: 2 ranks × 64 rows give the loss trajectory of 1 process × 128 rows.
    func testTwoRanksOfSixtyFourMatchOneRankOfOneTwentyEight() throws {
        let dir = try temporaryDirectory("equivalence")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try MPIRun.run("equivalence", ranks: 2, dir: dir)
        XCTAssertEqual(run.status, 0, run.output)
        let two = try JSONDecoder().decode([Double].self, from: Data(contentsOf: dir.appendingPathComponent("losses.json")))
        let one = try trainDigits(steps: 12, globalBatch: 128)
        XCTAssertEqual(two.count, one.count)
        for (step, (a, b)) in zip(two, one).enumerated() {
            XCTAssertLessThanOrEqual(abs(a - b) / abs(b), 1e-5, "step \(step + 1): 2 ranks \(a), 1 rank \(b)")
        }
        XCTAssertLessThan(one.last!, one.first!)
        let worst = zip(two, one).map { abs($0 - $1) / abs($1) }.max()!
        print("2 ranks × 64 vs 1 × 128: largest relative loss difference over \(one.count) steps \(worst)")
    }

    /// A rank killed inside a checkpoint save fails the run promptly, naming the rank; the step before it
    /// is the latest and restores.
    func testKilledRankFailsTheRunAndLastCommitRestores() throws {
        let dir = try temporaryDirectory("fault")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try MPIRun.run("fault", ranks: 2, dir: dir, timeout: 60)
        XCTAssertNotEqual(run.status, 0)
        XCTAssertLessThan(run.seconds, 60)
        XCTAssertTrue(run.output.contains("rank 1"), run.output)
        print("fault run: exit \(run.status) after \(String(format: "%.1f", run.seconds)) s; mpirun said:\n\(run.output.suffix(800))")
        let manager = try CheckpointManager(directory: dir.appendingPathComponent("ckpt"))
        XCTAssertEqual(try manager.allSteps, [5, 10])
        let restored = try manager.restore(.latest)
        XCTAssertEqual(restored.step, 10)
        let model = MLP([64, 256, 256, 10], rngs: Rngs(7))
        try restored.load("model", into: model)
        let data = try MapDataset(ArraySource(["x": Tensor.zeros([1437, 64])])).repeat().batch(128, shard: 1, of: 2).iterator()
        try restored.load(perRank: "data", into: data, group: FixedGroup(rank: 1, size: 2))
        XCTAssertEqual(data.state.position, 10)
        XCTAssertThrowsError(try restored.load(perRank: "data", into: data, group: FixedGroup(rank: 0, size: 1)))
    }
}

struct FixedGroup: CheckpointGroup {
    let rank: Int
    let size: Int
    func barrier() {}
}
