#include "quire_fused.h"
#include <math.h>

// SGD's in-place step (Optimizer's fast path, also under jitTrainStep): the parameter and its momentum
// trace read and written in one pass, nothing allocated. Adam's is in adam.c.

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
