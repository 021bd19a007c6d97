import ArgumentParser
import Foundation
import QuireNotebook

/// `quire cache ls|gc`: what the cell cache holds, and keeping it within a size.
struct Cache: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List or trim a cell cache (.quire/cache beside a notebook, or $QUIRE_CACHE_DIR).",
        subcommands: [List.self, Collect.self])

    /// The store named by a notebook, a folder holding `.quire/cache`, or a store folder itself.
    static func store(_ path: String?) -> String {
        guard let path else {
            if let dir = ProcessInfo.processInfo.environment["QUIRE_CACHE_DIR"], !dir.isEmpty { return dir }
            return FileManager.default.fileExists(atPath: "notebooks/.quire/cache") ? "notebooks/.quire/cache" : ".quire/cache"
        }
        if NotebookCache.isStore(path) { return path }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return path + "/.quire/cache" }
        return NotebookCache.storeLocation(for: path)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List snapshots, least recently used first.")
        @Argument(help: "A notebook, a folder or a cache folder.") var path: String?

        func run() throws {
            let store = Cache.store(path)
            guard NotebookCache.isStore(store) else { throw ValidationError("\(store): no cell cache here") }
            let formatter = ISO8601DateFormatter()
            print("last used             size        ran for   notebook · cell")
            for e in NotebookCache.entries(store: store) {
                print(formatter.string(from: e.lastUsed).padding(toLength: 21, withPad: " ", startingAt: 0) + " "
                      + NotebookCache.sizeText(e.bytes).padding(toLength: 11, withPad: " ", startingAt: 0) + " "
                      + String(format: "%7.2f s", e.seconds) + "   " + e.notebook + " · " + e.cellID)
            }
            print("total \(NotebookCache.sizeText(NotebookCache.totalBytes(store: store))) in \(store)")
        }
    }

    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "gc", abstract: "Evict least recently used snapshots down to a size, then unreferenced data.")
        @Argument(help: "A notebook, a folder or a cache folder.") var path: String?
        @Option(help: ArgumentHelp("The size to fit in (default 2GB).", valueName: "size")) var maxCache: String = "2GB"

        func run() throws {
            let store = Cache.store(path)
            guard NotebookCache.isStore(store) else { throw ValidationError("\(store): no cell cache here") }
            guard let bytes = NotebookCache.parseSize(maxCache) else { throw ValidationError("--max-cache expects a size such as 500MB") }
            let (snapshots, freed) = NotebookCache.collect(store: store, maxBytes: bytes)
            print("removed \(snapshots) snapshot\(snapshots == 1 ? "" : "s"), freed \(NotebookCache.sizeText(freed)); \(NotebookCache.sizeText(NotebookCache.totalBytes(store: store))) left in \(store)")
        }
    }
}
