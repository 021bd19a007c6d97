import Foundation

// Fuzz builds only: stands in for QuireNotebook/Internal/Cache/SHA256Text.swift (swift-crypto). Same
// interface; a 64-bit FNV-1a, not SHA-256.
enum SHA256Text {
    static func hex(_ data: Data) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }

    static func file(_ path: String) -> String? { FileManager.default.contents(atPath: path).map(hex) }
}
