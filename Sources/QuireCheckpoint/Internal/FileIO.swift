#if canImport(Glibc)
import Glibc
#endif
import Foundation
import QuireTensor

/// An open file descriptor with the loops the checkpoint code needs: full `pread`/`pwrite` of large
/// ranges in chunks, `fsync`, size. Errors name the file and the system's reason.
final class RawFile {
    let fd: Int32
    let path: String

    /// Chunk size of one system call (large, so a 1 GiB tensor needs few calls).
    static let chunkBytes = 64 << 20

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Opens through ``InputFile/open(_:within:)``: regular files only (a FIFO fails at once instead of
    /// hanging), and with `within`, only inside that directory.
    static func openForReading(_ path: String, within directory: String? = nil) throws -> RawFile {
        do {
            return RawFile(fd: try InputFile.open(path, within: directory), path: path)
        } catch let e as InputFileError {
            throw CheckpointIOError(path: path, operation: "open", reason: e.reason)
        }
    }

    static func create(_ path: String) throws -> RawFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CheckpointIOError(path: path, operation: "create", errno: errno) }
        return RawFile(fd: fd, path: path)
    }

    deinit { close(fd) }

    var size: Int {
        get throws {
            var st = stat()
            guard fstat(fd, &st) == 0 else { throw CheckpointIOError(path: path, operation: "stat", errno: errno) }
            return Int(st.st_size)
        }
    }

    /// Reads exactly `buffer.count` bytes at `offset`; a short file is an error naming what was expected.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < buffer.count {
            let n = min(buffer.count - done, Self.chunkBytes)
            let r = pread(fd, buffer.baseAddress! + done, n, off_t(offset + done))
            if r < 0 {
                if errno == EINTR { continue }
                throw CheckpointIOError(path: path, operation: "read", errno: errno)
            }
            if r == 0 {
                throw CheckpointIOError(path: path, operation: "read",
                                        reason: "file ends at byte \(offset + done), expected \(buffer.count - done) more bytes")
            }
            done += r
        }
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = min(bytes.count - done, Self.chunkBytes)
            let r = pwrite(fd, bytes.baseAddress! + done, n, off_t(offset + done))
            if r < 0 {
                if errno == EINTR { continue }
                throw CheckpointIOError(path: path, operation: "write", errno: errno)
            }
            done += r
        }
    }

    func sync() throws {
        guard fsync(fd) == 0 else { throw CheckpointIOError(path: path, operation: "fsync", errno: errno) }
    }

    /// Drops the file's pages from the page cache (for cold-read measurements).
    func evictFromPageCache() {
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
    }

    /// Fsyncs a directory, so the names created, renamed or removed in it are durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw CheckpointIOError(path: path, operation: "open directory", errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw CheckpointIOError(path: path, operation: "fsync directory", errno: errno) }
    }
}

/// A system call on a checkpoint file failed.
public struct CheckpointIOError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let operation: String
    public let reason: String

    init(path: String, operation: String, errno code: Int32) {
        self.init(path: path, operation: operation, reason: String(cString: strerror(code)))
    }

    init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(path): \(operation) failed: \(reason)" }
}
