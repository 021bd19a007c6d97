#include "quire_fused.h"
#include <math.h>

// In-place optimizer steps (the jitted training step and Optimizer's fast path): each parameter and its
// state buffers are read and written in one pass, nothing allocated.

void quire_adam_apply_f32(const float *restrict g, float *restrict p, float *restrict mu, float *restrict nu,
                          size_t n, float b1, float b2, float one_minus_b1, float one_minus_b2, float c1, float c2,
                          float eps_root, float eps, int decays, float weight_decay, float neg_lr) {
    if (decays) {
        for (size_t i = 0; i < n; i++) {
            float x = g[i];
            float m = b1 * mu[i] + one_minus_b1 * x;
            float v = b2 * nu[i] + one_minus_b2 * (x * x);
            mu[i] = m;
            nu[i] = v;
            float u = (m / c1) / (sqrtf(v / c2 + eps_root) + eps);
            u = u + weight_decay * p[i];
            p[i] = p[i] + u * neg_lr;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float x = g[i];
            float m = b1 * mu[i] + one_minus_b1 * x;
            float v = b2 * nu[i] + one_minus_b2 * (x * x);
            mu[i] = m;
            nu[i] = v;
            float u = (m / c1) / (sqrtf(v / c2 + eps_root) + eps);
            p[i] = p[i] + u * neg_lr;
        }
    }
}

void quire_sgd_apply_f32(const float *restrict g, float *restrict p, float *restrict trace, size_t n, float decay,
                         int nesterov, float neg_lr) {
    if (!trace) {
        for (size_t i = 0; i < n; i++) p[i] = p[i] + g[i] * neg_lr;
    } else if (nesterov) {
        for (size_t i = 0; i < n; i++) {
            float t = g[i] + decay * trace[i];
            trace[i] = t;
            p[i] = p[i] + (g[i] + decay * t) * neg_lr;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float t = g[i] + decay * trace[i];
            trace[i] = t;
            p[i] = p[i] + t * neg_lr;
        }
    }
}
