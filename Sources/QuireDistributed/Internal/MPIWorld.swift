internal import CMPI
import Foundation
import Synchronization

/// The one MPI_COMM_WORLD of this process: started once, finalized at exit, errors returned (not fatal)
/// so that a failed call becomes a ``DistributedError``.
final class MPIWorld: Sendable {
    static let shared = MPIWorld()

    private let state = Mutex<Bool>(false)

    func start() throws {
        try state.withLock { started in
            if started { return }
            var flag: Int32 = 0
            MPI_Initialized(&flag)
            if flag == 0 {
                var provided: Int32 = 0
                try check(MPI_Init_thread(nil, nil, quire_mpi_thread_multiple(), &provided), "MPI_Init_thread")
                atexit { MPIWorld.finalizeAtExit() }
            }
            try check(MPI_Comm_set_errhandler(quire_mpi_comm_world(), quire_mpi_errors_return()), "MPI_Comm_set_errhandler")
            started = true
        }
    }

    /// The started world (starting it when needed).
    func started() throws -> MPIWorld {
        try start()
        return self
    }

    static func finalizeAtExit() {
        var initialized: Int32 = 0, finalized: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalized)
        if initialized != 0 && finalized == 0 { MPI_Finalize() }
    }

    func barrier() throws {
        try start()
        try check(MPI_Barrier(quire_mpi_comm_world()), "MPI_Barrier")
    }

    func abort(_ code: Int32) -> Never {
        MPI_Abort(quire_mpi_comm_world(), code)
        exit(code)
    }
}

/// Throws a ``DistributedError`` with MPI's message when `rc` is not `MPI_SUCCESS`.
func check(_ rc: Int32, _ call: String) throws {
    guard rc != quire_mpi_success() else { return }
    var buffer = [CChar](repeating: 0, count: Int(quire_mpi_max_error_string()) + 1)
    var length: Int32 = 0
    MPI_Error_string(rc, &buffer, &length)
    let message = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    throw DistributedError("\(call) failed on rank \(Distributed.rank): \(message)")
}
