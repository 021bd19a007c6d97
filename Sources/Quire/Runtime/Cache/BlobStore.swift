import Foundation
import QuireCheckpoint
import QuireTensor
internal import Crypto

/// The cache's content-addressed tensors: `<store>/objects/<2 hex>/<sha256>.safetensors`, each a
/// safetensors file holding one tensor named `value`. The address is the SHA-256 of the tensor's dtype,
/// shape and bytes, so an unchanged tensor is written once, however many cells and runs hold it. A blob
/// is written to a temporary name and renamed into place, so a killed writer leaves no torn blob under
/// its address; a reader re-hashes what it loads, so a damaged blob is reported, never used.
struct BlobStore {
    let root: String

    func path(_ hash: String) -> String {
        root + "/objects/" + hash.prefix(2) + "/" + hash + ".safetensors"
    }

    static func address(of tensor: Tensor) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(tensor.dtype) \(tensor.shape)\n".utf8))
        tensor.withUnsafeRawBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().hexString
    }

    /// Stores `tensor` (when its address is new) and returns its address.
    func put(_ tensor: Tensor) throws -> String {
        let hash = Self.address(of: tensor)
        let target = path(hash)
        if access(target, F_OK) == 0 { return hash }
        let folder = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = folder + "/.\(hash).\(getpid()).tmp"
        try Safetensors.write(["value": tensor], to: URL(fileURLWithPath: temporary))
        guard rename(temporary, target) == 0 else {
            unlink(temporary)
            throw SnapshotReader.Failure("cannot move a snapshot blob into place at \(target): \(String(cString: strerror(errno)))")
        }
        return hash
    }

    /// Loads the tensor stored under `hash`, checking that its content still has that address.
    func get(_ hash: String, name: String) throws -> Tensor {
        let file = path(hash)
        let tensor: Tensor
        do { tensor = try SafetensorsFile(path: file).tensor("value") } catch {
            throw SnapshotReader.Failure("the snapshot of '\(name)' cannot be read: \(error)")
        }
        guard Self.address(of: tensor) == hash else {
            throw SnapshotReader.Failure("the snapshot of '\(name)' is damaged: \(file) fails its checksum")
        }
        return tensor
    }
}

enum SHA256Hex {
    static func of(_ data: Data) -> String {
        SHA256.hash(data: data).hexString
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex, two digits a byte (`String(format:)` per byte cost more than the hashing).
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for b in self { bytes.append(digits[Int(b >> 4)]); bytes.append(digits[Int(b & 15)]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
