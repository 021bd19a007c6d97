import Foundation
import QuireKernels
import QuireTensor

/// Causal flash attention forward (batch 1, 4 heads, head dim 64, float32) at sequence 1024, 2048,
/// 4096: median ms, and the extra resident memory of the first call measured as the peer does (VmHWM
/// reset through /proc/self/clear_refs, peak minus the RSS before the call), plus the bytes of
/// tensors allocated. Compare with ../shared/peers/w4_attention.py in the same session.
let attentionBenchmark = Benchmark(name: "attention", summary: "causal flash attention forward ms and extra memory, seq 1024/2048/4096") { r in
    for seq in [1024, 2048, 4096] where r.wants("seq\(seq)") {
        let shape = [1, 4, seq, 64]
        let q = benchInput(shape, seed: 1), k = benchInput(shape, seed: 2), v = benchInput(shape, seed: 3)
        _ = try Kernels.flashAttention(q, k, v, causal: true, blockQ: 64, blockK: 64)   // compile, warm the code
        let rss0 = residentKiB("VmRSS")
        let reset = (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
        MemoryStats.isTracking = true
        MemoryStats.resetPeak()
        let live0 = MemoryStats.liveBytes
        var first = try Kernels.flashAttention(q, k, v, causal: true)
        let tensorPeak = MemoryStats.peakBytes - live0
        let rssPeak = residentKiB("VmHWM") - rss0
        MemoryStats.isTracking = false
        blackHole(first)
        first = Tensor.zeros([1])
        var failure: Error?
        let t = measure(minReps: 5, minSeconds: 1) {
            do { blackHole(try Kernels.flashAttention(q, k, v, causal: true)) } catch { failure = error }
        }
        if let failure { throw failure }
        r.emit(["benchmark": "attention", "case": "seq\(seq)", "seq": seq, "median_ms": round(t.median * 1000, 2),
                "best_ms": round(t.best * 1000, 2), "extra_peak_rss_mib": reset ? round(Double(rssPeak) / 1024, 1) : -1,
                "tensor_bytes_mib": round(Double(tensorPeak) / 1048576, 2), "reps": t.reps])
    }
}

/// Forward and backward: the gradients of sum(attention(q, k, v) · dout) with respect to q, k and v,
/// as the peer's `jax_nn_dot_product_attention_grad` case (one forward plus the two backward kernels).
let attentionGradBenchmark = Benchmark(name: "attention-grad", summary: "causal flash attention forward+backward ms and extra memory, seq 1024/2048/4096") { r in
    for seq in [1024, 2048, 4096] where r.wants("seq\(seq)") {
        let shape = [1, 4, seq, 64]
        let q = benchInput(shape, seed: 1), k = benchInput(shape, seed: 2), v = benchInput(shape, seed: 3)
        let dout = benchInput(shape, seed: 4)
        let grads = { try valueAndGrad { xs in (try Kernels.flashAttention(xs[0], xs[1], xs[2], causal: true) * dout).sum() }([q, k, v]) }
        _ = try grads()   // compile, warm the code
        let rss0 = residentKiB("VmRSS")
        let reset = (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
        var first = try grads()
        let rssPeak = residentKiB("VmHWM") - rss0
        blackHole(first.1[0])
        first = (Tensor.zeros([1]), [])
        var failure: Error?
        let t = measure(minReps: 3, minSeconds: 1) {
            do { blackHole(try grads().1[0]) } catch { failure = error }
        }
        if let failure { throw failure }
        r.emit(["benchmark": "attention-grad", "case": "seq\(seq)", "seq": seq, "median_ms": round(t.median * 1000, 2),
                "best_ms": round(t.best * 1000, 2), "extra_peak_rss_mib": reset ? round(Double(rssPeak) / 1024, 1) : -1,
                "reps": t.reps])
    }
}

private func residentKiB(_ key: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "0") ?? 0
    }
    return 0
}
