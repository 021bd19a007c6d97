"""Reference values for reductions, softmax and cumsum (see fixturelib.py).

Inputs are stored as short decimals (float64 rounded to 2 places, tagged with the dtype the Swift
side builds), and expected values are computed from exactly those inputs in float64, then rounded
once to the result dtype QuireTensor documents (float16/bfloat16 reduce in float32; int sums are
int32; the mean of ints is float32).

A case may ask the Swift side to look at the input through a view first (attrs "perm": axes of a
permutation, "slice": [axis, step]); the same view is applied here.
"""
import warnings

import numpy as np

from fixturelib import Fixture, rng, tensor

warnings.simplefilter("ignore", RuntimeWarning)   # mean of an empty slice is NaN on purpose
fx = Fixture("reduction")
r = rng(7)


def dec(shape, scale=1.0):
    """Random float64 values with two decimals (compact in JSON)."""
    return np.round(r.standard_normal(shape) * scale, 2)


def view(x, perm=None, slc=None):
    if perm is not None:
        x = np.transpose(x, perm)
    if slc is not None:
        axis, step = slc
        idx = [slice(None)] * x.ndim
        idx[axis] = slice(None, None, step)
        x = x[tuple(idx)]
    return x


def short(a, dtype=None):
    """A tensor record whose float32/float16 values are written as their shortest round-trip
    decimals (keeps the JSON small; parsing gives back exactly the same value)."""
    a = np.asarray(a)
    rec = tensor(a, dtype=dtype)
    if a.dtype in (np.float32, np.float16):
        rec["data"] = [v if isinstance(v, str) else float(str(t)) for v, t in zip(rec["data"], a.ravel())]
    return rec


def axes_tuple(axes):
    return None if axes is None else tuple(axes)


def reference(op, x, axes=None, keep=False, axis=None, correction=0):
    """x: float64 (or integer) array already seen through any view."""
    ax = axes_tuple(axes)
    with np.errstate(all="ignore"):
        if op == "sum":
            return np.sum(x, axis=ax, keepdims=keep)
        if op == "mean":
            return np.mean(x, axis=ax, keepdims=keep)
        if op == "prod":
            return np.prod(x, axis=ax, keepdims=keep)
        if op == "max":
            return np.max(x, axis=ax, keepdims=keep)
        if op == "min":
            return np.min(x, axis=ax, keepdims=keep)
        if op == "all":
            return np.all(x, axis=ax, keepdims=keep)
        if op == "any":
            return np.any(x, axis=ax, keepdims=keep)
        if op == "argmax":
            return np.argmax(x, axis=axis, keepdims=keep)
        if op == "argmin":
            return np.argmin(x, axis=axis, keepdims=keep)
        if op == "variance":
            return np.var(x, axis=ax, keepdims=keep, ddof=correction)
        if op == "std":
            return np.std(x, axis=ax, keepdims=keep, ddof=correction)
        if op == "logsumexp":
            m = np.max(x, axis=ax, keepdims=True, initial=-np.inf)   # empty: log(0) = -inf
            m = np.where(np.isfinite(m), m, 0)
            out = np.log(np.sum(np.exp(x - m), axis=ax, keepdims=True)) + m
            return out if keep else np.squeeze(out, axis=ax if ax is not None else tuple(range(x.ndim)))
        if op in ("softmax", "logsoftmax"):
            m = np.max(x, axis=axis, keepdims=True)
            m = np.where(np.isfinite(m), m, 0)
            e = np.exp(x - m)
            s = np.sum(e, axis=axis, keepdims=True)
            return (x - m) - np.log(s) if op == "logsoftmax" else e / s
        if op == "cumsum":
            return np.cumsum(x, axis=axis)
    raise ValueError(op)


