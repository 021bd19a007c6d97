#include "quire_fused.h"
#include <math.h>

// Adam's element formula once, for the out-of-place step (new moments and update) and the in-place one
// (moments and parameter overwritten). Inlined into each loop, which the compiler vectorizes. The bias
// corrections are multiplications by their reciprocals (as PyTorch folds them into its step size): one
// division and one square root an element instead of three and one, which bound the loop's speed
// (0.66 → 0.35 ns an element on one core).

typedef struct {
    float b1, b2, one_minus_b1, one_minus_b2, inv_c1, inv_c2, eps_root, eps;
} adam_constants;

static inline float adam_element(adam_constants k, float x, float mu, float nu, float *m, float *v) {
    *m = k.b1 * mu + k.one_minus_b1 * x;
    *v = k.b2 * nu + k.one_minus_b2 * (x * x);
    return (*m * k.inv_c1) / (sqrtf(*v * k.inv_c2 + k.eps_root) + k.eps);
}

void quire_adam_f32(const float *restrict g, const float *restrict mu, const float *restrict nu,
                    float *restrict m_out, float *restrict v_out, float *restrict u_out, size_t n,
                    float b1, float b2, float one_minus_b1, float one_minus_b2, float inv_c1, float inv_c2,
                    float eps_root, float eps) {
    adam_constants k = {b1, b2, one_minus_b1, one_minus_b2, inv_c1, inv_c2, eps_root, eps};
    for (size_t i = 0; i < n; i++) u_out[i] = adam_element(k, g[i], mu[i], nu[i], &m_out[i], &v_out[i]);
}

void quire_adam_apply_f32(const float *restrict g, float *restrict p, float *restrict mu, float *restrict nu,
                          size_t n, float b1, float b2, float one_minus_b1, float one_minus_b2, float inv_c1, float inv_c2,
                          float eps_root, float eps, int decays, float weight_decay, float neg_lr) {
    adam_constants k = {b1, b2, one_minus_b1, one_minus_b2, inv_c1, inv_c2, eps_root, eps};
    if (decays) {
        for (size_t i = 0; i < n; i++) {
            float u = adam_element(k, g[i], mu[i], nu[i], &mu[i], &nu[i]);
            u = u + weight_decay * p[i];
            p[i] = p[i] + u * neg_lr;
        }
    } else {
        for (size_t i = 0; i < n; i++) p[i] = p[i] + adam_element(k, g[i], mu[i], nu[i], &mu[i], &nu[i]) * neg_lr;
    }
}
