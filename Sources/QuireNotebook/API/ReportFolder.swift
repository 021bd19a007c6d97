import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A report folder Quire writes into and may clean: marked by `.quire-report.json`, which lists the
/// entries Quire wrote there (`index.html`, `figures`, `runs`, `checkpoints`, `outputs`), and locked for
/// the length of a run.
///
/// Quire only removes what it wrote: `quire run --out DIR` refuses a folder that holds files but is not a
/// report folder (exit 2), and `quire clean` removes only the listed entries of marked folders. A folder from
/// before the manifest existed counts as a report folder when it holds nothing but Quire's entries and its
/// `index.html` was written by Quire.
///
/// Two runs into the same folder would mix their figures: a run takes an exclusive `flock` on the folder's
/// `.quire.lock` and holds it until it ends; a second run prints that it waits, and goes on when the first
/// is done. `quire clean` does not wait: it fails on a folder a run holds.
///
/// ```swift
/// let folder = try ReportFolder.open("output/digits") { print($0) }   // validates, creates, locks
/// folder.claimWrittenEntries()                                         // after writing index.html
/// ```
public final class ReportFolder {
    public static let manifestName = ".quire-report.json"
    public static let lockName = ".quire.lock"
    /// What a run may write at the top of its report folder.
    public static let quireEntries = ["index.html", "figures", "runs", "checkpoints", "outputs"]

    public let path: String
    private var lockFD: Int32 = -1
    /// Entries of Quire's names that were there, unlisted, when the run began: the user's, never claimed.
    private var foreign: Set<String> = []
    private(set) var listed: Set<String> = []

    private init(path: String) { self.path = path }

    deinit { if lockFD >= 0 { close(lockFD) } }

    /// Checks that Quire may write into `path` (missing, empty, or a report folder), creates it, takes its
    /// lock (waiting for a run that holds it, after calling `waiting`) and marks it.
    public static func open(_ path: String, waiting: (String) -> Void = { _ in }) throws(NotebookError) -> ReportFolder {
        let folder = ReportFolder(path: path)
        try folder.checkOwnership(action: "write a report into")
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw NotebookError(.io, "cannot create the report folder \(path): \(error.localizedDescription)")
        }
        try folder.lock(wait: true, waiting: waiting)
        folder.listed = Self.manifestEntries(path) ?? []
        folder.foreign = Set(Self.quireEntries.filter { !folder.listed.contains($0) && Self.exists(path + "/" + $0) })
        if Self.isLegacyReport(path) { folder.foreign = [] }
        folder.writeManifest()
        return folder
    }

    /// Records the entries of Quire's names that this run created (and the ones already listed).
    public func claimWrittenEntries() {
        let now = Set(Self.quireEntries.filter { !foreign.contains($0) && Self.exists(path + "/" + $0) })
        guard !now.isSubset(of: listed) else { return }
        listed.formUnion(now)
        writeManifest()
    }

    /// Removes the entries a report folder's manifest lists, the manifest and the lock file, and the folder
    /// itself when nothing else is left in it. Returns what it removed.
    @discardableResult
    public static func clean(_ path: String) throws(NotebookError) -> [String] {
        let folder = ReportFolder(path: path)
        try folder.checkOwnership(action: "clean")
        guard exists(path) else { return [] }
        try folder.lock(wait: false)
        var entries = manifestEntries(path) ?? []
        if entries.isEmpty && isLegacyReport(path) { entries = Set(quireEntries.filter { exists(path + "/" + $0) }) }
        var removed: [String] = []
        for entry in entries.sorted() where quireEntries.contains(entry) && exists(path + "/" + entry) {
            do { try FileManager.default.removeItem(atPath: path + "/" + entry) } catch {
                throw NotebookError(.io, "cannot remove \(path)/\(entry): \(error.localizedDescription)")
            }
            removed.append(entry)
        }
        unlink(path + "/" + manifestName)
        unlink(path + "/" + lockName)
        if (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true { rmdir(path) }
        return removed
    }

    /// True for a folder Quire marked, or an unmarked one holding only a Quire report.
    public static func isReportFolder(_ path: String) -> Bool {
        manifestEntries(path) != nil || isLegacyReport(path)
    }

    // MARK: Private

    private func checkOwnership(action: String) throws(NotebookError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw NotebookError(.usage, "cannot \(action) \(path): it is a file, not a folder")
        }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0 != Self.lockName }
        guard !entries.isEmpty, !Self.isReportFolder(path) else { return }
        let sample = entries.sorted().prefix(3).joined(separator: ", ")
        throw NotebookError(.usage, "cannot \(action) \(path): it holds files Quire did not write (\(sample)\(entries.count > 3 ? ", …" : "")) "
                            + "and is not a Quire report folder (no \(Self.manifestName)); pick another --out or an empty folder")
    }

    private func lock(wait: Bool, waiting: (String) -> Void = { _ in }) throws(NotebookError) {
        let fd = Glibc.open(path + "/" + Self.lockName, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw NotebookError(.io, "cannot open \(path)/\(Self.lockName): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard wait else {
                close(fd)
                throw NotebookError(.usage, "\(path) is in use by a running `quire run`; try again when it is done")
            }
            waiting("another run is writing \(path); waiting for it to finish …")
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(fd)
                    throw NotebookError(.io, "cannot lock \(path)/\(Self.lockName): \(String(cString: strerror(errno)))")
                }
            }
        }
        lockFD = fd
    }

    private func writeManifest() {
        let object: [String: Any] = ["quire": 1, "wrote": listed.sorted()]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        let temporary = path + "/.quire-report.json.\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        rename(temporary, path + "/" + Self.manifestName)
    }

    /// The manifest's entries; nil when there is no readable manifest.
    private static func manifestEntries(_ path: String) -> Set<String>? {
        guard let data = FileManager.default.contents(atPath: path + "/" + manifestName),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let wrote = object["wrote"] as? [String] else { return nil }
        return Set(wrote)
    }

    /// A report folder written before manifests: only Quire's entries, and an `index.html` Quire rendered.
    private static func isLegacyReport(_ path: String) -> Bool {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path), !entries.isEmpty,
              entries.allSatisfy({ quireEntries.contains($0) || $0 == lockName || $0.hasPrefix(".index.html.") }),
              let index = FileManager.default.contents(atPath: path + "/index.html") else { return false }
        return String(decoding: index, as: UTF8.self).contains("<dt>Tools</dt><dd>Quire ")
    }

    private static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// A name usable as a folder name: not empty, `.`, `..`, and without `/` (a notebook named `...md`
    /// has the base name `..`).
    public static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }
}
