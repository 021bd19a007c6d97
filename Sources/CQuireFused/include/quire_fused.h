// Fused elementwise loops the Swift compiler cannot vectorize: they need vector square roots, which Swift's
// Float.squareRoot() lowers to a libm call (errno) that LLVM will not widen. Compiled with -O3 -march=native
// -fno-math-errno; each loop does the Swift scalar formula's operations in the same order (no contraction
// into FMA), so results are bit-identical to the unfused tensor form.
#ifndef QUIRE_FUSED_H
#define QUIRE_FUSED_H
#include <stddef.h>
#include <stdint.h>

/// One Adam step over n float32 elements: the new moments m, v and the update u. `inv_c1` and `inv_c2`
/// are the bias corrections' reciprocals 1 / (1 − βᵗ), rounded once.
void quire_adam_f32(const float *g, const float *mu, const float *nu, float *m_out, float *v_out, float *u_out,
                    size_t n, float b1, float b2, float one_minus_b1, float one_minus_b2, float inv_c1, float inv_c2,
                    float eps_root, float eps);

/// One Adam (or AdamW) step applied in place: the moments mu, nu and the parameter p are overwritten.
/// u = (m · inv_c1) / (sqrt(v · inv_c2 + eps_root) + eps), then u + weight_decay * p when `decays`, then
/// p + u * neg_lr: the operations and order of scaleByAdam, addDecayedWeights, scaleByLearningRate and
/// applyUpdates, so the result is bit-identical to that chain.
void quire_adam_apply_f32(const float *g, float *p, float *mu, float *nu, size_t n, float b1, float b2,
                          float one_minus_b1, float one_minus_b2, float inv_c1, float inv_c2, float eps_root,
                          float eps, int decays, float weight_decay, float neg_lr);

/// `quire_adam_apply_f32` on the mean of two gradients, (g + g2) · scale element by element (g2 NULL: g
/// alone, unscaled): the average of two batch shares without a pass of its own.
void quire_adam_apply_mean_f32(const float *g, const float *g2, float scale, float *p, float *mu, float *nu,
                               size_t n, float b1, float b2, float one_minus_b1, float one_minus_b2, float inv_c1,
                               float inv_c2, float eps_root, float eps, int decays, float weight_decay, float neg_lr);

/// One SGD step applied in place: without a trace (NULL) p + g * neg_lr; with one, t = g + decay * trace,
/// the update t (or g + decay * t when `nesterov`), trace overwritten with t; as traceMomentum,
/// scaleByLearningRate and applyUpdates compute it.
void quire_sgd_apply_f32(const float *g, float *p, float *trace, size_t n, float decay, int nesterov, float neg_lr);

/// The tanh-form GELU's scalar pieces, shared by the C loops below and by Swift's `GeluTanhKernel` and
/// `GeluTanhBackwardKernel` (which call them per element), so every path gives the same bits. Fused
/// multiply-adds are written out (`__builtin_elementwise_fma`, which never touches errno) and nothing
/// else contracts (a pragma in each body), so scalar and vector code round alike.
static inline __attribute__((always_inline)) float quire_bits_to_float(int32_t i) {
    float f;
    __builtin_memcpy(&f, &i, 4);
    return f;
}

static inline __attribute__((always_inline)) int32_t quire_float_to_bits(float f) {
    int32_t i;
    __builtin_memcpy(&i, &f, 4);
    return i;
}

