#if canImport(Glibc)
import Glibc
#endif

/// Writes one fuzz input to a scratch file and returns its path; the file is overwritten by the next
/// input. The folder is `$QUIRE_FUZZ_SCRATCH` (scripts/fuzz.sh sets it, under /dev/shm, and removes it
/// afterwards), else a per-process folder under /dev/shm or /tmp.
func scratchFile(_ data: UnsafePointer<UInt8>?, _ size: Int, name: String) -> String {
    let folder: String
    if let env = getenv("QUIRE_FUZZ_SCRATCH") {
        folder = String(cString: env)
    } else {
        folder = "\(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp")/quire-fuzz-\(getpid())"
    }
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