def add(name, data, dtype, op, out_dtype, axes=None, keep=False, axis=None, correction=0, perm=None, slc=None,
        stored=None):
    """data: float64 (or int) values; dtype: the stored input dtype name; out_dtype: numpy dtype of the
    result or a dtype name for bfloat16."""
    seen = view(np.asarray(data), perm, slc)
    if dtype in ("float32", "float16", "bfloat16"):
        work = seen.astype({"float16": np.float16}.get(dtype, np.float32)).astype(np.float64)
    elif dtype == "bool":
        work = seen.astype(bool)
    else:
        work = seen
    expected = np.asarray(reference(op, work, axes, keep, axis, correction))
    if out_dtype == "bfloat16":
        exp_t = short(expected.astype(np.float32), dtype="bfloat16")
    else:
        exp_t = short(expected.astype(out_dtype))
    # Attributes left at their defaults are omitted (absent: keepDims false, correction 0, all
    # axes / flattened, no view).
    attrs = dict(op=op)
    if keep:
        attrs["keepDims"] = True
    if correction:
        attrs["correction"] = correction
    if axes is not None:
        attrs["axes"] = axes
    if axis is not None:
        attrs["axis"] = axis
    if perm is not None:
        attrs["perm"] = perm
    if slc is not None:
        attrs["slice"] = list(slc)
    fx.add(name, {"x": tensor(np.asarray(data), dtype=dtype)}, {"out": exp_t}, **attrs)


x = dec((2, 3, 4))
x_long = dec((2, 100))        # rows long enough for the SIMD blocks and their tails
x_col = dec((70, 3))
x_mid = dec((5, 24))         # a short kept axis innermost (column mode)

# Basic reductions over several axis sets, float32.
for op in ["sum", "mean", "max", "min", "prod"]:
    for axes in [None, [0], [1], [2], [-1], [0, 2], [1, 2], [0, 1, 2], []]:
        for keep in ([False, True] if axes in ([1], [0, 2], None) else [False]):
            tag = "all" if axes is None else "_".join(str(a) for a in axes) or "none"
            add(f"{op}_f32_{tag}{'_keep' if keep else ''}", x, "float32", op, np.float32, axes=axes, keep=keep)
    if op in ("sum", "max", "min"):   # the SIMD kernels
        add(f"{op}_f32_long_rows", x_long, "float32", op, np.float32, axes=[1])
        add(f"{op}_f32_long_cols", x_long, "float32", op, np.float32, axes=[0])
        add(f"{op}_f32_long_all", x_long, "float32", op, np.float32)
    add(f"{op}_f32_col_mode", x_col, "float32", op, np.float32, axes=[0])
    # Views: transposed (a kept axis becomes innermost) and strided slices.
    add(f"{op}_f32_perm_axis1", x, "float32", op, np.float32, axes=[1], perm=[2, 0, 1])
    add(f"{op}_f32_perm_axes02", x, "float32", op, np.float32, axes=[0, 2], perm=[1, 2, 0])
    add(f"{op}_f32_slice_axis0", x_mid, "float32", op, np.float32, axes=[0], slc=(1, 3))
    add(f"{op}_f32_slice_all", x_mid, "float32", op, np.float32, slc=(1, 7))
    add(f"{op}_f32_perm_all", x, "float32", op, np.float32, perm=[2, 0, 1])
    # Other dtypes.
    add(f"{op}_f64_axis1", x, "float64", op, np.float64, axes=[1])
    add(f"{op}_f64_axes02_perm", x, "float64", op, np.float64, axes=[0, 2], perm=[2, 1, 0])
    add(f"{op}_f16_axis2", x, "float16", op, np.float16, axes=[2])
    add(f"{op}_bf16_axis0", np.round(x * 4) / 4, "bfloat16", op, "bfloat16", axes=[0])

ints = r.integers(-20, 21, size=(4, 6))
small_ints = r.integers(-3, 4, size=(3, 5))
for op in ["sum", "max", "min"]:
    for axes in [None, [0], [1]]:
        tag = "all" if axes is None else str(axes[0])
        add(f"{op}_i32_{tag}", ints, "int32", op, np.int32, axes=axes)
        add(f"{op}_i8_{tag}", ints, "int8", op, np.int32 if op == "sum" else np.int8, axes=axes)
        add(f"{op}_u8_{tag}", np.abs(ints), "uint8", op, np.int32 if op == "sum" else np.uint8, axes=axes)
    add(f"{op}_i32_transposed", ints, "int32", op, np.int32, axes=[1], perm=[1, 0])
