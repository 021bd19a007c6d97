import QuireData
import QuireTensor
import XCTest

final class PipelineTests: XCTestCase {
    func testShuffleIsAPermutationDifferentEachEpochAndSeed() throws {
        for n in [1, 2, 3, 17, 1000, 1025] {
            let epochs = try (numbered(n).shuffle(seed: 7).repeat(3)).iterator().map { $0["y"]!.item(as: Int32.self) }
            XCTAssertEqual(epochs.count, 3 * n)
            for e in 0..<3 { XCTAssertEqual(Set(epochs[(e * n)..<((e + 1) * n)]), Set((0..<n).map(Int32.init)), "n \(n) epoch \(e)") }
            if n >= 17 {
                XCTAssertNotEqual(Array(epochs[0..<n]), Array(epochs[n..<(2 * n)]))
                XCTAssertNotEqual(Array(epochs[0..<n]), (0..<n).map(Int32.init))
                let other = try numbered(n).shuffle(seed: 8).iterator().map { $0["y"]!.item(as: Int32.self) }
                XCTAssertNotEqual(Array(epochs[0..<n]), other)
            }
            let again = try numbered(n).shuffle(seed: 7).iterator().map { $0["y"]!.item(as: Int32.self) }
            XCTAssertEqual(Array(epochs[0..<n]), again)
        }
        // Roughly uniform: where record 0 lands over 400 seeds, in 4 quarters of 64 positions.
        var quarters = [0, 0, 0, 0]
        for seed in 0..<400 {
            let order = try numbered(256).shuffle(seed: seed).records(at: Array(0..<256))["y"]!.scalars(as: Int32.self)
            quarters[order.firstIndex(of: 0)! / 64] += 1
        }
        XCTAssertTrue(quarters.allSatisfy { (60...140).contains($0) }, "\(quarters)")
    }

