import QuireTensor

/// Stacks single records along a new leading axis, checking that every record has the fields, shapes
/// and dtypes of the first; `indices[k]` names record `k` in errors.
func stackRecords(_ records: [TensorDict], indices: [Int],
                  name: (Int) -> String = { "record \($0)" }) throws -> TensorDict {
    guard let first = records.first else { return TensorDict() }
    var out: [(String, Tensor)] = []
    out.reserveCapacity(first.count)
    for field in first.keys {
        let proto = first[field]!
        let rowBytes = proto.scalarCount * proto.dtype.byteSize
        for (k, r) in records.enumerated() {
            guard let t = r[field] else {
                throw DataError("\(name(indices[k])): has no field \"\(field)\" (\(name(indices[0])) has)")
            }
            guard t.shape == proto.shape, t.dtype == proto.dtype else {
                throw DataError("\(name(indices[k])): field \"\(field)\" is \(t.dtype) \(t.shape), but the batch's "
                                + "first, \(name(indices[0])), is \(proto.dtype) \(proto.shape)")
            }
        }
        let stacked = Tensor(unsafeUninitializedShape: [records.count] + proto.shape, dtype: proto.dtype) { dst in
            for (k, r) in records.enumerated() {
                r[field]!.withUnsafeRawBytes { src in
                    if rowBytes > 0 { (dst.baseAddress! + k * rowBytes).copyMemory(from: src.baseAddress!, byteCount: rowBytes) }
                }
            }
        }
        out.append((field, stacked))
    }
    for (k, r) in records.enumerated() where r.count != first.count {
        let extra = r.keys.first { first[$0] == nil } ?? "?"
        throw DataError("\(name(indices[k])): has field \"\(extra)\" that \(name(indices[0])) lacks")
    }
    return TensorDict(out)
}

/// Record `k` of records stacked along axis 0: a view, no copy.
func unstackRecord(_ stacked: TensorDict, at k: Int = 0) -> TensorDict {
    stacked.mapValues { t in
        k == 0 && t.shape[0] == 1 ? t.reshaped(Array(t.shape.dropFirst())) : t[k]
    }
}
