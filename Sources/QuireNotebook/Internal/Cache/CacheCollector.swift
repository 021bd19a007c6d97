import Foundation

/// Keeps the cell cache within its size bound: whole snapshots go, least recently used first (a restore
/// marks a snapshot used), then blobs no snapshot names any more. Blobs younger than ten minutes are
/// spared: a run writing a snapshot at the same time may not have committed the snapshot that names them.
struct CacheCollector {
    static let defaultMaxBytes = 2 << 30
    let store: SnapshotStore

    struct Entry { var key: String; var used: Date; var bytes: Int; var snapshot: CellSnapshot? }

    /// Every snapshot with its size (its own file plus the blobs and figures only it names count once each
    /// in the total), newest use last.
    func entries() -> [Entry] {
        let fm = FileManager.default
        let cells = store.root + "/cells"
        var result: [Entry] = []
        for key in (try? fm.contentsOfDirectory(atPath: cells)) ?? [] where !key.hasPrefix(".") {
            let dir = cells + "/" + key
            let used = ((try? fm.attributesOfItem(atPath: dir))?[.modificationDate] as? Date) ?? .distantPast
            let data = fm.contents(atPath: dir + "/checkpoint.json")
            let snapshot = data.flatMap { CellSnapshot(json: $0) }
            var bytes = data?.count ?? 0
            if let snapshot {
                for blob in snapshot.blobs { bytes += fileSize(store.blobPath(blob, ext: "safetensors")) }
                for hash in snapshot.figures.values { bytes += fileSize(store.blobPath(hash, ext: "png")) }
            }
            result.append(Entry(key: key, used: used, bytes: bytes, snapshot: snapshot))
        }
        return result.sorted { $0.used < $1.used }
    }

    /// Bytes of everything in the store.
    func totalBytes() -> Int {
        var total = 0
        if let walker = FileManager.default.enumerator(atPath: store.root) {
            for case let file as String in walker { total += fileSize(store.root + "/" + file) }
        }
        return total
    }

    /// Evicts down to `maxBytes`, never a snapshot in `keep`; returns how many snapshots and bytes went.
    @discardableResult
    func collect(maxBytes: Int, keep: Set<String> = []) -> (snapshots: Int, bytes: Int) {
        let before = totalBytes()
        var total = before
        var removed = 0
        if total > maxBytes {
            for entry in entries() where !keep.contains(entry.key) {
                guard total > maxBytes else { break }
                store.remove(entry.key)
                total -= entry.bytes
                removed += 1
            }
        }
        if removed > 0 || total > maxBytes { sweep() }
        return (removed, max(0, before - totalBytes()))
    }

    /// Removes blobs no snapshot names (older than ten minutes).
    func sweep() {
        var live: Set<String> = []
        for entry in entries() {
            guard let s = entry.snapshot else { store.remove(entry.key); continue }
            live.formUnion(s.blobs)
            live.formUnion(s.figures.values)
        }
        let fm = FileManager.default
        let objects = store.root + "/objects"
        let cutoff = Date().addingTimeInterval(-600)
        for folder in (try? fm.contentsOfDirectory(atPath: objects)) ?? [] {
            for file in (try? fm.contentsOfDirectory(atPath: objects + "/" + folder)) ?? [] {
                let path = objects + "/" + folder + "/" + file
                let hash = String(file.split(separator: ".").first ?? "")
                guard !live.contains(hash) else { continue }
                let modified = ((try? fm.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? .distantPast
                if modified < cutoff { unlink(path) }
            }
        }
    }

    private func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }
}
