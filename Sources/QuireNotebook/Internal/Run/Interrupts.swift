#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP while a notebook program runs. The program runs in its own process
/// group, so the terminal's Ctrl-C reaches only `quire`: without these handlers `quire` died and left the
/// program running, and the report said "running" forever. While installed, a signal only records
/// itself and wakes the runner's poll (a byte on a pipe); ``Execution`` then forwards it to the program's
/// group, kills the group after ``grace`` seconds, marks the running cell interrupted, and the runner
/// writes the report and exits with 128 + the signal's number.
enum Interrupts {
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    /// How long the program gets to exit after the forwarded signal before its group is killed.
    static let grace = 2.0

    /// The first signal received since ``install()``; 0 when none.
    nonisolated(unsafe) static var received: Int32 = 0
    /// How many signals were received (a second Ctrl-C kills the program at once).
    nonisolated(unsafe) static var count: Int32 = 0
    nonisolated(unsafe) static var readFD: Int32 = -1
    nonisolated(unsafe) static var writeFD: Int32 = -1

    /// Catches the signals until ``uninstall()``.
    static func install() {
        received = 0
        count = 0
        if readFD < 0 {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { return }
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            readFD = fds[0]
            writeFD = fds[1]
        }
        for s in signals {
            signal(s) { s in
                if Interrupts.received == 0 { Interrupts.received = s }
                Interrupts.count += 1
                var byte: UInt8 = 1
                _ = write(Interrupts.writeFD, &byte, 1)
            }
        }
    }

    /// Restores the default actions (a signal then ends `quire` as usual).
    static func uninstall() {
        for s in signals { signal(s, SIG_DFL) }
        drain()
    }

    /// Empties the wake-up pipe.
    static func drain() {
        guard readFD >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ read(readFD, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// "SIGINT (Ctrl-C)", "SIGTERM", "SIGHUP".
    static func name(_ s: Int32) -> String {
        switch s {
        case SIGINT: "SIGINT (Ctrl-C)"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(s)"
        }
    }
}