/// e^x: the Cephes polynomial with fused multiply-adds, relative error below 1e-7. Clamped to
/// [-104, 89] (so it overflows to +inf above 88.72 and passes through subnormals to 0); NaN stays NaN.
static inline __attribute__((always_inline)) float quire_exp_f32(float x) {
#pragma clang fp contract(off)
    float xc = x < -104.0f ? -104.0f : (x > 89.0f ? 89.0f : x);
    xc = x != x ? 0.0f : xc;
    const float magic = 12582912.0f;
    float t = __builtin_elementwise_fma(xc, 1.44269504088896341f, magic);
    float n = t - magic;
    int32_t ni = quire_float_to_bits(t) - 0x4B400000;
    float r = __builtin_elementwise_fma(n, -0.693359375f, xc);
    r = __builtin_elementwise_fma(n, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = __builtin_elementwise_fma(p, r, 1.3981999507e-3f);
    p = __builtin_elementwise_fma(p, r, 8.3334519073e-3f);
    p = __builtin_elementwise_fma(p, r, 4.1665795894e-2f);
    p = __builtin_elementwise_fma(p, r, 1.6666665459e-1f);
    p = __builtin_elementwise_fma(p, r, 5.0000001201e-1f);
    float rr = r * r;
    float e = __builtin_elementwise_fma(p, rr, r) + 1.0f;
    // 2^n in two factors, so n down to -150 reaches the subnormals.
    int32_t half = ni >> 1;
    float y = e * quire_bits_to_float((half + 127) << 23) * quire_bits_to_float((ni - half + 127) << 23);
    return x != x ? x : y;
}

/// s = sigmoid(2c(x + 0.044715x³)), c = sqrt(2/π): gelu(x) = x·s (tanh form, 0.5(1 + tanh u) = sigmoid(2u)).
static inline __attribute__((always_inline)) float quire_gelu_sigmoid_f32(float x) {
#pragma clang fp contract(off)
    const float two_c = 2.0f * 0.7978845608028654f;
    float cube = 0.044715f * x * x;
    float u = __builtin_elementwise_fma(cube, x, x);
    return 1.0f / (1.0f + quire_exp_f32(-(two_c * u)));
}

/// gelu'(x) from s = quire_gelu_sigmoid_f32(x): s + 2cx·s(1 − s)·(1 + 3·0.044715x²).
static inline __attribute__((always_inline)) float quire_gelu_slope_f32(float x, float s) {
#pragma clang fp contract(off)
    const float two_c = 2.0f * 0.7978845608028654f;
    float bend = __builtin_elementwise_fma(3.0f * 0.044715f * x, x, 1.0f);
    return __builtin_elementwise_fma((two_c * x) * (s * (1.0f - s)), bend, s);
}

/// y = gelu(x), tanh form: x · quire_gelu_sigmoid_f32(x), 16 lanes wide.
void quire_gelu_tanh_f32(const float *x, float *y, size_t n);

/// y = gelu(z) as `quire_gelu_tanh_f32`, and z overwritten with gelu'(z) (`quire_gelu_slope_f32`): the
/// fused dense layer keeps the slope, not the pre-activation, so its backward is one multiply.
void quire_gelu_tanh_slope_f32(float *z, float *y, size_t n);

/// out = g · d, and sum += out.
void quire_scale_accumulate_f32(const float *d, const float *g, float *out, float *sum, size_t n);

/// One head of causal attention, s ≤ a few hundred: q, k, v are [s, dim] with rows ld apart; writes the
/// output rows [s, dim] (ldo apart) and the probabilities p [s, s] (zeros above the diagonal).
/// `scratch`: dim·s floats.
void quire_attention_head_forward_f32(const float *q, const float *k, const float *v, size_t ld, size_t s,
                                      size_t dim, float scale, float *out, size_t ldo, float *p, float *scratch);

/// Its backward: from p and the output's cotangent dout ([s, dim], ldo apart), writes dq, dk and dv
/// ([s, dim], ld apart). `scratch`: dim·s + s·s floats.
void quire_attention_head_backward_f32(const float *q, const float *k, const float *v, size_t ld, size_t s,
                                       size_t dim, float scale, const float *p, const float *dout, size_t ldo,
                                       float *dq, float *dk, float *dv, float *scratch);

/// Each row i of a [seq, seq] block of scores becomes softmax(scale · row) over columns 0...i, zeros after.
void quire_softmax_causal_rows_f32(float *p, size_t seq, float scale);

/// One row's softmax cross-entropy: returns logsumexp(x) − x[label]; with `grad` (n floats), writes
/// (softmax(x) − onehot(label)) · scale there; without it, uses `scratch` (n floats) for the exps.
double quire_cross_entropy_row_f32(const float *x, size_t n, size_t label, float *grad, float scale, float *scratch);

/// The longest inner dimension `quire_sgemm_block_f32` takes.
#define QUIRE_SGEMM_BLOCK_MAX_DEPTH 512

/// C[rows × cols] = A·B (or C + A·B when `accumulate`: BLAS's beta = 1, the old value added to the whole
/// sum), then + bias[col] (when `bias` is not NULL), relu (when `relu` is not 0:
/// x ≤ 0 ? 0 : x) and relu's gradient gate (when `gate` is not NULL: gate[r·ldg + col] > 0 ? x : 0).
/// A's element (r, p) is at a[r·ars + p·aks] (row-major or transposed); B's element (p, col) at
/// b[p·ldb + col], or b[col·ldb + p] when `b_transposed`; C has `ldc` between rows. Each element is one
/// chain of fused multiply-adds over p = 0..<k in order, so any split of C into blocks gives the same
/// bits. For small products (no packing; k ≤ QUIRE_SGEMM_BLOCK_MAX_DEPTH); `c` must not overlap the inputs,
/// except that `gate` may be `c` itself (ldg = ldc): each tile reads its gate elements before storing.
void quire_sgemm_block_f32(const float *a, size_t ars, size_t aks, const float *b, size_t ldb, int b_transposed,
                           float *c, size_t ldc, size_t rows, size_t cols, size_t k,
                           int accumulate, const float *bias, int relu, const float *gate, size_t ldg);

/// The CPU the calling thread runs on now (-1 when unknown).
int quire_current_cpu(void);

/// Moves the calling thread off `cpu` without pinning it (its CPU mask ends as it was); returns 1 when it
/// moved. The engine's workers use it when the scheduler has put one on its caller's CPU.
int quire_move_off_cpu(int cpu);

#endif
