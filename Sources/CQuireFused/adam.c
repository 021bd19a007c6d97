#include "quire_fused.h"
#include <math.h>

void quire_adam_f32(const float *restrict g, const float *restrict mu, const float *restrict nu,
                    float *restrict m_out, float *restrict v_out, float *restrict u_out, size_t n,
                    float b1, float b2, float one_minus_b1, float one_minus_b2, float c1, float c2,
                    float eps_root, float eps) {
    for (size_t i = 0; i < n; i++) {
        float x = g[i];
        float m = b1 * mu[i] + one_minus_b1 * x;
        float v = b2 * nu[i] + one_minus_b2 * (x * x);
        m_out[i] = m;
        v_out[i] = v;
        u_out[i] = (m / c1) / (sqrtf(v / c2 + eps_root) + eps);
    }
}
