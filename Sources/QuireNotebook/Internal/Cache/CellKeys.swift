import Foundation
internal import Crypto

/// What a cell's cache key is made of. Two runs restore a cell only when every part is equal; `quire
/// status` names the parts that differ. Presentation options (`echo`, `output`, `caption`, `id`,
/// `timeout`) and prose are not parts, so editing them invalidates nothing.
struct KeyParts: Equatable, Codable {
    /// SHA-256 of the cell's code and its execution-affecting options (`error`).
    var source: String
    /// The params the cell's code names, after `-P` overrides (name → value).
    var params: [String: String]
    /// The notebook seed, when the cell names `seed`.
    var seed: String?
    /// Declared files (`//| deps:`), notebook-relative path → SHA-256 of the content.
    var deps: [String: String]
    /// The engine library's content hash and the program's build flags.
    var engine: String
    var toolchain: String
    /// The previous cell's key: a change upstream changes every key after it.
    var previous: String

    var key: String {
        var text = "quire-cell-key/1\n\(source)\n\(seed ?? "-")\n\(engine)\n\(toolchain)\n\(previous)\n"
        for name in params.keys.sorted() { text += "param \(name)=\(params[name]!)\n" }
        for path in deps.keys.sorted() { text += "dep \(path)=\(deps[path]!)\n" }
        return SHA256Text.hex(Data(text.utf8))
    }

    /// The parts that differ from `old`, in words: "source", "param epochs", "seed", "file data/a.csv",
    /// "engine", "toolchain", "upstream cell".
    func differences(from old: KeyParts) -> [String] {
        var out: [String] = []
        if source != old.source { out.append("source") }
        for name in Set(params.keys).union(old.params.keys).sorted() where params[name] != old.params[name] {
            out.append("param \(name)")
        }
        if seed != old.seed { out.append("seed") }
        for path in Set(deps.keys).union(old.deps.keys).sorted() where deps[path] != old.deps[path] {
            out.append("file \(path)")
        }
        if engine != old.engine { out.append("engine") }
        if toolchain != old.toolchain { out.append("toolchain") }
        if out.isEmpty && previous != old.previous { out.append("upstream cell") }
        return out
    }
}

/// Computes every cell's key parts for a notebook.
struct CellKeys {
    let notebook: Notebook
    let params: [Parameter]
    let engineIdentity: String
    let toolchain: String
    let fileHashes: FileHashes

    func parts() throws(NotebookError) -> [KeyParts] {
        var result: [KeyParts] = []
        var previous = "start"
        let folder = (notebook.path as NSString).deletingLastPathComponent
        for cell in notebook.cells {
            let mentions = CellAnalysis(code: cell.code).mentions
            var referenced: [String: String] = [:]
            for p in params where mentions.contains(p.name) { referenced[p.name] = "\(p.value.swiftType) \(p.value)" }
            var deps: [String: String] = [:]
            for pattern in cell.options.deps {
                let here = SourceLocation(file: notebook.path, line: cell.options.depsLine ?? cell.lines.lowerBound)
                for file in try DepsGlob.expand(pattern, folder: folder, at: here) {
                    deps[file.relative] = try fileHashes.hash(of: file.absolute, at: here)
                }
            }
            let parts = KeyParts(source: SHA256Text.hex(Data((cell.code + "\n//error=\(cell.options.error)").utf8)),
                                 params: referenced,
                                 seed: mentions.contains("seed") ? String(notebook.frontMatter.seed) : nil,
                                 deps: deps, engine: engineIdentity, toolchain: toolchain, previous: previous)
            previous = parts.key
            result.append(parts)
        }
        return result
    }
}

/// `//| deps:` patterns: plain paths or globs (`data/*.png`), relative to the notebook's folder.
enum DepsGlob {
    struct File { var relative: String; var absolute: String }

    static func expand(_ pattern: String, folder: String, at here: SourceLocation) throws(NotebookError) -> [File] {
        let base = folder.isEmpty ? "." : folder
        let absolute = pattern.hasPrefix("/") ? pattern : base + "/" + pattern
        let isGlob = pattern.contains { "*?[".contains($0) }
        var paths: [String] = []
        if isGlob {
            var g = glob_t()
            defer { globfree(&g) }
            if glob(absolute, 0, nil, &g) == 0 {
                for k in 0..<Int(g.gl_pathc) { if let p = g.gl_pathv[k] { paths.append(String(cString: p)) } }
            }
            guard !paths.isEmpty else {
                throw NotebookError(.input, "deps: no file matches '\(pattern)' (relative to \(base))", at: here)
            }
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
                throw NotebookError(.input, "deps: '\(pattern)' not found (relative to \(base))", at: here)
            }
            guard !isDirectory.boolValue else {
                throw NotebookError(.input, "deps: '\(pattern)' is a folder; name its files or a glob such as '\(pattern)/*'", at: here)
            }
            paths = [absolute]
        }
        return paths.sorted().map { p in
            File(relative: p.hasPrefix(base + "/") ? String(p.dropFirst(base.count + 1)) : p, absolute: p)
        }
    }
}

/// Content hashes of declared files, remembered by (size, mtime, inode) so an unchanged file is not read
/// again, and a touched file whose content is the same keeps its hash.
final class FileHashes {
    private let memoPath: String?
    private var memo: [String: [String: String]] = [:]
    private var dirty = false

    init(memoPath: String?) {
        self.memoPath = memoPath
        if let memoPath, let data = FileManager.default.contents(atPath: memoPath),
           let m = try? JSONDecoder().decode([String: [String: String]].self, from: data) { memo = m }
    }

    func hash(of path: String, at here: SourceLocation) throws(NotebookError) -> String {
        var st = stat()
        guard stat(path, &st) == 0 else { throw NotebookError(.input, "deps: cannot read '\(path)': \(String(cString: strerror(errno)))", at: here) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw NotebookError(.input, "deps: '\(path)' is not a regular file", at: here) }
        let stamp = "\(st.st_size)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)-\(st.st_ino)"
        if let known = memo[path], known["stamp"] == stamp, let h = known["sha256"] { return h }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw NotebookError(.input, "deps: cannot open '\(path)'", at: here)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        let h = hasher.finalize().hexString
        memo[path] = ["stamp": stamp, "sha256": h]
        dirty = true
        return h
    }

    func save() {
        guard dirty, let memoPath, let data = try? JSONEncoder().encode(memo) else { return }
        AtomicFile.write(data, to: memoPath)
    }
}

enum SHA256Text {
    static func hex(_ data: Data) -> String { SHA256.hash(data: data).hexString }

    static func file(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().hexString
    }
}

/// Writes a file by temporary name + rename, so a reader sees the old or the new content, never half.
enum AtomicFile {
    @discardableResult
    static func write(_ data: Data, to path: String) -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return false }
        guard rename(temporary, path) == 0 else { unlink(temporary); return false }
        return true
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex, two digits a byte (`String(format:)` per byte cost more than the hashing).
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for b in self { bytes.append(digits[Int(b >> 4)]); bytes.append(digits[Int(b & 15)]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
