import Foundation
import QuireTensor

/// Reads a data file's bytes through ``InputFile`` (regular files only, so a FIFO fails at once),
/// with errors as ``DataError``s that name the file in plain words.
func readDataFile(_ path: String, limit: Int = 1 << 34) throws -> [UInt8] {
    do { return try InputFile.readAll(path, limit: limit) } catch let e as InputFileError { throw DataError(e.description) }
}

/// Memory-maps a data file through ``InputFile``.
func mapDataFile(_ path: String) throws -> Data {
    do { return try InputFile.map(path) } catch let e as InputFileError { throw DataError(e.description) }
}

/// The lines of a text file's bytes: split on `\n` bytes, each with one trailing `\r` dropped, so CRLF
/// files split as LF files do. (Splitting a `String` on the Character `"\n"` misses `"\r\n"`, which
/// is a single grapheme.) Throws naming the byte and line of the first invalid UTF-8 sequence.
func textLines(_ bytes: [UInt8], path: String) throws -> [String] {
    if let bad = firstInvalidUTF8(bytes) {
        let line = 1 + bytes[..<bad].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        throw DataError("\(path):\(line): not UTF-8 at byte \(bad) (line \(line))")
    }
    return bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
        let body = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        return String(decoding: body, as: UTF8.self)
    }
}

/// The offset of the first byte that does not begin a well-formed UTF-8 sequence (no overlong forms,
/// no surrogates, nothing above U+10FFFF), or nil.
func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
    var i = 0
    let n = b.count
    func continuation(_ k: Int) -> Bool { k < n && b[k] & 0xC0 == 0x80 }
    while i < n {
        let c = b[i]
        if c < 0x80 { i += 1; continue }
        switch c {
        case 0xC2...0xDF:
            guard continuation(i + 1) else { return i }
            i += 2
        case 0xE0...0xEF:
            guard continuation(i + 1), continuation(i + 2) else { return i }
            let c1 = b[i + 1]
            if c == 0xE0 && c1 < 0xA0 { return i }   // overlong
            if c == 0xED && c1 > 0x9F { return i }   // surrogate
            i += 3
        case 0xF0...0xF4:
            guard continuation(i + 1), continuation(i + 2), continuation(i + 3) else { return i }
            let c1 = b[i + 1]
            if c == 0xF0 && c1 < 0x90 { return i }   // overlong
            if c == 0xF4 && c1 > 0x8F { return i }   // above U+10FFFF
            i += 4
        default:
            return i
        }
    }
    return nil
}

/// Why `value` cannot be stored in `dtype` unchanged, or nil when it can: integers must be whole and
/// in the dtype's range (no saturation), floats must not be infinite and must be inside the dtype's
/// range (no rounding to infinity). Rounding to the nearest representable float is not a change; a
/// reader that accepts a spelled-out `inf` checks the text itself.
func unrepresentable(_ value: Double, in dtype: DType) -> String? {
    if dtype.isInteger || dtype == .bool {
        let range: ClosedRange<Double>
        switch dtype {
        case .int32: range = -2_147_483_648...2_147_483_647
        case .int8: range = -128...127
        case .uint8: range = 0...255
        default: range = 0...1
        }
        guard value == value.rounded() else { return "not an integer" }
        guard range.contains(value) else { return "outside the \(dtype) range \(Int(range.lowerBound))…\(Int(range.upperBound))" }
        return nil
    }
    if value.isNaN { return nil }
    guard value.isFinite else { return "too large (overflows to infinity)" }
    // The smallest magnitude that rounds to infinity in each narrow dtype (largest finite + half an ulp).
    let overflow: Double
    switch dtype {
    case .float32: overflow = 3.4028235677973366e38
    case .float16: overflow = 65520
    case .bfloat16: overflow = 3.3961775292304677e38
    default: return nil
    }
    return abs(value) >= overflow ? "outside the \(dtype) range" : nil
}
