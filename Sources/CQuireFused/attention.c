#include "quire_fused.h"
#include "vec16.h"
#include "tiles.h"

// Causal attention per head for short sequences (the transformer's [seq ≤ 256, dim] heads), with the
// scores materialized: every product is C = A·B on one register-tiled kernel (ROWS rows × 32 columns of
// C in registers, A's elements broadcast, B's rows loaded 16 floats at a time), cut to the causal band:
// query row i meets keys 0...i only. A head's products are about a million multiply-adds each, where a
// BLAS call's packing and dispatch cost as much as the arithmetic.

/// C rows [r0, r0+rows) × columns [0, n) = A·B over k in [kb, ke), in tiles of ROWS × 32.
static void product_rows(operand a, size_t r0, size_t rows, const float *b, size_t ldb, size_t n,
                         size_t kb, size_t ke, float *c, size_t ldc) {
    operand ar = {a.p + r0 * a.rs, a.rs, a.ks};
    for (size_t j = 0; j < n; j += 32) {
        size_t cols = group_count(n, j, 32);
        if (rows == ROWS && cols == 32) tile_full(ar, b + j, ldb, kb, ke, c + r0 * ldc + j, ldc, no_epilogue);
        else tile_partial(ar, b + j, ldb, kb, ke, c + r0 * ldc + j, ldc, rows, cols, no_epilogue);
    }
}

/// The columns a row block computes when its last row meets keys 0..<keys: rounded up to whole tiles
/// (the extra scores, above the diagonal, are finite and never read), at most s.
static inline size_t band(size_t keys, size_t s) {
    size_t whole = (keys + 31) & ~(size_t)31;
    return whole < s ? whole : s;
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
