internal import Crypto

/// Incremental SHA-256, hex-encoded: the checksums in `checkpoint.json`.
struct SHA256Stream {
    private var hasher = SHA256()

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
    }

    consuming func hex() -> String {
        hasher.finalize().map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}
