import Foundation

/// The runner's view of the cell cache on disk (the program's half writes the tensor blobs):
///
/// ```
/// <store>/cells/<key>/checkpoint.json   one cell's snapshot: values (entries naming blobs), outputs,
///                                        figures, metrics, timing, key parts; committed by one rename
/// <store>/objects/<2 hex>/<sha256>.safetensors   tensors, content-addressed (written by the program)
/// <store>/objects/<2 hex>/<sha256>.png           figures, content-addressed
/// <store>/notebooks/<sha256 of path>.json        the last run's keys per cell (for `status`, `freeze`)
/// <store>/file-hashes.json                       content hashes of declared files by (size, mtime, inode)
/// ```
///
/// The store is `.quire/cache` beside the notebook (a `.gitignore` keeps `.quire/` out of git), or
/// `QUIRE_CACHE_DIR`. A snapshot is used only when it parses, every blob it names exists and (in the
/// program) every blob's content matches its address; otherwise it is removed and the cell runs.
struct SnapshotStore {
    let root: String

    static func location(for notebookPath: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["QUIRE_CACHE_DIR"], !dir.isEmpty { return dir }
        let folder = (notebookPath as NSString).deletingLastPathComponent
        return (folder.isEmpty ? "." : folder) + "/.quire/cache"
    }

    /// Creates the store (and `.quire/.gitignore` when it lives in a `.quire` folder).
    func prepare() throws(NotebookError) {
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: root + "/cells", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: root + "/objects", withIntermediateDirectories: true)
        } catch {
            throw NotebookError(.io, "cannot create the cell cache at \(root): \(error.localizedDescription) (set QUIRE_CACHE_DIR or use --no-cache)")
        }
        let parent = (root as NSString).deletingLastPathComponent
        if (parent as NSString).lastPathComponent == ".quire", !fm.fileExists(atPath: parent + "/.gitignore") {
            AtomicFile.write(Data("# Quire's cell cache: generated, never committed.\n*\n".utf8), to: parent + "/.gitignore")
        }
    }

    func cellDirectory(_ key: String) -> String { root + "/cells/" + key }
    func blobPath(_ hash: String, ext: String) -> String { root + "/objects/" + hash.prefix(2) + "/" + hash + "." + ext }

    /// The snapshot stored under `key`, when it is complete; a damaged one is removed.
    func load(_ key: String) -> CellSnapshot? {
        let dir = cellDirectory(key)
        guard let data = FileManager.default.contents(atPath: dir + "/checkpoint.json") else { return nil }
        guard let snapshot = CellSnapshot(json: data), snapshot.key == key else {
            remove(key)
            return nil
        }
        for blob in snapshot.blobs where access(blobPath(blob, ext: "safetensors"), F_OK) != 0 {
            remove(key)
            return nil
        }
        for (_, hash) in snapshot.figures where access(blobPath(hash, ext: "png"), F_OK) != 0 {
            remove(key)
            return nil
        }
        return snapshot
    }

    /// Commits a snapshot: written into a temporary folder, then renamed to its key in one step.
    func save(_ snapshot: CellSnapshot) {
        let target = cellDirectory(snapshot.key)
        let temporary = root + "/cells/.\(snapshot.key).\(getpid()).tmp"
        let fm = FileManager.default
        try? fm.removeItem(atPath: temporary)
        guard (try? fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)) != nil,
              fm.createFile(atPath: temporary + "/checkpoint.json", contents: snapshot.json()) else { return }
        if fm.fileExists(atPath: target) { remove(snapshot.key) }
        if rename(temporary, target) != 0 { try? fm.removeItem(atPath: temporary) }
    }

    /// Removes a snapshot: renamed away first, so no reader ever sees it half deleted.
    func remove(_ key: String) {
        let doomed = root + "/cells/.deleting-\(key)-\(getpid())"
        if rename(cellDirectory(key), doomed) == 0 { try? FileManager.default.removeItem(atPath: doomed) }
    }

    /// Marks a snapshot as just used (least-recently-used eviction reads this).
    func touch(_ key: String) {
        utimes(cellDirectory(key), nil)
    }

    /// Copies a figure into the store by content; returns its hash.
    func storeFigure(_ path: String) -> String? {
        guard let hash = SHA256Text.file(path) else { return nil }
        let target = blobPath(hash, ext: "png")
        if access(target, F_OK) == 0 { return hash }
        try? FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temporary = target + ".\(getpid()).tmp"
        unlink(temporary)
        guard (try? FileManager.default.copyItem(atPath: path, toPath: temporary)) != nil, rename(temporary, target) == 0 else {
            unlink(temporary)
            return nil
        }
        return hash
    }

    /// Puts a stored figure back at `path` (a hard link when possible).
    func restoreFigure(_ hash: String, to path: String) -> Bool {
        let source = blobPath(hash, ext: "png")
        unlink(path)
        if link(source, path) == 0 { return true }
        return (try? FileManager.default.copyItem(atPath: source, toPath: path)) != nil
    }

    // MARK: the last run of each notebook

    func indexPath(notebook: String) -> String {
        let absolute = URL(fileURLWithPath: notebook).standardizedFileURL.path
        return root + "/notebooks/" + SHA256Text.hex(Data(absolute.utf8)) + ".json"
    }

    struct RunIndex: Codable {
        struct Entry: Codable { var id: String; var key: String; var parts: KeyParts }
        var notebook: String
        var cells: [Entry]
    }

    func lastRun(notebook: String) -> RunIndex? {
        guard let data = FileManager.default.contents(atPath: indexPath(notebook: notebook)) else { return nil }
        return try? JSONDecoder().decode(RunIndex.self, from: data)
    }

    func recordRun(_ index: RunIndex) {
        guard let data = try? JSONEncoder().encode(index) else { return }
        AtomicFile.write(data, to: indexPath(notebook: index.notebook))
    }
}