    func testBatchKeepsOrDropsTheRemainderAndStacksFields() throws {
        let ds = try numbered(10)
        let kept = try labels(ds.batch(4).iterator())
        XCTAssertEqual(kept, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        XCTAssertEqual(try labels(ds.batch(4, dropRemainder: true).iterator()), [[0, 1, 2, 3], [4, 5, 6, 7]])
        let b = try ds.batch(4).record(at: 1)
        XCTAssertEqual(b["x"]!.shape, [4, 2])
        XCTAssertEqual(b["x"]!.scalars(as: Float.self), [4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5])
        // Batching after a repeat runs across the epoch boundary; before it, each epoch has its remainder.
        XCTAssertEqual(try labels(ds.repeat(2).batch(4).iterator())[2], [8, 9, 0, 1])
        XCTAssertEqual(try labels(ds.batch(4).repeat(2).iterator()).flatMap { $0 }, Array(0..<10) + Array(0..<10))
        // Batches of batches stack again.
        XCTAssertEqual(try ds.batch(2).batch(2).record(at: 0)["x"]!.shape, [2, 2, 2])
    }

    func testAMapThatChangesAShapeNamesTheRecordInTheBatch() throws {
        let ds = try numbered(6).map { r in
            r["y"]!.item(as: Int32.self) == 4 ? ["x": Tensor.zeros([3]), "y": r["y"]!] : r
        }
        XCTAssertEqual(try ds.batch(3).record(at: 0)["x"]!.shape, [3, 2])
        assertDataError(["record 4", "\"x\"", "[3]", "[2]"]) { _ = try ds.batch(3).record(at: 1) }
    }

    /// The batched fast path of `map` gives exactly what the per-record closure gives.
    func testBatchedMapEqualsPerRecordMap() throws {
        let n = 300
        let x = Tensor.uniform(PRNGKey(seed: 3), shape: [n, 64])
        let y = Tensor((0..<n).map { Int32($0 % 10) }, shape: [n])
        let base = MapDataset(try ArraySource(["x": x, "y": y])).shuffle(seed: 1)
        let mean = Tensor.uniform(PRNGKey(seed: 4), shape: [64]), std = Tensor.uniform(PRNGKey(seed: 5), shape: [64]) + 0.5
        let normalize: @Sendable (TensorDict) -> TensorDict = { r in ["x": (r["x"]! - mean) / std, "y": r["y"]!] }
        let perRecord = try contents(base.map(normalize).batch(128).iterator())
        let batched = try contents(base.mapBatched(normalize).batch(128).iterator())
        XCTAssertEqual(perRecord.count, 3)
        XCTAssertEqual(perRecord, batched)
        assertDataError(["mapBatched(_:)", "\"x\"", "axis 0"]) {
            _ = try base.mapBatched { r in ["x": r["x"]!.sum(axes: [0])] }.batch(4).record(at: 0)
        }
    }

    func testRandomMapKeysDependOnSeedAndIndexOnly() throws {
        let ds = try numbered(50).shuffle(seed: 2).randomMap(seed: 9) { r, key in
            ["x": r["x"]! + Tensor.normal(key, shape: [2]), "y": r["y"]!]
        }
        let direct = try ds.record(at: 17)["x"]!.scalars(as: Float.self)
        let viaBatch = try ds.batch(10).record(at: 1)["x"]!.scalars(as: Float.self)
        XCTAssertEqual(direct, Array(viaBatch[14..<16]))
        let base = try numbered(50).shuffle(seed: 2).record(at: 17)["x"]!
        let expected = (base + Tensor.normal(PRNGKey(seed: 9).fold(in: 17), shape: [2])).scalars(as: Float.self)
        XCTAssertEqual(direct, expected)
        // A repeated epoch draws new values for the same record.
        let twice = try numbered(50).randomMap(seed: 9) { r, key in ["x": r["x"]! + Tensor.normal(key, shape: [2])] }.repeat(2)
        XCTAssertNotEqual(try twice.record(at: 3)["x"]!.scalars(as: Float.self), try twice.record(at: 53)["x"]!.scalars(as: Float.self))
    }

    func testFilterSliceConcatenate() throws {
        let ds = try numbered(20)
        let odd = try ds.filter { $0["y"]!.item(as: Int32.self) % 2 == 1 }
        XCTAssertEqual(odd.count, 10)
        XCTAssertEqual(try labels(odd.batch(4).iterator()).flatMap { $0 }, (0..<10).map { Int32(2 * $0 + 1) })
        XCTAssertEqual(try labels(odd.repeat(2).iterator()).flatMap { $0 }.count, 20)
        XCTAssertEqual(try labels(ds.slice(5..<8).iterator()).flatMap { $0 }, [5, 6, 7])
        let both = MapDataset.concatenate([ds.slice(0..<3), try numbered(2)])
        XCTAssertEqual(both.count, 5)
        XCTAssertEqual(try labels(both.iterator()).flatMap { $0 }, [0, 1, 2, 0, 1])
        XCTAssertEqual(try both.records(at: [4, 1, 3])["y"]!.scalars(as: Int32.self), [1, 1, 0])
    }

    func testShardsAreDisjointCompleteAndBalanced() throws {
        for (n, k) in [(10, 3), (1000, 7), (5, 5), (3, 4)] {
            let shards = try (0..<k).map { i in try labels(numbered(n).shard(index: i, count: k).iterator()).flatMap { $0 } }
            let all = shards.flatMap { $0 }
            XCTAssertEqual(all.count, n)
            XCTAssertEqual(Set(all).count, n)
            XCTAssertEqual(Set(all), Set((0..<n).map(Int32.init)))
            let sizes = shards.map(\.count)
            XCTAssertLessThanOrEqual(sizes.max()! - sizes.min()!, 1, "\(sizes)")
        }
        // Sharding then shuffling each shard still covers everything once.
        let shuffled = try (0..<3).flatMap { i in try labels(numbered(100).shard(index: i, count: 3).shuffle(seed: i).iterator()).flatMap { $0 } }
        XCTAssertEqual(Set(shuffled), Set((0..<100).map(Int32.init)))
        XCTAssertEqual(shuffled.count, 100)
    }

    func testMixFollowsItsWeights() throws {
        let a = try numbered(1000), b = try numbered(1000).mapBatched { r in ["x": r["x"]!, "y": r["y"]! + 10_000] }
        let mix = MapDataset.mix([a, b], weights: [0.75, 0.25])
        // b has 1,000 records but a runs out first: 1,000 a-records take 1,333 positions.
        XCTAssertEqual(mix.count, 1333)
        let ys = try labels(mix.batch(1000).iterator()).flatMap { $0 }
        let fromA = ys.filter { $0 < 10_000 }, fromB = ys.filter { $0 >= 10_000 }
        XCTAssertEqual(fromA, (0..<1000).map(Int32.init))
        XCTAssertEqual(fromB, (0..<333).map { Int32(10_000 + $0) })
        // Every prefix stays within one record of the weights.
        var countA = 0
        for (i, y) in ys.enumerated() {
            if y < 10_000 { countA += 1 }
            XCTAssertLessThanOrEqual(abs(Double(countA) - 0.75 * Double(i + 1)), 1.0, "position \(i)")
        }
        let thirds = MapDataset.mix([a, b, try numbered(10)], weights: [1, 1, 1])
        // 1:1:1, the third dataset (10 records) runs out first: its 11th turn would be position 32.
        XCTAssertEqual(thirds.count, 32)
        XCTAssertEqual(try thirds.records(at: [0, 1, 2, 3, 31])["y"]!.scalars(as: Int32.self), [0, 10_000, 0, 1, 10_010])
    }
}