add("prod_i32_axis1", small_ints, "int32", "prod", np.int32, axes=[1])
add("mean_i32_axis0", ints, "int32", "mean", np.float32, axes=[0])
add("mean_i32_all", ints, "int32", "mean", np.float32)
add("sum_bool_axis1", ints > 0, "bool", "sum", np.int32, axes=[1])
for op in ["all", "any"]:
    b = ints > -15
    for axes in [None, [0], [1]]:
        tag = "all" if axes is None else str(axes[0])
        add(f"{op}_bool_{tag}", b, "bool", op, bool, axes=axes)
    add(f"{op}_f32_axis1", np.where(ints > -10, ints, 0).astype(np.float64), "float32", op, bool, axes=[1])

# NaN and infinities.
special = dec((3, 6))
special[0, 2] = np.nan
special[1, 1] = np.inf
special[1, 4] = -np.inf
special[2, 5] = np.nan
for op in ["sum", "max", "min", "mean"]:
    for axes in [[0], [1], None]:
        tag = "all" if axes is None else str(axes[0])
        add(f"{op}_f32_special_{tag}", special, "float32", op, np.float32, axes=axes)
    add(f"{op}_f32_special_T", special, "float32", op, np.float32, axes=[1], perm=[1, 0])
nan_long = dec((2, 150))
nan_long[1, 97] = np.nan      # inside the SIMD body
add("max_f32_nan_simd", nan_long, "float32", "max", np.float32, axes=[1])
add("min_f32_nan_simd", nan_long, "float32", "min", np.float32, axes=[1])
add("max_f64_nan_simd", nan_long, "float64", "max", np.float64, axes=[1])

# Empty reductions (sum of nothing is 0, mean is NaN, prod is 1) and empty outputs.
empty = np.zeros((0, 3))
add("sum_empty_axis0", empty, "float32", "sum", np.float32, axes=[0])
add("sum_empty_axis1", empty, "float32", "sum", np.float32, axes=[1])
add("sum_empty_all", empty, "float32", "sum", np.float32)
add("prod_empty_axis0", empty, "float32", "prod", np.float32, axes=[0])
add("mean_empty_axis0", empty, "float32", "mean", np.float32, axes=[0])
add("max_empty_axis1", empty, "float32", "max", np.float32, axes=[1])
add("sum_empty_i32_axis0", np.zeros((0, 3), dtype=np.int64), "int32", "sum", np.int32, axes=[0])
add("argmax_empty_axis1", empty, "float32", "argmax", np.int32, axis=1)

# argmax / argmin: ties take the first, NaN wins, nil axis is the flattened index.
ties = np.array([[1, 3, 3, 0], [2, 2, 1, 2], [5, -1, 5, -1]], dtype=np.float64)
for op in ["argmax", "argmin"]:
    for axis in [None, 0, 1, -1]:
        for keep in [False, True]:
            tag = "none" if axis is None else str(axis)
            add(f"{op}_ties_{tag}{'_keep' if keep else ''}", ties, "float32", op, np.int32, axis=axis, keep=keep)
    add(f"{op}_f32_3d_axis1", x, "float32", op, np.int32, axis=1)
    add(f"{op}_f32_3d_perm", x, "float32", op, np.int32, axis=2, perm=[2, 0, 1])
    add(f"{op}_f32_3d_none_perm", x, "float32", op, np.int32, perm=[1, 2, 0])
    add(f"{op}_f32_nan_axis1", special, "float32", op, np.int32, axis=1)
    add(f"{op}_f64_axis0", x, "float64", op, np.int32, axis=0)
    add(f"{op}_i32_axis1", ints, "int32", op, np.int32, axis=1)
    add(f"{op}_u8_axis0", np.abs(ints), "uint8", op, np.int32, axis=0)
    add(f"{op}_f16_axis2", x, "float16", op, np.int32, axis=2)

# Variance and standard deviation (two-pass; with and without correction).
offset = dec((4, 7)) + 1000.0   # large common offset: a one-pass formula would lose digits
for op in ["variance", "std"]:
    for axes in [None, [0], [1], [0, 2]]:
        tag = "all" if axes is None else "_".join(map(str, axes))
        add(f"{op}_f32_{tag}", x, "float32", op, np.float32, axes=axes)
    add(f"{op}_f32_corr1_axis2", x, "float32", op, np.float32, axes=[2], correction=1)
    add(f"{op}_f32_keep", x, "float32", op, np.float32, axes=[1], keep=True)
    add(f"{op}_f32_offset", offset, "float32", op, np.float32, axes=[1])
    add(f"{op}_f64_axis0_corr1", x, "float64", op, np.float64, axes=[0], correction=1)
    add(f"{op}_i32_axis1", ints, "int32", op, np.float32, axes=[1])
    add(f"{op}_f16_axis1", x, "float16", op, np.float16, axes=[1])
    add(f"{op}_f32_perm", x, "float32", op, np.float32, axes=[0], perm=[2, 1, 0])

