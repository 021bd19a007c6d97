internal import CMPI
import QuireTensor

/// Element counts per MPI call: MPI counts are 32-bit, so large buffers go in chunks.
let maxChunkElements = 1 << 30

/// The MPI type that reduces `dtype` natively (`nil`: float16/bfloat16 are reduced in float32, bool not at all).
func mpiReduceType(_ dtype: DType) -> MPI_Datatype? {
    switch dtype {
    case .float32: return quire_mpi_float()
    case .float64: return quire_mpi_double()
    case .int32: return quire_mpi_int32()
    case .int8: return quire_mpi_int8()
    case .uint8: return quire_mpi_uint8()
    case .float16, .bfloat16, .bool: return nil
    }
}

func mpiOp(_ op: ReduceOp) -> MPI_Op {
    switch op {
    case .sum, .mean: return quire_mpi_sum()
    case .max: return quire_mpi_max()
    case .min: return quire_mpi_min()
    }
}

/// `MPI_Allreduce` of `count` elements of `type` (each `size` bytes) from `source` (or in place when nil) into `target`.
func rawAllReduce(_ source: UnsafeRawPointer?, _ target: UnsafeMutableRawPointer, count: Int, type: MPI_Datatype,
                  size: Int, op: MPI_Op) throws {
    try MPIWorld.shared.start()
    var done = 0
    while done < count {
        let n = min(maxChunkElements, count - done)
        let src = source.map { UnsafeRawPointer($0 + done * size) } ?? UnsafeRawPointer(quire_mpi_in_place())
        try check(MPI_Allreduce(src, target + done * size, Int32(n), type, op, quire_mpi_comm_world()), "MPI_Allreduce")
        done += n
    }
}

/// `MPI_Bcast` of `bytes` bytes at `buffer` from `root`.
func rawBroadcast(_ buffer: UnsafeMutableRawPointer, bytes: Int, root: Int) throws {
    try MPIWorld.shared.start()
    var done = 0
    while done < bytes {
        let n = min(maxChunkElements, bytes - done)
        try check(MPI_Bcast(buffer + done, Int32(n), quire_mpi_byte(), Int32(root), quire_mpi_comm_world()), "MPI_Bcast")
        done += n
    }
}

/// `MPI_Allgather` of `bytes` bytes per rank from `source` into `target` (`bytes × worldSize`).
func rawAllGather(_ source: UnsafeRawPointer, _ target: UnsafeMutableRawPointer, bytes: Int) throws {
    try MPIWorld.shared.start()
    precondition(bytes <= Int(Int32.max), "allGather: \(bytes) bytes per rank is more than one MPI call carries")
    try check(MPI_Allgather(source, Int32(bytes), quire_mpi_byte(), target, Int32(bytes), quire_mpi_byte(),
                            quire_mpi_comm_world()), "MPI_Allgather")
}

/// Every rank's variable-length byte string, in rank order.
func allGatherBytes(_ mine: [UInt8]) throws -> [[UInt8]] {
    let size = Distributed.worldSize
    var length = Int64(mine.count)
    var lengths = [Int64](repeating: 0, count: size)
    try withUnsafeBytes(of: &length) { src in
        try lengths.withUnsafeMutableBytes { try rawAllGather(src.baseAddress!, $0.baseAddress!, bytes: 8) }
    }
    let width = Int(lengths.max() ?? 0)
    var padded = mine + [UInt8](repeating: 0, count: width - mine.count)
    var all = [UInt8](repeating: 0, count: width * size)
    if width > 0 {
        try padded.withUnsafeMutableBytes { src in
            try all.withUnsafeMutableBytes { try rawAllGather(src.baseAddress!, $0.baseAddress!, bytes: width) }
        }
    }
    return (0..<size).map { r in Array(all[(r * width)..<(r * width + Int(lengths[r]))]) }
}
