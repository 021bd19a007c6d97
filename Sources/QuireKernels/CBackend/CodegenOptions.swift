import Foundation

/// The vector instruction set the compiled backend generates code for, detected from the CPU at run
/// time (`QUIRE_KERNEL_TARGET=avx2|avx512|generic` overrides it, e.g. to measure AVX2 on an AVX-512
/// machine). It sets the vector width of `dot`'s micro-kernel and clang's flags, and is part of the
/// compile-cache key.
enum VectorTarget: String, Sendable, CaseIterable {
    case avx512, avx2, generic

    /// float32 lanes in one vector register.
    var floatLanes: Int { self == .avx512 ? 16 : 8 }

    /// Vector registers the micro-kernel may fill with accumulators (the rest hold A and B).
    var registers: Int { self == .avx512 ? 32 : 16 }

    /// clang flags beyond `-march=native`: clang prefers 256-bit vectors on AVX-512 machines unless
    /// told otherwise; forcing AVX2 on an AVX-512 machine turns AVX-512 off.
    var flags: [String] {
        switch self {
        case .avx512: return ["-mprefer-vector-width=512"]
        case .avx2: return VectorTarget.cpuFlags.contains("avx512f") ? ["-mno-avx512f"] : []
        case .generic: return []
        }
    }

    static let host: VectorTarget = {
        if let forced = ProcessInfo.processInfo.environment["QUIRE_KERNEL_TARGET"], let t = VectorTarget(rawValue: forced) {
            return t
        }
        if cpuFlags.contains("avx512f") { return .avx512 }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return .avx2 }
        return .generic
    }()

    /// The `flags` line of /proc/cpuinfo (empty where there is none).
    static let cpuFlags: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
    }()
}

/// How the compiled backend generates a kernel's C: for which vector target, and whether unmasked
/// accesses are bounds-checked. Checks are on in debug builds (so in tests) and off in release builds;
/// `QUIRE_KERNEL_CHECKS=1` or `=0` overrides that.
struct CodegenOptions: Hashable, Sendable {
    var target: VectorTarget
    var checked: Bool

    static let current = CodegenOptions(target: .host, checked: checkedByDefault)

    static var checkedByDefault: Bool { buildSwitch("QUIRE_KERNEL_CHECKS", inDebug: true) }
}

/// A switch whose default follows the build: `inDebug` in debug builds (so in tests), the opposite in
/// release builds; the environment variable `name` overrides it ("0" off, anything else on).
func buildSwitch(_ name: String, inDebug: Bool) -> Bool {
    if let v = ProcessInfo.processInfo.environment[name] { return v != "0" }
    #if DEBUG
    return inDebug
    #else
    return !inDebug
    #endif
}
