// Fuzz builds only: stands in for QuireCheckpoint/Internal/Hashing.swift, so the checkpoint sources
// compile without swift-crypto (which SwiftPM builds but a plain swiftc invocation would have to
// rebuild). Same interface; a 64-bit FNV-1a, not SHA-256, so recorded checksums never match.
struct SHA256Stream {
    private var h: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    }

    consuming func hex() -> String { String(h, radix: 16) }
}
