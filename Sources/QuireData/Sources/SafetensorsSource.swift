import Foundation
import QuireCheckpoint
import QuireTensor

/// Records stored as the tensors of a safetensors file, axis 0 indexing records (`x`: [n, 64],
/// `y`: [n]), as NumPy or PyTorch write them. The header is read and validated by QuireCheckpoint's
/// ``SafetensorsFile``; the data is memory-mapped and a batch is gathered with one row copy per record
/// and field, straight from the mapped pages.
///
/// ```swift
/// // Python: safetensors.numpy.save_file({"x": x, "y": y}, "train.safetensors")
/// let train = try SafetensorsSource(path: "train.safetensors")
/// let batch = try MapDataset(train).shuffle(seed: 0).batch(128).record(at: 0)   // x: [128, 64], y: [128]
/// ```
public struct SafetensorsSource: RandomAccessSource {
    public let path: String
    /// The fields: each tensor's name, dtype and per-record shape, with its offset in the file.
    let columns: [(entry: SafetensorsEntry, fileOffset: Int)]
    let data: Data
    public let count: Int

    /// Opens `path` and uses the tensors named in `fields` (all of them, in file order, when nil).
    /// Throws a ``DataError`` naming the file and tensor when the file is not valid safetensors, a field
    /// is missing, or the tensors disagree on the number of records.
    public init(path: String, fields: [String]? = nil) throws {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(path: path) } catch let e as SafetensorsError { throw DataError(e.description) }
        let entries: [SafetensorsEntry] = try (fields ?? file.entries.map(\.name)).map { name in
            guard let e = file.entry(name) else {
                throw DataError("\(path): no tensor \"\(name)\"; the file has \(file.entries.map(\.name))")
            }
            return e
        }
        guard let first = entries.first else { throw DataError("\(path): no tensors") }
        for e in entries {
            guard let records = first.shape.first else {
                throw DataError("\(path): tensor \"\(first.name)\" is a scalar (shape []), expected records along axis 0")
            }
            guard e.shape.count >= 1, e.shape[0] == records else {
                throw DataError("\(path): tensor \"\(e.name)\" has shape \(e.shape), expected \(records) records along "
                                + "axis 0 (as \"\(first.name)\")")
            }
        }
        // The tensors cover the data section exactly, which ends the file.
        let dataStart = file.fileSize - (file.entries.map(\.byteRange.upperBound).max() ?? 0)
        data = try mapDataFile(path)
        guard data.count == file.fileSize else { throw DataError("\(path): the file changed while it was opened") }
        self.path = path
        columns = entries.map { ($0, dataStart + $0.byteRange.lowerBound) }
        count = first.shape[0]
    }

    public func records(at indices: [Int]) throws -> TensorDict {
        try checkIndices(indices, count: count, path)
        return data.withUnsafeBytes { raw in
            TensorDict(columns.map { column in
                let rowShape = Array(column.entry.shape.dropFirst())
                let rowBytes = rowShape.reduce(1, *) * column.entry.dtype.byteSize
                let t = Tensor(unsafeUninitializedShape: [indices.count] + rowShape, dtype: column.entry.dtype) { out in
                    guard rowBytes > 0, !indices.isEmpty else { return }
                    gatherRows(from: raw.baseAddress! + column.fileOffset, rowBytes: rowBytes, indices: indices, into: out.baseAddress!)
                }
                return (column.entry.name, t)
            })
        }
    }
}
