"""Reference values for matmul (see fixturelib.py).

Inputs are short decimals (float64 rounded to 2 places) tagged with the dtype the Swift side builds;
expected values are computed in float64 from exactly the values that dtype holds, then rounded once
to the result dtype. A case may ask for a view of an operand first: attrs "aView"/"bView" with
"T" (swap the last two axes: stored already transposed, so the Swift side gets a transposed view)
or "step" (every other column: a strided layout BLAS cannot read in place).
"""
import numpy as np

from fixturelib import Fixture, rng, tensor

fx = Fixture("matmul")
r = rng(11)


def dec(shape):
    return np.round(r.standard_normal(shape), 2)


def short(a, dtype=None):
    """Tensor record with float32/float16 values as shortest round-trip decimals."""
    a = np.asarray(a)
    rec = tensor(a, dtype=dtype)
    if a.dtype in (np.float32, np.float16):
        rec["data"] = [v if isinstance(v, str) else float(str(t)) for v, t in zip(rec["data"], a.ravel())]
    return rec


def view(x, kind):
    if kind == "T":
        return np.swapaxes(x, -1, -2)
    if kind == "step":
        return x[..., ::2]
    return x


def stored_for(shape, kind):
    """The stored array that, seen through `kind`, has `shape`."""
    if kind == "T":
        return dec(shape[:-2] + (shape[-1], shape[-2])) if len(shape) >= 2 else dec(shape)
    if kind == "step":
        return dec(shape[:-1] + (shape[-1] * 2,))
    return dec(shape)


def add(name, a_shape, b_shape, dtype="float32", a_view=None, b_view=None, ints=False):
    if ints:
        a = r.integers(-9, 10, size=a_shape)
        b = r.integers(-9, 10, size=b_shape)
    else:
        a = stored_for(a_shape, a_view)
        b = stored_for(b_shape, b_view)
    if dtype == "bfloat16":   # quarters: exact in bfloat16, so the stored values are what Swift holds
        a, b = np.round(a * 4) / 4, np.round(b * 4) / 4
    np_type = {"float32": np.float32, "float64": np.float64, "float16": np.float16,
               "bfloat16": np.float32, "int32": np.int64}[dtype]
    av = view(a, a_view).astype(np_type).astype(np.float64)
    bv = view(b, b_view).astype(np_type).astype(np.float64)
    out = np.matmul(av, bv)
    if dtype == "bfloat16":
        expected = short(out.astype(np.float32), dtype="bfloat16")
    elif dtype == "int32":
        expected = tensor(out.astype(np.int32))
    else:
        expected = short(out.astype(np_type))
    attrs = {}
    if a_view:
        attrs["aView"] = a_view
    if b_view:
        attrs["bView"] = b_view
    fx.add(name, {"a": tensor(a, dtype=dtype), "b": tensor(b, dtype=dtype)}, {"out": expected}, **attrs)


# Plain matrices, vectors, odd sizes.
add("mm_3x4_4x5", (3, 4), (4, 5))
add("mm_1x1_1x1", (1, 1), (1, 1))
add("mm_odd_33x40_40x17", (33, 40), (40, 17))
add("vec_mat", (4,), (4, 5))
add("mat_vec", (3, 4), (4,))
add("vec_vec", (6,), (6,))
add("batch_vec", (2, 3, 4), (4,))
add("vec_batch", (4,), (2, 4, 3))

# Batch dimensions and broadcasting.
add("batch_same", (2, 3, 4), (2, 4, 5))
add("batch_broadcast", (2, 1, 3, 4), (5, 4, 6))
add("batch_left_only", (3, 2, 4), (4, 5))          # folded into one tall product
add("batch_right_only", (2, 4), (3, 4, 5))
add("batch_size1_left", (1, 3, 4), (2, 4, 5))

# Transposed views go to BLAS as transposed operands; strided ones are copied.
add("a_T", (3, 4), (4, 5), a_view="T")
add("b_T", (3, 4), (4, 5), b_view="T")
add("both_T", (6, 7), (7, 2), a_view="T", b_view="T")
add("batch_a_T", (2, 3, 5), (2, 5, 4), a_view="T")
add("batch_both_T_broadcast", (2, 1, 3, 5), (4, 5, 2), a_view="T", b_view="T")
add("a_step", (3, 4), (4, 5), a_view="step")
add("b_step", (3, 4), (4, 6), b_view="step")
add("batch_left_T_folded_rhs", (3, 2, 4), (4, 5), a_view="T")
add("row_T", (1, 4), (4, 3), a_view="T")
add("col_T", (3, 4), (4, 1), b_view="T")

# Zero-size dimensions.
add("zero_m", (0, 4), (4, 5))
add("zero_k", (3, 0), (0, 5))
add("zero_n", (3, 4), (4, 0))
add("zero_batch", (0, 3, 4), (4, 5))
add("zero_k_batch", (2, 3, 0), (2, 0, 4))
add("zero_vec", (0,), (0,))

# Other dtypes.
add("f64_5x7_7x3", (5, 7), (7, 3), dtype="float64")
add("f64_batch_T", (2, 4, 3), (3, 5), dtype="float64", a_view="T")
add("f16_4x8_8x3", (4, 8), (8, 3), dtype="float16")
add("bf16_3x4_4x2", (3, 4), (4, 2), dtype="bfloat16")
add("i32_3x4_4x2", (3, 4), (4, 2), dtype="int32", ints=True)
add("i32_batch_vec", (2, 3, 4), (4,), dtype="int32", ints=True)

fx.write()
