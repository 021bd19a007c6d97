import Foundation

/// The scratch folder of a multi-rank run: the two FIFOs of rank 0's event channel and the figure folders
/// of the other ranks (whose figures are not part of the report). Removed when the run ends.
enum RankChannel {
    static func make() throws(NotebookError) -> String {
        let dir = NSTemporaryDirectory() + "quire-ranks-\(getpid())-\(UUID().uuidString.prefix(8))"
        guard mkdir(dir, 0o700) == 0 else { throw NotebookError(.io, "cannot create \(dir): \(String(cString: strerror(errno)))") }
        for name in ["events", "acks"] where mkfifo(dir + "/" + name, 0o600) != 0 {
            throw NotebookError(.io, "cannot create the FIFO \(dir)/\(name): \(String(cString: strerror(errno)))")
        }
        return dir
    }
}
