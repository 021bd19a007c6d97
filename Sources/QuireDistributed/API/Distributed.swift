import Foundation
import QuireTensor
import Synchronization

/// The process group of a data-parallel run: this process's `rank` among `worldSize` processes.
///
/// Launched by `mpirun` (or `quire run --ranks N`, `quire launch -n N`), the world is Open MPI's
/// `MPI_COMM_WORLD`, initialized on first use. Started any other way it is a world of one: no MPI call is
/// made, every collective returns its input, and a notebook runs exactly as it would without this module.
///
/// ```swift
/// try Distributed.initialize()
/// print("rank \(Distributed.rank) of \(Distributed.worldSize)")
/// let total = try Distributed.allReduce(Tensor([Float(Distributed.rank)]), .sum)
/// ```
public enum Distributed {
    /// Whether this process was started by an MPI launcher (Open MPI sets `OMPI_COMM_WORLD_SIZE`).
    public static var isLaunched: Bool { launchEnvironment != nil }

    /// This process's rank, `0..<worldSize` (0 in a world of one).
    public static var rank: Int { launchEnvironment?.rank ?? 0 }

    /// The number of processes (1 when not launched under MPI).
    public static var worldSize: Int { launchEnvironment?.size ?? 1 }

    /// Whether this is rank 0, the rank that writes replicated checkpoints and reports.
    public static var isRoot: Bool { rank == 0 }

    /// Initializes MPI when launched under it (`MPI_Init_thread`, with `MPI_Finalize` at exit); does nothing
    /// in a world of one. Idempotent; every collective calls it, so calling it yourself is optional.
    public static func initialize() throws {
        guard isLaunched else { return }
        try MPIWorld.shared.start()
    }

    /// Waits until every rank has reached this call.
    public static func barrier() throws {
        guard worldSize > 1 else { return }
        try MPIWorld.shared.barrier()
    }

    /// Ends the whole run at once: every rank exits with `code` (`MPI_Abort`); in a world of one, `exit`.
    public static func abort(_ code: Int32 = 1) -> Never {
        if isLaunched, let world = try? MPIWorld.shared.started() { world.abort(code) }
        exit(code)
    }

    static let launchEnvironment: (rank: Int, size: Int)? = {
        let env = ProcessInfo.processInfo.environment
        guard let size = env["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init), size >= 1,
              let rank = env["OMPI_COMM_WORLD_RANK"].flatMap(Int.init), (0..<size).contains(rank) else { return nil }
        return (rank, size)
    }()
}

/// How `allReduce` combines the ranks' tensors.
public enum ReduceOp: String, Sendable {
    /// Elementwise sum.
    case sum
    /// Elementwise sum divided by the world size (floating-point dtypes only).
    case mean
    /// Elementwise maximum.
    case max
    /// Elementwise minimum.
    case min
}
