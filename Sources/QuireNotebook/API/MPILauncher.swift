import Foundation

/// How Quire starts a program on several ranks: Open MPI's `mpirun`, each rank wrapped by a small bash
/// script that tags the output of every rank but 0 (`[rank 1] …`) and, for `quire run --ranks`, connects
/// rank 0 alone to the runner's event channel through two FIFOs (`mpirun` does not pass inherited file
/// descriptors on to its ranks). Used by `quire run --ranks`, `quire launch` and `quire bench allreduce`.
///
/// ```swift
/// let launcher = try MPILauncher(ranks: 2)
/// let (executable, arguments) = launcher.command(["./train", "--steps", "100"])
/// ```
public struct MPILauncher: Sendable {
    public let ranks: Int
    public let hostfile: String?
    /// The `mpirun` executable found on `PATH`.
    public let mpirun: String

    public init(ranks: Int, hostfile: String? = nil) throws(NotebookError) {
        guard ranks >= 1 else { throw NotebookError(.usage, "--ranks expects a positive number of processes, got \(ranks)") }
        if let hostfile, !FileManager.default.isReadableFile(atPath: hostfile) {
            throw NotebookError(.usage, "--hostfile \(hostfile): no such readable file")
        }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        guard let found = path.map({ $0 + "/mpirun" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw NotebookError(.environment, "mpirun is not on PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev; scripts/system-packages.sh does)")
        }
        self.ranks = ranks
        self.hostfile = hostfile
        self.mpirun = found
    }

    /// The bash script every rank runs (`$0` is the rank's program, `$@` its arguments).
    static let rankScript = """
        r="${OMPI_COMM_WORLD_RANK:-0}"
        if [ "$r" = 0 ] && [ -n "$QUIRE_EVENT_FIFO" ]; then exec 3>"$QUIRE_EVENT_FIFO" 4<"$QUIRE_ACK_FIFO"; exec "$0" "$@"; fi
        if [ "$r" = 0 ] && [ -z "$QUIRE_TAG_ALL_RANKS" ]; then exec "$0" "$@"; fi
        unset QUIRE_EVENT_FD QUIRE_ACK_FD
        if [ -n "$QUIRE_RANK_SCRATCH" ]; then export QUIRE_FIGURES_DIR="$QUIRE_RANK_SCRATCH/rank$r"; mkdir -p "$QUIRE_FIGURES_DIR"; fi
        "$0" "$@" > >(exec sed -u "s/^/[rank $r] /") 2> >(exec sed -u "s/^/[rank $r] /" >&2)
        status=$?
        wait
        exit $status
        """

    /// The executable and arguments that run `program` (its path, then its arguments) on every rank.
    public func command(_ program: [String]) -> (executable: String, arguments: [String]) {
        var args = ["-np", String(ranks)]
        if let hostfile { args += ["--hostfile", hostfile] } else { args += ["--oversubscribe"] }
        if getuid() == 0 { args += ["--allow-run-as-root"] }
        args += ["/bin/bash", "-c", Self.rankScript] + program
        return (mpirun, args)
    }

    /// The environment for `mpirun`: the caller's, plus what local ranks need on this kind of machine
    /// (shared-memory transport without cross-process memory attach, which containers often forbid).
    public func environment(_ base: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        var env = base
        if env["OMPI_MCA_btl_vader_single_copy_mechanism"] == nil { env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none" }
        return env
    }

    /// The rank `mpirun` blames for a failed run, read from its messages ("process rank 1 with PID …",
    /// "Process name: [[4242,1],1]").
    public static func failedRank(in output: String) -> Int? {
        for pattern in [#"process rank (\d+)"#, #"Process name: \[\[\d+,\d+\],(\d+)\]"#] {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                  let m = regex.firstMatch(in: output, range: NSRange(output.startIndex..., in: output)),
                  let r = Range(m.range(at: 1), in: output) else { continue }
            return Int(output[r])
        }
        return nil
    }
}
