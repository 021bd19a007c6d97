"""Reference values for QuireTensor's random numbers (RandomTests.swift).

A second, independent implementation of JAX's counter-based PRNG in NumPy: Threefry-2x32 (20 rounds,
written from the Random123 paper's generic round/key-schedule description), JAX's key derivation,
split / fold_in (jax_threefry_partitionable=True, the default since JAX 0.5), the random-bits stream
and the samplers built on it (uniform, normal, truncated normal, bernoulli, randint, permutation,
categorical, shuffling). Normal samples are referenced through a float64 erfinv found by Newton's
method on math.erf, not through the Giles polynomial the Swift code uses.

The JAX_* literals below were printed by jax 0.10.2 (CPU, jaxlib 0.10.2) and are checked here against
this implementation before anything is written, then emitted as "jax_*" cases.

Run:  python3 Tests/QuireTensorTests/Fixtures/gen_random.py
"""
import math
from fractions import Fraction

import numpy as np

from fixturelib import Fixture, tensor

U32 = np.uint32
MASK = 0xFFFFFFFF
ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24]


# ---------------------------------------------------------------- Threefry-2x32 and keys

def threefry2x32(key, x0, x1):
    """Threefry-2x32-20 of counters (x0, x1) (uint32 arrays) under key (k0, k1)."""
    k = [U32(key[0]), U32(key[1])]
    ks = [k[0], k[1], U32(k[0] ^ k[1] ^ U32(0x1BD11BDA))]
    x = [np.asarray(x0, U32) + ks[0], np.asarray(x1, U32) + ks[1]]
    for r in range(20):
        rot = ROTATIONS[r % 8]
        x[0] = x[0] + x[1]
        x[1] = (x[1] << U32(rot)) | (x[1] >> U32(32 - rot))
        x[1] = x[1] ^ x[0]
        if r % 4 == 3:                       # key injection after every fourth round
            s = r // 4 + 1
            x[0] = x[0] + ks[s % 3]
            x[1] = x[1] + ks[(s + 1) % 3] + U32(s)
    return x[0], x[1]


def key_from_seed(seed):
    s = seed & 0xFFFFFFFFFFFFFFFF            # two's complement for negative seeds (JAX x64 mode)
    return (s >> 32, s & MASK)


def counters(n):
    i = np.arange(n, dtype=np.uint64)
    return (i >> np.uint64(32)).astype(U32), (i & np.uint64(MASK)).astype(U32)


def split(key, n=2):
    a, b = threefry2x32(key, *counters(n))
    return [(int(a[i]), int(b[i])) for i in range(n)]


def fold_in(key, data):
    a, b = threefry2x32(key, np.array([0], U32), np.array([data & MASK], U32))
    return (int(a[0]), int(b[0]))


def bits32(key, n):
    a, b = threefry2x32(key, *counters(n))
    return a ^ b


def bits64(key, n):
    a, b = threefry2x32(key, *counters(n))
    return (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)


# ---------------------------------------------------------------- samplers

def round_bf16(x):
    """float32 -> nearest bfloat16 (ties to even), returned as float32."""
    b = np.asarray(x, np.float32).view(U32)
    b = (b + U32(0x7FFF) + ((b >> U32(16)) & U32(1))) & U32(0xFFFF0000)
    return b.view(np.float32)


def unit(key, n, dtype):
    """JAX's [0, 1) floats: top mantissa bits under the exponent of 1.0, minus 1."""
    if dtype == "float32":
        return ((bits32(key, n) >> U32(9)) | U32(0x3F800000)).view(np.float32) - np.float32(1)
    if dtype == "float64":
        return ((bits64(key, n) >> np.uint64(12)) | np.uint64(0x3FF0000000000000)).view(np.float64) - 1.0
    if dtype == "float16":
        b = (bits32(key, n) & U32(0xFFFF)).astype(np.uint16)
        return ((b >> np.uint16(6)) | np.uint16(0x3C00)).view(np.float16) - np.float16(1)
    if dtype == "bfloat16":
        b = (bits32(key, n) & U32(0xFF)).astype(U32)
        return (((b >> U32(1)) | U32(0x3F80)) << U32(16)).view(np.float32) - np.float32(1)
    raise ValueError(dtype)


