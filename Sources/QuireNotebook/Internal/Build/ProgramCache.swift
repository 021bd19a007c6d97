import Foundation

/// The compiled-program cache's place and size. It used to live in the engine's `.build`, where
/// `swift package clean` dropped it and it grew without bound; it is now a user cache folder, bounded.
public enum ProgramCache {
    /// The cache keeps at most this many bytes of programs; the least recently used go first.
    public static let maxBytes = 1 << 30

    /// `$XDG_CACHE_HOME/quire` (an absolute path), else `~/.cache/quire`; nil without a home folder.
    public static func base(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/quire" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/quire" }
        return nil
    }

    /// The folder of one checkout's programs (`programs-<hash of its root>`); inside the checkout's
    /// `.build` when there is no home folder.
    static func folder(for root: String) -> String {
        guard let base = base() else { return root + "/.build/quire-notebooks" }
        var hash = ContentHash()
        hash.add(root)
        return base + "/programs-" + String(hash.hex.prefix(12))
    }

    /// Marks a program folder as just used.
    static func touch(_ programFolder: String) {
        utimes(programFolder, nil)
    }

    /// Removes the least recently used program folders (named by their 32-digit hash) of `folder` until
    /// the rest fit in `maxBytes`; `keep` stays whatever its age.
    static func evict(in folder: String, maxBytes: Int = maxBytes, keep: String) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else { return }
        var programs: [(path: String, used: Date, bytes: Int)] = []
        for name in names where name.count == 32 && name.allSatisfy(\.isHexDigit) {
            let path = folder + "/" + name
            let used = (try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? .distantPast
            var bytes = 0
            for file in (try? fm.contentsOfDirectory(atPath: path)) ?? [] {
                bytes += (try? fm.attributesOfItem(atPath: path + "/" + file))?[.size] as? Int ?? 0
            }
            programs.append((path, used, bytes))
        }
        var total = programs.reduce(0) { $0 + $1.bytes }
        for program in programs.sorted(by: { $0.used < $1.used }) where total > maxBytes && program.path != keep {
            try? fm.removeItem(atPath: program.path)
            total -= program.bytes
        }
    }
}