# logSumExp: huge values, -inf rows, +inf, NaN.
lse = np.array([[1000, 1000, 999], [-np.inf, -np.inf, -np.inf], [-np.inf, 0.5, 1.5],
                [1e30, 1.0, 2.0], [-1000, -1001, -1002], [np.inf, 1.0, 2.0], [np.nan, 1.0, 2.0]])
add("logsumexp_special_rows", lse, "float32", "logsumexp", np.float32, axes=[1])
add("logsumexp_special_rows_f64", lse, "float64", "logsumexp", np.float64, axes=[1])
add("logsumexp_special_rows_axis0", lse[:5], "float32", "logsumexp", np.float32, axes=[0])
add("logsumexp_special_rows_transposed", lse.T.copy(), "float32", "logsumexp", np.float32, axes=[1], perm=[1, 0])
for axes in [None, [0], [2], [0, 2]]:
    tag = "all" if axes is None else "_".join(map(str, axes))
    add(f"logsumexp_f32_{tag}", x * 10, "float32", "logsumexp", np.float32, axes=axes)
add("logsumexp_f32_keep", x, "float32", "logsumexp", np.float32, axes=[2], keep=True)
add("logsumexp_f32_long", x_long * 30, "float32", "logsumexp", np.float32, axes=[1])
add("logsumexp_f16", x, "float16", "logsumexp", np.float16, axes=[2])
add("logsumexp_empty", np.zeros((2, 0)), "float32", "logsumexp", np.float32, axes=[1])

# softmax / logSoftmax along each axis, with views, huge and -inf entries.
soft = np.array([[1, 2, 3, 4], [1000, 1000, 1000, 1000], [-np.inf, 0, 1, -np.inf], [-50, 0, 50, 100]],
                dtype=np.float64)
for op in ["softmax", "logsoftmax"]:
    add(f"{op}_special", soft, "float32", op, np.float32, axis=-1)
    add(f"{op}_special_f64", soft, "float64", op, np.float64, axis=-1)
    for axis in [0, 1, 2, -1]:
        add(f"{op}_f32_axis{axis}", x * 3, "float32", op, np.float32, axis=axis)
    add(f"{op}_f32_long", x_long[:1] * 5, "float32", op, np.float32, axis=-1)
    add(f"{op}_f32_perm", x, "float32", op, np.float32, axis=-1, perm=[2, 0, 1])
    add(f"{op}_f32_slice", x_mid, "float32", op, np.float32, axis=1, slc=(1, 3))
    add(f"{op}_f64_axis1", x, "float64", op, np.float64, axis=1)
    add(f"{op}_f16", x, "float16", op, np.float16, axis=-1)
    add(f"{op}_i32", small_ints, "int32", op, np.float32, axis=1)

# cumsum.
for axis in [0, 1, 2, -1]:
    add(f"cumsum_f32_axis{axis}", x, "float32", "cumsum", np.float32, axis=axis)
add("cumsum_f32_long", x_long[:1], "float32", "cumsum", np.float32, axis=1)
add("cumsum_f32_perm", x, "float32", "cumsum", np.float32, axis=0, perm=[2, 0, 1])
add("cumsum_f32_slice", x_mid, "float32", "cumsum", np.float32, axis=1, slc=(1, 4))
add("cumsum_f64_axis1", x, "float64", "cumsum", np.float64, axis=1)
add("cumsum_i32_axis0", ints, "int32", "cumsum", np.int32, axis=0)
add("cumsum_i8_axis1", ints, "int8", "cumsum", np.int32, axis=1)
add("cumsum_bool_axis1", ints > 0, "bool", "cumsum", np.int32, axis=1)
add("cumsum_f16_axis1", x, "float16", "cumsum", np.float16, axis=1)
add("cumsum_special", special, "float32", "cumsum", np.float32, axis=1)
add("cumsum_empty", np.zeros((0, 3)), "float32", "cumsum", np.float32, axis=0)

fx.write()
