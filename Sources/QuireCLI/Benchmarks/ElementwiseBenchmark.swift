import QuireTensor

/// Memory-bound elementwise ops in GB/s (bytes read + written per second) and softmax over rows.
let elementwiseBenchmark = Benchmark(name: "elementwise", summary: "add and exp in GB/s for 1M and 16M floats; softmax over rows") { r in
    for n in [1 << 20, 1 << 24] {
        let a = benchInput([n], seed: 1), b = benchInput([n], seed: 2)
        let label = n == 1 << 20 ? "1M" : "16M"
        if r.wants("add_\(label)") {
            let t = measure { blackHole(a + b) }
            r.emit(["benchmark": "elementwise", "case": "add_\(label)", "n": n,
                    "gbps": round(Double(12 * n) / t.best / 1e9, 2), "median_gbps": round(Double(12 * n) / t.median / 1e9, 2),
                    "ms": round(t.best * 1e3, 3), "reps": t.reps])
        }
        if r.wants("exp_\(label)") {
            let t = measure { blackHole(a.exp()) }
            r.emit(["benchmark": "elementwise", "case": "exp_\(label)", "n": n,
                    "gbps": round(Double(8 * n) / t.best / 1e9, 2), "median_gbps": round(Double(8 * n) / t.median / 1e9, 2),
                    "ms": round(t.best * 1e3, 3), "reps": t.reps])
        }
    }
    for (rows, cols) in [(4096, 256), (1024, 4096)] where r.wants("softmax_\(rows)x\(cols)") {
        let x = benchInput([rows, cols], seed: 3) * 4
        let t = measure { blackHole(x.softmax(axis: -1)) }
        let n = rows * cols
        r.emit(["benchmark": "elementwise", "case": "softmax_\(rows)x\(cols)", "n": n,
                "gbps": round(Double(8 * n) / t.best / 1e9, 2), "ms": round(t.best * 1e3, 3), "reps": t.reps])
    }
}
