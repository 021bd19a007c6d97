import Foundation
import QuireKernels
import QuireTensor

/// The kernel language's tiled matmul at n = 1024 against OpenBLAS in the same run (GFLOP/s and their
/// ratio), and what compiling costs: the first call's clang run and the disk-cache hit after it.
let matmulKernelBenchmark = Benchmark(name: "matmul-kernel", summary: "tiled matmul kernel GFLOP/s vs OpenBLAS at n = 1024; compile time and cache hit") { r in
    let n = 1024
    let a = benchInput([n, n], seed: 1), b = benchInput([n, n], seed: 2)
    let flops = 2 * Double(n) * Double(n) * Double(n)
    if r.wants("compile") {
        // A private cache directory, so the first call really compiles.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-bench-kernels-\(getpid())")
        setenv("XDG_CACHE_HOME", dir.path, 1)
        defer { unsetenv("XDG_CACHE_HOME"); try? FileManager.default.removeItem(at: dir) }
        let f = Kernels.matmulKernel(m: n, k: n, n: n)
        let t0 = Date()
        let first = try f.compile(for: [a, b])
        let compileSeconds = Date().timeIntervalSince(t0)
        KernelCache.forgetLoaded()
        let t1 = Date()
        let second = try f.compile(for: [a, b])
        let hitSeconds = Date().timeIntervalSince(t1)
        r.emit(["benchmark": "matmul-kernel", "case": "compile", "first_call": first.rawValue,
                "first_ms": round(compileSeconds * 1000, 1), "second_call": second.rawValue,
                "cache_hit_ms": round(hitSeconds * 1000, 2)])
    }
    // OpenBLAS and the kernel (at a few block shapes) back to back, so both see the same machine load.
    for (bm, bn, bk) in [(64, 128, 128), (128, 128, 64), (64, 64, 256), (96, 128, 128)] where r.wants("n\(n)_\(bm)x\(bn)x\(bk)") {
        let tb = measure(minReps: 5, minSeconds: 1) { blackHole(a.matmul(b)) }
        _ = try Kernels.matmul(a, b, blockM: bm, blockN: bn, blockK: bk)   // compile outside the timing
        var failure: Error?
        let tk = measure(minReps: 5, minSeconds: 1) {
            do { blackHole(try Kernels.matmul(a, b, blockM: bm, blockN: bn, blockK: bk)) } catch { failure = error }
        }
        if let failure { throw failure }
        let blas = flops / tb.median / 1e9, kernel = flops / tk.median / 1e9
        r.emit(["benchmark": "matmul-kernel", "case": "n\(n)_\(bm)x\(bn)x\(bk)", "n": n, "kernel_gflops": round(kernel, 1),
                "openblas_gflops": round(blas, 1), "fraction_of_openblas": round(kernel / blas, 2),
                "kernel_ms": round(tk.median * 1000, 2), "openblas_ms": round(tb.median * 1000, 2)])
    }
}
