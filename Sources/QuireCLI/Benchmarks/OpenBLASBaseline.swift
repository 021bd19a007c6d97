import COpenBLAS
import QuireTensor

/// OpenBLAS at its best on this machine, as a baseline: one row-major `sgemm` with OpenBLAS's own
/// threads over all the engine's cores, bypassing the engine (which runs OpenBLAS single-threaded
/// and splits products over its own workers). `OPENBLAS_CORETYPE` still picks OpenBLAS's kernel.
/// `c` must be a preallocated [m, n] float32 buffer; inputs are contiguous float32 matrices.
struct OpenBLASBaseline {
    let a: [Float], b: [Float]
    let m: Int, k: Int, n: Int
    var c: [Float]

    init(_ x: Tensor, _ y: Tensor) {
        precondition(x.rank == 2 && y.rank == 2 && x.shape[1] == y.shape[0], "needs [m, k] and [k, n]")
        (m, k, n) = (x.shape[0], x.shape[1], y.shape[1])
        a = x.withUnsafeBufferPointer(as: Float.self) { Array($0) }
        b = y.withUnsafeBufferPointer(as: Float.self) { Array($0) }
        c = [Float](repeating: 0, count: m * n)
    }

    /// C = A·B with OpenBLAS threaded over `Parallelism.threadCount` cores; the engine's setting
    /// (single-threaded OpenBLAS) is restored afterwards.
    mutating func run() {
        let saved = Parallelism.blasThreadCount
        openblas_set_num_threads(Int32(Parallelism.threadCount))
        defer { openblas_set_num_threads(Int32(saved)) }
        let (m, k, n) = (Int32(m), Int32(k), Int32(n))
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, pa.baseAddress, k,
                                pb.baseAddress, n, 0, pc.baseAddress, n)
                }
            }
        }
    }
}
