// 16-float vectors for the C row loops (clang vector extensions, lowered to whatever the target has:
// one AVX-512 register, two AVX2 ones, …), with loads and stores of a row's partial last group that
// never touch memory past it. Private to CQuireFused.
#ifndef QUIRE_VEC16_H
#define QUIRE_VEC16_H
#include <stdint.h>
#include <string.h>
#include <math.h>

typedef float v16f __attribute__((ext_vector_type(16)));
typedef float v8f __attribute__((ext_vector_type(8)));
typedef float v4f __attribute__((ext_vector_type(4)));
typedef int32_t v16i __attribute__((ext_vector_type(16)));

/// How many of the n elements from index i fall in a group of `width`: min(n − i, width).
static inline size_t group_count(size_t n, size_t i, size_t width) { return n - i < width ? n - i : width; }

static const v16i lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static inline v16f load16(const float *p) { v16f v; memcpy(&v, p, sizeof v); return v; }
static inline void store16(float *p, v16f v) { memcpy(p, &v, sizeof v); }

/// Lanes i < count of p (count <= 16), `fill` in the others; reads only those count floats.
static inline v16f load_partial(const float *p, size_t count, float fill) {
    if (count >= 16) return load16(p);
    v16f v = fill;
    for (size_t i = 0; i < count; i++) v[i] = p[i];
    return v;
}

static inline void store_partial(float *p, v16f v, size_t count) {
    if (count >= 16) { store16(p, v); return; }
    for (size_t i = 0; i < count; i++) p[i] = v[i];
}

static inline float hsum16(v16f v) {
    v8f a = v.lo + v.hi;
    v4f b = a.lo + a.hi;
    return (b.x + b.z) + (b.y + b.w);
}

static inline float hmax16(v16f v) {
    v8f a = __builtin_elementwise_max(v.lo, v.hi);
    v4f b = __builtin_elementwise_max(a.lo, a.hi);
    return fmaxf(fmaxf(b.x, b.z), fmaxf(b.y, b.w));
}

#endif
