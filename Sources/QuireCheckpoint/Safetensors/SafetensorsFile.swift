import Foundation
import QuireTensor

/// A safetensors file opened for reading: the header is read and validated at once (offsets contiguous,
/// in bounds and matching each shape and dtype, the whole file covered); tensors are read on request
/// with `pread` straight into freshly allocated tensor storage.
///
/// ```swift
/// let file = try SafetensorsFile(path: "model.safetensors")
/// file.entries.map(\.name)                          // ["layers.0.weight", …]
/// let w = try file.tensor("layers.0.weight")
/// try model.load(file.tensors(renaming: { $0.replacingOccurrences(of: "fc", with: "layers") }))
/// ```
public final class SafetensorsFile {
    public let path: String
    /// The tensors, in the order of their data in the file.
    public let entries: [SafetensorsEntry]
    /// The header's `__metadata__` string map.
    public let metadata: [String: String]
    /// Size of the whole file in bytes.
    public let fileSize: Int

    let file: RawFile
    let dataStart: Int
    /// The 8 length bytes and the JSON header, exactly as in the file (for checksums).
    let headerBytes: [UInt8]
    private let index: [String: Int]

    public convenience init(url: URL) throws { try self.init(path: url.path) }

    /// Opens and validates `path`. With `within`, a path resolving (symlinks followed) outside that
    /// directory is refused (a checkpoint's step directory, whose metadata names the file).
    public init(path: String, within directory: String? = nil) throws {
        self.path = path
        let file: RawFile
        do { file = try RawFile.openForReading(path, within: directory) } catch let e as CheckpointIOError {
            throw SafetensorsError(path: path, reason: e.reason)
        }
        let fileSize = try file.size
        guard fileSize >= 8 else {
            throw SafetensorsError(path: path, reason: "file has \(fileSize) bytes, expected at least 8 (the header length)")
        }
        var lengthBytes = [UInt8](repeating: 0, count: 8)
        try lengthBytes.withUnsafeMutableBytes { try file.read(into: $0, at: 0) }
        let length = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let limit = UInt64(SafetensorsHeader.maximumHeaderBytes)
        guard length <= limit, Int(length) <= fileSize - 8 else {
            let bound = length > limit ? "the limit of \(limit) bytes" : "the file (\(fileSize) bytes; truncated?)"
            throw SafetensorsError(path: path, reason: "header length \(length) exceeds \(bound)")
        }
        var json = [UInt8](repeating: 0, count: Int(length))
        try json.withUnsafeMutableBytes { try file.read(into: $0, at: 8) }
        let header = try json.withUnsafeBytes { try SafetensorsHeader(json: $0, fileSize: fileSize, path: path) }
        self.file = file
        self.fileSize = fileSize
        entries = header.entries
        metadata = header.metadata
        dataStart = header.dataStart
        headerBytes = lengthBytes + json
        index = Dictionary(header.entries.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
    }

    /// The entry for `name`, if the file has one.
    public func entry(_ name: String) -> SafetensorsEntry? { index[name].map { entries[$0] } }

    /// Reads one tensor.
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entry(name) else {
            throw SafetensorsError(path: path, tensor: name, reason: "not in the file (it has \(entries.count) tensors)")
        }
        return try read(e, hasher: nil)
    }

    /// Reads the tensors whose names pass `include`, keyed by `renaming(name)` (return `nil` to drop a
    /// tensor), in file order: a file written with another naming scheme (PyTorch's `fc1.weight`) loads
    /// into a Quire model's paths.
    public func tensors(where include: (String) -> Bool = { _ in true },
                        renaming: (String) throws -> String? = { $0 }) throws -> TensorDict {
        var out = TensorDict()
        for e in entries where include(e.name) {
            guard let key = try renaming(e.name) else { continue }
            guard out[key] == nil else {
                throw SafetensorsError(path: path, tensor: e.name, reason: "renamed to \"\(key)\", which another tensor was already renamed to")
            }
            out[key] = try read(e, hasher: nil)
        }
        return out
    }

    /// Reads the tensors that pass `include` and computes the SHA-256 of the whole file on another core
    /// while reading (the bytes of skipped tensors are read for the checksum only).
    func tensorsAndChecksum(where include: (String) -> Bool) throws -> (TensorDict, String) {
        let hasher = BackgroundHasher()
        var out = TensorDict()
        var scratch: [UInt8] = []
        try withExtendedLifetime(headerBytes) {
            headerBytes.withUnsafeBytes { hasher.submit($0) }
            for e in entries {
                if include(e.name) {
                    out[e.name] = try read(e, hasher: hasher)
                } else {
                    // Hash the skipped bytes through a scratch buffer, waiting for each chunk's hash.
                    var offset = e.byteRange.lowerBound
                    while offset < e.byteRange.upperBound {
                        let n = min(RawFile.chunkBytes, e.byteRange.upperBound - offset)
                        if scratch.count < n { scratch = [UInt8](repeating: 0, count: n) }
                        try scratch.withUnsafeMutableBytes { buf in
                            let part = UnsafeMutableRawBufferPointer(rebasing: buf[0..<n])
                            try file.read(into: part, at: dataStart + offset)
                            hasher.submit(UnsafeRawBufferPointer(part))
                            hasher.barrier()
                        }
                        offset += n
                    }
                }
            }
        }
        return (out, hasher.finish())
    }

    /// SHA-256 of the whole file, hex (reads it through; tensors are not materialized).
    public func sha256() throws -> String {
        try tensorsAndChecksum(where: { _ in false }).1
    }

    private func read(_ e: SafetensorsEntry, hasher: BackgroundHasher?) throws -> Tensor {
        try Tensor(unsafeUninitializedShape: e.shape, dtype: e.dtype) { buffer in
            // On any error the storage is freed at once: let the hasher finish with it first.
            do { try fill(buffer, e, hasher) } catch { hasher?.barrier(); throw error }
        }
    }

    private func fill(_ buffer: UnsafeMutableRawBufferPointer, _ e: SafetensorsEntry, _ hasher: BackgroundHasher?) throws {
        var done = 0
        while done < buffer.count {
            let n = min(RawFile.chunkBytes, buffer.count - done)
            let part = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + n)])
            do {
                try file.read(into: part, at: dataStart + e.byteRange.lowerBound + done)
            } catch let error as CheckpointIOError {
                throw SafetensorsError(path: path, tensor: e.name, reason: error.reason)
            }
            hasher?.submit(UnsafeRawBufferPointer(part))
            done += n
        }
        if e.dtype == .bool, let bad = buffer.firstIndex(where: { $0 > 1 }) {
            throw SafetensorsError(path: path, tensor: e.name, reason: "BOOL element \(bad) is byte \(buffer[bad]), expected 0 or 1")
        }
    }
}
