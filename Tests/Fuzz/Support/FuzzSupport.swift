#if canImport(Glibc)
import Glibc
#endif

/// Writes one fuzz input to a per-process scratch file (under /dev/shm when it exists, so each
/// execution costs no disk I/O) and returns its path. The file is overwritten by the next input.
func scratchFile(_ data: UnsafePointer<UInt8>?, _ size: Int, name: String) -> String {
    let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    let folder = "\(dir)/quire-fuzz-\(getpid())"
    mkdir(folder, 0o700)
    let path = "\(folder)/\(name)"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot write \(path)")
    var done = 0
    while done < size {
        let r = write(fd, data! + done, size - done)
        precondition(r > 0, "cannot write \(path)")
        done += r
    }
    close(fd)
    return path
}
