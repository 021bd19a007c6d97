"""Reference values for shape manipulation and indexing (ShapeTests, IndexingTests).

Each case has attrs["op"] naming the Swift call; NumPy computes the expected output.
Run: python3 Tests/QuireTensorTests/Fixtures/gen_shape.py
"""
import numpy as np

from fixturelib import Fixture, rng, tensor

fx = Fixture("shape")
r = rng(7)


def arr(shape, dtype="float32"):
    if np.dtype(dtype).kind in "iu":
        return r.integers(-50, 50, size=shape).astype(dtype) if dtype != "uint8" else r.integers(0, 200, size=shape).astype(dtype)
    if dtype == "bool":
        return r.random(shape) > 0.5
    return (np.round(r.standard_normal(shape) * 16) / 16).astype(dtype)  # exact in every float dtype: short JSON


# --- squeeze / expand / flatten -------------------------------------------------------------
x = arr((1, 3, 1, 2))
fx.add("squeeze_all", {"x": x}, np.squeeze(x), op="squeeze", axes=None)
fx.add("squeeze_neg", {"x": x}, np.squeeze(x, axis=-2), op="squeeze", axes=[-2])
fx.add("squeeze_two", {"x": x}, np.squeeze(x, axis=(0, 2)), op="squeeze", axes=[0, 2])
y = arr((2, 3), "int32")
for a in [0, 1, 2, -1, -3]:
    fx.add(f"expand_{a}", {"x": y}, np.expand_dims(y, a), op="expand", axis=a)
z = arr((2, 3, 4, 2), "float64")
fx.add("flatten_all", {"x": z}, z.reshape(-1), op="flatten", start=0, end=-1)
fx.add("flatten_mid", {"x": z}, z.reshape(2, 12, 2), op="flatten", start=1, end=2)
fx.add("flatten_tail", {"x": z}, z.reshape(2, 3, 8), op="flatten", start=-2, end=-1)

# --- concatenate / stack (result dtype follows Quire's promotion, values from NumPy) --------
a, b, c = arr((2, 3)), arr((4, 3)), arr((1, 3))
fx.add("concat_axis0", {"a": a, "b": b, "c": c}, np.concatenate([a, b, c], 0), op="concat", axis=0)
a2, b2 = arr((2, 3)), arr((2, 1), "float64")
fx.add("concat_promote_f64", {"a": a2, "b": b2}, np.concatenate([a2, b2], -1).astype("float64"), op="concat", axis=-1)
a3, b3 = arr((2, 2, 3), "int32"), arr((2, 1, 3), "int8")
fx.add("concat_int", {"a": a3, "b": b3}, np.concatenate([a3, b3], 1).astype("int32"), op="concat", axis=1)
a4, b4 = arr((2, 3), "int32"), arr((2, 2), "float16")
fx.add("concat_int_half", {"a": a4, "b": b4}, {"out": tensor(np.concatenate([a4, b4], 1).astype("float16"))}, op="concat", axis=1)
a5, b5 = arr((0, 3)), arr((2, 3))
fx.add("concat_empty", {"a": a5, "b": b5}, np.concatenate([a5, b5], 0), op="concat", axis=0)
s1, s2, s3 = arr((2, 3)), arr((2, 3)), arr((2, 3))
for ax in [0, 1, 2, -1, -2]:
    fx.add(f"stack_{ax}", {"a": s1, "b": s2, "c": s3}, np.stack([s1, s2, s3], ax), op="stack", axis=ax)

# --- split / chunk (expected pieces out0, out1, ...) ------------------------------------------
w = arr((4, 7))
fx.add("split_sizes", {"x": w}, {f"out{i}": p for i, p in enumerate(np.split(w, [2, 2, 5], axis=1))},
       op="split_sizes", sizes=[2, 0, 3, 2], axis=1)
fx.add("split_count", {"x": w}, {f"out{i}": p for i, p in enumerate(np.split(w, 2, axis=0))},
       op="split_count", count=2, axis=0)
