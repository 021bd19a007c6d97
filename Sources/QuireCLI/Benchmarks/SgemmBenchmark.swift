import QuireTensor

/// Square float32 matmul through OpenBLAS, GFLOP/s = 2n³ / best time, on one and on all cores (the
/// engine's workers: OpenBLAS itself runs single-threaded and the engine splits each product).
let sgemmBenchmark = Benchmark(name: "sgemm", summary: "float32 matmul GFLOP/s for n = 256…2048, 1 and 2 threads") { r in
    let saved = Parallelism.threadCount
    defer { Parallelism.threadCount = saved }
    for n in [256, 512, 1024, 2048] {
        let a = benchInput([n, n], seed: 1), b = benchInput([n, n], seed: 2)
        for threads in [1, saved] where r.wants("n\(n)_t\(threads)") {
            Parallelism.threadCount = threads
            let t = measure(minReps: 3, minSeconds: 0.5) { blackHole(a.matmul(b)) }
            let flops = 2 * Double(n) * Double(n) * Double(n)
            r.emit(["benchmark": "sgemm", "case": "n\(n)_t\(threads)", "n": n, "threads": threads,
                    "gflops": round(flops / t.best / 1e9, 1), "median_gflops": round(flops / t.median / 1e9, 1),
                    "reps": t.reps])
        }
    }
}