NP = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "bfloat16": np.float32}


def rnd(x, dtype):
    """Round to the dtype's precision (bfloat16 kept in float32 storage)."""
    return round_bf16(x) if dtype == "bfloat16" else np.asarray(x, NP[dtype])


def round_exact(q, dtype):
    """A Fraction rounded once, to nearest-even, to float32 or float64."""
    if dtype == "float64":
        return float(q)                       # Fraction -> float is correctly rounded
    c = np.float32(float(q))
    best = None
    for v in (np.nextafter(c, np.float32(-np.inf)), c, np.nextafter(c, np.float32(np.inf))):
        d = abs(Fraction(float(v)) - q)
        even = int(np.array([v], np.float32).view(U32)[0]) % 2 == 0
        if best is None or d < best[0] or (d == best[0] and even):
            best = (d, v)
    return float(best[1])


def uniform(key, n, dtype="float32", lo=0.0, hi=1.0):
    """XLA's CPU code fuses f * span + lo into one FMA for float32/float64; float16/bfloat16 round
    after each operation."""
    f = unit(key, n, dtype)
    lo, hi = rnd(lo, dtype), rnd(hi, dtype)
    span = rnd(hi - lo, dtype)
    if dtype in ("float32", "float64"):
        v = [round_exact(Fraction(float(x)) * Fraction(float(span)) + Fraction(float(lo)), dtype) for x in f]
        return np.maximum(lo, np.array(v, NP[dtype]))
    return np.maximum(lo, rnd(rnd(f * span, dtype) + lo, dtype))


def erfinv64(y):
    """float64 erfinv by bisection + Newton on math.erf / math.erfc (reference only)."""
    if y == 1.0:
        return math.inf
    if y == -1.0:
        return -math.inf
    a = abs(y)
    lo, hi = 0.0, 6.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if math.erf(mid) < a:
            lo = mid
        else:
            hi = mid
    x = 0.5 * (lo + hi)
    for _ in range(3):
        d = 2 / math.sqrt(math.pi) * math.exp(-x * x)
        x += (math.erfc(x) - (1 - a)) / d if a > 0.5 else -(math.erf(x) - a) / d
    return math.copysign(x, y)


def next_up(x, dtype):
    if dtype == "bfloat16":
        b = np.array([x], np.float32).view(U32)[0] >> U32(16)
        b = b + 1 if x > 0 else (b - 1 if x < 0 else U32(1))
        return float((np.array([b], U32) << U32(16)).view(np.float32)[0])
    t = NP[dtype]
    return float(np.nextafter(t(x), t(np.inf)))


def normal(key, n, dtype="float32"):
    u = uniform(key, n, dtype, next_up(-1.0, dtype), 1.0)
    return np.array([math.sqrt(2) * erfinv64(float(v)) for v in u])


def truncated_normal(key, n, lower, upper, dtype="float32"):
    s2 = float(rnd(math.sqrt(2), dtype))
    a = float(rnd(math.erf(float(rnd(lower / s2, dtype))), dtype))
    b = float(rnd(math.erf(float(rnd(upper / s2, dtype))), dtype))
    u = uniform(key, n, dtype, a, b)
    z = np.array([math.sqrt(2) * erfinv64(float(v)) for v in u])
    return np.clip(z, next_up(lower, dtype), -next_up(-upper, dtype))


def randint(key, n, low, high):
    lo = max(min(low, 2**31 - 1), -2**31)
    hi = max(min(high, 2**31 - 1), -2**31)
    span = (hi - lo) & MASK
    if hi <= lo:
        span = 1
    if high > 2**31 - 1 and hi > lo:
        span = (span + 1) & MASK
    k1, k2 = split(key)
    h, l = bits32(k1, n).astype(np.uint64), bits32(k2, n).astype(np.uint64)
    if span == 0:
        off = l
    else:
        # JAX's uint32 arithmetic: 2^32 mod span as (2^16 mod span)^2 mod span, where the square wraps
        # at 2^32 (so it is 0 for spans above 2^16 and only the low word counts); products and sums
        # wrap at 2^32 too.
        mult = ((2**16 % span) ** 2 & MASK) % span
        off = (((h % span) * np.uint64(mult) + (l % span)) & np.uint64(MASK)) % np.uint64(span)
    return ((np.uint64(lo & MASK) + off) & np.uint64(MASK)).astype(U32).view(np.int32)


