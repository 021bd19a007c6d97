// The register-tiled product kernel shared by the attention heads (attention.c) and the small matrix
// products (gemm.c): ROWS rows × 32 columns of C held in registers, A's elements broadcast, B's rows
// loaded 16 floats at a time, no packing. Each element of C is one chain of fused multiply-adds over k
// in order, so any split of C into tiles gives the same bits. Private to CQuireFused.
#ifndef QUIRE_TILES_H
#define QUIRE_TILES_H
#include "vec16.h"

#if defined(__AVX512F__)
#define ROWS 8
#else
#define ROWS 4   // 2·ROWS accumulators of 16 floats must fit 16 AVX2 registers
#endif

/// `c` is not `restrict`: the gate may be C itself (relu's gradient mask stored over the activation it
/// reads), each tile loading its gate elements before it stores over them.
/// What a tile does to its sums before storing them, in this order: `C's old value +` (when `accumulate`:
/// BLAS's beta = 1); `+ bias[column]` (when `bias` is not NULL, pointing at the tile's first column); relu
/// (`x ≤ 0 ? 0 : x`, NaN kept); relu's gradient gate (`gate(r, c) > 0 ? x : 0`, when `gate` is not NULL,
/// pointing at the tile's first element, `ldg` between rows). Each a separate operation, as the tensor
/// ops do them.
typedef struct { const float *bias; int relu; const float *gate; size_t ldg; int accumulate; } epilogue;
static const epilogue no_epilogue = {0, 0, 0, 0, 0};

static inline v16f relu16(v16f x) { return (v16f)((v16i)x & ~(x <= 0.0f)); }
static inline v16f gated16(v16f x, v16f g) { return (v16f)((v16i)x & (g > 0.0f)); }

/// A's element (r, k) is a[r·ars + k·aks]: row-major (ars = ld, aks = 1) or transposed (ars = 1, aks = ld).
typedef struct { const float *p; size_t rs, ks; } operand;

/// C[0..<ROWS, 0..<32] = Σ_{k in [kb, ke)} A(r, k)·B[k, 0..<32]: the full tile.
static inline void tile_full(operand a, const float *restrict b, size_t ldb, size_t kb, size_t ke,
                             float *c, size_t ldc, epilogue e) {
    v16f lo[ROWS], hi[ROWS];
    for (int r = 0; r < ROWS; r++) { lo[r] = 0.0f; hi[r] = 0.0f; }
    for (size_t k = kb; k < ke; k++) {
        const v16f b0 = load16(b + k * ldb), b1 = load16(b + k * ldb + 16);
        const float *ak = a.p + k * a.ks;
#pragma clang loop unroll(full)
        for (int r = 0; r < ROWS; r++) {
            const v16f x = ak[r * a.rs];
            lo[r] = __builtin_elementwise_fma(x, b0, lo[r]);
            hi[r] = __builtin_elementwise_fma(x, b1, hi[r]);
        }
    }
    if (e.accumulate) {
        for (int r = 0; r < ROWS; r++) {
            lo[r] = load16(c + r * ldc) + lo[r];
            hi[r] = load16(c + r * ldc + 16) + hi[r];
        }
    }
    if (e.bias) {
        const v16f b0 = load16(e.bias), b1 = load16(e.bias + 16);
        for (int r = 0; r < ROWS; r++) { lo[r] = lo[r] + b0; hi[r] = hi[r] + b1; }
    }
    if (e.relu) {
        for (int r = 0; r < ROWS; r++) { lo[r] = relu16(lo[r]); hi[r] = relu16(hi[r]); }
    }
    if (e.gate) {
        for (int r = 0; r < ROWS; r++) {
            lo[r] = gated16(lo[r], load16(e.gate + r * e.ldg));
            hi[r] = gated16(hi[r], load16(e.gate + r * e.ldg + 16));
        }
    }
    for (int r = 0; r < ROWS; r++) {
        store16(c + r * ldc, lo[r]);
        store16(c + r * ldc + 16, hi[r]);
    }
}

