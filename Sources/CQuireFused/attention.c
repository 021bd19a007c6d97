#include "quire_fused.h"
#include "vec16.h"

// Causal attention per head for short sequences (the transformer's [seq ≤ 256, dim] heads), with the
// scores materialized: every product is C = A·B on one register-tiled kernel (ROWS rows × 32 columns of
// C in registers, A's elements broadcast, B's rows loaded 16 floats at a time), cut to the causal band:
// query row i meets keys 0...i only. A head's products are about a million multiply-adds each, where a
// BLAS call's packing and dispatch cost as much as the arithmetic.

#if defined(__AVX512F__)
#define ROWS 8
#else
#define ROWS 4   // 2·ROWS accumulators of 16 floats must fit 16 AVX2 registers
#endif

/// A's element (r, k) is a[r·ars + k·aks]: row-major (ars = ld, aks = 1) or transposed (ars = 1, aks = ld).
typedef struct { const float *p; size_t rs, ks; } operand;

/// C[0..<ROWS, 0..<32] = Σ_{k in [kb, ke)} A(r, k)·B[k, 0..<32]: the full tile.
static inline void tile_full(operand a, const float *restrict b, size_t ldb, size_t kb, size_t ke,
                             float *restrict c, size_t ldc) {
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
    for (int r = 0; r < ROWS; r++) {
        store16(c + r * ldc, lo[r]);
        store16(c + r * ldc + 16, hi[r]);
    }
}

/// The same for a partial tile: `rows` ≤ ROWS rows and `cols` ≤ 32 columns, nothing read or written
/// past them.
static void tile_partial(operand a, const float *restrict b, size_t ldb, size_t kb, size_t ke,
                         float *restrict c, size_t ldc, size_t rows, size_t cols) {
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
    for (size_t r = 0; r < rows; r++) {
        store_partial(c + r * ldc, lo[r], n0);
        if (n1) store_partial(c + r * ldc + 16, hi[r], n1);
    }
}

/// C rows [r0, r0+rows) × columns [0, n) = A·B over k in [kb, ke), in tiles of ROWS × 32.
static void product_rows(operand a, size_t r0, size_t rows, const float *b, size_t ldb, size_t n,
                         size_t kb, size_t ke, float *c, size_t ldc) {
    operand ar = {a.p + r0 * a.rs, a.rs, a.ks};
    for (size_t j = 0; j < n; j += 32) {
        size_t cols = group_count(n, j, 32);
        if (rows == ROWS && cols == 32) tile_full(ar, b + j, ldb, kb, ke, c + r0 * ldc + j, ldc);
        else tile_partial(ar, b + j, ldb, kb, ke, c + r0 * ldc + j, ldc, rows, cols);
    }
}

/// The columns a row block computes when its last row meets keys 0..<keys: rounded up to whole tiles
/// (the extra scores, above the diagonal, are finite and never read), at most s.
static inline size_t band(size_t keys, size_t s) {
    size_t whole = (keys + 31) & ~(size_t)31;
    return whole < s ? whole : s;
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

/// dst[d·s + j] = src[j·ld + d]: a head's [s, dim] rows as [dim, s], in 16×16 blocks (edges one by one).
static void transpose_head(const float *src, size_t ld, size_t s, size_t dim, float *dst) {
    const size_t s16 = s & ~(size_t)15, d16 = dim & ~(size_t)15;
    for (size_t j = 0; j < s16; j += 16)
        for (size_t d = 0; d < d16; d += 16) transpose16(src + j * ld + d, ld, dst + d * s + j, s);
    for (size_t j = 0; j < s; j++)
        for (size_t d = j < s16 ? d16 : 0; d < dim; d++) dst[d * s + j] = src[j * ld + d];
}

void quire_attention_head_forward_f32(const float *q, const float *k, const float *v, size_t ld, size_t s,
                                      size_t dim, float scale, float *out, size_t ldo, float *p,
                                      float *scratch) {
    float *kt = scratch;   // [dim, s]
    transpose_head(k, ld, s, dim, kt);
    operand qa = {q, ld, 1}, pa = {p, s, 1};
    for (size_t i = 0; i < s; i += ROWS) {
        size_t rows = group_count(s, i, ROWS);
        product_rows(qa, i, rows, kt, s, band(i + rows, s), 0, dim, p, s);   // raw scores q·kᵀ
    }
    quire_softmax_causal_rows_f32(p, s, scale);                       // zeros above the diagonal
    for (size_t i = 0; i < s; i += ROWS) {
        size_t rows = group_count(s, i, ROWS);
        product_rows(pa, i, rows, v, ld, dim, 0, i + rows, out, ldo); // p·v over keys 0..<i + rows
    }
}

void quire_attention_head_backward_f32(const float *q, const float *k, const float *v, size_t ld, size_t s,
                                       size_t dim, float scale, const float *p, const float *dout, size_t ldo,
                                       float *dq, float *dk, float *dv, float *scratch) {
    float *vt = scratch, *ds = scratch + dim * s;   // [dim, s] and [s, s]
    transpose_head(v, ld, s, dim, vt);
    operand pt = {p, 1, s}, da = {dout, ldo, 1}, dsa = {ds, s, 1}, dst = {ds, 1, s};
    for (size_t j = 0; j < s; j += ROWS) {
        size_t rows = group_count(s, j, ROWS);
        product_rows(pt, j, rows, dout, ldo, dim, j, s, dv, ld);     // dV = pᵀ·dO over queries j..<s
    }
    for (size_t i = 0; i < s; i += ROWS) {
        size_t rows = group_count(s, i, ROWS);
        product_rows(da, i, rows, vt, s, band(i + rows, s), 0, dim, ds, s);   // dP = dO·vᵀ on the band
    }
    // dS = p ⊙ (dP − Σ_j p·dP) · scale on and below the diagonal; zeros in the band's triangle above it,
    // which the next two products read.
    for (size_t i = 0; i < s; i++) {
        const float *pr = p + i * s;
        float *dr = ds + i * s;
        v16f acc = 0.0f;
        for (size_t j = 0; j <= i; j += 16) {
            size_t n = group_count(i + 1, j, 16);
            acc += load_partial(pr + j, n, 0.0f) * load_partial(dr + j, n, 0.0f);
        }
        const float delta = hsum16(acc);
        for (size_t j = 0; j <= i; j += 16) {
            size_t n = group_count(i + 1, j, 16);
            store_partial(dr + j, load_partial(pr + j, n, 0.0f) * (load_partial(dr + j, n, 0.0f) - delta) * scale, n);
        }
        size_t end = i - i % ROWS + ROWS;
        for (size_t j = i + 1; j < end && j < s; j++) dr[j] = 0.0f;
    }
    for (size_t i = 0; i < s; i += ROWS) {
        size_t rows = group_count(s, i, ROWS);
        product_rows(dsa, i, rows, k, ld, dim, 0, i + rows, dq, ld); // dQ = dS·k over keys 0..<i + rows
    }
    for (size_t j = 0; j < s; j += ROWS) {
        size_t rows = group_count(s, j, ROWS);
        product_rows(dst, j, rows, q, ld, dim, j, s, dk, ld);        // dK = dSᵀ·q over queries j..<s
    }
}
