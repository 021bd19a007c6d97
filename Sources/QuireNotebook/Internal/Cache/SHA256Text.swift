import Foundation
internal import Crypto

/// SHA-256 as lower-case hex: cache keys, file contents, figures. The runner's only use of swift-crypto
/// (the fuzz build swaps this file for a stand-in).
enum SHA256Text {
    static func hex(_ data: Data) -> String { SHA256.hash(data: data).hexString }

    /// The digest of a file's content, read in 1 MiB chunks; nil when it cannot be opened.
    static func file(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().hexString
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
