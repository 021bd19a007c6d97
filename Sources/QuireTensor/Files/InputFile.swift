#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A data, tensor or checkpoint file that cannot be opened or read: names the file and says why in
/// plain words ("not found", "is a directory", "is a FIFO, not a regular file", …), never as a raw
/// Foundation error.
public struct InputFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// The one way Quire opens a file it reads data, tensors or checkpoints from.
///
/// The file is opened with `O_NONBLOCK`, so a FIFO or a device cannot hang the open; `fstat` then
/// refuses anything but a regular file, and `O_NONBLOCK` is cleared for the reads. With `within`, a
/// path that resolves (symlinks followed) outside that directory is refused, so a name read from a
/// file's metadata cannot reach `/etc/passwd`.
///
/// ```swift
/// let fd = try InputFile.open("train.csv")                   // a file descriptor; close it when done
/// let bytes = try InputFile.readAll("train.csv")             // [UInt8]
/// let data = try InputFile.map("train-images-idx3-ubyte")    // Data over an mmap of the file
/// ```
public enum InputFile {
    /// Opens `path` read-only and returns the descriptor (the caller closes it).
    public static func open(_ path: String, within directory: String? = nil) throws -> Int32 {
        if let directory { try checkInside(path, directory) }
        let fd = openReadOnlyNonBlocking(path)
        guard fd >= 0 else { throw InputFileError(path: path, reason: reason(errno)) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let code = errno
            close(fd)
            throw InputFileError(path: path, reason: reason(code))
        }
        let kind = st.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(fd)
            throw InputFileError(path: path, reason: "\(kindName(kind)), not a regular file")
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        return fd
    }

    /// Reads the whole file; a file larger than `limit` bytes is refused before anything is allocated.
    public static func readAll(_ path: String, within directory: String? = nil, limit: Int = 1 << 34) throws -> [UInt8] {
        let fd = try open(path, within: directory)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw InputFileError(path: path, reason: reason(errno)) }
        let size = Int(st.st_size)
        guard size <= limit else {
            throw InputFileError(path: path, reason: "file has \(size) bytes, more than the \(limit) this reader accepts")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let r = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, size - done, off_t(done)) }
            if r < 0 {
                if errno == EINTR { continue }
                throw InputFileError(path: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if r == 0 { break }   // shrank while reading
            done += r
        }
        return done == size ? bytes : Array(bytes[..<done])
    }

    /// Memory-maps the whole file read-only; the mapping lives as long as the returned `Data`.
    public static func map(_ path: String) throws -> Data {
        let fd = try open(path)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw InputFileError(path: path, reason: reason(errno)) }
        let size = Int(st.st_size)
        if size == 0 { return Data() }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw InputFileError(path: path, reason: "cannot map the file: \(String(cString: strerror(errno)))")
        }
        return Data(bytesNoCopy: p, count: size, deallocator: .custom { p, n in munmap(p, n) })
    }

    /// Refuses `path` unless it resolves to a location inside `directory` (both with symlinks resolved).
    static func checkInside(_ path: String, _ directory: String) throws {
        guard let dir = realpath(directory, nil) else {
            throw InputFileError(path: directory, reason: reason(errno))
        }
        defer { free(dir) }
        guard let resolved = realpath(path, nil) else { throw InputFileError(path: path, reason: reason(errno)) }
        defer { free(resolved) }
        let d = String(cString: dir), r = String(cString: resolved)
        guard r.hasPrefix(d == "/" ? "/" : d + "/") else {
            throw InputFileError(path: path, reason: "resolves to \(r), outside \(d)")
        }
    }

    /// A system error as words a user reads.
    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "not found"
        case EISDIR: return "is a directory"
        case EACCES, EPERM: return "permission denied"
        case ENOTDIR: return "a parent of this path is not a directory"
        case ELOOP: return "too many levels of symbolic links"
        default: return String(cString: strerror(code))
        }
    }

    private static func kindName(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "is a directory"
        case S_IFIFO: return "is a FIFO (named pipe)"
        case S_IFCHR: return "is a character device"
        case S_IFBLK: return "is a block device"
        case S_IFSOCK: return "is a socket"
        default: return "is a special file"
        }
    }
}

/// `open(2)` outside ``InputFile``, whose own `open` would shadow it.
private func openReadOnlyNonBlocking(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
}
