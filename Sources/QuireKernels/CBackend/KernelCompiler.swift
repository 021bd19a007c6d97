import Foundation
import QuireTensor
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Compiles emitted C into a shared library with the toolchain's clang and caches it on disk under
/// `${XDG_CACHE_HOME:-~/.cache}/quire/kernels/<hash>.so`, next to the source it came from. A compile
/// writes to a private temporary name and renames into place, so concurrent processes never load a
/// half-written library; a cache entry is used only when its stored source equals the new source.
enum KernelCompiler {
    static let baseFlags = ["-O3", "-march=native", "-shared", "-fPIC", "-fwrapv", "-fno-math-errno",
                            "-fno-trapping-math", "-fassociative-math", "-fno-signed-zeros", "-std=gnu11", "-w"]

    /// clang's flags for a vector target (they are part of the cache key).
    static func flags(for target: VectorTarget) -> [String] { baseFlags + target.flags }

    /// The flags for this machine's vector target (what `entry(source:kernel:)` uses by default).
    static var flags: [String] { flags(for: .host) }

    /// What the last `library(for:)` did: compiled, or found the library on disk or in this process.
    enum Outcome: String, Sendable { case compiled, diskCache, memoryCache }

    static let loadedTable = Mutex<[String: UInt]>([:])

    static var cacheDirectory: URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("quire/kernels")
    }

    /// clang: on PATH, else beside `swift` (the toolchain's own), else the error says where it looked.
    static func clangPath(kernel: String) throws -> String {
        let env = ProcessInfo.processInfo.environment
        var searched: [String] = []
        for dir in (env["PATH"] ?? "").split(separator: ":").map(String.init) {
            let p = dir + "/clang"
            searched.append(p)
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        for dir in ["/opt/swift/usr/bin", "/usr/bin"] {
            let p = dir + "/clang"
            searched.append(p)
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw KernelError.compile(kernel: kernel, message: "clang not found (looked at \(searched.joined(separator: ", "))); install the Swift toolchain's clang or put it on PATH")
    }

    /// A 128-bit FNV-1a-style digest (two independent 64-bit lanes), as hex.
    static func digest(_ text: String) -> String {
        var h1: UInt64 = 0xcbf29ce484222325, h2: UInt64 = 0x84222325cbf29ce4
        for b in text.utf8 {
            h1 = (h1 ^ UInt64(b)) &* 0x100000001b3
            h2 = (h2 ^ UInt64(b)) &* 0x100000001b3 &+ 0x9e3779b97f4a7c15
        }
        return String(format: "%016llx%016llx", h1, h2)
    }

    /// The entry point of the compiled source, compiling it if no cached library matches.
    static func entry(source: String, kernel: String, target: VectorTarget = .host) throws -> (UnsafeMutableRawPointer, Outcome) {
        let flags = flags(for: target)
        let key = digest(source + "\n" + flags.joined(separator: " "))
        if let fn = loadedTable.withLock({ $0[key] }) { return (UnsafeMutableRawPointer(bitPattern: fn)!, .memoryCache) }
        let dir = cacheDirectory
        let lib = dir.appendingPathComponent("\(key).so"), src = dir.appendingPathComponent("\(key).c")
        var outcome = Outcome.diskCache
        let cachedSource = try? String(contentsOf: src, encoding: .utf8)
        if cachedSource != source || !FileManager.default.fileExists(atPath: lib.path) {
            try compile(source: source, key: key, flags: flags, into: dir, kernel: kernel)
            outcome = .compiled
        }
        guard let handle = dlopen(lib.path, RTLD_NOW | RTLD_LOCAL) else {
            throw KernelError.compile(kernel: kernel, message: "dlopen \(lib.path): \(String(cString: dlerror()))")
        }
        guard let fn = dlsym(handle, "quire_kernel") else {
            throw KernelError.compile(kernel: kernel, message: "\(lib.path) has no symbol quire_kernel")
        }
        let address = UInt(bitPattern: fn)
        loadedTable.withLock { $0[key] = address }
        return (fn, outcome)
    }

    private static func compile(source: String, key: String, flags: [String], into dir: URL, kernel: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let unique = "\(key).\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        let tmpSrc = dir.appendingPathComponent("\(unique).c"), tmpLib = dir.appendingPathComponent("\(unique).so")
        defer { try? fm.removeItem(at: tmpSrc); try? fm.removeItem(at: tmpLib) }
        try source.write(to: tmpSrc, atomically: false, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try clangPath(kernel: kernel))
        process.arguments = flags + ["-o", tmpLib.path, tmpSrc.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self)
            throw KernelError.compile(kernel: kernel, message: "clang failed (status \(process.terminationStatus)) on \(tmpSrc.lastPathComponent): \(text.prefix(2000))")
        }
        // Library first, then the source that vouches for it: a reader that sees the source sees the library.
        guard rename(tmpLib.path, dir.appendingPathComponent("\(key).so").path) == 0,
              rename(tmpSrc.path, dir.appendingPathComponent("\(key).c").path) == 0 else {
            throw KernelError.compile(kernel: kernel, message: "could not move the compiled kernel into \(dir.path): \(String(cString: strerror(errno)))")
        }
    }
}

/// The on-disk cache of compiled kernels, and how a kernel's code was obtained.
///
/// ```swift
/// let how = try f.compile(for: [x, y])   // .compiled the first time, .diskCache in a new process
/// ```
public enum KernelCache {
    /// Where compiled kernels live: `${XDG_CACHE_HOME:-~/.cache}/quire/kernels`.
    public static var directory: String { KernelCompiler.cacheDirectory.path }

    /// How `compile(for:)` got the native code.
    public enum Outcome: String, Sendable { case compiled, diskCache, memoryCache }

    /// Forgets the libraries loaded in this process, so the next call looks on disk again (for
    /// measuring the disk cache; loaded code stays mapped).
    public static func forgetLoaded() { KernelCompiler.forgetLoaded() }
}

extension KernelCompiler {
    static func forgetLoaded() { loadedTable.withLock { $0.removeAll() } }
}

extension KernelFunction {
    /// Compiles (or finds in the cache) the native code for these input types without running it.
    public func compile(for inputs: [Tensor]) throws -> KernelCache.Outcome {
        let types = inputs.map { BlockType(dtype: $0.dtype, shape: $0.shape) }
        let k = try CompiledKernel.load(try trace(types))
        natives.withLock { $0[types] = k }
        return KernelCache.Outcome(rawValue: k.outcome.rawValue)!
    }
}
