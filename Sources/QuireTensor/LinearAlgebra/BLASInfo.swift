internal import COpenBLAS

extension Parallelism {
    /// Which BLAS the matrix products run on and the CPU kernel it picked, e.g.
    /// `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64 (core Zen)`.
    /// Benchmarks record it beside their figures.
    public static var blasDescription: String {
        let config = String(cString: openblas_get_config()).split(separator: " ").joined(separator: " ")
        return "\(config) (core \(String(cString: openblas_get_corename())))"
    }
}
