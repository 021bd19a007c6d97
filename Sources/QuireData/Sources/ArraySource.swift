import QuireTensor

/// Records held in memory as columns: each field is one tensor whose axis 0 indexes records.
/// Gathering a batch is one row copy (memcpy) per record and field.
///
/// ```swift
/// let source = try ArraySource(["x": Tensor.zeros([1000, 64]), "y": Tensor.zeros([1000], dtype: .int32)])
/// let batch = try source.records(at: [3, 1, 4])   // x: [3, 64], y: [3]
/// ```
public struct ArraySource: RandomAccessSource {
    /// The columns (contiguous), axis 0 = record.
    public let fields: TensorDict
    public let count: Int

    /// Throws when the fields disagree on the number of records or one is a scalar.
    public init(_ fields: TensorDict) throws {
        guard let first = fields.values.first else { throw DataError("ArraySource: no fields") }
        guard first.rank >= 1 else { throw DataError("ArraySource: field \"\(fields.keys[0])\" is a scalar; axis 0 must index records") }
        let n = first.shape[0]
        for (name, t) in fields {
            guard t.rank >= 1, t.shape[0] == n else {
                throw DataError("ArraySource: field \"\(name)\" has shape \(t.shape), expected \(n) records along axis 0 "
                                + "(as field \"\(fields.keys[0])\")")
            }
        }
        self.fields = fields.mapValues { $0.contiguous() }
        count = n
    }

    public func records(at indices: [Int]) throws -> TensorDict {
        try checkIndices(indices, count: count, "ArraySource")
        return fields.mapValues { column in
            let rowShape = Array(column.shape.dropFirst())
            let rowBytes = rowShape.reduce(1, *) * column.dtype.byteSize
            return column.withUnsafeRawBytes { src in
                Tensor(unsafeUninitializedShape: [indices.count] + rowShape, dtype: column.dtype) { dst in
                    guard rowBytes > 0, !indices.isEmpty else { return }
                    gatherRows(from: src.baseAddress!, rowBytes: rowBytes, indices: indices, into: dst.baseAddress!)
                }
            }
        }
    }
}
