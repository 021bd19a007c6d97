"""Reference values for elementwise ops, creation and dtype conversion (see fixturelib.py)."""
import numpy as np
import mpmath  # 50-digit truth for the GELU tails, where float64 formulas cancel

mpmath.mp.dps = 50

from fixturelib import Fixture, rng, tensor

fx = Fixture("elementwise")
r = rng(1)


def f64(x):
    return np.asarray(x, dtype=np.float64)


def mp_map(v, fn):
    """Evaluates fn elementwise in 50-digit arithmetic, returning float64."""
    v = np.asarray(v, dtype=np.float64)
    return np.array([float(fn(mpmath.mpf(float(t)))) for t in v.ravel()]).reshape(v.shape)


# Unary functions on float32, computed in float64 and rounded once to float32.
x = r.standard_normal((3, 5)).astype(np.float32) * 3
x[0, 0], x[0, 1], x[0, 2] = 0.0, 50.0, -50.0
pos = np.abs(x) + np.float32(0.01)
small = (r.standard_normal((2, 4)) * 1e-4).astype(np.float32)
unary = {
    "neg": (x, lambda v: -v), "abs": (x, np.abs), "sign": (x, np.sign), "square": (x, np.square),
    "exp": (x, np.exp), "log": (pos, np.log), "log1p": (pos, np.log1p), "expm1": (x, np.expm1),
    "sqrt": (pos, np.sqrt), "rsqrt": (pos, lambda v: 1 / np.sqrt(v)), "sin": (x, np.sin), "cos": (x, np.cos),
    "tanh": (x, np.tanh), "sigmoid": (x, lambda v: 1 / (1 + np.exp(-v))), "relu": (x, lambda v: np.maximum(v, 0)),
    "silu": (x, lambda v: v / (1 + np.exp(-v))), "softplus": (x, lambda v: np.logaddexp(v, 0)),
    "gelu_tanh": (x, lambda v: mp_map(v, lambda t: t / 2 * (1 + mpmath.tanh(mpmath.sqrt(2 / mpmath.pi) * (t + mpmath.mpf("0.044715") * t ** 3))))),
    "gelu_erf": (x, lambda v: mp_map(v, lambda t: t / 2 * (1 + mpmath.erf(t / mpmath.sqrt(2))))),
}
for name, (inp, fn) in unary.items():
    fx.add(f"{name}_f32", {"x": inp}, fn(f64(inp)).astype(np.float32), op=name)
    fx.add(f"{name}_f64", {"x": f64(inp)}, fn(f64(inp)), op=name)
for name in ["tanh", "expm1", "log1p", "sin", "silu", "gelu_tanh"]:
    fx.add(f"{name}_small_f32", {"x": small}, unary[name][1](f64(small)).astype(np.float32), op=name)

# Wide-range exp/log: the vectorized float32 versions against float64 truth.
wide = np.concatenate([np.linspace(-110, 95, 400), [0.0, -0.0, 1e-30, -1e-30]]).astype(np.float32)
with np.errstate(over="ignore", under="ignore"):
    fx.add("exp_wide_f32", {"x": wide}, np.exp(f64(wide)).astype(np.float32), op="exp")
lw = np.concatenate([np.geomspace(1e-44, 3e38, 300), [0.0, 1.0, 2.0, 0.5]]).astype(np.float32)
with np.errstate(divide="ignore"):
    fx.add("log_wide_f32", {"x": lw}, np.log(f64(lw)).astype(np.float32), op="log")
special_vals = np.array([np.nan, np.inf, -np.inf, -1.0, 0.0], dtype=np.float32)
with np.errstate(all="ignore"):
    for name in ["exp", "log", "tanh", "sigmoid", "relu", "abs", "sign"]:
        fx.add(f"{name}_special_f32", {"x": special_vals},
               unary[name][1](f64(special_vals)).astype(np.float32), op=name)

# Integer unary ops keep int32.
xi = r.integers(-9, 10, size=(4, 3)).astype(np.int32)
for name, fn in [("neg", lambda v: -v), ("abs", np.abs), ("sign", np.sign), ("square", np.square),
                 ("relu", lambda v: np.maximum(v, 0))]:
    fx.add(f"{name}_i32", {"x": xi}, fn(xi).astype(np.int32), op=name)
# Transcendentals promote integers to float32.
fx.add("exp_i32", {"x": xi}, np.exp(f64(xi)).astype(np.float32), op="exp")

# Binary ops with broadcasting.
a = r.standard_normal((4, 1, 3)).astype(np.float32)
b = r.standard_normal((5, 1)).astype(np.float32)
bpos = (np.abs(b) + 0.5).astype(np.float32)
apos = (np.abs(a) + 0.5).astype(np.float32)
binary = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
          "maximum": np.maximum, "minimum": np.minimum}
