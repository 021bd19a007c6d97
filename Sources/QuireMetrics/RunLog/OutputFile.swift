import Foundation

/// A file the run log appends to, flushed after every write so a reader (TensorBoard, `tail -f`) sees each
/// step as soon as it is logged. Errors name the path and the system's reason.
final class OutputFile {
    let path: String
    private var handle: UnsafeMutablePointer<FILE>?

    /// Opens `path` for appending (`truncate: false`) or as an empty file.
    init(_ path: String, truncate: Bool) throws(MetricsError) {
        self.path = path
        guard let handle = fopen(path, truncate ? "wb" : "ab") else {
            throw MetricsError("run log: cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.handle = handle
    }

    deinit { if let handle { fclose(handle) } }

    func write(_ bytes: [UInt8]) throws(MetricsError) {
        guard let handle else { throw MetricsError("run log: \(path) is closed") }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard written == bytes.count, fflush(handle) == 0 else {
            throw MetricsError("run log: could not write \(path): \(String(cString: strerror(errno)))")
        }
    }

    func write(_ text: String) throws(MetricsError) { try write(Array(text.utf8)) }

    func close() {
        if let handle { fclose(handle) }
        handle = nil
    }
}
