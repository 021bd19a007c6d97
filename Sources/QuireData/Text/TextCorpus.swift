import Foundation

/// Plain text read from a folder of files, concatenated in name order, with where it came from.
///
/// ```swift
/// let corpus = try TextCorpus.debian()       // fortunes, else common-licenses (see `note`)
/// print(corpus.source, corpus.text.count)
/// ```
public struct TextCorpus: Sendable {
    public let text: String
    /// What was read, for reports ("fortunes (Debian package) plain-text databases, 43 files").
    public let source: String
    public let files: [String]
    /// Set when a fallback was used instead of the first choice.
    public let note: String?

    /// The regular files of `directory` (symlinks skipped) in name order; `plainOnly` skips names with a
    /// dot (the fortune `.dat` indexes and `.u8` links). Invalid UTF-8 becomes U+FFFD.
    public static func read(directory: String, plainOnly: Bool, source: String, note: String? = nil) throws -> TextCorpus {
        let fm = FileManager.default
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: directory).sorted() } catch {
            throw DataError("\(directory): cannot list the corpus folder: \(error.localizedDescription)")
        }
        var paths: [String] = []
        for name in names where !(plainOnly && name.contains(".")) {
            let path = (directory as NSString).appendingPathComponent(name)
            let attrs = try? fm.attributesOfItem(atPath: path)
            guard attrs?[.type] as? FileAttributeType == .typeRegular else { continue }
            paths.append(path)
        }
        guard !paths.isEmpty else { throw DataError("\(directory): no text files to read") }
        var text = ""
        for p in paths {
            guard let data = fm.contents(atPath: p) else { throw DataError("\(p): cannot read this corpus file") }
            text += String(decoding: data, as: UTF8.self)
        }
        return TextCorpus(text: text, source: "\(source), \(paths.count) files", files: paths, note: note)
    }

    public static let fortunesDirectory = "/usr/share/games/fortunes"
    public static let licensesDirectory = "/usr/share/common-licenses"

    /// The corpus the transformer benchmark and notebook use (as the Flax peer): the plain-text fortune
    /// databases of Debian's `fortunes` package; when that package is absent, the license texts of
    /// `base-files` under /usr/share/common-licenses, with a ``note`` saying so.
    public static func debian() throws -> TextCorpus {
        if FileManager.default.fileExists(atPath: fortunesDirectory) {
            return try read(directory: fortunesDirectory, plainOnly: true, source: "fortunes (Debian package) plain-text databases")
        }
        return try read(directory: licensesDirectory, plainOnly: false, source: "common-licenses (Debian base-files)",
                        note: "the fortunes package is not installed (apt-get install fortunes); using the license texts instead")
    }
}
