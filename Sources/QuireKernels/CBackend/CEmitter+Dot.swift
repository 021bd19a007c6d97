import QuireTensor

// `dot` in emitted C. float32 (and float16/bfloat16, widened first) use a register-blocked
// micro-kernel: an MR × 16 tile of C held in 8-wide vector registers, updated by one broadcast of A
// and two vector loads of B per step of k. int8/int32 use a plain i-k-j loop that clang vectorizes.

extension CEmitter {
    mutating func dot(_ a: ValueID, _ b: ValueID, transposeB: Bool, into r: ValueID) {
        let ta = type(a), tb = type(b)
        let m = ta.shape[0], k = ta.shape[1], n = transposeB ? tb.shape[0] : tb.shape[1]
        let acc = type(r).dtype
        var aName = name(a), bName = name(b)
        if ta.dtype != acc {
            let t = temp(acc, m * k)
            line("for (int e = 0; e < \(m * k); e++) \(t)[e] = \(conversion("\(aName)[e]", from: ta.dtype, to: acc));")
            aName = t
        }
        if transposeB || tb.dtype != acc {
            let t = temp(acc, k * n)
            if transposeB {
                line("for (int j = 0; j < \(n); j++) for (int p = 0; p < \(k); p++) \(t)[p * \(n) + j] = \(conversion("\(bName)[j * \(k) + p]", from: tb.dtype, to: acc));")
            } else {
                line("for (int e = 0; e < \(k * n); e++) \(t)[e] = \(conversion("\(bName)[e]", from: tb.dtype, to: acc));")
            }
            bName = t
        }
        let c = name(r)
        if acc == .float32 && n % 8 == 0 {
            microKernel(a: aName, b: bName, c: c, m: m, k: k, n: n)
        } else {
            let zero = acc == .float32 ? "0.0f" : "0"
            line("for (int e = 0; e < \(m * n); e++) \(c)[e] = \(zero);")
            line("for (int i = 0; i < \(m); i++) for (int p = 0; p < \(k); p++) { \(CEmitter.ctype(acc)) x = \(aName)[i * \(k) + p]; for (int j = 0; j < \(n); j++) \(c)[i * \(n) + j] += x * \(bName)[p * \(n) + j]; }")
        }
    }

    /// C[m×n] = A[m×k]·B[k×n], n a multiple of 8: tiles of MR rows × NR columns (NR 16 or 8).
    private mutating func microKernel(a: String, b: String, c: String, m: Int, k: Int, n: Int) {
        let nr = n % 16 == 0 ? 16 : 8
        let vecs = nr / 8
        let mainRows = m - m % 6
        if mainRows > 0 { tileLoop(a: a, b: b, c: c, rows: 0..<mainRows, mr: 6, vecs: vecs, k: k, n: n) }
        if m % 6 > 0 { tileLoop(a: a, b: b, c: c, rows: mainRows..<m, mr: m % 6, vecs: vecs, k: k, n: n) }
    }

    private mutating func tileLoop(a: String, b: String, c: String, rows: Range<Int>, mr: Int, vecs: Int, k: Int, n: Int) {
        line("for (int i0 = \(rows.lowerBound); i0 < \(rows.upperBound); i0 += \(mr)) for (int j0 = 0; j0 < \(n); j0 += \(vecs * 8)) {")
        indent += 1
        for r in 0..<mr { for v in 0..<vecs { line("q_v8f c\(r)_\(v) = {0};") } }
        line("for (int p = 0; p < \(k); p++) {")
        indent += 1
        for v in 0..<vecs { line("q_v8f b\(v) = *(const q_v8fu *)&\(b)[p * \(n) + j0 + \(v * 8)];") }
        for r in 0..<mr {
            line("{ float x = \(a)[(i0 + \(r)) * \(k) + p]; q_v8f av = {x, x, x, x, x, x, x, x};")
            for v in 0..<vecs { line("  c\(r)_\(v) += av * b\(v);") }
            line("}")
        }
        indent -= 1
        line("}")
        for r in 0..<mr {
            for v in 0..<vecs { line("*(q_v8fu *)&\(c)[(i0 + \(r)) * \(n) + j0 + \(v * 8)] = c\(r)_\(v);") }
        }
        indent -= 1
        line("}")
    }
}
