import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A small wrapper over Linux inotify: watches folders and reports the names that changed in them.
///
/// Folders are watched, not files, so an editor's atomic save (write a temporary file, rename it over the
/// original) keeps being seen: the rename is an `IN_MOVED_TO` of the name in the folder, while a watch on the
/// file itself would follow the old inode into oblivion. Callers filter the names they care about.
public final class FileWatcher: @unchecked Sendable {
    public struct Change: Hashable, Sendable {
        /// The watched folder, as it was given to ``watch(folder:)``.
        public var folder: String
        /// The entry's name in it.
        public var name: String
        public var path: String { folder + "/" + name }
    }

    private let fd: Int32
    private var folders: [Int32: String] = [:]
    private let lock = NSLock()
    /// A pipe that ends a ``wait(timeout:)`` early (``wake()``), from any thread.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    public init() throws {
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        for f in fds {
            _ = fcntl(f, F_SETFD, FD_CLOEXEC)
            _ = fcntl(f, F_SETFL, fcntl(f, F_GETFL) | O_NONBLOCK)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        close(fd)
        close(wakeRead)
        close(wakeWrite)
    }

    /// Watches `folder` for entries written, created, moved in or out, or deleted. Watching a folder twice is harmless.
    public func watch(folder: String) throws {
        let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_MOVED_FROM) | UInt32(IN_CREATE)
            | UInt32(IN_DELETE) | UInt32(IN_MODIFY) | UInt32(IN_ATTRIB)
        let wd = inotify_add_watch(fd, folder, mask)
        guard wd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        lock.lock()
        folders[wd] = folder
        lock.unlock()
    }

    /// Writing a byte here ends a pending ``wait(timeout:)`` (what ``wake()`` does; usable from a signal handler).
    public var wakeDescriptor: Int32 { wakeWrite }

    /// Ends a pending ``wait(timeout:)`` (safe from any thread, also from a signal handler).
    public func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Waits up to `timeout` seconds (nil: until something happens) and returns the changes seen, possibly
    /// none (timeout or ``wake()``).
    public func wait(timeout: Double?) -> [Change] {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        let ms = timeout.map { Int32(max(0, min(Double(Int32.max), $0 * 1000))) } ?? -1
        _ = poll(&fds, 2, ms)
        var byte = [UInt8](repeating: 0, count: 64)
        while byte.withUnsafeMutableBytes({ read(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
        return readChanges()
    }

    private func readChanges() -> [Change] {
        var changes: [Change] = []
        let size = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer, size)
            guard n > 0 else { break }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= n {
                let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                let nameStart = offset + MemoryLayout<inotify_event>.size
                let length = Int(event.len)
                lock.lock()
                let folder = folders[event.wd]
                lock.unlock()
                if length > 0, let folder {
                    let bytes = UnsafeRawBufferPointer(start: buffer + nameStart, count: length)
                    let name = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                    changes.append(Change(folder: folder, name: name))
                }
                offset = nameStart + length
            }
        }
        return changes
    }
}
