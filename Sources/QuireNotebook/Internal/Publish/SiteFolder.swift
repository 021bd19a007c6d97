import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A site folder `quire publish` writes into: marked by `.quire-site.json`, which lists the entries Quire
/// wrote at its top (`index.html`, `thumbs`, one report folder per notebook).
///
/// As with report folders, Quire writes only into a missing or empty folder or one it marked, and removes
/// only what its manifest lists: a report folder of a notebook that is no longer published goes (through
/// ``ReportFolder/clean(_:)``, so only Quire's own entries in it), anything else stays.
final class SiteFolder {
    static let manifestName = ".quire-site.json"
    static let thumbsFolder = "thumbs"

    let path: String
    /// What the previous publish wrote here.
    let previous: Set<String>
    /// One publish into a site at a time: an exclusive `flock` on `.quire.lock`, held until the end.
    private var lockFD: Int32 = -1

    private init(path: String, previous: Set<String>) {
        self.path = path
        self.previous = previous
    }

    deinit { if lockFD >= 0 { close(lockFD) } }

    /// Checks that Quire may publish into `path` and creates it.
    static func open(_ path: String) throws(NotebookError) -> SiteFolder {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw NotebookError(.usage, "cannot publish into \(path): it is a file, not a folder") }
            let entries = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0 != ReportFolder.lockName }
            if !entries.isEmpty && manifestEntries(path) == nil {
                let sample = entries.sorted().prefix(3).joined(separator: ", ")
                throw NotebookError(.usage, "cannot publish into \(path): it holds files Quire did not write (\(sample)\(entries.count > 3 ? ", …" : "")) "
                                    + "and is not a Quire site folder (no \(manifestName)); pick another --out or an empty folder")
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw NotebookError(.io, "cannot create the site folder \(path): \(error.localizedDescription)")
        }
        let site = SiteFolder(path: path, previous: manifestEntries(path) ?? [])
        site.lockFD = Glibc.open(path + "/" + ReportFolder.lockName, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard site.lockFD >= 0, flock(site.lockFD, LOCK_EX | LOCK_NB) == 0 else {
            throw NotebookError(.usage, "\(path) is in use by another `quire publish`; try again when it is done")
        }
        return site
    }

    /// Records what this publish wrote, keeping the previous entries that are still there (a notebook left
    /// out this time whose report stays).
    func writeManifest(_ entries: Set<String>) {
        let all = entries.union(previous.filter { FileManager.default.fileExists(atPath: path + "/" + $0) })
        let object: [String: Any] = ["quire": 1, "wrote": all.sorted()]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]) else { return }
        let temporary = path + "/.quire-site.json.\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        rename(temporary, path + "/" + Self.manifestName)
    }

    static func manifestEntries(_ path: String) -> Set<String>? {
        guard let data = FileManager.default.contents(atPath: path + "/" + manifestName),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let wrote = object["wrote"] as? [String] else { return nil }
        return Set(wrote.filter(ReportFolder.isPlainName))
    }

    /// Writes `text` to `name` in the site atomically.
    func write(_ text: String, to name: String) throws(NotebookError) {
        let temporary = path + "/.\(name).\(getpid()).tmp"
        do { try text.write(toFile: temporary, atomically: false, encoding: .utf8) } catch {
            throw NotebookError(.io, "cannot write \(path)/\(name): \(error.localizedDescription)")
        }
        guard rename(temporary, path + "/" + name) == 0 else { throw NotebookError(.io, "cannot move \(path)/\(name) into place") }
    }
}
