#include "quire_fused.h"
#include <math.h>

// Adam's element formula once, for the out-of-place step (new moments and update) and the in-place one
// (moments and parameter overwritten). Inlined into each loop, which the compiler vectorizes. The bias
// corrections are multiplications by their reciprocals (as PyTorch folds them into its step size): one
// division and one square root an element instead of three and one, which bound the loop's speed
// (0.66 → 0.35 ns an element on one core).

// Both loops run with denormals flushed to zero (x86 MXCSR FTZ and DAZ, restored after), as XLA's CPU
// backend runs Optax: a moment whose gradient stays 0 (a dead unit) decays by β each step, and once it
// falls below FLT_MIN every operation on it takes a microcode assist. On the digits MLP that made steps
// 20,000 onward take 576 µs instead of 312. So a moment below FLT_MIN becomes 0.
#if defined(__x86_64__) || defined(__i386__)
static inline unsigned flush_denormals(void) {
    unsigned saved = __builtin_ia32_stmxcsr();
    __builtin_ia32_ldmxcsr(saved | 0x8040);   // FTZ (bit 15) and DAZ (bit 6)
    return saved;
}
static inline void restore_denormals(unsigned saved) { __builtin_ia32_ldmxcsr(saved); }
#else
static inline unsigned flush_denormals(void) { return 0; }
static inline void restore_denormals(unsigned saved) { (void)saved; }
#endif

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
    unsigned saved = flush_denormals();
    for (size_t i = 0; i < n; i++) u_out[i] = adam_element(k, g[i], mu[i], nu[i], &m_out[i], &v_out[i]);
    restore_denormals(saved);
}

void quire_adam_apply_f32(const float *restrict g, float *restrict p, float *restrict mu, float *restrict nu,
                          size_t n, float b1, float b2, float one_minus_b1, float one_minus_b2, float inv_c1, float inv_c2,
                          float eps_root, float eps, int decays, float weight_decay, float neg_lr) {
    quire_adam_apply_mean_f32(g, 0, 1, p, mu, nu, n, b1, b2, one_minus_b1, one_minus_b2, inv_c1, inv_c2, eps_root, eps,
                              decays, weight_decay, neg_lr);
}

void quire_adam_apply_mean_f32(const float *restrict g, const float *restrict g2, float scale, float *restrict p,
                               float *restrict mu, float *restrict nu, size_t n, float b1, float b2,
                               float one_minus_b1, float one_minus_b2, float inv_c1, float inv_c2, float eps_root,
                               float eps, int decays, float weight_decay, float neg_lr) {
    adam_constants k = {b1, b2, one_minus_b1, one_minus_b2, inv_c1, inv_c2, eps_root, eps};
    unsigned saved = flush_denormals();
    if (g2) {
        // The mean of two gradients, (g + g2) · scale, as it is read: no pass of its own.
        if (decays) {
            for (size_t i = 0; i < n; i++) {
                float u = adam_element(k, (g[i] + g2[i]) * scale, mu[i], nu[i], &mu[i], &nu[i]);
                u = u + weight_decay * p[i];
                p[i] = p[i] + u * neg_lr;
            }
        } else {
            for (size_t i = 0; i < n; i++)
                p[i] = p[i] + adam_element(k, (g[i] + g2[i]) * scale, mu[i], nu[i], &mu[i], &nu[i]) * neg_lr;
        }
        restore_denormals(saved);
        return;
    }
    if (decays) {
        for (size_t i = 0; i < n; i++) {
            float u = adam_element(k, g[i], mu[i], nu[i], &mu[i], &nu[i]);
            u = u + weight_decay * p[i];
            p[i] = p[i] + u * neg_lr;
        }
    } else {
        for (size_t i = 0; i < n; i++) p[i] = p[i] + adam_element(k, g[i], mu[i], nu[i], &mu[i], &nu[i]) * neg_lr;
    }
    restore_denormals(saved);
}
