import QuireTensor

/// Records that can be read by index, the leaves of a ``MapDataset``. A record is a ``TensorDict``
/// of named fields; `records(at:)` returns several records stacked along a new leading axis, so a
/// source serves a whole batch with one row copy per record and field (the pipeline's fast path).
///
/// ```swift
/// struct Squares: RandomAccessSource {
///     var count: Int { 10 }
///     func records(at indices: [Int]) throws -> TensorDict {
///         ["x": Tensor(indices.map { Float($0 * $0) }, shape: [indices.count])]
///     }
/// }
/// let ds = MapDataset(Squares()).shuffle(seed: 0)
/// ```
public protocol RandomAccessSource: Sendable {
    /// Number of records.
    var count: Int { get }
    /// The records at `indices` (each in `0..<count`), stacked along a new axis 0: a field whose
    /// records have shape `s` comes back with shape `[indices.count] + s`. Records of one field must
    /// share a shape and dtype; when they do not, throw a ``DataError`` naming the record.
    func records(at indices: [Int]) throws -> TensorDict
}

extension RandomAccessSource {
    /// One record (its fields without the leading axis).
    public func record(at index: Int) throws -> TensorDict {
        unstackRecord(try records(at: [index]))
    }
}

/// Throws a ``DataError`` when an index is outside `0..<count`.
func checkIndices(_ indices: [Int], count: Int, _ what: String) throws {
    for i in indices where i < 0 || i >= count {
        throw DataError("\(what): record index \(i) is outside 0..<\(count)")
    }
}
