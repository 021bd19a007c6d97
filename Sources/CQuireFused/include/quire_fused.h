// Fused elementwise loops the Swift compiler cannot vectorize: they need vector square roots, which Swift's
// Float.squareRoot() lowers to a libm call (errno) that LLVM will not widen. Compiled with -O3 -march=native
// -fno-math-errno; each loop does the Swift scalar formula's operations in the same order (no contraction
// into FMA), so results are bit-identical to the unfused tensor form.
#ifndef QUIRE_FUSED_H
#define QUIRE_FUSED_H
#include <stddef.h>

/// One Adam step over n float32 elements: the new moments m, v and the update u.
void quire_adam_f32(const float *g, const float *mu, const float *nu, float *m_out, float *v_out, float *u_out,
                    size_t n, float b1, float b2, float one_minus_b1, float one_minus_b2, float c1, float c2,
                    float eps_root, float eps);

/// One Adam (or AdamW) step applied in place: the moments mu, nu and the parameter p are overwritten.
/// u = (m / c1) / (sqrt(v / c2 + eps_root) + eps), then u + weight_decay * p when `decays`, then
/// p + u * neg_lr: the operations and order of scaleByAdam, addDecayedWeights, scaleByLearningRate and
/// applyUpdates, so the result is bit-identical to that chain.
void quire_adam_apply_f32(const float *g, float *p, float *mu, float *nu, size_t n, float b1, float b2,
                          float one_minus_b1, float one_minus_b2, float c1, float c2, float eps_root, float eps,
                          int decays, float weight_decay, float neg_lr);

/// One SGD step applied in place: without a trace (NULL) p + g * neg_lr; with one, t = g + decay * trace,
/// the update t (or g + decay * t when `nesterov`), trace overwritten with t; as traceMomentum,
/// scaleByLearningRate and applyUpdates compute it.
void quire_sgd_apply_f32(const float *g, float *p, float *trace, size_t n, float decay, int nesterov, float neg_lr);

/// y = gelu(x), tanh form, as `GeluTanhKernel` computes it (bit for bit): x · sigmoid(2c(x + 0.044715x³)).
void quire_gelu_tanh_f32(const float *x, float *y, size_t n);

/// y = gelu(z) as `quire_gelu_tanh_f32`, and z overwritten with gelu'(z) (tanh form), as
/// `GeluTanhBackwardKernel.slope` computes it (bit for bit): the fused dense layer keeps the slope, not
/// the pre-activation, so its backward is one multiply.
void quire_gelu_tanh_slope_f32(float *z, float *y, size_t n);

/// out = g · d, and sum += out.
void quire_scale_accumulate_f32(const float *d, const float *g, float *out, float *sum, size_t n);

/// Each row i of a [seq, seq] block of scores becomes softmax(scale · row) over columns 0...i, zeros after.
void quire_softmax_causal_rows_f32(float *p, size_t seq, float scale);

/// One row's softmax cross-entropy: returns logsumexp(x) − x[label]; with `grad` (n floats), writes
/// (softmax(x) − onehot(label)) · scale there; without it, uses `scratch` (n floats) for the exps.
double quire_cross_entropy_row_f32(const float *x, size_t n, size_t label, float *grad, float scale, float *scratch);

#endif
