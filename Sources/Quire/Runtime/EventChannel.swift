#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a notebook program sends its events: JSON lines on the file descriptor named by the
/// environment variable `QUIRE_EVENT_FD`, which the runner's child process inherits. Without it (a
/// notebook program started by hand) events are printed to stdout as readable text instead.
///
/// Before each event the channel flushes stdout; after it, it waits for the runner's one-byte
/// acknowledgement on `QUIRE_ACK_FD`. The runner drains stdout before it handles an event, so printed
/// text and events reach it in the order the program produced them.
enum EventChannel {
    nonisolated(unsafe) static var fd: Int32 = -1
    nonisolated(unsafe) static var ackFD: Int32 = -1
    nonisolated(unsafe) static var figuresDirectory: String = "."
    /// The report folder (`QUIRE_REPORT_DIR`): run logs and checkpoints made by name go beside the report,
    /// also with `--embed`, whose figures go to a scratch folder.
    nonisolated(unsafe) static var reportDirectory: String?
    nonisolated(unsafe) static var currentCell = -1
    nonisolated(unsafe) static var currentCellID = "cell"
    nonisolated(unsafe) static var figureCount = 0

    static func open() {
        if let text = getenv("QUIRE_EVENT_FD"), let n = Int32(String(cString: text)), n >= 0 { fd = n }
        if let text = getenv("QUIRE_ACK_FD"), let n = Int32(String(cString: text)), n >= 0 { ackFD = n }
        if let dir = getenv("QUIRE_FIGURES_DIR") { figuresDirectory = String(cString: dir) }
        if let dir = getenv("QUIRE_REPORT_DIR"), dir.pointee != 0 { reportDirectory = String(cString: dir) }
    }

    static var isConnected: Bool { fd >= 0 }

    /// Sends one event: `kind` plus the current cell index plus `fields`.
    static func send(_ kind: String, _ fields: [(String, EventJSON)] = []) {
        fflush(nil)
        guard isConnected else { return }
        let line = EventJSON.object([("event", .string(kind)), ("cell", .int(currentCell))] + fields).text + "\n"
        var bytes = Array(line.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            written += n
        }
        // Wait until the runner has taken the event (and the output printed before it).
        if ackFD >= 0 {
            var byte: UInt8 = 0
            while true {
                let n = read(ackFD, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { ackFD = -1 }
                break
            }
        }
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