for n, count in [(5, 2), (6, 4), (7, 3), (3, 5)]:
    v = arr((2, n))
    k = -(-n // count)
    pieces = [v[:, i:i + k] for i in range(0, n, k)]
    fx.add(f"chunk_{n}_{count}", {"x": v}, {f"out{i}": p for i, p in enumerate(pieces)}, op="chunk", count=count, axis=-1)

# --- pad / tile ---------------------------------------------------------------------------------
p = arr((2, 3))
fx.add("pad_constant", {"x": p}, np.pad(p, [(1, 2), (0, 3)], constant_values=2.5),
       op="pad", widths=[[1, 2], [0, 3]], mode="constant", value=2.5)
pi = arr((3, 4), "int32")
fx.add("pad_constant_int", {"x": pi}, np.pad(pi, [(0, 1), (2, 0)], constant_values=-7),
       op="pad", widths=[[0, 1], [2, 0]], mode="constant", value=-7)
for mode in ["reflect", "symmetric", "edge", "wrap"]:
    fx.add(f"pad_{mode}", {"x": p}, np.pad(p, [(1, 1), (2, 3)], mode=mode), op="pad", widths=[[1, 1], [2, 3]], mode=mode, value=0)
    q = arr((3,), "float64")
    fx.add(f"pad_{mode}_wide", {"x": q}, np.pad(q, [(5, 7)], mode=mode), op="pad", widths=[[5, 7]], mode=mode, value=0)
one = arr((1, 2))
fx.add("pad_reflect_size1", {"x": one}, np.pad(one, [(2, 1), (0, 0)], mode="reflect"),
       op="pad", widths=[[2, 1], [0, 0]], mode="reflect", value=0)
t = arr((2, 3))
for reps in [[2], [2, 1], [1, 3], [2, 2, 2], [0, 2]]:
    fx.add(f"tile_{'x'.join(map(str, reps))}", {"x": t}, np.tile(t, reps), op="tile", reps=reps)
tb = arr((3,), "bool")
fx.add("tile_bool", {"x": tb}, np.tile(tb, [2, 2]), op="tile", reps=[2, 2])

# --- flip / roll / tril / triu -----------------------------------------------------------------
f = arr((2, 3, 4))
fx.add("flip_all", {"x": f}, np.flip(f), op="flip", axes=None)
fx.add("flip_1", {"x": f}, np.flip(f, 1), op="flip", axes=[1])
fx.add("flip_0_neg1", {"x": f}, np.flip(f, (0, -1)), op="flip", axes=[0, -1])
for shift, axis in [(2, None), (-1, 1), (7, 0), (-9, -1), (0, 2)]:
    fx.add(f"roll_{shift}_{axis}", {"x": f}, np.roll(f, shift, axis), op="roll", shift=shift, axis=axis)
m = arr((2, 3, 4))
mi = arr((4, 3), "int32")
for k in [-1, 0, 2]:
    fx.add(f"tril_{k}", {"x": m}, np.tril(m, k), op="tril", k=k)
    fx.add(f"triu_{k}", {"x": m}, np.triu(m, k), op="triu", k=k)
    fx.add(f"tril_int_{k}", {"x": mi}, np.tril(mi, k), op="tril", k=k)
    fx.add(f"triu_int_{k}", {"x": mi}, np.triu(mi, k), op="triu", k=k)

# --- basic indexing: index spec items are int | "all" | "new" | "ell" | ["r", start, end, step] ----
def to_py(spec):
    out = []
    for s in spec:
        if isinstance(s, int):
            out.append(s)
        elif s == "all":
            out.append(slice(None))
        elif s == "new":
            out.append(None)
        elif s == "ell":
            out.append(Ellipsis)
        else:
            out.append(slice(s[1], s[2], s[3]))
    return tuple(out)


g = np.arange(120, dtype="float32").reshape(4, 5, 6)  # distinct values; selection only
specs = [
    [1], [-1], [1, 2], [2, -3, 4], ["all", 2], ["ell", 0], [0, "ell"], ["new"], ["all", "new", 1],
    [["r", 1, None, 1]], [["r", None, 3, 1], ["r", 1, 4, 1]], [["r", 0, 10, 2]], [["r", None, None, -1]],
    ["all", ["r", 4, 0, -2]], ["all", "all", ["r", -1, None, -3]], [["r", 3, 1, 1]], [["r", -10, 10, 1]],
    [1, "ell", ["r", 1, 5, 2], "new"], [["r", 2, 3, 1], 0, ["r", None, None, 4]],
]
for i, spec in enumerate(specs):
    fx.add(f"index_{i}", {"x": g}, g[to_py(spec)], op="index", spec=spec)
gi = arr((3, 4), "int16".replace("16", "32"))
fx.add("index_int", {"x": gi}, gi[1:, ::2], op="index", spec=[["r", 1, None, 1], ["r", None, None, 2]])

sets = [
    ([1], arr((5, 6))), ([1], arr((6,))), (["all", 2], arr((4, 1))), ([["r", None, None, 2], 0, ["r", 1, 4, 1]], arr((3,))),
    (["ell", ["r", None, None, -1]], arr((4, 5, 6))), ([0, 0, 0], np.array(9.5, dtype="float32")),
]
for i, (spec, val) in enumerate(sets):
    h = g.copy()
    h[to_py(spec)] = val
    fx.add(f"setindex_{i}", {"x": g, "value": val}, h, op="setindex", spec=spec)
hi = arr((3, 4), "int32")
hv = np.array([1.7, -2.2, 3.9], dtype="float32")
hh = hi.copy()
hh[:, 1] = hv.astype("int32")
fx.add("setindex_int_from_float", {"x": hi, "value": hv}, hh, op="setindex", spec=["all", 1])

# --- take / take(along:) / scatterAdding / oneHot -----------------------------------------------------
tt = arr((4, 3))
ix = np.array([[2, 0], [-1, 1]], dtype="int32")
fx.add("take_axis0", {"x": tt, "indices": ix}, np.take(tt, ix, axis=0), op="take", axis=0)
fx.add("take_axis1", {"x": tt, "indices": ix}, np.take(tt, ix, axis=1), op="take", axis=1)
fx.add("take_flat", {"x": tt, "indices": np.array([11, 0, -12, 5], dtype="int32")},
       np.take(tt, [11, 0, -12, 5]), op="take", axis=None)
t3 = arr((2, 5, 3), "int32")
i3 = np.array([4, 4, 0], dtype="int8")
fx.add("take_int_mid", {"x": t3, "indices": i3}, np.take(t3, i3, axis=1), op="take", axis=1)
t16 = arr((3, 4), "float16")
fx.add("take_half_last", {"x": t16, "indices": np.array([3, 1], dtype="int32")},
       np.take(t16, [3, 1], axis=-1), op="take", axis=-1)
fx.add("take_empty", {"x": tt, "indices": np.zeros((0,), dtype="int32")}, np.take(tt, np.zeros(0, int), axis=0), op="take", axis=0)

ta = arr((3, 4))
ia = np.array([[1, 3], [0, 0], [-1, 2]], dtype="int32")
fx.add("along_axis1", {"x": ta, "indices": ia}, np.take_along_axis(ta, np.where(ia < 0, ia + 4, ia), 1), op="take_along", axis=1)
ib = np.array([[2, 0, 1, 1]], dtype="int32")
fx.add("along_axis0", {"x": ta, "indices": ib}, np.take_along_axis(ta, ib, 0), op="take_along", axis=0)
ic = np.array([[0, 3, 3]], dtype="int32")
fx.add("along_broadcast", {"x": ta, "indices": ic}, np.take_along_axis(ta, np.broadcast_to(ic, (3, 3)), 1),
       op="take_along", axis=-1)
t4 = arr((2, 3, 4), "float64")
i4 = r.integers(0, 3, size=(2, 5, 4)).astype("int32")
fx.add("along_3d", {"x": t4, "indices": i4}, np.take_along_axis(t4, i4, 1), op="take_along", axis=1)

base = arr((5, 3))
si = np.array([1, 3, 1, -1, 1], dtype="int32")
sv = arr((5, 3))
acc = base.copy()
np.add.at(acc, si, sv)
fx.add("scatter_axis0", {"x": base, "indices": si, "values": sv}, acc, op="scatter", axis=0)
sv1 = arr((5, 2, 2))
si1 = np.array([[0, 2], [2, 2]], dtype="int32")
acc1 = base.copy()
np.add.at(acc1, (slice(None), si1), sv1)
fx.add("scatter_axis1", {"x": base, "indices": si1, "values": sv1}, acc1, op="scatter", axis=1)
bi = arr((4, 2), "int32")
vi = arr((3, 2), "int32")
ii = np.array([0, 0, 3], dtype="int32")
acci = bi.copy()
np.add.at(acci, ii, vi)
fx.add("scatter_int", {"x": bi, "indices": ii, "values": vi}, acci, op="scatter", axis=0)
sb = np.array(2.0, dtype="float32")
accb = base.copy()
np.add.at(accb, si, sb)
fx.add("scatter_broadcast_value", {"x": base, "indices": si, "values": sb}, accb, op="scatter", axis=0)

# scatterAdding(along:): out[i, idx[i, j]] += v[i, j] (axis 1) and the axis-0 analogue.
ba = np.zeros((3, 4), dtype="float32")
ja = np.array([[0, 0, 3], [1, 2, 1], [-1, 0, 0]], dtype="int32")
va = arr((3, 3))
oa = ba.copy()
for i in range(3):
    for j in range(3):
        oa[i, ja[i, j] % 4] += va[i, j]
fx.add("scatter_along_axis1", {"x": ba, "indices": ja, "values": va}, oa, op="scatter_along", axis=1)
bb = arr((3, 2), "float64")
jb = np.array([[2, 0], [2, 2], [0, 1], [2, 0]], dtype="int32")
vb = arr((4, 2), "float64")
ob = bb.copy()
for i in range(4):
    for j in range(2):
        ob[jb[i, j], j] += vb[i, j]
fx.add("scatter_along_axis0", {"x": bb, "indices": jb, "values": vb}, ob, op="scatter_along", axis=0)

oh = np.array([[0, 2], [3, -1]], dtype="int32")
ohe = (oh[..., None] == np.arange(4)).astype("float32")
fx.add("onehot_f32", {"x": oh}, ohe, op="onehot", depth=4, dtype="float32")
oh8 = np.array([1, 0, 5, 2], dtype="uint8")
fx.add("onehot_int", {"x": oh8}, (oh8[..., None] == np.arange(3)).astype("int32"), op="onehot", depth=3, dtype="int32")

fx.write()
