/// Decodes text that arrives in pieces (pipe reads): a UTF-8 sequence cut by a read's end is kept for the
/// next piece instead of being decoded as two replacement characters.
struct UTF8Chunks {
    private var pending: [UInt8] = []

    /// The text of `bytes` after what was pending, up to the last complete character.
    mutating func decode(_ bytes: [UInt8]) -> String {
        pending += bytes
        let cut = Self.completeLength(pending)
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// What is left at the end of the stream (an incomplete sequence decodes as a replacement character).
    mutating func flush() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of the longest prefix that does not end inside a UTF-8 sequence.
    static func completeLength(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1
        while i >= 0 && i >= bytes.count - 4 {
            let b = bytes[i]
            if b & 0xC0 == 0x80 { i -= 1; continue }   // a continuation byte: look further back
            let length = b < 0x80 ? 1 : b & 0xE0 == 0xC0 ? 2 : b & 0xF0 == 0xE0 ? 3 : b & 0xF8 == 0xF0 ? 4 : 1
            return bytes.count - i < length ? i : bytes.count
        }
        return bytes.count
    }
}
