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

#endif
