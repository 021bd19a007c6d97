import Foundation
import QuireData
import QuireTensor
import XCTest

final class IteratorTests: XCTestCase {
    /// Shuffle over two epochs, a random augmentation and batches with a remainder.
    func pipeline() throws -> MapDataset {
        try numbered(37).shuffle(seed: 5).repeat(2)
            .randomMap(seed: 11) { r, key in ["x": r["x"]! + Tensor.uniform(key, shape: [2]), "y": r["y"]!] }
            .batch(5)
    }

    func testSameSeedSameStreamWithZeroOneAndTwoWorkers() throws {
        let reference = try contents(pipeline().iterator(workers: 0))
        XCTAssertEqual(reference.count, 15)   // 74 records in batches of 5
        for workers in [1, 2] {
            for buffer in [1, 3] {
                XCTAssertEqual(try contents(pipeline().iterator(workers: workers, buffer: buffer)), reference, "\(workers) workers")
            }
        }
        XCTAssertNotEqual(try contents(numbered(37).shuffle(seed: 6).repeat(2).batch(5).iterator()),
                          try contents(numbered(37).shuffle(seed: 5).repeat(2).batch(5).iterator()))
    }

    /// Saves the state at every position of a run with two workers reading ahead, then resumes a new
    /// iterator (also with workers) from each saved state through a JSON round trip of the checkpoint
    /// metadata, and checks the remainder against the uninterrupted run.
    func testExactResumeFromEveryPositionWithWorkersRunning() throws {
        let uninterrupted = try contents(pipeline().iterator(workers: 0))
        let it = try pipeline().iterator(workers: 2, buffer: 4)
        var saved: [CheckpointState] = [try it.checkpointState()]
        var epochs: [Int] = [it.state.epoch]
        while try it.nextElement() != nil { saved.append(try it.checkpointState()); epochs.append(it.state.epoch) }
        XCTAssertEqual(saved.count, uninterrupted.count + 1)
        XCTAssertEqual(epochs[7], 0)   // batch 7 starts at record 35 of 37
        XCTAssertEqual(epochs[8], 1)
        for (position, state) in saved.enumerated() {
            let json = try JSONEncoder().encode(state.metadata["iterator"]!)
            let decoded = CheckpointState(metadata: ["iterator": try JSONDecoder().decode(JSONValue.self, from: json)])
            let resumed = try pipeline().iterator(workers: 2, buffer: 3)
            _ = try resumed.nextElement()   // workers already running somewhere else
            try resumed.load(decoded)
            XCTAssertEqual(try contents(resumed), Array(uninterrupted[position...]), "resumed at \(position)")
        }
        // The same with an iterator that has read ahead: restoring backwards also works.
        let back = try pipeline().iterator(workers: 2)
        for _ in 0..<10 { _ = try back.nextElement() }
        try back.load(saved[3])
        XCTAssertEqual(try contents(back), Array(uninterrupted[3...]))
        assertDataError(["position 99"]) { try back.restore(DataIteratorState(position: 99)) }
    }

    func testAReadErrorSurfacesAtItsPositionWithWorkers() throws {
        let ds = try numbered(10).map { r in
            if r["y"]!.item(as: Int32.self) == 6 { throw DataError("record 6: bad on purpose") }
            return r
        }
        let it = ds.iterator(workers: 2)
        for i in 0..<6 { XCTAssertEqual(try it.nextElement()!["y"]!.item(as: Int32.self), Int32(i)) }
        assertDataError(["record 6", "bad on purpose"]) { _ = try it.nextElement() }
        XCTAssertEqual(try it.nextElement()!["y"]!.item(as: Int32.self), 7)
    }

    func documents() throws -> MapDataset {
        let lengths = [3, 2, 4, 1, 7, 2, 5]
        var start: Int32 = 1
        let records: [TensorDict] = lengths.map { n in
            defer { start += Int32(n) }
            return ["tokens": Tensor((0..<n).map { start + Int32($0) })]
        }
        let items = records
        struct Documents: RandomAccessSource {
            let items: [TensorDict]
            var count: Int { items.count }
            func records(at indices: [Int]) throws -> TensorDict {
                guard indices.count == 1 else { throw DataError("documents differ in length; read one at a time") }
                return items[indices[0]].mapValues { $0.reshaped([1] + $0.shape) }
            }
        }
        return MapDataset(Documents(items: items))
    }

    func testPackingFillsRowsWithSegmentsAndPositions() throws {
        let rows = try documents().toIterDataset().pack(length: 4).iterator()
        var tokens: [[Int32]] = [], segments: [[Int32]] = [], positions: [[Int32]] = []
        while let r = try rows.nextElement() {
            tokens.append(r["tokens"]!.scalars(as: Int32.self))
            segments.append(r["segment_ids"]!.scalars(as: Int32.self))
            positions.append(r["positions"]!.scalars(as: Int32.self))
        }
        // Documents 1-3 | 4-5 | 6-9 | 10 | 11-17 | 18-19 | 20-24, 24 tokens in rows of 4.
        XCTAssertEqual(tokens, [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16], [17, 18, 19, 20], [21, 22, 23, 24]])
        XCTAssertEqual(segments, [[1, 1, 1, 2], [1, 2, 2, 2], [1, 2, 3, 3], [1, 1, 1, 1], [1, 2, 2, 3], [1, 1, 1, 1]])
        XCTAssertEqual(positions, [[0, 1, 2, 0], [1, 0, 1, 2], [3, 0, 0, 1], [2, 3, 4, 5], [6, 0, 1, 0], [1, 2, 3, 4]])
        let padded = try documents().slice(0..<2).toIterDataset().pack(length: 4).iterator()
        _ = try padded.nextElement()
        let last = try padded.nextElement()!
        XCTAssertEqual(last["tokens"]!.scalars(as: Int32.self), [5, 0, 0, 0])
        XCTAssertEqual(last["segment_ids"]!.scalars(as: Int32.self), [1, 0, 0, 0])
        XCTAssertNil(try padded.nextElement())
    }

    /// Packed, batched and prefetched on threads: resuming from the state at every position gives the
    /// rest of the uninterrupted stream.
    func testPackedStreamResumesExactlyAtEveryPosition() throws {
        func stream() throws -> IterDataset {
            try documents().shuffle(seed: 3).repeat(3).toIterDataset().pack(length: 3).batch(2).prefetch(workers: 2, buffer: 2)
        }
        let uninterrupted = try contents(stream().iterator())
        XCTAssertEqual(uninterrupted.count, 12)   // 72 tokens → 24 rows of 3 → 12 batches of 2
        XCTAssertEqual(try contents(documents().shuffle(seed: 3).repeat(3).toIterDataset().pack(length: 3).batch(2).iterator()),
                       uninterrupted)
        let it = try stream().iterator()
        var states = [it.state]
        while try it.nextElement() != nil { states.append(it.state) }
        XCTAssertTrue(states.contains { !$0.inner[0].cursors.isEmpty },
                      "some state should sit inside a split document")
        for (position, state) in states.enumerated() {
            let resumed = try stream().iterator()
            try resumed.restore(state)
            XCTAssertEqual(try contents(resumed), Array(uninterrupted[position...]), "resumed at \(position)")
        }
    }

    func testStreamingFilterAndMap() throws {
        let it = try numbered(10).toIterDataset().filter { $0["y"]!.item(as: Int32.self) % 3 == 0 }
            .map { ["y": $0["y"]! * 2] }.batch(3).iterator()
        XCTAssertEqual(try labels(it), [[0, 6, 12], [18]])
    }
}