for name, fn in binary.items():
    fx.add(f"{name}_bcast_f32", {"a": a, "b": b}, fn(f64(a), f64(b)).astype(np.float32), op=name)
    fx.add(f"{name}_bcast_f64", {"a": f64(a), "b": f64(b)}, fn(f64(a), f64(b)), op=name)
fx.add("pow_bcast_f32", {"a": apos, "b": b}, np.power(f64(apos), f64(b)).astype(np.float32), op="pow")
ai = r.integers(-20, 20, size=(3, 4)).astype(np.int32)
bi = r.integers(1, 6, size=(4,)).astype(np.int32)
for name in ["add", "sub", "mul", "maximum", "minimum"]:
    fx.add(f"{name}_i32", {"a": ai, "b": bi}, binary[name](ai, bi).astype(np.int32), op=name)
fx.add("div_i32", {"a": ai, "b": bi}, (f64(ai) / f64(bi)).astype(np.float32), op="div")
fx.add("add_mixed_f32_i32", {"a": a[:, 0, :], "b": ai[:, :3][:1]}, (f64(a[:, 0, :]) + ai[:1, :3]).astype(np.float32), op="add")
fx.add("add_f32_f64", {"a": a, "b": f64(b)}, f64(a) + f64(b), op="add")
nan_a = np.array([np.nan, 1.0, 2.0, np.nan], dtype=np.float32)
nan_b = np.array([0.0, np.nan, 1.0, np.nan], dtype=np.float32)
fx.add("maximum_nan", {"a": nan_a, "b": nan_b}, np.maximum(nan_a, nan_b), op="maximum")
fx.add("minimum_nan", {"a": nan_a, "b": nan_b}, np.minimum(nan_a, nan_b), op="minimum")

# Comparisons and where.
ca = r.integers(-2, 3, size=(3, 4)).astype(np.float32)
cb = r.integers(-2, 3, size=(4,)).astype(np.float32)
for name, fn in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                 ("gt", np.greater), ("ge", np.greater_equal)]:
    fx.add(f"{name}_f32", {"a": ca, "b": cb}, fn(ca, cb), op=name)
cond = ca > 0
fx.add("where_bcast", {"c": cond, "a": ca, "b": cb[None, :] * 10}, np.where(cond, ca, cb[None, :] * 10), op="where")
fx.add("isfinite", {"x": special_vals}, np.isfinite(special_vals), op="isfinite")
fx.add("clamp", {"x": x}, np.clip(x, -1.5, 2.0), op="clamp", lo=-1.5, hi=2.0)

# Creation.
fx.add("arange", {}, np.arange(0, 1, 0.125, dtype=np.float32), op="arange", start=0, end=1, step=0.125)
fx.add("arange_neg_step", {}, np.arange(5, -3, -1.5).astype(np.float32), op="arange", start=5, end=-3, step=-1.5)
fx.add("linspace", {}, np.linspace(-1, 2, 7).astype(np.float32), op="linspace", start=-1, end=2, count=7)
fx.add("eye", {}, np.eye(3, 4, k=1, dtype=np.float32), op="eye", n=3, m=4, k=1)

# Conversion: float16 with round-to-nearest-even, float -> int truncation, bool.
conv = np.concatenate([r.standard_normal(40) * 100, [65504, 65520, 1e5, -1e5, 2.0 ** -25, 2.0 ** -24,
                                                    1 + 2.0 ** -11, 1 + 3 * 2.0 ** -11, np.nan]]).astype(np.float32)
with np.errstate(over="ignore"):
    fx.add("to_float16", {"x": conv}, conv.astype(np.float16), op="cast", to="float16")
fx.add("to_int32", {"x": conv[:40]}, np.trunc(conv[:40]).astype(np.int32), op="cast", to="int32")
fx.add("to_bool", {"x": np.array([0.0, -0.0, 1.0, np.nan, -3.0], dtype=np.float32)},
       np.array([0.0, -0.0, 1.0, np.nan, -3.0]).astype(bool), op="cast", to="bool")


def bf16(v):
    """Round float32 to bfloat16 (nearest-even), returned as float32: an independent bit-level reference."""
    u = np.asarray(v, dtype=np.float32).view(np.uint32).astype(np.uint64)
    lsb = (u >> 16) & 1
    rounded = ((u + 0x7FFF + lsb) >> 16) << 16
    out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(v), np.float32(np.nan), out)


bvals = np.concatenate([r.standard_normal(40).astype(np.float32),
                        np.array([1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, 3.4e38], dtype=np.float32)])
fx.add("to_bfloat16", {"x": bvals}, tensor(bf16(bvals), dtype="bfloat16"), op="cast", to="bfloat16")

fx.write()