def permutation(key, n):
    x = np.arange(n)
    rounds = 0 if n <= 1 else int(np.ceil(3 * np.log(n) / np.log(2**32 - 1)))
    for _ in range(rounds):
        key, sub = split(key)
        x = x[np.argsort(bits32(sub, n), kind="stable")]
    return x.astype(np.int32)


def categorical(key, logits, axis, shape):
    logits = np.asarray(logits, np.float32)
    ax = axis % logits.ndim
    batch = tuple(np.delete(logits.shape, ax))
    shape = batch if shape is None else tuple(shape)
    prefix = shape[:len(shape) - len(batch)]
    lshape = list(shape[len(shape) - len(batch):])
    lshape.insert(ax, logits.shape[ax])
    gshape = tuple(prefix) + tuple(lshape)
    u = uniform(key, int(np.prod(gshape)), "float32", np.finfo(np.float32).tiny, 1.0).astype(np.float64)
    g = (-np.log(-np.log(u))).reshape(gshape)
    return np.argmax(g + logits.astype(np.float64), axis=len(prefix) + ax).astype(np.int32)


# ---------------------------------------------------------------- JAX literals (jax 0.10.2)

JAX_KEY_SEED42 = [0, 42]
JAX_KEY_SEED_2P40_PLUS_5 = [256, 5]          # PRNGKey(2**40 + 5) with jax_enable_x64
JAX_KEY_SEED_MINUS1 = [4294967295, 4294967295]  # PRNGKey(-1) with jax_enable_x64
JAX_SPLIT_SEED0 = [[1797259609, 2579123966], [928981903, 3453687069]]
JAX_SPLIT3_SEED42 = [[1832780943, 270669613], [64467757, 2916123636], [2465931498, 255383827]]
JAX_FOLD_SEED0_7 = [2716826189, 292468403]
JAX_FOLD_SEED42_123456 = [793847391, 18989694]
JAX_BITS_SEED0 = [4070199207, 4202968722, 1427181096, 2012915765, 2447653815]  # jax.random.bits(PRNGKey(0), (5,))
JAX_UNIFORM_SEED0 = ["0x1.e5349c0000000p-1", "0x1.f5086c0000000p-1", "0x1.5444380000000p-2", "0x1.dfeaa00000000p-2"]
# uniform(PRNGKey(1), (5,), minval=-3.0, maxval=7.5)
JAX_UNIFORM_SEED1_LOHI = ["0x1.9b0b4c0000000p+0", "0x1.4d5d2a0000000p+1", "0x1.aea0e20000000p+0",
                          "0x1.9a68cc0000000p+0", "0x1.9b07200000000p+2"]
JAX_UNIFORM_F32_SEED7_LOHI = ["-0x1.a882c00000000p-6", "0x1.19352c0000000p-2", "-0x1.96b02c0000000p-2",
                              "-0x1.062fbc0000000p-2", "0x1.fa0bc00000000p-6", "-0x1.1ae9900000000p-4"]  # minval=-0.7, maxval=0.3
# uniform(PRNGKey(1), (6,), dtype, minval=-3, maxval=5.3) for float16 / bfloat16; (4,) for float64 (x64 mode)
JAX_UNIFORM_F16_SEED1_LOHI = [-1.1689453125, -2.740234375, 2.875, 3.21484375, 1.78125, -2.271484375]
JAX_UNIFORM_BF16_SEED1_LOHI = [2.90625, -0.984375, 0.96875, 4.78125, 2.3125, 3.09375]
JAX_UNIFORM_F64_SEED1_LOHI = ["-0x1.027a28557599fp+1", "0x1.884b0c83f9f9ep-1", "0x1.b80f7b47ae725p+0",
                              "0x1.f2a2ab02849acp+1"]
