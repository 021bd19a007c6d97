import Foundation
import QuireTensor

// The nodes behind `MapDataset`. Index convention (as in Grain): a node of `count` records accepts
// any index `i >= 0`; `i / count` is the epoch and `i % count` the record, so `repeat` passes indices
// through unchanged and a shuffle below it sees the epoch and reseeds.

protocol MapNode: Sendable {
    /// Records in one epoch (`Int.max` for an endless repeat).
    var count: Int { get }
    /// Records at `indices`, stacked along a new axis 0.
    func stacked(_ indices: [Int]) throws -> TensorDict
    /// One record.
    func element(_ index: Int) throws -> TensorDict
}

extension MapNode {
    func element(_ index: Int) throws -> TensorDict { unstackRecord(try stacked([index])) }
}

struct SourceNode: MapNode {
    let source: any RandomAccessSource
    var count: Int { source.count }
    func stacked(_ indices: [Int]) throws -> TensorDict {
        let n = source.count
        if indices.allSatisfy({ $0 < n }) { return try source.records(at: indices) }
        return try source.records(at: indices.map { $0 % n })
    }
}

struct ShuffleNode: MapNode {
    let parent: any MapNode
    let key: PRNGKey
    var count: Int { parent.count }
    func stacked(_ indices: [Int]) throws -> TensorDict {
        let n = count
        var perm: FeistelPermutation? = nil
        var permEpoch = -1
        var mapped = [Int](repeating: 0, count: indices.count)
        for (k, i) in indices.enumerated() {
            let epoch = i / n
            if epoch != permEpoch { perm = FeistelPermutation(count: n, key: key.fold(in: epoch)); permEpoch = epoch }
            mapped[k] = epoch * n + perm!(i - epoch * n)
        }
        return try parent.stacked(mapped)
    }
}

/// A per-record closure: general, one record at a time.
struct RecordMapNode: MapNode {
    let parent: any MapNode
    let transform: @Sendable (TensorDict, Int) throws -> TensorDict
    var count: Int { parent.count }
    func element(_ index: Int) throws -> TensorDict {
        let record = try parent.element(index)
        do { return try transform(record, index) } catch let e as DataError { throw e } catch {
            throw DataError("record \(index): map failed: \(error)")
        }
    }
    func stacked(_ indices: [Int]) throws -> TensorDict {
        try stackRecords(indices.map { try element($0) }, indices: indices)
    }
}

/// A closure applied to whole stacks of records, each row independently.
struct BatchedMapNode: MapNode {
    let parent: any MapNode
    let transform: @Sendable (TensorDict) throws -> TensorDict
    var count: Int { parent.count }
    func stacked(_ indices: [Int]) throws -> TensorDict {
        let out = try transform(try parent.stacked(indices))
        for (name, t) in out where t.rank == 0 || t.shape[0] != indices.count {
            throw DataError("mapBatched(_:): field \"\(name)\" came back with shape \(t.shape); a batched map must keep "
                            + "axis 0 (\(indices.count) records)")
        }
        return out
    }
}

struct FilterNode: MapNode {
    let parent: any MapNode
    /// The parent records (of its first epoch) the predicate kept, in order.
    let kept: [Int]
    var count: Int { kept.count }

    /// Scans the parent's first epoch once, 1,024 records at a time.
    init(parent: any MapNode, predicate: (TensorDict) throws -> Bool) throws {
        precondition(parent.count != Int.max, "filter: an endless dataset cannot be filtered; filter before repeat")
        var out: [Int] = [], start = 0
        while start < parent.count {
            let end = min(parent.count, start + 1024)
            let chunk = try parent.stacked(Array(start..<end))
            for k in 0..<(end - start) where try predicate(unstackRecord(chunk, at: k)) { out.append(start + k) }
            start = end
        }
        self.parent = parent
        kept = out
    }

    func stacked(_ indices: [Int]) throws -> TensorDict {
        let k = kept.count, n = parent.count
        return try parent.stacked(indices.map { $0 < k ? kept[$0] : ($0 / k) * n + kept[$0 % k] })
    }
}

struct SliceNode: MapNode {
    let parent: any MapNode
    let range: Range<Int>
    var count: Int { range.count }
    func stacked(_ indices: [Int]) throws -> TensorDict {
        let c = range.count, n = parent.count
        return try parent.stacked(indices.map { $0 < c ? range.lowerBound + $0 : ($0 / c) * n + range.lowerBound + $0 % c })
    }
}

struct RepeatNode: MapNode {
    let parent: any MapNode
    let count: Int
    func stacked(_ indices: [Int]) throws -> TensorDict { try parent.stacked(indices) }
    func element(_ index: Int) throws -> TensorDict { try parent.element(index) }
}

struct BatchNode: MapNode {
    let parent: any MapNode
    let size: Int
    let dropRemainder: Bool
    var count: Int {
        let n = parent.count
        return n == Int.max ? Int.max / size : (dropRemainder ? n / size : (n + size - 1) / size)
    }
    /// The parent indices of batch `b` (batches never straddle an epoch of the parent).
    func members(_ b: Int) -> Range<Int> {
        let n = parent.count
        if n == Int.max { return (b * size)..<(b * size + size) }
        let c = count, epoch = b / c, local = b % c
        let start = epoch * n + local * size
        return start..<min(start + size, epoch * n + n)
    }
    func element(_ index: Int) throws -> TensorDict { try parent.stacked(Array(members(index))) }
    func stacked(_ indices: [Int]) throws -> TensorDict {
        try stackRecords(indices.map { try element($0) }, indices: indices)
    }
}

struct ConcatenateNode: MapNode {
    let parts: [any MapNode]
    let starts: [Int]
    let count: Int
    init(_ parts: [any MapNode]) {
        self.parts = parts
        var s: [Int] = [], total = 0
        for p in parts { s.append(total); total += p.count }
        starts = s
        count = total
    }
    func locate(_ index: Int) -> (part: Int, index: Int) {
        let epoch = index / count, local = index % count
        var p = parts.count - 1
        while starts[p] > local { p -= 1 }
        return (p, epoch * parts[p].count + local - starts[p])
    }
    func element(_ index: Int) throws -> TensorDict {
        let (p, i) = locate(index)
        return try parts[p].element(i)
    }
    func stacked(_ indices: [Int]) throws -> TensorDict {
        let located = indices.map(locate)
        if let p = located.first?.part, located.allSatisfy({ $0.part == p }) { return try parts[p].stacked(located.map(\.index)) }
        return try stackRecords(try located.map { try parts[$0.part].element($0.index) }, indices: indices)
    }
}
