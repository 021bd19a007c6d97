import Foundation
import XCTest
import QuireCheckpoint
import QuireDistributed
import QuireTensor

/// What each rank runs when ``MPIRun`` starts this bundle under `mpirun`. Outside `mpirun` (a normal test
/// run) each skips: the tests in `DistributedTests` launch them.
final class RankPrograms: XCTestCase {
    private func directory(for program: String) throws -> URL {
        let env = ProcessInfo.processInfo.environment
        guard env["QUIRE_RANK_PROGRAM"] == program, let dir = env["QUIRE_RANK_DIR"], Distributed.isLaunched else {
            throw XCTSkip("a rank program: DistributedTests runs it under mpirun")
        }
        return URL(fileURLWithPath: dir)
    }

    func testCollectives() throws {
        let dir = try directory(for: "collectives")
        let r = Distributed.rank, n = Distributed.worldSize
        let x = Tensor([Float(r + 1), Float(10 * r)])
        XCTAssertEqual(try Distributed.allReduce(x, .sum).scalars(as: Float.self), [3, 10])
        XCTAssertEqual(try Distributed.allReduce(x, .mean).scalars(as: Float.self), [1.5, 5])
        XCTAssertEqual(try Distributed.allReduce(x, .max).scalars(as: Float.self), [2, 10])
        XCTAssertEqual(try Distributed.allReduce(Double(r), .sum), 1)
        XCTAssertEqual(try Distributed.broadcast(Tensor([Int32(r), 7]), from: 1).scalars(as: Int32.self), [1, 7])
        let gathered = try Distributed.allGather(Tensor([Float(r), Float(r)]))
        XCTAssertEqual(gathered.shape, [n, 2])
        XCTAssertEqual(gathered.scalars(as: Float.self), [0, 0, 1, 1])
        // Several buckets (64-byte limit), mixed dtypes, a bfloat16 reduced in float32.
        let grads: TensorDict = ["a": Tensor.full([5], Double(r + 1)), "b": Tensor.full([3, 7], Double(2 * r)),
                                 "c": Tensor.full([4], Double(r), dtype: .float64), "d": Tensor.full([2], Double(r + 1), dtype: .bfloat16),
                                 "e": Tensor([Int32(r), 3])]
        let summed = try Distributed.allReduce(grads, .sum, bucketBytes: 64)
        XCTAssertEqual(summed.keys, grads.keys)
        XCTAssertEqual(summed["a"]!.scalars(as: Float.self), [Float](repeating: 3, count: 5))
        XCTAssertEqual(summed["b"]!.scalars(as: Float.self), [Float](repeating: 2, count: 21))
        XCTAssertEqual(summed["c"]!.scalars(as: Double.self), [1, 1, 1, 1])
        XCTAssertEqual(summed["d"]!.dtype, .bfloat16)
        XCTAssertEqual(summed["d"]!.cast(to: .float32).scalars(as: Float.self), [3, 3])
        XCTAssertEqual(summed["e"]!.scalars(as: Int32.self), [1, 6])
        // Disagreeing shapes: every rank throws, naming what each passed.
        do {
            _ = try Distributed.allReduce(Tensor.zeros([2 + r]), .sum)
            XCTFail("mismatched shapes were reduced")
        } catch let e as DistributedError {
            try e.description.write(to: dir.appendingPathComponent("mismatch.\(r).txt"), atomically: true, encoding: .utf8)
        }
        try Distributed.barrier()
        try "ok".write(to: dir.appendingPathComponent("ok.\(r)"), atomically: true, encoding: .utf8)
    }

    func testEquivalence() throws {
        let dir = try directory(for: "equivalence")
        let losses = try trainDigits(steps: 12, globalBatch: 128)
        if Distributed.isRoot {
            try JSONEncoder().encode(losses).write(to: dir.appendingPathComponent("losses.json"))
        }
    }

    func testFault() throws {
        let dir = try directory(for: "fault")
        // Rank 1 dies inside the save of step 15, after writing its files and before the commit barrier.
        let group = DyingGroup(killRank: 1, atBarrier: 8)
        _ = try trainDigits(steps: 30, globalBatch: 128, checkpoints: dir.appendingPathComponent("ckpt"), group: group)
    }
}

/// The world, except that rank `killRank` SIGKILLs itself on reaching its `atBarrier`-th barrier
/// (each group save has three).
final class DyingGroup: CheckpointGroup, @unchecked Sendable {
    let killRank: Int, atBarrier: Int
    private var count = 0
    init(killRank: Int, atBarrier: Int) { self.killRank = killRank; self.atBarrier = atBarrier }
    var rank: Int { Distributed.rank }
    var size: Int { Distributed.worldSize }
    func barrier() throws {
        count += 1
        if rank == killRank && count == atBarrier { kill(getpid(), SIGKILL) }
        try Distributed.barrier()
    }
}