JAX_UNIFORM_F16_SEED0 = [0.310546875, 0.212890625, 0.0546875, 0.65625, 0.232421875]
JAX_UNIFORM_BF16_SEED0 = [0.6484375, 0.5703125, 0.15625, 0.203125, 0.7109375]
JAX_UNIFORM_F64_SEED0 = ["0x1.ac80056666e90p-2", "0x1.baf91c7e6ed88p-3", "0x1.ee3e9d53441c8p-1"]  # x64 mode
JAX_NORMAL_SEED0 = ["0x1.9f657a0000000p+0", "0x1.033be00000000p+1", "-0x1.bc002e0000000p-2",
                    "-0x1.4204440000000p-4", "0x1.68a2580000000p-3", "-0x1.f1b5ae0000000p-1"]
JAX_NORMAL_F16_SEED3 = [-1.203125, -0.7392578125, -1.64453125, -0.53271484375, 0.744140625]
JAX_NORMAL_BF16_SEED3 = [-0.0146484375, 0.73046875, 1.125, -0.87890625, 0.47265625]
JAX_NORMAL_F64_SEED0 = [-0.2058421394796434, -0.7847657764467411, 1.8160866726679836]  # x64 mode
# truncated_normal(PRNGKey(9), 0.5, 3.0, (6,))
JAX_TRUNCATED_SEED9 = ["0x1.1262900000000p-1", "0x1.23cb5c0000000p+1", "0x1.d5848a0000000p-1",
                       "0x1.2eb1660000000p-1", "0x1.69fbd20000000p-1", "0x1.98f5640000000p+0"]
# truncated_normal(PRNGKey(0), -1.0, 2.0, (5,))
JAX_TRUNCATED_SEED0 = ["0x1.826c7a0000000p+0", "0x1.bf55260000000p+0", "-0x1.65bc540000000p-3",
                       "0x1.b32a840000000p-4", "0x1.46ba240000000p-2"]
JAX_RANDINT_SEED0_0_10 = [9, 0, 2, 3, 1, 7, 2, 3]           # randint(PRNGKey(0), (8,), 0, 10)
JAX_RANDINT_SEED5_M1000_7 = [-224, -347, -722, -776, -116, -463]  # randint(PRNGKey(5), (6,), -1000, 7)
JAX_RANDINT_SEED0_7_1000003 = [327208, 727675, 218259, 88588, 943550]
JAX_RANDINT_SEED0_FULL = [-2116156571, -2057756336, 349724616, -593401283, -1189543933]  # (-2**31, 2**31-1)
JAX_PERMUTATION_SEED0_10 = [0, 1, 8, 5, 6, 4, 3, 2, 7, 9]
JAX_PERMUTATION_SEED1_3000_HEAD = [36, 2724, 673, 590, 2744, 1042, 1000, 537, 1712, 2790]  # two sort rounds
JAX_BERNOULLI_SEED0_P03 = [0, 0, 0, 0, 0, 1, 0, 0, 0, 1]     # bernoulli(PRNGKey(0), 0.3, (10,))
CAT_LOGITS = [[0.1, 1.0, -0.5, 2.0], [3.0, 0.0, 0.0, -1.0]]
JAX_CATEGORICAL_SEED0 = [1, 0]                               # categorical(PRNGKey(0), CAT_LOGITS)
JAX_CATEGORICAL_SEED2_SHAPE32 = [[3, 0], [1, 0], [1, 0]]     # ... shape=(3, 2)
JAX_CATEGORICAL_SEED2_AXIS0_SHAPE54 = [[1, 0, 1, 0], [1, 0, 0, 0], [1, 0, 1, 0], [1, 0, 1, 0], [1, 0, 1, 0]]
JAX_SHUFFLE_SEED4_AXIS1 = [[1, 3, 0, 2], [5, 7, 4, 6], [9, 11, 8, 10]]  # permutation(PRNGKey(4), arange(12).reshape(3,4), axis=1)


def hexes(xs):
    return np.array([float.fromhex(x) for x in xs])


