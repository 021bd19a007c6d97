import Foundation

/// The cell cache seen from outside a run: what `quire status`, `quire cache ls/gc` and `quire clean
/// --cache` show and do.
///
/// ```swift
/// let report = try NotebookCache.status(notebookPath: "notebooks/digits.md", overrides: [("epochs", "30")],
///                                       engine: try Engine.locate())
/// for cell in report.cells { print(cell.id, cell.state, cell.reason) }
/// ```
public enum NotebookCache {
    /// One cell's standing in the cache.
    public struct CellState: Sendable, Codable {
        public enum State: String, Sendable, Codable {
            /// Its snapshot matches: the next run restores it.
            case cached
            /// The next run executes it.
            case willRun = "will-run"
            /// `cache: freeze`: restored although its key changed.
            case stale
        }
        public var id: String
        public var lines: String
        public var state: State
        /// Why, in words ("unchanged", "changed: param epochs", "upstream cell train runs", …).
        public var reason: String
        /// Key parts that changed since the notebook's last run.
        public var changed: [String]
        /// Files the cell declares it reads (`//| deps:`), notebook-relative.
        public var deps: [String]
        /// Bytes of the snapshot's own data (blobs shared with other snapshots counted in each).
        public var snapshotBytes: Int?
        /// What restoring it saves: the cell's run time when it was recorded.
        public var savedSeconds: Double?
    }

    public struct Status: Sendable, Codable {
        public var notebook: String
        public var store: String
        public var cells: [CellState]
    }

    /// Plans a run without running anything: what would be restored, what would run, and why.
    public static func status(notebookPath: String, overrides: [(String, String)] = [], engine: Engine,
                              cacheDirectory: String? = nil, release: Bool = false) throws(NotebookError) -> Status {
        let notebook = try NotebookParser.parse(contentsOf: notebookPath)
        let params = try ParameterOverrides.apply(overrides, to: notebook.frontMatter.params, path: notebook.path)
        let store = SnapshotStore(root: cacheDirectory ?? SnapshotStore.location(for: notebook.path))
        let context = try CacheContext(notebook: notebook, params: params, engine: engine,
                                       optimize: release || notebook.frontMatter.optimize, store: store, enabled: true)
        let plan = CachePlan.make(notebook: notebook, parts: context.parts, store: store, settings: .init())
        context.fileHashes.save()
        var firstRun: String?
        let cells = zip(notebook.cells, plan.cells).map { cell, c -> CellState in
            var state: CellState.State
            var reason = c.reason
            switch c.action {
            case .restore(let stale): state = stale ? .stale : .cached
            case .run:
                state = .willRun
                if let first = firstRun, c.reason.hasPrefix("changed: ") && c.changed == ["upstream cell"] {
                    reason = "upstream cell \(first) runs"
                }
                if firstRun == nil && c.changed != [] { firstRun = cell.id }
            }
            let bytes = c.snapshot.map { s in
                s.blobs.reduce(0) { $0 + size(store.blobPath($1, ext: "safetensors")) }
                    + s.figures.values.reduce(0) { $0 + size(store.blobPath($1, ext: "png")) }
                    + size(store.cellDirectory(c.key) + "/checkpoint.json")
            }
            return CellState(id: cell.id, lines: "\(cell.lines.lowerBound)-\(cell.lines.upperBound)", state: state, reason: reason,
                             changed: c.changed, deps: c.parts.deps.keys.sorted(), snapshotBytes: bytes,
                             savedSeconds: c.snapshot?.seconds)
        }
        return Status(notebook: notebook.path, store: store.root, cells: cells)
    }

    /// One snapshot in a store, for `quire cache ls`.
    public struct Entry: Sendable {
        public var key: String
        public var notebook: String
        public var cellID: String
        public var lastUsed: Date
        public var bytes: Int
        public var seconds: Double
    }

    /// The snapshots in the store at `root`, least recently used first.
    public static func entries(store root: String) -> [Entry] {
        CacheCollector(store: SnapshotStore(root: root)).entries().map { e in
            Entry(key: e.key, notebook: e.snapshot?.notebook ?? "?", cellID: e.snapshot?.cellID ?? "?", lastUsed: e.used,
                  bytes: e.bytes, seconds: e.snapshot?.seconds ?? 0)
        }
    }

    /// Bytes the store at `root` holds.
    public static func totalBytes(store root: String) -> Int { CacheCollector(store: SnapshotStore(root: root)).totalBytes() }

    /// Evicts least recently used snapshots until the store fits `maxBytes`, then unreferenced blobs.
    @discardableResult
    public static func collect(store root: String, maxBytes: Int) -> (snapshots: Int, bytes: Int) {
        let collector = CacheCollector(store: SnapshotStore(root: root))
        let result = collector.collect(maxBytes: maxBytes)
        collector.sweep()
        return result
    }

    /// The store a notebook uses: `QUIRE_CACHE_DIR`, else `.quire/cache` beside it.
    public static func storeLocation(for notebookPath: String) -> String { SnapshotStore.location(for: notebookPath) }

    /// True when `root` looks like a cell cache Quire made (it then may be deleted whole).
    public static func isStore(_ root: String) -> Bool {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root + "/cells", isDirectory: &isDirectory), isDirectory.boolValue,
              fm.fileExists(atPath: root + "/objects", isDirectory: &isDirectory), isDirectory.boolValue else { return false }
        let allowed: Set<String> = ["cells", "objects", "notebooks", "file-hashes.json"]
        return ((try? fm.contentsOfDirectory(atPath: root)) ?? []).allSatisfy { allowed.contains($0) || $0.hasSuffix(".tmp") }
    }

    /// Parses a size such as `500MB`, `2GB` or a byte count.
    public static func parseSize(_ text: String) -> Int? { ByteSize.parse(text) }
    public static func sizeText(_ bytes: Int) -> String { ByteSize.text(bytes) }

    private static func size(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }
}
