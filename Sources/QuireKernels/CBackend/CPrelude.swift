// The fixed part of every emitted C file: types, helpers the IR's operations map to, and exp, tanh,
// erf and sigmoid that vectorize (a libm call in a loop would keep it scalar: a tanh-form GELU ran 13×
// slower than its exp form). Each is branch-free (both sides computed, then selected) for the same reason.

let cPrelude = #"""
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

typedef float q_v8f __attribute__((vector_size(32)));
typedef float q_v8fu __attribute__((vector_size(32), aligned(4)));
typedef float q_v16f __attribute__((vector_size(64)));
typedef float q_v16fu __attribute__((vector_size(64), aligned(4)));

/* Checked mode: 0 when start..<start+size lies in 0..<extent; else records the first fault (flag,
   program, ref, axis, start, size) and returns 1 so the kernel stops. */
static inline int q_check(int64_t *fault, int64_t program, int64_t ref, int64_t axis, int64_t start,
                          int64_t size, int64_t extent) {
    if (start >= 0 && start + size <= extent) return 0;
    int64_t none = 0;
    if (__atomic_compare_exchange_n(&fault[0], &none, 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        fault[1] = program; fault[2] = ref; fault[3] = axis; fault[4] = start; fault[5] = size;
    }
    return 1;
}

static inline float q_expf(float x) {
    /* 2^n · p(r), r = x − n·ln2 in [−ln2/2, ln2/2]; degree-6 polynomial; 0 below the float range. */
    float xc = x > 88.37f ? 88.37f : (x < -87.3f ? -87.3f : x);
    float n = __builtin_rintf(xc * 1.44269504f);
    float r = xc - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    float y = p * scale;
    y = x < -87.3f ? 0.0f : y;
    return x != x ? x : y;
}
static inline float q_tanhf(float x) {
    /* |x| < 0.625: odd polynomial (Cephes tanhf); else 1 − 2/(e^{2|x|} + 1) with the sign of x. */
    float a = __builtin_fabsf(x), z = x * x;
    float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                   + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
    float big = 1.0f - 2.0f / (q_expf(2.0f * a) + 1.0f);
    big = x < 0.0f ? -big : big;
    return a < 0.625f ? small : big;
}
static inline float q_erff(float x) {
    /* |x| < 0.5: Taylor series; else 1 − (A&S 7.1.26 polynomial in t = 1/(1 + p|x|))·e^{−x²}, signed. */
    float a = __builtin_fabsf(x), z = x * x;
    float small = x * (1.1283791671f + z * (-0.3761263890f + z * (0.1128379167f + z * (-0.0268661706f
                  + z * (0.0052239776f + z * -0.0008548327f)))));
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    float big = 1.0f - poly * q_expf(-z);
    big = x < 0.0f ? -big : big;
    return a < 0.5f ? small : big;
}
static inline float q_sigmoidf(float x) { return 1.0f / (1.0f + q_expf(-x)); }
static inline float q_maxf(float a, float b) { return (a != a || b != b) ? a + b : (a > b ? a : b); }
static inline float q_minf(float a, float b) { return (a != a || b != b) ? a + b : (a < b ? a : b); }
static inline int32_t q_maxi(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t q_mini(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t q_sat_i32(float x) {
    if (x != x) return 0;
    if (x >= 2147483520.0f) return 2147483647;
    if (x <= -2147483648.0f) return (int32_t)(-2147483647 - 1);
    return (int32_t)x;
}
static inline int8_t q_sat_i8(float x) {
    if (x != x) return 0;
    if (x >= 127.0f) return 127;
    if (x <= -128.0f) return -128;
    return (int8_t)x;
}
static inline int8_t q_sat_i8i(int32_t x) { return (int8_t)(x > 127 ? 127 : (x < -128 ? -128 : x)); }
static inline float q_bf16_to_f32(uint16_t b) { uint32_t u = (uint32_t)b << 16; float f; memcpy(&f, &u, 4); return f; }
static inline uint16_t q_f32_to_bf16(float f) {
    /* round to nearest even; NaN stays a quiet NaN */
    uint32_t u;
    memcpy(&u, &f, 4);
    if (f != f) return (uint16_t)((u >> 16) | 0x0040);
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
static inline void q_atomic_add_f32(float *p, float v) {
    uint32_t old = __atomic_load_n((uint32_t *)p, __ATOMIC_RELAXED), new_;
    do {
        float f;
        memcpy(&f, &old, 4);
        f += v;
        memcpy(&new_, &f, 4);
    } while (!__atomic_compare_exchange_n((uint32_t *)p, &old, new_, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}
static inline void q_atomic_add_i32(int32_t *p, int32_t v) { __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }

"""#

/// Added after the prelude only for kernels that use intrinsics (the VNNI int8 `dot`): the header
/// costs clang about 0.25 s a compile, more than the rest of a small kernel.
let cIntrinsicsHeader = "#include <immintrin.h>\n"