def check_against_jax():
    """This implementation must reproduce JAX's printed values before it is trusted for the rest."""
    assert list(key_from_seed(42)) == JAX_KEY_SEED42
    assert list(key_from_seed(2**40 + 5)) == JAX_KEY_SEED_2P40_PLUS_5
    assert list(key_from_seed(-1)) == JAX_KEY_SEED_MINUS1
    assert [list(k) for k in split((0, 0))] == JAX_SPLIT_SEED0
    assert [list(k) for k in split((0, 42), 3)] == JAX_SPLIT3_SEED42
    assert list(fold_in((0, 0), 7)) == JAX_FOLD_SEED0_7
    assert list(fold_in((0, 42), 123456)) == JAX_FOLD_SEED42_123456
    assert bits32((0, 0), 5).tolist() == JAX_BITS_SEED0
    assert np.array_equal(uniform((0, 0), 4), hexes(JAX_UNIFORM_SEED0))
    assert np.array_equal(uniform((0, 1), 5, "float32", -3.0, 7.5), hexes(JAX_UNIFORM_SEED1_LOHI))
    assert np.array_equal(uniform((0, 7), 6, "float32", -0.7, 0.3), hexes(JAX_UNIFORM_F32_SEED7_LOHI))
    assert uniform((0, 1), 6, "float16", -3, 5.3).tolist() == JAX_UNIFORM_F16_SEED1_LOHI
    assert uniform((0, 1), 6, "bfloat16", -3, 5.3).tolist() == JAX_UNIFORM_BF16_SEED1_LOHI
    assert np.array_equal(uniform((0, 1), 4, "float64", -3, 5.3), hexes(JAX_UNIFORM_F64_SEED1_LOHI))
    assert uniform((0, 0), 5, "float16").tolist() == JAX_UNIFORM_F16_SEED0
    assert uniform((0, 0), 5, "bfloat16").tolist() == JAX_UNIFORM_BF16_SEED0
    assert np.array_equal(uniform((0, 0), 3, "float64"), hexes(JAX_UNIFORM_F64_SEED0))
    assert np.allclose(normal((0, 0), 6), hexes(JAX_NORMAL_SEED0), rtol=2e-6, atol=1e-6)
    assert np.allclose(normal((0, 3), 5, "float16"), JAX_NORMAL_F16_SEED3, rtol=2e-3)
    assert np.allclose(normal((0, 3), 5, "bfloat16"), JAX_NORMAL_BF16_SEED3, rtol=1e-2)
    assert np.allclose(normal((0, 0), 3, "float64"), JAX_NORMAL_F64_SEED0, rtol=1e-14)
    assert np.allclose(truncated_normal((0, 0), 5, -1.0, 2.0), hexes(JAX_TRUNCATED_SEED0), rtol=1e-5, atol=1e-6)
    assert np.allclose(truncated_normal((0, 9), 6, 0.5, 3.0), hexes(JAX_TRUNCATED_SEED9), rtol=1e-5, atol=1e-6)
    assert randint((0, 0), 8, 0, 10).tolist() == JAX_RANDINT_SEED0_0_10
    assert randint((0, 5), 6, -1000, 7).tolist() == JAX_RANDINT_SEED5_M1000_7
    assert randint((0, 0), 5, 7, 1000003).tolist() == JAX_RANDINT_SEED0_7_1000003
    assert randint((0, 0), 5, -2**31, 2**31 - 1).tolist() == JAX_RANDINT_SEED0_FULL
    assert permutation((0, 0), 10).tolist() == JAX_PERMUTATION_SEED0_10
    assert permutation((0, 1), 3000)[:10].tolist() == JAX_PERMUTATION_SEED1_3000_HEAD
    assert (uniform((0, 0), 10) < np.float32(0.3)).astype(int).tolist() == JAX_BERNOULLI_SEED0_P03
    assert categorical((0, 0), CAT_LOGITS, -1, None).tolist() == JAX_CATEGORICAL_SEED0
    assert categorical((0, 2), CAT_LOGITS, -1, (3, 2)).tolist() == JAX_CATEGORICAL_SEED2_SHAPE32
    assert categorical((0, 2), CAT_LOGITS, 0, (5, 4)).tolist() == JAX_CATEGORICAL_SEED2_AXIS0_SHAPE54
    p = permutation((0, 4), 4)
    assert np.arange(12).reshape(3, 4)[:, p].tolist() == JAX_SHUFFLE_SEED4_AXIS1


# ---------------------------------------------------------------- fixture

def f64(a):
    """uint32 words (or any ints < 2^53) as an exact float64 tensor record."""
    return tensor(np.asarray(a, np.float64))


