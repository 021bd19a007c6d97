import Foundation
import QuireKernels
import QuireTensor

/// The kernel language's tiled matmul against OpenBLAS in the same run (GFLOP/s and their ratio, timed
/// in alternation so both see the same load). The baseline is OpenBLAS at its best here: its own
/// `sgemm` threaded over all cores (`OpenBLASBaseline`), not the engine's product, which runs OpenBLAS
/// single-threaded and splits the work:
/// autotuned at n = 1024 and 2048 (with the blocks tried and chosen, and what the second call cost),
/// fixed blocks at 1024, float16/bfloat16/int8 inputs against float32 OpenBLAS; and what compiling
/// costs: the first call's clang run and the disk-cache hit after it.
let matmulKernelBenchmark = Benchmark(name: "matmul-kernel", summary: "tiled matmul kernel GFLOP/s vs OpenBLAS at n = 1024/2048 (autotuned and fixed blocks, f16/bf16/int8); compile time and cache hit") { r in
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
    // OpenBLAS and the kernel back to back, so both see the same machine load: autotuned blocks at
    // n = 1024 and 2048 (the tuning report says what was tried), then a few fixed block shapes.
    KernelTuning.isEnabled = true
    for size in [1024, 2048] where r.wants("n\(size)_tuned") {
        let x = size == n ? a : benchInput([size, size], seed: 1), y = size == n ? b : benchInput([size, size], seed: 2)
        let work = 2 * Double(size) * Double(size) * Double(size)
        let t0 = Date()
        _ = try Kernels.matmul(x, y)   // tunes (or reads tuning.json) and compiles outside the timing
        let tuneSeconds = Date().timeIntervalSince(t0)
        let report = KernelTuning.lastReport
        let t1 = Date()
        _ = try Kernels.matmul(x, y)
        let secondSeconds = Date().timeIntervalSince(t1)
        let second = KernelTuning.lastReport?.source ?? "?"
        var baseline = OpenBLASBaseline(x, y)
        let (tb, tk, fraction) = try measureAlternating({ baseline.run() }, { _ = try Kernels.matmul(x, y) })
        let blas = work / tb.median / 1e9, kernel = work / tk.median / 1e9
        r.emit(["benchmark": "matmul-kernel", "case": "n\(size)_tuned", "n": size, "kernel_gflops": round(kernel, 1),
                "openblas_gflops": round(blas, 1), "fraction_of_openblas": round(fraction, 2),
                "kernel_ms": round(tk.median * 1000, 2), "openblas_ms": round(tb.median * 1000, 2),
                "chosen_blocks": report?.chosen ?? [], "tuning": report?.source ?? "?", "first_call_s": round(tuneSeconds, 2),
                "tried_ms": (report?.tried ?? []).map { "\($0.blocks[0])x\($0.blocks[1]): \(round($0.milliseconds, 2))" },
                "second_call": second, "second_call_ms": round(secondSeconds * 1000, 2)])
    }
    for (bm, bn, bk) in [(64, 128, 128), (128, 128, 64), (64, 64, 256), (96, 128, 128)] where r.wants("n\(n)_\(bm)x\(bn)x\(bk)") {
        var baseline = OpenBLASBaseline(a, b)
        let tb = measure(minReps: 5, minSeconds: 1) { baseline.run() }
        _ = try Kernels.matmul(a, b, blockM: bm, blockN: bn, blockK: bk)   // compile outside the timing
        let tk = try measureThrowing { _ = try Kernels.matmul(a, b, blockM: bm, blockN: bn, blockK: bk) }
        let blas = flops / tb.median / 1e9, kernel = flops / tk.median / 1e9
        r.emit(["benchmark": "matmul-kernel", "case": "n\(n)_\(bm)x\(bn)x\(bk)", "n": n, "kernel_gflops": round(kernel, 1),
                "openblas_gflops": round(blas, 1), "fraction_of_openblas": round(kernel / blas, 2),
                "kernel_ms": round(tk.median * 1000, 2), "openblas_ms": round(tb.median * 1000, 2)])
    }
    // Narrow inputs against float32 OpenBLAS at n = 1024: float16/bfloat16 through the matmul kernel
    // (widened to float32 in the block, float32 accumulation), int8 through the quantized kernel (int32
    // accumulation, per-row/column scales).
    for dtype in [DType.float16, .bfloat16, .int8] where r.wants("n\(n)_\(dtype)") {
        let kernelCall: () throws -> Void
        if dtype == .int8 {
            let qa = (a * 100).cast(to: .int8), qb = (b * 100).cast(to: .int8)
            let rows = Tensor.ones([n]) * 1e-4, cols = Tensor.ones([n])
            kernelCall = { _ = try Kernels.quantizedMatmul(qa, qb, rowScales: rows, columnScales: cols) }
        } else {
            let xa = a.cast(to: dtype), xb = b.cast(to: dtype)
            kernelCall = { _ = try Kernels.matmul(xa, xb) }
        }
        try kernelCall()   // tunes and compiles outside the timing
        var baseline = OpenBLASBaseline(a, b)
        let (tb, tk, ratio) = try measureAlternating({ baseline.run() }, kernelCall)
        let blas = flops / tb.median / 1e9, kernel = flops / tk.median / 1e9
        r.emit(["benchmark": "matmul-kernel", "case": "n\(n)_\(dtype)", "n": n, "dtype": "\(dtype)",
                "kernel_gops": round(kernel, 1), "openblas_f32_gflops": round(blas, 1), "ratio_to_openblas_f32": round(ratio, 2),
                "kernel_ms": round(tk.median * 1000, 2), "openblas_ms": round(tb.median * 1000, 2)])
    }
}

/// OpenBLAS and the kernel timed in rounds (three calls of each per round; at least 7 rounds and 2 s),
/// so both see the same machine load on this shared machine: their median times, and the median over
/// rounds of OpenBLAS's time over the kernel's (the kernel's speed as a fraction of OpenBLAS's). Each
/// round pauses 0.2 s after OpenBLAS: its threaded sgemm leaves a worker spinning on `sched_yield`
/// for about 2²⁸ cycles after each call, which would otherwise take a core from the kernel timed next.
private func measureAlternating(_ blas: () -> Void, _ kernel: () throws -> Void) throws -> (Timing, Timing, Double) {
    blas()
    try kernel()
    var tb: [Double] = [], tk: [Double] = [], ratios: [Double] = []
    let start = DispatchTime.now().uptimeNanoseconds
    func seconds(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }
    func median(_ t: [Double]) -> Double { t.sorted()[t.count / 2] }
    while ratios.count < 7 || (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < 2 && ratios.count < 200) {
        let b = (0..<3).map { _ in seconds(blas) }
        usleep(200_000)
        let k = try (0..<3).map { _ in try seconds(kernel) }
        tb += b
        tk += k
        ratios.append(median(b) / median(k))
    }
    func timing(_ t: [Double]) -> Timing {
        let s = t.sorted()
        return Timing(best: s[0], median: s[s.count / 2], reps: s.count)
    }
    return (timing(tb), timing(tk), median(ratios))
}

/// `measure` for a throwing body: the first error is rethrown after timing.
private func measureThrowing(_ body: () throws -> Void) throws -> Timing {
    var failure: Error?
    let t = measure(minReps: 5, minSeconds: 1) {
        do { try body() } catch { failure = error }
    }
    if let failure { throw failure }
    return t
}
