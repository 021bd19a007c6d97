import Foundation
import QuireTensor

/// Writes safetensors files: a JSON header (padded so the data is 8-byte aligned) and each tensor's
/// bytes, little-endian, in the order given, written straight from tensor storage.
///
/// ```swift
/// try Safetensors.write(model.state(), metadata: ["format": "pt"], to: URL(fileURLWithPath: "model.safetensors"))
/// let back = try SafetensorsFile(path: "model.safetensors").tensors()
/// ```
public enum Safetensors {
    /// Writes `tensors` (any dtype, any layout; strided views are copied one at a time) and returns the
    /// file's SHA-256 (hex), computed on another core while writing. With `sync`, the file is fsynced
    /// before returning.
    @discardableResult
    public static func write(_ tensors: TensorDict, metadata: [String: String] = [:], to url: URL,
                             sync: Bool = false) throws -> String {
        let path = url.path
        for name in tensors.keys where name.isEmpty || name == SafetensorsHeader.metadataKey {
            throw SafetensorsError(path: path, tensor: name, reason: "a tensor cannot be named \"\(name)\" in a safetensors file")
        }
        let layout = tensors.map { (name: $0.key, dtype: $0.value.dtype, shape: $0.value.shape,
                                    bytes: $0.value.scalarCount * $0.value.dtype.byteSize) }
        let json = SafetensorsHeader.encode(layout, metadata: metadata)
        var header = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        header += json

        let file = try RawFile.create(path)
        let hasher = BackgroundHasher()
        do {
            try header.withUnsafeBytes { bytes in
                hasher.submit(bytes)
                try file.write(bytes, at: 0)
                hasher.barrier()
            }
            var offset = header.count
            for (_, t) in tensors {
                try t.withUnsafeRawBytes { bytes in
                    // The tensor's storage lives until this closure returns: hash it before leaving.
                    defer { hasher.barrier() }
                    hasher.submit(bytes)
                    try file.write(bytes, at: offset)
                    offset += bytes.count
                }
            }
            if sync { try file.sync() }
        } catch {
            _ = hasher.finish()
            throw error
        }
        return hasher.finish()
    }
}