def main():
    check_against_jax()
    fx = Fixture("random")

    # JAX's own outputs, for the Swift side to match directly.
    fx.add("jax_keys", {}, {
        "seed42": f64(JAX_KEY_SEED42), "seed_2p40_plus_5": f64(JAX_KEY_SEED_2P40_PLUS_5),
        "seed_minus1": f64(JAX_KEY_SEED_MINUS1), "split_seed0": f64(JAX_SPLIT_SEED0),
        "split3_seed42": f64(JAX_SPLIT3_SEED42), "fold_seed0_7": f64(JAX_FOLD_SEED0_7),
        "fold_seed42_123456": f64(JAX_FOLD_SEED42_123456), "bits_seed0": f64(JAX_BITS_SEED0),
    }, jax="0.10.2")
    fx.add("jax_uniform", {}, {
        "seed0": tensor(hexes(JAX_UNIFORM_SEED0).astype(np.float32)),
        "seed1_lohi": tensor(hexes(JAX_UNIFORM_SEED1_LOHI).astype(np.float32)),
        "f16_seed0": tensor(np.array(JAX_UNIFORM_F16_SEED0, np.float16)),
        "bf16_seed0": tensor(np.array(JAX_UNIFORM_BF16_SEED0, np.float32), "bfloat16"),
        "f64_seed0": tensor(hexes(JAX_UNIFORM_F64_SEED0)),
        "f32_seed7_lohi": tensor(hexes(JAX_UNIFORM_F32_SEED7_LOHI).astype(np.float32)),
        "f16_seed1_lohi": tensor(np.array(JAX_UNIFORM_F16_SEED1_LOHI, np.float16)),
        "bf16_seed1_lohi": tensor(np.array(JAX_UNIFORM_BF16_SEED1_LOHI, np.float32), "bfloat16"),
        "f64_seed1_lohi": tensor(hexes(JAX_UNIFORM_F64_SEED1_LOHI)),
    }, jax="0.10.2")
    fx.add("jax_normal", {}, {
        "seed0": tensor(hexes(JAX_NORMAL_SEED0).astype(np.float32)),
        "f16_seed3": tensor(np.array(JAX_NORMAL_F16_SEED3, np.float16)),
        "bf16_seed3": tensor(np.array(JAX_NORMAL_BF16_SEED3, np.float32), "bfloat16"),
        "f64_seed0": tensor(np.array(JAX_NORMAL_F64_SEED0)),
        "truncated_seed0": tensor(hexes(JAX_TRUNCATED_SEED0).astype(np.float32)),
        "truncated_seed9": tensor(hexes(JAX_TRUNCATED_SEED9).astype(np.float32)),
    }, jax="0.10.2")
    fx.add("jax_discrete", {"logits": np.array(CAT_LOGITS, np.float32)}, {
        "randint_seed0": np.array(JAX_RANDINT_SEED0_0_10, np.int32),
        "randint_seed5": np.array(JAX_RANDINT_SEED5_M1000_7, np.int32),
        "randint_seed0_7_1000003": np.array(JAX_RANDINT_SEED0_7_1000003, np.int32),
        "randint_seed0_full": np.array(JAX_RANDINT_SEED0_FULL, np.int32),
        "perm_seed0_10": np.array(JAX_PERMUTATION_SEED0_10, np.int32),
        "perm_seed1_3000_head": np.array(JAX_PERMUTATION_SEED1_3000_HEAD, np.int32),
        "bernoulli_seed0": np.array(JAX_BERNOULLI_SEED0_P03, bool),
        "cat_seed0": np.array(JAX_CATEGORICAL_SEED0, np.int32),
        "cat_seed2_shape32": np.array(JAX_CATEGORICAL_SEED2_SHAPE32, np.int32),
        "cat_seed2_axis0": np.array(JAX_CATEGORICAL_SEED2_AXIS0_SHAPE54, np.int32),
        "shuffle_seed4_axis1": np.array(JAX_SHUFFLE_SEED4_AXIS1, np.int32),
    }, jax="0.10.2")

    # The NumPy reimplementation on more keys and shapes.
    for seed in [0, 1, 42, 2**40 + 5, -7, 123456789]:
        key = key_from_seed(seed)
        fx.add(f"stream_seed{seed}", {}, {
            "key": f64(key), "split2": f64(split(key)), "split5": f64(split(key, 5)),
            "fold0": f64(fold_in(key, 0)), "fold99": f64(fold_in(key, 99)),
            "fold_big": f64(fold_in(key, 4000000000)),
            "bits": f64(bits32(key, 37)),
        }, seed=float(seed), seedHi=float(key[0]), seedLo=float(key[1]))

    shapes = [[7], [2, 3], [], [0, 4], [3, 1, 5]]
    for i, shape in enumerate(shapes):
        key = split((0, 1000 + i))[1]
        n = int(np.prod(shape))
        for dtype, lo, hi in [("float32", 0, 1), ("float32", -2.5, 4), ("float64", -1, 3),
                              ("float16", 0, 1), ("float16", -3, 5), ("bfloat16", 0, 1), ("bfloat16", 1, 9)]:
            u = uniform(key, n, dtype, lo, hi).reshape(shape)
            fx.add(f"uniform_{dtype}_{i}_{lo}_{hi}", {}, {"out": tensor(u, dtype if dtype == "bfloat16" else None)},
                   key=list(map(float, key)), shape=shape, dtype=dtype, low=lo, high=hi)
        for dtype in ["float32", "float64", "float16", "bfloat16"]:
            z = rnd(normal(key, n, dtype), dtype).reshape(shape)
            fx.add(f"normal_{dtype}_{i}", {}, {"out": tensor(z, dtype if dtype == "bfloat16" else None)},
                   key=list(map(float, key)), shape=shape, dtype=dtype)
        for lower, upper in [(-2.0, 2.0), (0.5, 3.0), (-1.0, -0.25)]:
            z = truncated_normal(key, n, lower, upper).astype(np.float32).reshape(shape)
            fx.add(f"truncated_{i}_{lower}_{upper}", {}, {"out": tensor(z)},
                   key=list(map(float, key)), shape=shape, lower=lower, upper=upper)
        for lo, hi in [(0, 10), (-5, 5), (3, 3), (10, 2), (-2**31, 2**31 - 1), (0, 2**31), (-2**31, 2**32), (7, 1000003)]:
            r = randint(key, n, lo, hi).reshape(shape)
            fx.add(f"randint_{i}_{lo}_{hi}", {}, r, key=list(map(float, key)), shape=shape, low=lo, high=hi)
        for p in [0.0, 0.3, 0.5, 1.0]:
            b = (uniform(key, n) < np.float32(p)).reshape(shape)
            fx.add(f"bernoulli_{i}_{p}", {}, b, key=list(map(float, key)), shape=shape, p=p)

    for n in [0, 1, 2, 10, 1625, 1626, 5000]:
        key = fold_in((0, 3), n)
        fx.add(f"permutation_{n}", {}, permutation(key, n), key=list(map(float, key)), count=n)

    # Per-element probabilities (broadcast) and categorical over several layouts.
    pk = (12, 34)
    probs = np.array([[0.1, 0.5, 0.9]], np.float32)
    fx.add("bernoulli_tensor", {"p": probs},
           (uniform(pk, 12, "float32").reshape(4, 3) < probs), key=list(map(float, pk)), shape=[4, 3])
    logits = np.random.default_rng(5).normal(size=(3, 5)).astype(np.float32)
    for j, (axis, shape) in enumerate([(-1, None), (1, None), (0, None), (-1, [4, 3]), (0, [2, 5]),
                                        (-1, [2, 1, 3])]):
        key = fold_in((0, 77), j)
        c = categorical(key, logits, axis, shape)
        fx.add(f"categorical_{j}", {"logits": logits}, c, key=list(map(float, key)), axis=axis,
               shape=shape)

    x = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    for axis in [0, 1, -1]:
        key = fold_in((0, 55), axis % 3)
        out = np.take(x, permutation(key, x.shape[axis]), axis=axis)
        fx.add(f"shuffled_axis{axis}", {"x": x}, out, key=list(map(float, key)), axis=axis)

    fx.write()


if __name__ == "__main__":
    main()
