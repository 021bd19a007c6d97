#include "quire_fused.h"
#include "tiles.h"

// Small float32 matrix products (the digits MLP's [128, 64|256]·[64|256, 256] layers and their weight
// gradients) on the register-tiled kernel of tiles.h: no packing, so a product split over cores costs
// no copy of the operand the tiles share, which is what OpenBLAS spends most of its time on at these
// sizes. The engine picks this path (BLAS.swift) and splits C into column blocks, one per core.

/// strip[p·32 + c] = B(p, j + c) for p < k, c < w, B transposed (element (p, j) at b[j·ldb + p]): the
/// strip's 16 × 16 blocks by vector shuffles, the edges one by one.
static void transposed_strip(const float *b, size_t ldb, size_t j, size_t w, size_t k, float *strip) {
    size_t p = 0;
    if (w == 32) {
        for (; p + 16 <= k; p += 16) {
            transpose16(b + j * ldb + p, ldb, strip + p * 32, 32);
            transpose16(b + (j + 16) * ldb + p, ldb, strip + p * 32 + 16, 32);
        }
    }
    for (size_t q = p; q < k; q++)
        for (size_t c = 0; c < w; c++) strip[q * 32 + c] = b[(j + c) * ldb + q];
}

void quire_sgemm_block_f32(const float *a, size_t ars, size_t aks, const float *b, size_t ldb, int b_transposed,
                           float *c, size_t ldc, size_t rows, size_t cols, size_t k,
                           int accumulate, const float *bias, int relu, const float *gate, size_t ldg) {
    // Column strips outside, row blocks inside: a strip of B (k × 32) stays in L1 while every row block
    // of A passes over it. The strip is copied into a contiguous buffer first (a transposed B into
    // row-major form): read in place, its rows lie ldb floats apart, and at ldb = 256 all k of them fall
    // into 8 of L1's 64 sets, so the strip was refetched from L2 for every row block (in place: 333 µs a
    // digits step over 20,000 steps; copied: 303).
    float strip[QUIRE_SGEMM_BLOCK_MAX_DEPTH * 32];
    for (size_t j = 0; j < cols; j += 32) {
        const size_t w = group_count(cols, j, 32);
        const epilogue e = {bias ? bias + j : 0, relu, gate ? gate + j : 0, ldg, accumulate};
        const float *bj = b + j;
        size_t ldbj = ldb;
        if (b_transposed) {
            transposed_strip(b, ldb, j, w, k, strip);
            bj = strip;
            ldbj = 32;
        } else if (w == 32 && rows > ROWS) {
            for (size_t p = 0; p < k; p++) {
                store16(strip + p * 32, load16(b + p * ldb + j));
                store16(strip + p * 32 + 16, load16(b + p * ldb + j + 16));
            }
            bj = strip;
            ldbj = 32;
        }
        for (size_t i = 0; i < rows; i += ROWS) {
            const size_t h = group_count(rows, i, ROWS);
            const operand ai = {a + i * ars, ars, aks};
            const epilogue ei = {e.bias, e.relu, e.gate ? e.gate + i * ldg : 0, ldg, accumulate};
            if (h == ROWS && w == 32) tile_full(ai, bj, ldbj, 0, k, c + i * ldc + j, ldc, ei);
            else tile_partial(ai, bj, ldbj, 0, k, c + i * ldc + j, ldc, h, w, ei);
        }
    }
}
