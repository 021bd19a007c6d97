import QuireTensor

// int8 `dot` on AVX512-VNNI: `vpdpbusd` adds four byte products into each int32 lane, 64
// multiply-adds an instruction (four times a float32 FMA). B's block is packed so each lane holds four
// consecutive k of one column; A's four bytes are broadcast; the tile is MR rows × 16 or 32 columns
// held in registers across k, like the float32 micro-kernel. `vpdpbusd` multiplies unsigned by signed
// bytes, so B is packed with 128 added (x ^ 0x80); that adds 128 · Σₚ A[i, p] to row i, which the
// tile subtracts before it starts, so the int32 result is exact (the interpreter's, for sums that
// fit in int32).
//
// The same scheme with AVX512-BF16's `vdpbf16ps` (two bfloat16 products a lane) was tried for
// bfloat16 and measured at about half the float32 micro-kernel's speed on this CPU (100 against
// 150 GFLOP/s a core), so bfloat16 blocks are widened to float32 instead (CEmitter+Dot.swift).

extension VectorTarget {
    /// Whether int8 `dot` uses AVX512-VNNI (`vpdpbusd`): on the AVX-512 target of a CPU that has it.
    var hasVNNI: Bool { self == .avx512 && VectorTarget.cpuFlags.contains("avx512_vnni") }
}

extension CEmitter {
    /// Whether `vnniDot` handles this `dot`: int8 blocks, int32 result, k a multiple of 4, n of 16.
    func fitsVNNI(_ input: DType, _ accumulator: DType, k: Int, n: Int) -> Bool {
        input == .int8 && accumulator == .int32 && options.target.hasVNNI && k % 4 == 0 && n % 16 == 0
    }

    /// C[m×n] (+)= A[m×k]·B[k×n] for int8 A and B, int32 C, with `vpdpbusd` (see `fitsVNNI`).
    mutating func vnniDot(a: String, b: String, c: String, m: Int, k: Int, n: Int, accumulate: Bool) {
        usesIntrinsics = true
        let packed = temp(.uint8, k * n), offsets = temp(.int32, m)
        packB(b, into: packed, k: k, n: n)
        let rowSum = "int32_t s = 0; for (int p = 0; p < \(k); p++) s += \(a)[i * \(k) + p];"
        line("for (int i = 0; i < \(m); i++) { \(rowSum) \(offsets)[i] = s * 128; }")
        let mr = Swift.min(12, m)
        let mainRows = m - m % mr
        let tile = VNNITile(a: a, packed: packed, offsets: offsets, c: c, vecs: n % 32 == 0 ? 2 : 1, k: k, n: n, accumulate: accumulate)
        if mainRows > 0 { vnniTileLoop(tile, rows: 0..<mainRows, mr: mr) }
        if m % mr > 0 { vnniTileLoop(tile, rows: mainRows..<m, mr: m % mr) }
    }

    /// Packs B so 32-bit lane j of group g holds B[4g ..< 4g + 4, j] + 128: four rows of 16 columns
    /// interleaved by unpack instructions into 64 bytes.
    private mutating func packB(_ b: String, into packed: String, k: Int, n: Int) {
        func row(_ r: Int) -> String { "r\(r) = _mm_loadu_si128((const __m128i *)&\(b)[(p + \(r)) * \(n) + j])" }
        line("for (int p = 0; p < \(k); p += 4) for (int j = 0; j < \(n); j += 16) {")
        indent += 1
        line("__m128i \(row(0)), \(row(1)), \(row(2)), \(row(3));")
        line("__m128i lo01 = _mm_unpacklo_epi8(r0, r1), hi01 = _mm_unpackhi_epi8(r0, r1);")
        line("__m128i lo23 = _mm_unpacklo_epi8(r2, r3), hi23 = _mm_unpackhi_epi8(r2, r3);")
        line("__m512i x = _mm512_castsi128_si512(_mm_unpacklo_epi16(lo01, lo23));")
        line("x = _mm512_inserti64x2(x, _mm_unpackhi_epi16(lo01, lo23), 1);")
        line("x = _mm512_inserti64x2(x, _mm_unpacklo_epi16(hi01, hi23), 2);")
        line("x = _mm512_inserti64x2(x, _mm_unpackhi_epi16(hi01, hi23), 3);")
        line("_mm512_storeu_si512((void *)&\(packed)[p * \(n) + j * 4], _mm512_xor_si512(x, _mm512_set1_epi8((char)0x80)));")
        indent -= 1
        line("}")
    }

    /// The operands and sizes of one VNNI tile loop.
    private struct VNNITile {
        var a, packed, offsets, c: String
        var vecs, k, n: Int
        var accumulate: Bool
    }

    private mutating func vnniTileLoop(_ t: VNNITile, rows: Range<Int>, mr: Int) {
        func cAt(_ r: Int, _ x: Int) -> String { "(void *)&\(t.c)[(i0 + \(r)) * \(t.n) + j0 + \(16 * x)]" }
        let columns = "for (int j0 = 0; j0 < \(t.n); j0 += \(16 * t.vecs))"
        line("for (int i0 = \(rows.lowerBound); i0 < \(rows.upperBound); i0 += \(mr)) \(columns) {")
        indent += 1
        for r in 0..<mr {
            for x in 0..<t.vecs {
                let start = t.accumulate ? "_mm512_loadu_si512(\(cAt(r, x)))" : "_mm512_setzero_si512()"
                line("__m512i c\(r)_\(x) = _mm512_sub_epi32(\(start), _mm512_set1_epi32(\(t.offsets)[i0 + \(r)]));")
            }
        }
        line("for (int p = 0; p < \(t.k); p += 4) {")
        indent += 1
        for x in 0..<t.vecs {
            line("__m512i b\(x) = _mm512_loadu_si512((const void *)&\(t.packed)[p * \(t.n) + (j0 + \(16 * x)) * 4]);")
        }
        for r in 0..<mr {
            line("{ int32_t w; memcpy(&w, &\(t.a)[(i0 + \(r)) * \(t.k) + p], 4); __m512i av = _mm512_set1_epi32(w);")
            for x in 0..<t.vecs { line("  c\(r)_\(x) = _mm512_dpbusd_epi32(c\(r)_\(x), b\(x), av);") }
            line("}")
        }
        indent -= 1
        line("}")
        for r in 0..<mr {
            for x in 0..<t.vecs { line("_mm512_storeu_si512(\(cAt(r, x)), c\(r)_\(x));") }
        }
        indent -= 1
        line("}")
    }
}
