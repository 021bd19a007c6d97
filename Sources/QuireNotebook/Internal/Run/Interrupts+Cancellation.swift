import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Stops a run from inside the process, the way a signal would (``Interrupts``): the program's group gets
/// the signal, is killed after ``Interrupts/grace`` seconds (at once on a second ``cancel(_:reason:)``), the
/// running cell is marked interrupted and the runner writes the report and returns. `quire watch` uses it
/// when a newer edit arrives, and for its own Ctrl-C. A run whose options carry one installs no signal
/// handlers. Safe to call from any thread; one instance serves one run.
public final class RunCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var _signal: Int32 = 0
    private var _count: Int32 = 0
    private var _reason: String?
    /// Read end of the wake-up pipe, polled with the program's pipes.
    let readFD: Int32
    private let writeFD: Int32

    public init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        if readFD >= 0 { close(readFD) }
        if writeFD >= 0 { close(writeFD) }
    }

    /// Asks the run to stop: `signal` goes to the program; `reason` (else "interrupted by SIGTERM") is shown
    /// on the interrupted cell.
    public func cancel(_ signal: Int32 = SIGTERM, reason: String? = nil) {
        lock.lock()
        if _signal == 0 { _signal = signal; _reason = reason }
        _count += 1
        lock.unlock()
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    public var isCancelled: Bool { signal != 0 }
    /// The first signal asked for; 0 while not cancelled.
    public var signal: Int32 { lock.lock(); defer { lock.unlock() }; return _signal }
    var count: Int32 { lock.lock(); defer { lock.unlock() }; return _count }
    var reason: String? { lock.lock(); defer { lock.unlock() }; return _reason }

    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ read(readFD, $0.baseAddress, $0.count) }) > 0 {}
    }
}
