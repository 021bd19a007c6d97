import Dispatch

/// SHA-256 of a stream of chunks computed on another core while the caller does I/O: chunks are hashed
/// in the order they are submitted, on one serial queue. The caller keeps each chunk's memory alive and
/// unchanged until ``finish()`` returns.
final class BackgroundHasher: @unchecked Sendable {
    private let queue = DispatchQueue(label: "quire.checkpoint.sha256")
    private var stream = SHA256Stream()   // touched only on `queue`

    private struct Chunk: @unchecked Sendable { let bytes: UnsafeRawBufferPointer }

    func submit(_ bytes: UnsafeRawBufferPointer) {
        let chunk = Chunk(bytes: bytes)
        queue.async { self.stream.update(chunk.bytes) }
    }

    /// Waits until every chunk submitted so far is hashed (before its memory is reused or freed).
    func barrier() { queue.sync {} }

    /// Waits for every submitted chunk and returns the hex digest.
    func finish() -> String {
        queue.sync { stream.hex() }
    }
}
