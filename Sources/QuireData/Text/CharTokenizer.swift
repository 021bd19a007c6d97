import Foundation
import QuireTensor

/// A character-level tokenizer: one id per Unicode scalar of a fixed vocabulary (sorted by code point,
/// as Python's `sorted(set(text))`), with an optional byte-level fallback. With `byteFallback`, ids
/// `symbols.count ..< symbols.count + 256` are the 256 byte values: a scalar outside the vocabulary is
/// encoded as its UTF-8 bytes, and decoding joins byte tokens back into UTF-8. Without it, an unknown
/// scalar is an error naming it and its position.
///
/// Saved as JSON (`{"format": "quire-char-tokenizer", "version": 1, "symbols": [...], "byteFallback": …}`).
///
/// ```swift
/// let tok = CharTokenizer(training: text, byteFallback: true)
/// let ids = try tok.encode("hello")         // [Int]
/// tok.decode(ids)                           // "hello"
/// try tok.save(to: URL(fileURLWithPath: "tokenizer.json"))
/// let back = try CharTokenizer.load(from: URL(fileURLWithPath: "tokenizer.json"))
/// ```
public struct CharTokenizer: Sendable, Equatable {
    /// The vocabulary's scalars, in id order.
    public let symbols: [Unicode.Scalar]
    public let byteFallback: Bool
    private let ids: [Unicode.Scalar: Int]

    /// A tokenizer over `symbols` (duplicates are an error the caller made: they are removed, order kept).
    public init(symbols: [Unicode.Scalar], byteFallback: Bool = false) {
        var seen = Set<Unicode.Scalar>(), unique: [Unicode.Scalar] = []
        for s in symbols where seen.insert(s).inserted { unique.append(s) }
        self.symbols = unique
        self.byteFallback = byteFallback
        ids = Dictionary(uniqueKeysWithValues: unique.enumerated().map { ($1, $0) })
    }

    /// The vocabulary of every scalar in `text`, sorted by code point.
    public init(training text: String, byteFallback: Bool = false) {
        self.init(symbols: Set(text.unicodeScalars).sorted { $0.value < $1.value }, byteFallback: byteFallback)
    }

    /// A pure byte-level tokenizer (256 ids, any text).
    public static var bytes: CharTokenizer { CharTokenizer(symbols: [], byteFallback: true) }

    /// Number of ids: the symbols, plus 256 byte ids with the fallback.
    public var vocabularySize: Int { symbols.count + (byteFallback ? 256 : 0) }

    /// The ids of `text`; throws a ``DataError`` naming the first scalar outside the vocabulary (and its
    /// offset) when there is no byte fallback.
    public func encode(_ text: String) throws -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(text.unicodeScalars.count)
        for (offset, s) in text.unicodeScalars.enumerated() {
            if let id = ids[s] { out.append(id); continue }
            guard byteFallback else {
                throw DataError("CharTokenizer: scalar U+\(String(s.value, radix: 16, uppercase: true)) "
                                + "(\(s.escaped(asASCII: true))) at scalar offset \(offset) is not in the "
                                + "\(symbols.count)-symbol vocabulary and there is no byte fallback")
            }
            for b in String(s).utf8 { out.append(symbols.count + Int(b)) }
        }
        return out
    }

    /// `encode` as an int32 tensor `[count]`.
    public func encodeTensor(_ text: String) throws -> Tensor {
        let ids = try encode(text)
        return Tensor(ids.map { Int32($0) }, shape: [ids.count])
    }

    /// The text of `ids`. Runs of byte ids are decoded as UTF-8 (invalid sequences become U+FFFD);
    /// an id outside the vocabulary is a programmer error.
    public func decode(_ tokens: [Int]) -> String {
        var text = String.UnicodeScalarView(), pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            text.append(contentsOf: String(decoding: pending, as: UTF8.self).unicodeScalars)
            pending.removeAll()
        }
        for id in tokens {
            precondition(id >= 0 && id < vocabularySize, "CharTokenizer.decode: id \(id) outside 0..<\(vocabularySize)")
            if id < symbols.count { flush(); text.append(symbols[id]) } else { pending.append(UInt8(id - symbols.count)) }
        }
        flush()
        return String(text)
    }

    public static func == (a: CharTokenizer, b: CharTokenizer) -> Bool {
        a.symbols == b.symbols && a.byteFallback == b.byteFallback
    }

    // MARK: Files

    private struct File: Codable {
        var format: String
        var version: Int
        var symbols: [String]
        var byteFallback: Bool
    }

    static let formatName = "quire-char-tokenizer"

    /// Writes the vocabulary as JSON to `url` (atomically).
    public func save(to url: URL) throws {
        let file = File(format: Self.formatName, version: 1, symbols: symbols.map { String($0) }, byteFallback: byteFallback)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(file).write(to: url, options: .atomic)
    }

    /// Reads a tokenizer written by ``save(to:)``; throws a ``DataError`` naming the file and what is wrong.
    public static func load(from url: URL) throws -> CharTokenizer {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError("\(url.path): cannot read the tokenizer file: \(error.localizedDescription)")
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw DataError("\(url.path): not a tokenizer file (expected JSON with format, version, symbols, byteFallback): \(error)")
        }
        guard file.format == formatName, file.version == 1 else {
            throw DataError("\(url.path): format \"\(file.format)\" version \(file.version); expected \"\(formatName)\" version 1")
        }
        var scalars: [Unicode.Scalar] = []
        for (i, s) in file.symbols.enumerated() {
            let u = Array(s.unicodeScalars)
            guard u.count == 1 else {
                throw DataError("\(url.path): symbols[\(i)] is \(s.debugDescription); expected exactly one Unicode scalar")
            }
            scalars.append(u[0])
        }
        guard Set(scalars).count == scalars.count else { throw DataError("\(url.path): symbols repeat a scalar") }
        return CharTokenizer(symbols: scalars, byteFallback: file.byteFallback)
    }
}
