import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The notebook program running in its own process group, with three pipes back to the runner:
/// stdout, stderr and the event channel (the child's file descriptor 3, named by `QUIRE_EVENT_FD`), and
/// one pipe to it: the acknowledgement channel (fd 4, `QUIRE_ACK_FD`). The child waits for one byte
/// on it after each event, so when the runner handles an event, everything the child printed before
/// it is already in the stdout pipe and nothing printed after it is: output lands in the right cell.
final class ChildProcess {
    let pid: pid_t
    private(set) var stdoutFD: Int32
    private(set) var stderrFD: Int32
    private(set) var eventFD: Int32
    private var ackFD: Int32

    enum Termination: Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    private init(pid: pid_t, stdoutFD: Int32, stderrFD: Int32, eventFD: Int32, ackFD: Int32) {
        self.ackFD = ackFD
        self.pid = pid
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        self.eventFD = eventFD
    }

    /// The child's fd for events.
    static let childEventFD: Int32 = 3
    /// The child's fd for acknowledgements.
    static let childAckFD: Int32 = 4

    /// Starts `executable`; `directory` is its working folder (default: the runner's). With `fifos` the events
    /// and acknowledgements go through those named pipes instead (a program under `mpirun`, whose rank 0
    /// opens them), held open read-write here so that neither side ever sees end of file or blocks opening.
    static func spawn(_ executable: String, arguments: [String] = [], environment: [String: String],
                      directory: String? = nil, fifos: (events: String, acks: String)? = nil) throws(NotebookError) -> ChildProcess {
        var pipes: [[Int32]] = []
        for _ in 0..<4 {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw NotebookError(.io, "pipe() failed: errno \(errno)") }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            pipes.append(fds)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[0][1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 2)
        posix_spawn_file_actions_adddup2(&actions, pipes[2][1], childEventFD)
        posix_spawn_file_actions_adddup2(&actions, pipes[3][0], childAckFD)
        if let directory {
            guard let addChdir = addChdir else {
                throw NotebookError(.environment, "cannot start the program in \(directory): posix_spawn_file_actions_addchdir_np is missing (glibc 2.29 or later)")
            }
            guard addChdir(&actions, directory) == 0 else { throw NotebookError(.io, "cannot start the program in \(directory)") }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        for p in pipes[0..<3] { close(p[1]) }
        close(pipes[3][0])
        guard rc == 0 else {
            for p in pipes[0..<3] { close(p[0]) }
            close(pipes[3][1])
            throw NotebookError(.io, "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        for p in pipes[0..<3] { _ = fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK) }
        if let fifos {
            close(pipes[2][0])
            close(pipes[3][1])
            let events = open(fifos.events, O_RDWR | O_NONBLOCK | O_CLOEXEC), acks = open(fifos.acks, O_RDWR | O_CLOEXEC)
            return ChildProcess(pid: pid, stdoutFD: pipes[0][0], stderrFD: pipes[1][0], eventFD: events, ackFD: acks)
        }
        return ChildProcess(pid: pid, stdoutFD: pipes[0][0], stderrFD: pipes[1][0], eventFD: pipes[2][0], ackFD: pipes[3][1])
    }

    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which its headers hide from Swift.
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }

    /// Reads what is available on `fd` without blocking; nil at end of file (the fd is then closed).
    static func readAvailable(_ fd: inout Int32) -> [UInt8]? {
        guard fd >= 0 else { return nil }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { result += buffer[0..<n]; continue }
            if n == 0 { close(fd); fd = -1; return result.isEmpty ? nil : result }
            if errno == EINTR { continue }
            return result   // EAGAIN: nothing more for now
        }
    }

    func readStdout() -> [UInt8]? { Self.readAvailable(&stdoutFD) }
    func readStderr() -> [UInt8]? { Self.readAvailable(&stderrFD) }
    func readEvents() -> [UInt8]? { Self.readAvailable(&eventFD) }

    /// Lets the child go on after an event.
    func acknowledge() {
        guard ackFD >= 0 else { return }
        var byte: UInt8 = 1
        if Glibc.write(ackFD, &byte, 1) < 0 && errno != EINTR { close(ackFD); ackFD = -1 }
    }

    var isOpen: Bool { stdoutFD >= 0 || stderrFD >= 0 || eventFD >= 0 }
    var isStdoutOpen: Bool { stdoutFD >= 0 }
    var isStderrOpen: Bool { stderrFD >= 0 }

    /// Waits up to `milliseconds` for any pipe (or `also`, e.g. the interrupt pipe) to have data or close.
    func poll(milliseconds: Int32, also: Int32 = -1) {
        var fds = [stdoutFD, stderrFD, eventFD, also].filter { $0 >= 0 }.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        guard !fds.isEmpty else { return }
        _ = Glibc.poll(&fds, nfds_t(fds.count), milliseconds)
    }

    /// Sends `signal` to the whole process group (the program and anything it started).
    func signal(_ signal: Int32) {
        _ = Glibc.kill(-pid, signal)
    }

    /// Kills the whole process group (the program and anything it started), and `others`.
    func kill(others: [pid_t] = []) {
        _ = Glibc.kill(-pid, SIGKILL)
        _ = Glibc.kill(pid, SIGKILL)
        for p in others { _ = Glibc.kill(p, SIGKILL) }
    }

    /// The program's descendants, found through `/proc`: those in a process group of their own (Foundation's
    /// `Process` puts its children in one) are out of reach of a signal to the program's group.
    func descendants() -> [pid_t] {
        var parents: [pid_t: pid_t] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let p = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = pid_t(fields[1]) { parents[p] = parent }
        }
        var found: [pid_t] = []
        var frontier: Set<pid_t> = [pid]
        while !frontier.isEmpty {
            let next = parents.filter { frontier.contains($0.value) }.map(\.key)
            found += next
            frontier = Set(next)
        }
        return found
    }

    private var reaped: Int32?

    /// True once the program has exited (reaped without blocking). A process it started in the background
    /// may still hold the pipes open; the run does not wait for that.
    var hasExited: Bool {
        if reaped != nil { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { reaped = status }
        return reaped != nil
    }

    func wait() -> Termination {
        var status: Int32 = 0
        if let known = reaped { status = known } else {
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            reaped = status
        }
        let signal = status & 0x7f
        if signal == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(signal)
    }

    deinit {
        for fd in [stdoutFD, stderrFD, eventFD, ackFD] where fd >= 0 { close(fd) }
    }
}
