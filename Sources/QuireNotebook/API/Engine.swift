import Foundation

/// Where the engine a notebook program links lives, and how to compile against it.
///
/// `quire` finds its package root from its own executable (`<root>/.build/<config>/quire`): it walks up
/// from the executable's real path to the first folder holding `Package.swift` and `Sources/Quire`. The
/// environment variable `QUIRE_ROOT` overrides that. The engine is the release build of the dynamic
/// product `QuireEngine` in `<root>/.build/release`; when it is missing, ``ensureBuilt(log:)`` runs
/// `swift build -c release --product QuireEngine` once (when it is older than its sources, it warns).
///
/// ```swift
/// let engine = try Engine.locate()
/// try engine.ensureBuilt { print($0) }
/// ```
public struct Engine: Sendable {
    /// The Quire package's root folder.
    public var root: String
    /// The product notebook programs link (`-lQuireEngine`).
    public static let product = "QuireEngine"
    public init(root: String) { self.root = root }

    /// `<root>/.build/release`: the dynamic library and the `Modules` folder.
    public var releaseDirectory: String { root + "/.build/release" }
    public var templatesDirectory: String { root + "/templates" }
    /// Where compiled notebook programs are cached, by the hash of their source:
    /// `$XDG_CACHE_HOME/quire/programs-<checkout>` (default `~/.cache/quire/…`), one folder per Quire checkout
    /// (its programs link that checkout's engine), kept under ``ProgramCache/maxBytes`` by dropping the least
    /// recently used programs. `quire clean` removes it.
    public var cacheDirectory: String { ProgramCache.folder(for: root) }
    var libraryPath: String { releaseDirectory + "/lib\(Engine.product).so" }
    var modulePath: String { releaseDirectory + "/Modules/Quire.swiftmodule" }

    /// Finds the package root from `QUIRE_ROOT`, the running executable, or the current directory.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(NotebookError) -> Engine {
        if let root = environment["QUIRE_ROOT"], !root.isEmpty {
            guard isPackageRoot(root) else {
                throw NotebookError(.environment, "QUIRE_ROOT=\(root) is not a Quire checkout (no Package.swift with Sources/Quire)")
            }
            return Engine(root: root)
        }
        var starts: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { starts.append(exe) }
        if let exe = Bundle.main.executablePath { starts.append((exe as NSString).resolvingSymlinksInPath) }
        starts.append(FileManager.default.currentDirectoryPath + "/.")
        for start in starts {
            var dir = (start as NSString).deletingLastPathComponent
            while dir != "/" && !dir.isEmpty {
                if isPackageRoot(dir) { return Engine(root: dir) }
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        throw NotebookError(.environment, "cannot find the Quire package (looked above \(starts.first ?? "the executable")); set QUIRE_ROOT to a checkout")
    }

    static func isPackageRoot(_ dir: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: dir + "/Package.swift") && fm.fileExists(atPath: dir + "/Sources/Quire")
    }

    /// True when the release engine library and module exist.
    public var isBuilt: Bool {
        FileManager.default.fileExists(atPath: libraryPath) && FileManager.default.fileExists(atPath: modulePath)
    }

    /// True when some engine source file is newer than the release build.
    public var isStale: Bool {
        let fm = FileManager.default
        guard let built = (try? fm.attributesOfItem(atPath: libraryPath))?[.modificationDate] as? Date else { return true }
        for folder in ["Sources/Quire", "Sources/QuireTensor"] {
            guard let files = fm.enumerator(atPath: root + "/" + folder) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                if let m = (try? fm.attributesOfItem(atPath: root + "/" + folder + "/" + file))?[.modificationDate] as? Date, m > built {
                    return true
                }
            }
        }
        return false
    }

    /// Builds the engine in release mode when it is missing; warns when its sources are newer than the
    /// build (rebuilding then is left to the user or the scripts: a `swift build` nested inside another
    /// SwiftPM command, such as `swift test`, would wait forever on the build folder's lock).
    public func ensureBuilt(log: (String) -> Void) throws(NotebookError) {
        guard isBuilt else {
            log("building the engine: swift build -c release --product \(Engine.product) (once)")
            let result = Subprocess.run(["swift", "build", "-c", "release", "--product", Engine.product, "--package-path", root])
            guard result.status == 0 else {
                throw NotebookError(.environment, "building the engine failed:\n\(result.output.suffix(4000))")
            }
            return
        }
        if isStale {
            log("warning: engine sources changed since the release build; run `swift build -c release --product \(Engine.product)`")
        }
    }

    /// Flags that let `swiftc` compile and link a program against the engine.
    func compilerFlags() -> [String] {
        // The engine's release modules are resilient (library evolution), so the C modules they import
        // `internal`ly stay out of sight: the module folder and the library are all a program needs.
        let flags = ["-I", releaseDirectory + "/Modules", "-L", releaseDirectory, "-l\(Engine.product)",
                     "-Xlinker", "-rpath", "-Xlinker", releaseDirectory]
        return flags
    }

    /// Size and modification time of the engine library: part of every program's cache key.
    var identity: String {
        let attributes = (try? FileManager.default.attributesOfItem(atPath: libraryPath)) ?? [:]
        let date = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(attributes[.size] as? Int ?? 0)-\(date)"
    }
}
