import Foundation

/// Everything a run needs to know about the cell cache before it plans: the store, the keys' parts, the
/// toolchain and engine identities.
struct CacheContext {
    let store: SnapshotStore
    let enabled: Bool
    let parts: [KeyParts]
    let toolchain: String
    let fileHashes: FileHashes

    init(notebook: Notebook, params: [Parameter], engine: Engine, optimize: Bool, store: SnapshotStore, enabled: Bool) throws(NotebookError) {
        self.store = store
        self.enabled = enabled
        if enabled { try store.prepare() }
        toolchain = ProgramBuilder.swiftVersion(cacheDirectory: engine.cacheDirectory)
        fileHashes = FileHashes(memoPath: enabled ? store.root + "/file-hashes.json" : nil)
        let engineIdentity = engine.contentIdentity + (optimize ? " -O" : " -Onone")
        parts = try CellKeys(notebook: notebook, params: params, engineIdentity: engineIdentity, toolchain: toolchain,
                             fileHashes: fileHashes).parts()
    }
}

extension Engine {
    /// SHA-256 of the engine library: a rebuild that changes the engine changes every cell key, one that
    /// does not (a clean rebuild, a touch) changes none. Remembered by size and modification time.
    var contentIdentity: String {
        var st = stat()
        guard stat(libraryPath, &st) == 0 else { return "no-engine" }
        let stamp = "\(st.st_size)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
        let memo = cacheDirectory + "/engine-identity"
        if let text = try? String(contentsOfFile: memo, encoding: .utf8) {
            let parts = text.split(separator: " ")
            if parts.count == 2, parts[0] == stamp { return String(parts[1]) }
        }
        let hash = SHA256Text.file(libraryPath) ?? "unreadable"
        AtomicFile.write(Data("\(stamp) \(hash)".utf8), to: memo)
        return hash
    }
}

/// Sizes written as `500MB`, `2GB`, `1.5GiB` or a plain byte count.
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let gib = 1_073_741_824.0, mib = 1_048_576.0, kib = 1024.0
        let units: [(String, Double)] = [("GIB", gib), ("MIB", mib), ("KIB", kib), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3),
                                         ("G", gib), ("M", mib), ("K", kib), ("B", 1)]
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            guard let v = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), v >= 0, v * scale < 9e18 else { return nil }
            return Int(v * scale)
        }
        return Int(t).flatMap { $0 >= 0 ? $0 : nil }
    }

    static func text(_ bytes: Int) -> String {
        let b = Double(bytes)
        if b >= 1_073_741_824 { return String(format: "%.2f GiB", b / 1_073_741_824) }
        if b >= 1_048_576 { return String(format: "%.1f MiB", b / 1_048_576) }
        if b >= 1024 { return String(format: "%.1f KiB", b / 1024) }
        return "\(bytes) B"
    }
}

/// Names that come from the notebook program (figure files) and become paths: one plain component only.
enum SafeName {
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
            && name.utf8.count <= 255
    }
}
