import QuireTensor

// `dot` in emitted C. float32 (and float16/bfloat16, widened first) use a register-tiled outer-product
// micro-kernel: an MR × NR tile of C held in vector registers across the whole k loop, updated by one
// broadcast of A per row and NR / lanes vector loads of B per step of k. `acc + dot(a, b)` (a matmul's
// carried accumulator) starts the tile from acc's block and adds into it in place. The vector width is the
// target's (16 floats on AVX-512, 8 on AVX2), and MR is as large as the registers allow. Each output
// element is summed over k in order, whatever the tile shape, so results do not depend on the blocks.
// int8 uses AVX512-VNNI where the CPU has it (CEmitter+VNNI.swift); otherwise int8/int32 use a
// plain i-k-j loop that clang vectorizes.

extension CEmitter {
    /// `r = a · b`, or with `accumulate` `r += a · b` (r's block already holds the addend).
    mutating func dot(_ a: ValueID, _ b: ValueID, transposeB: Bool, into r: ValueID, accumulate: Bool = false) {
        let ta = type(a), tb = type(b)
        let m = ta.shape[0], k = ta.shape[1], n = transposeB ? tb.shape[0] : tb.shape[1]
        let acc = type(r).dtype
        if !transposeB && ta.dtype == tb.dtype && fitsVNNI(ta.dtype, acc, k: k, n: n) {
            return vnniDot(a: name(a), b: name(b), c: name(r), m: m, k: k, n: n, accumulate: accumulate)
        }
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
            // An operand read in place (`loadInPlace`) has its rows a row of its ref apart.
            let shape = TileShape(lanes: 0, vecs: 0, aStride: inPlaceLoads[a] ?? k, k: k, n: n, accumulate: accumulate)
            microKernel(a: aName, b: bName, c: c, m: m, shape)
        } else {
            precondition(inPlaceLoads[a] == nil, "an in-place load must take the micro-kernel path")
            let zero = acc == .float32 ? "0.0f" : "0"
            if !accumulate { line("for (int e = 0; e < \(m * n); e++) \(c)[e] = \(zero);") }
            line("for (int i = 0; i < \(m); i++) for (int p = 0; p < \(k); p++) { \(CEmitter.ctype(acc)) x = \(aName)[i * \(k) + p]; for (int j = 0; j < \(n); j++) \(c)[i * \(n) + j] += x * \(bName)[p * \(n) + j]; }")
        }
    }

    /// The micro-kernel's tile for an [m, n] result, n a multiple of 8: vector lanes, vectors per
    /// row (NR = lanes × vectors) and rows (MR), sized to the target's registers.
    func tile(m: Int, n: Int) -> (lanes: Int, vectors: Int, rows: Int) {
        let target = options.target
        let lanes = n % target.floatLanes == 0 ? target.floatLanes : 8
        let vectors = n % (2 * lanes) == 0 ? 2 : 1
        // Accumulators plus the B vectors plus one broadcast A must fit in the registers.
        let rows = Swift.min(target == .avx512 ? 12 : 6, (target.registers - vectors - 1) / vectors, Swift.max(1, m))
        return (lanes, vectors, rows)
    }

    /// C[m×n] = A[m×k]·B[k×n], n a multiple of 8: full tiles of MR rows, then one tile of the rest.
    private mutating func microKernel(a: String, b: String, c: String, m: Int, _ operands: TileShape) {
        let (lanes, vectors, mr) = tile(m: m, n: operands.n)
        let mainRows = m - m % mr
        var shape = operands
        (shape.lanes, shape.vecs) = (lanes, vectors)
        if mainRows > 0 { tileLoop(a: a, b: b, c: c, rows: 0..<mainRows, mr: mr, shape) }
        if m % mr > 0 { tileLoop(a: a, b: b, c: c, rows: mainRows..<m, mr: m % mr, shape) }
    }

    /// The vector width, vectors per row, A's row stride, k, n of a micro-kernel, and whether it adds into C.
    private struct TileShape { var lanes, vecs, aStride, k, n: Int; var accumulate: Bool }

    private mutating func tileLoop(a: String, b: String, c: String, rows: Range<Int>, mr: Int, _ shape: TileShape) {
        let (lanes, vecs, k, n) = (shape.lanes, shape.vecs, shape.k, shape.n)
        let v = "q_v\(lanes)f", vu = "q_v\(lanes)fu"
        line("for (int i0 = \(rows.lowerBound); i0 < \(rows.upperBound); i0 += \(mr)) for (int j0 = 0; j0 < \(n); j0 += \(vecs * lanes)) {")
        indent += 1
        for r in 0..<mr {
            for x in 0..<vecs {
                let initial = shape.accumulate ? "*(const \(vu) *)&\(c)[(i0 + \(r)) * \(n) + j0 + \(x * lanes)]" : "{0}"
                line("\(v) c\(r)_\(x) = \(initial);")
            }
        }
        line("for (int p = 0; p < \(k); p++) {")
        indent += 1
        for x in 0..<vecs { line("\(v) b\(x) = *(const \(vu) *)&\(b)[p * \(n) + j0 + \(x * lanes)];") }
        for r in 0..<mr {
            line("{ \(v) av = (\(v)){0} + \(a)[(i0 + \(r)) * \(shape.aStride) + p];")
            for x in 0..<vecs { line("  c\(r)_\(x) += av * b\(x);") }
            line("}")
        }
        indent -= 1
        line("}")
        for r in 0..<mr {
            for x in 0..<vecs { line("*(\(vu) *)&\(c)[(i0 + \(r)) * \(n) + j0 + \(x * lanes)] = c\(r)_\(x);") }
        }
        indent -= 1
        line("}")
    }
}