/// The same for a partial tile: `rows` ≤ ROWS rows and `cols` ≤ 32 columns, nothing read or written
/// past them.
static inline void tile_partial(operand a, const float *restrict b, size_t ldb, size_t kb, size_t ke,
                                float *c, size_t ldc, size_t rows, size_t cols, epilogue e) {
    v16f lo[ROWS], hi[ROWS];
    for (int r = 0; r < ROWS; r++) { lo[r] = 0.0f; hi[r] = 0.0f; }
    const size_t n0 = cols < 16 ? cols : 16, n1 = cols > 16 ? cols - 16 : 0;
    for (size_t k = kb; k < ke; k++) {
        const v16f b0 = load_partial(b + k * ldb, n0, 0.0f);
        const v16f b1 = n1 ? load_partial(b + k * ldb + 16, n1, 0.0f) : (v16f)0.0f;
        const float *ak = a.p + k * a.ks;
        for (size_t r = 0; r < rows; r++) {
            const v16f x = ak[r * a.rs];
            lo[r] = __builtin_elementwise_fma(x, b0, lo[r]);
            hi[r] = __builtin_elementwise_fma(x, b1, hi[r]);
        }
    }
    if (e.accumulate) {
        for (size_t r = 0; r < rows; r++) {
            lo[r] = load_partial(c + r * ldc, n0, 0.0f) + lo[r];
            if (n1) hi[r] = load_partial(c + r * ldc + 16, n1, 0.0f) + hi[r];
        }
    }
    if (e.bias) {
        const v16f b0 = load_partial(e.bias, n0, 0.0f), b1 = n1 ? load_partial(e.bias + 16, n1, 0.0f) : (v16f)0.0f;
        for (size_t r = 0; r < rows; r++) { lo[r] = lo[r] + b0; hi[r] = hi[r] + b1; }
    }
    if (e.relu) {
        for (size_t r = 0; r < rows; r++) { lo[r] = relu16(lo[r]); hi[r] = relu16(hi[r]); }
    }
    if (e.gate) {
        for (size_t r = 0; r < rows; r++) {
            lo[r] = gated16(lo[r], load_partial(e.gate + r * e.ldg, n0, 0.0f));
            if (n1) hi[r] = gated16(hi[r], load_partial(e.gate + r * e.ldg + 16, n1, 0.0f));
        }
    }
    for (size_t r = 0; r < rows; r++) {
        store_partial(c + r * ldc, lo[r], n0);
        if (n1) store_partial(c + r * ldc + 16, hi[r], n1);
    }
}

/// dst[c·lds + r] = src[r·ld + c] for a 16×16 block: four rounds of shuffles (32-bit and 64-bit
/// interleaves inside 128-bit lanes, then whole lanes), about a third of an operation per element.
static inline void transpose16(const float *src, size_t ld, float *dst, size_t lds) {
    v16f a[16], b[16], c[16], d[16];
    for (int r = 0; r < 16; r++) a[r] = load16(src + r * ld);
    for (int k = 0; k < 8; k++) {   // 32-bit interleave within 128-bit lanes
        b[2*k]   = __builtin_shufflevector(a[2*k], a[2*k+1], 0,16,1,17, 4,20,5,21, 8,24,9,25, 12,28,13,29);
        b[2*k+1] = __builtin_shufflevector(a[2*k], a[2*k+1], 2,18,3,19, 6,22,7,23, 10,26,11,27, 14,30,15,31);
    }
    for (int k = 0; k < 4; k++) {   // 64-bit interleave within 128-bit lanes
        c[4*k]   = __builtin_shufflevector(b[4*k],   b[4*k+2], 0,1,16,17, 4,5,20,21, 8,9,24,25, 12,13,28,29);
        c[4*k+1] = __builtin_shufflevector(b[4*k],   b[4*k+2], 2,3,18,19, 6,7,22,23, 10,11,26,27, 14,15,30,31);
        c[4*k+2] = __builtin_shufflevector(b[4*k+1], b[4*k+3], 0,1,16,17, 4,5,20,21, 8,9,24,25, 12,13,28,29);
        c[4*k+3] = __builtin_shufflevector(b[4*k+1], b[4*k+3], 2,3,18,19, 6,7,22,23, 10,11,26,27, 14,15,30,31);
    }
    // c[4k+m], 128-bit lane L: rows 4k..4k+3 of column 4L+m. Column 4L+m is lane L of c[m], c[4+m],
    // c[8+m] and c[12+m], in that order.
    for (int m = 0; m < 4; m++) {
        v16f e0 = __builtin_shufflevector(c[m], c[4+m], 0,1,2,3, 16,17,18,19, 4,5,6,7, 20,21,22,23);
        v16f e1 = __builtin_shufflevector(c[m], c[4+m], 8,9,10,11, 24,25,26,27, 12,13,14,15, 28,29,30,31);
        v16f f0 = __builtin_shufflevector(c[8+m], c[12+m], 0,1,2,3, 16,17,18,19, 4,5,6,7, 20,21,22,23);
        v16f f1 = __builtin_shufflevector(c[8+m], c[12+m], 8,9,10,11, 24,25,26,27, 12,13,14,15, 28,29,30,31);
        d[m]      = __builtin_shufflevector(e0, f0, 0,1,2,3,4,5,6,7, 16,17,18,19,20,21,22,23);
        d[4 + m]  = __builtin_shufflevector(e0, f0, 8,9,10,11,12,13,14,15, 24,25,26,27,28,29,30,31);
        d[8 + m]  = __builtin_shufflevector(e1, f1, 0,1,2,3,4,5,6,7, 16,17,18,19,20,21,22,23);
        d[12 + m] = __builtin_shufflevector(e1, f1, 8,9,10,11,12,13,14,15, 24,25,26,27,28,29,30,31);
    }
    for (int r = 0; r < 16; r++) store16(dst + r * lds, d[r]);
}

#endif
