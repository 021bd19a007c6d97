import Foundation
import QuireTensor

/// IDX files (the MNIST format: `train-images-idx3-ubyte`, …), memory-mapped: the pages holding a
/// record are read when it is gathered. Each file becomes one field whose records are its slices
/// along axis 0; all files must hold the same number of records. Big-endian values are converted
/// on gather (int16 widens to int32).
///
/// ```swift
/// let mnist = try IDXSource(files: ["image": "train-images-idx3-ubyte", "label": "train-labels-idx1-ubyte"])
/// try mnist.record(at: 0)   // image: uint8 [28, 28], label: uint8 []
/// ```
public struct IDXSource: RandomAccessSource {
    struct File: Sendable {
        let name: String
        let data: Data
        let headerBytes: Int
        let recordShape: [Int]
        let elementBytes: Int
        let typeCode: UInt8
        var dtype: DType {
            switch typeCode {
            case 0x08: .uint8
            case 0x09: .int8
            case 0x0B, 0x0C: .int32
            case 0x0D: .float32
            default: .float64
            }
        }
    }

    let files: [File]
    public let count: Int

    public init(files paths: KeyValuePairs<String, String>) throws {
        var files: [File] = [], count: Int? = nil
        for (name, path) in paths {
            let data = try mapDataFile(path)
            guard data.count >= 4, data[data.startIndex] == 0, data[data.startIndex + 1] == 0 else {
                throw DataError("\(path): not an IDX file: the magic number must start with two zero bytes")
            }
            let type = data[data.startIndex + 2], rank = Int(data[data.startIndex + 3])
            let sizes: [UInt8: Int] = [0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8]
            guard let size = sizes[type] else {
                throw DataError("\(path): IDX type code 0x\(String(type, radix: 16)) is not one of 08, 09, 0B, 0C, 0D, 0E")
            }
            guard rank >= 1, data.count >= 4 + 4 * rank else {
                throw DataError("\(path): IDX header declares \(rank) dimensions but the file has \(data.count) bytes")
            }
            let dims = (0..<rank).map { d in
                (0..<4).reduce(0) { $0 << 8 | Int(data[data.startIndex + 4 + 4 * d + $1]) }
            }
            let header = 4 + 4 * rank
            // Checked over the non-zero dimensions too, so the strides of the records exist.
            let expected: Int
            do { expected = try CheckedSize.byteCount(shape: dims, elementBytes: size) } catch let e as TensorError {
                throw DataError("\(path): IDX header says \(dims.map(String.init).joined(separator: "×")) values of \(size) bytes: \(e.message)")
            }
            guard data.count - header == expected else {
                throw DataError("\(path): IDX header says \(dims.map(String.init).joined(separator: "×")) values of \(size) bytes "
                                + "(\(expected) bytes), but \(data.count - header) bytes follow the header")
            }
            if let c = count, c != dims[0] {
                throw DataError("\(path): \(dims[0]) records, but \(files[0].name) has \(c)")
            }
            count = dims[0]
            files.append(File(name: name, data: data, headerBytes: header, recordShape: Array(dims.dropFirst()),
                              elementBytes: size, typeCode: type))
        }
        guard let count else { throw DataError("IDXSource: no files") }
        self.files = files
        self.count = count
    }

    public func records(at indices: [Int]) throws -> TensorDict {
        try checkIndices(indices, count: count, "IDXSource")
        return TensorDict(try files.map { f in (f.name, try gather(f, indices)) })
    }

    private func gather(_ f: File, _ indices: [Int]) throws -> Tensor {
        // The batch's elements can be wider than the file's (int16 is returned as int32) and it can
        // repeat records, so its layout is checked on its own: a header whose dimensions fit the file's
        // byte count can still describe a batch whose strides do not fit in memory.
        let shape = [indices.count] + f.recordShape
        do { _ = try CheckedSize.byteCount(shape: shape, elementBytes: f.dtype.byteSize) } catch let e as TensorError {
            throw DataError("IDXSource: file '\(f.name)': a batch of \(indices.count) records of shape "
                            + "\(f.recordShape.map(String.init).joined(separator: "×")) as \(f.dtype): \(e.message)")
        }
        let per = f.recordShape.reduce(1, *)
        let rowBytes = per * f.elementBytes
        return f.data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + f.headerBytes
            return Tensor(unsafeUninitializedShape: shape, dtype: f.dtype) { out in
                guard rowBytes > 0, !indices.isEmpty else { return }
                switch f.typeCode {
                case 0x08, 0x09:
                    gatherRows(from: base, rowBytes: rowBytes, indices: indices, into: out.baseAddress!)
                case 0x0B:
                    let dst = out.bindMemory(to: Int32.self)
                    for (k, i) in indices.enumerated() {
                        for j in 0..<per {
                            let be = (base + (i * per + j) * 2).loadUnaligned(as: UInt16.self)
                            dst[k * per + j] = Int32(Int16(bitPattern: UInt16(bigEndian: be)))
                        }
                    }
                default:
                    gatherRows(from: base, rowBytes: rowBytes, indices: indices, into: out.baseAddress!)
                    if f.elementBytes == 4 {
                        let w = out.bindMemory(to: UInt32.self)
                        for j in w.indices { w[j] = UInt32(bigEndian: w[j]) }
                    } else {
                        let w = out.bindMemory(to: UInt64.self)
                        for j in w.indices { w[j] = UInt64(bigEndian: w[j]) }
                    }
                }
            }
        }
    }
}
