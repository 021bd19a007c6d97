#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A 64-byte-aligned block of memory shared by a tensor and its views.
///
/// Tensors are values: a mutation first checks `isKnownUniquelyReferenced` on this object and copies
/// when the block is shared (copy-on-write).
final class TensorStorage: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let byteCount: Int
    /// Whether ``MemoryStats`` counted this block (it was allocated while tracking was on).
    let counted: Bool

    /// Uninitialized storage.
    init(byteCount: Int) {
        self.byteCount = byteCount
        self.base = StoragePool.shared.allocate(byteCount)
        counted = MemoryStats.isTracking
        if _slowPath(counted) { MemoryStats.allocated(byteCount) }
    }

    /// Zero-filled storage.
    convenience init(zeroedByteCount byteCount: Int) {
        self.init(byteCount: byteCount)
        memset(base, 0, byteCount)
    }

    deinit {
        if _slowPath(counted) { MemoryStats.freed(byteCount) }
        StoragePool.shared.release(base, byteCount: byteCount)
    }
}

/// Live and peak bytes of tensor storage allocated while tracking is on (pool caches not counted).
///
/// Tracking is off by default so that ordinary ops pay nothing for it; storage allocated while it is
/// on is counted until freed, whenever that happens.
///
/// ```swift
/// MemoryStats.isTracking = true
/// MemoryStats.resetPeak()
/// let y = f(x)
/// print(MemoryStats.peakBytes - MemoryStats.liveBytes)   // transient memory f needed
/// MemoryStats.isTracking = false
/// ```
public enum MemoryStats {
    private static let live = Atomic<Int>(0)
    private static let peak = Atomic<Int>(0)
    private static let tracking = Atomic<Bool>(false)

    /// Whether new storage is counted.
    public static var isTracking: Bool {
        get { tracking.load(ordering: .relaxed) }
        set { tracking.store(newValue, ordering: .relaxed) }
    }

    @inline(__always)
    static func allocated(_ n: Int) {
        let now = live.add(n, ordering: .relaxed).newValue
        var p = peak.load(ordering: .relaxed)
        while now > p {
            let (exchanged, original) = peak.compareExchange(expected: p, desired: now, ordering: .relaxed)
            if exchanged { break }
            p = original
        }
    }

    @inline(__always)
    static func freed(_ n: Int) { live.subtract(n, ordering: .relaxed) }

    /// Bytes held now by live storage allocated while tracking.
    public static var liveBytes: Int { live.load(ordering: .relaxed) }
    /// The most bytes held at once since the last ``resetPeak()``.
    public static var peakBytes: Int { peak.load(ordering: .relaxed) }
    /// Starts a new peak measurement from the current live bytes.
    public static func resetPeak() { peak.store(live.load(ordering: .relaxed), ordering: .relaxed) }
}

/// Keeps recently freed large blocks for reuse.
///
/// A fresh large allocation comes from `mmap` and pays a page fault on every 4 KiB page at first touch,
/// which costs as much as the arithmetic of a simple elementwise op. Training loops allocate the same
/// sizes every step, so exact-size reuse removes that cost (the same idea as PyTorch's caching
/// allocator). Blocks below `minimumPooledBytes` go straight to the C allocator; the pool holds at most
/// `capacityBytes` (environment `QUIRE_POOL_MB`, default 1024).
final class StoragePool: Sendable {
    static let shared = StoragePool()
    static let alignment = 64
    static let minimumPooledBytes = 1 << 18

    private struct State {
        var free: [Int: [UInt]] = [:]   // addresses, so the state is Sendable
        var cachedBytes = 0
    }
    private let state = Mutex(State())
    let capacityBytes: Int

    init() {
        if let text = getenv("QUIRE_POOL_MB"), let mb = Int(String(cString: text)), mb >= 0 {
            capacityBytes = mb << 20
        } else {
            capacityBytes = 1 << 30
        }
    }

    func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        let size = max(byteCount, Self.alignment)
        if size >= Self.minimumPooledBytes {
            let reused: UInt? = state.withLock { s in
                guard var list = s.free[size], let p = list.popLast() else { return nil }
                s.free[size] = list.isEmpty ? nil : list
                s.cachedBytes -= size
                return p
            }
            if let reused, let p = UnsafeMutableRawPointer(bitPattern: reused) { return p }
        }
        var p: UnsafeMutableRawPointer?
        let rc = posix_memalign(&p, Self.alignment, size)
        precondition(rc == 0 && p != nil, "Tensor storage: cannot allocate \(size) bytes")
        return p!
    }

    func release(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        let size = max(byteCount, Self.alignment)
        if size >= Self.minimumPooledBytes {
            let address = UInt(bitPattern: pointer)
            let kept = state.withLock { s -> Bool in
                guard s.cachedBytes + size <= capacityBytes else { return false }
                s.free[size, default: []].append(address)
                s.cachedBytes += size
                return true
            }
            if kept { return }
        }
        free(pointer)
    }

    /// Returns every cached block to the system.
    func trim() {
        let blocks = state.withLock { s -> [UInt] in
            let all = s.free.values.flatMap { $0 }
            s.free = [:]
            s.cachedBytes = 0
            return all
        }
        for a in blocks { free(UnsafeMutableRawPointer(bitPattern: a)) }
    }

    var cachedBytes: Int { state.withLock { $0.cachedBytes } }
}
