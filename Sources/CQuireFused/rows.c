#include "quire_fused.h"
#include <stdint.h>
#include <string.h>
#include <math.h>

// Row loops of the transformer step that Swift leaves scalar or 8 lanes wide: the tanh-form GELU and its
// slope, the causal softmax of attention scores, and softmax cross-entropy. exp is the Cephes
// polynomial of the Swift `fastExp` (FastMath.swift), operation for operation, so the GELU loops give
// the Swift formulas' results bit for bit; reductions keep 16 partial results (vectorized).

static inline float bits_to_float(int32_t i) { float f; memcpy(&f, &i, 4); return f; }
static inline int32_t float_to_bits(float f) { int32_t i; memcpy(&i, &f, 4); return i; }

static inline float q_exp(float x) {
    float xc = x != x ? 0.0f : x;
    xc = xc < -104.0f ? -104.0f : xc;
    xc = xc > 89.0f ? 89.0f : xc;
    const float magic = 12582912.0f;
    float t = xc * 1.44269504088896341f + magic;
    float n = t - magic;
    int32_t ni = float_to_bits(t) - 0x4B400000;
    float r = xc - n * 0.693359375f - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float e = p * r * r + r + 1.0f;
    int32_t half = ni >> 1;
    float y = e * bits_to_float((half + 127) << 23) * bits_to_float((ni - half + 127) << 23);
    return x != x ? x : y;
}

#define GELU_C 0.7978845608028654f

void quire_gelu_tanh_f32(const float *restrict x, float *restrict y, size_t n) {
    const float two_c = 2.0f * GELU_C;
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float u = two_c * (v + 0.044715f * v * v * v);
        y[i] = v * (1.0f / (1.0f + q_exp(-u)));
    }
}

/// gelu'(v) from s = sigmoid(2c(v + 0.044715v³)): s + 2cv·s(1 − s)·(1 + 3·0.044715v²), the Swift
/// `GeluTanhBackwardKernel.slope` operation for operation.
static inline float gelu_slope(float v, float s) {
    const float two_c = 2.0f * GELU_C;
    return s + (two_c * v) * (s * (1.0f - s)) * (1.0f + 3.0f * 0.044715f * (v * v));
}

void quire_gelu_tanh_slope_f32(float *restrict z, float *restrict y, size_t n) {
    const float two_c = 2.0f * GELU_C;
    for (size_t i = 0; i < n; i++) {
        float v = z[i];
        float s = 1.0f / (1.0f + q_exp(-(two_c * (v + 0.044715f * v * v * v))));
        y[i] = v * s;
        z[i] = gelu_slope(v, s);
    }
}

void quire_scale_accumulate_f32(const float *restrict d, const float *restrict g, float *restrict out,
                                float *restrict sum, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = g[i] * d[i];
        out[i] = v;
        sum[i] += v;
    }
}

/// The largest of n >= 1 floats (16 running maxima).
static float row_max(const float *restrict p, size_t n) {
    float m[16];
    for (int l = 0; l < 16; l++) m[l] = p[0];
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++) m[l] = p[i + l] > m[l] ? p[i + l] : m[l];
    float best = p[0];
    for (int l = 0; l < 16; l++) best = m[l] > best ? m[l] : best;
    for (; i < n; i++) best = p[i] > best ? p[i] : best;
    return best;
}

/// Σ p[i] over n floats (16 partial sums, added pairwise at the end).
static float row_sum(const float *restrict p, size_t n) {
    float s[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++) s[l] += p[i + l];
    for (int w = 8; w >= 1; w /= 2)
        for (int l = 0; l < w; l++) s[l] += s[l + w];
    float total = s[0];
    for (; i < n; i++) total += p[i];
    return total;
}

void quire_softmax_causal_rows_f32(float *restrict p, size_t seq, float scale) {
    for (size_t i = 0; i < seq; i++) {
        float *row = p + i * seq;
        size_t n = i + 1;
        // The exp, sum and scale loops run over whole 16-float groups (masked past n, where the row
        // becomes 0), so short causal rows do not finish in scalar tails.
        size_t padded = (n + 15) & ~(size_t)15;
        if (padded > seq) padded = seq;
        float m = row_max(row, n);
        for (size_t j = 0; j < padded; j++) {
            float e = q_exp((row[j] - m) * scale);
            row[j] = j < n ? e : 0.0f;
        }
        float inv = 1.0f / row_sum(row, padded);
        for (size_t j = 0; j < padded; j++) row[j] *= inv;
        for (size_t j = padded; j < seq; j++) row[j] = 0.0f;
    }
}

double quire_cross_entropy_row_f32(const float *restrict x, size_t n, size_t label, float *restrict grad,
                                   float scale, float *restrict scratch) {
    float m = row_max(x, n);
    float *e = grad ? grad : scratch;
    for (size_t i = 0; i < n; i++) e[i] = q_exp(x[i] - m);
    float total = row_sum(e, n);
    if (grad) {
        float k = scale / total;
        for (size_t i = 0; i < n; i++) grad[i] *= k;
        grad[label] -= scale;
    }
    return (double)m + log((double)total) - (double)x[label];
}
