#include "quire_fused.h"
#include "vec16.h"
#include <math.h>

// Row loops of the transformer step that Swift leaves scalar or 8 lanes wide: the tanh-form GELU and its
// slope (from the header's inline scalar pieces, which Swift's GELU kernels call too, so the values are
// the same bit for bit), the causal softmax of attention scores, and softmax cross-entropy.

void quire_gelu_tanh_f32(const float *restrict x, float *restrict y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] * quire_gelu_sigmoid_f32(x[i]);
}

void quire_gelu_tanh_slope_f32(float *restrict z, float *restrict y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = z[i], s = quire_gelu_sigmoid_f32(v);
        y[i] = v * s;
        z[i] = quire_gelu_slope_f32(v, s);
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

// The softmax rows in explicit 16-float vectors (vec16.h): causal rows are short (1 to seq floats), so
// auto-vectorized loops spent their time in scalar epilogues. The partial group at a row's end is
// masked, never read past the row.

/// e^x per lane: `quire_exp_f32`'s polynomial, without its subnormal range (the softmax rows need not
/// match a Swift kernel bit for bit). Relative error below 1e-7; 0 below -87 (no
/// subnormals), clamped at 88 (e^88 < FLT_MAX); NaN stays NaN.
static inline v16f exp16(v16f x) {
    const v16f magic = 12582912.0f;
    v16f xc = __builtin_elementwise_min(__builtin_elementwise_max(x, (v16f)-87.0f), (v16f)88.0f);
    v16f t = __builtin_elementwise_fma(xc, (v16f)1.44269504088896341f, magic);
    v16f n = t - magic;
    v16i ni = (v16i)t - 0x4B400000;
    v16f r = __builtin_elementwise_fma(n, (v16f)-0.693359375f, xc);
    r = __builtin_elementwise_fma(n, (v16f)2.12194440e-4f, r);
    v16f p = 1.9875691500e-4f;
    p = __builtin_elementwise_fma(p, r, (v16f)1.3981999507e-3f);
    p = __builtin_elementwise_fma(p, r, (v16f)8.3334519073e-3f);
    p = __builtin_elementwise_fma(p, r, (v16f)4.1665795894e-2f);
    p = __builtin_elementwise_fma(p, r, (v16f)1.6666665459e-1f);
    p = __builtin_elementwise_fma(p, r, (v16f)5.0000001201e-1f);
    v16f e = __builtin_elementwise_fma(p, r * r, r) + 1.0f;
    v16f y = e * (v16f)((ni + 127) << 23);
    y = x < -87.0f ? (v16f)0.0f : y;
    return x != x ? x : y;
}

/// The largest of p[0..<n] (n >= 1; NaN ignored).
static inline float row_max(const float *restrict p, size_t n) {
    v16f m = -INFINITY;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) m = __builtin_elementwise_max(m, load16(p + i));
    if (i < n) m = __builtin_elementwise_max(m, load_partial(p + i, n - i, -INFINITY));
    return hmax16(m);
}

void quire_softmax_causal_rows_f32(float *restrict p, size_t seq, float scale) {
    for (size_t i = 0; i < seq; i++) {
        float *row = p + i * seq;
        size_t n = i + 1;
        float m = row_max(row, n);
        // exp over whole groups (lanes past n become 0; a group past the row's end is partial), summed
        // per lane, then scaled.
        v16f sum = 0.0f;
        size_t j = 0;
        for (; j < n; j += 16) {
            size_t count = group_count(seq, j, 16);
            v16f e = exp16((load_partial(row + j, count, 0.0f) - m) * scale);
            e = lane + (int32_t)j < (int32_t)n ? e : (v16f)0.0f;
            sum += e;
            store_partial(row + j, e, count);
        }
        v16f inv = 1.0f / hsum16(sum);
        for (size_t k = 0; k < j && k < seq; k += 16) {
            size_t count = group_count(seq, k, 16);
            store_partial(row + k, load_partial(row + k, count, 0.0f) * inv, count);
        }
        for (; j < seq; j++) row[j] = 0.0f;
    }
}

double quire_cross_entropy_row_f32(const float *restrict x, size_t n, size_t label, float *restrict grad,
                                   float scale, float *restrict scratch) {
    float m = row_max(x, n);
    float *e = grad ? grad : scratch;
    v16f sum = 0.0f;
    for (size_t i = 0; i < n; i += 16) {
        size_t count = group_count(n, i, 16);
        v16f v = exp16(load_partial(x + i, count, -INFINITY) - m);
        sum += v;
        store_partial(e + i, v, count);
    }
    float total = hsum16(sum);
    if (grad) {
        v16f k = scale / total;
        for (size_t i = 0; i < n; i += 16) {
            size_t count = group_count(n, i, 16);
            store_partial(grad + i, load_partial(grad + i, count, 0.0f) * k, count);
        }
        grad[label] -= scale;
    }
    return (double)m + log((double)total) - (double)x[label];
}
