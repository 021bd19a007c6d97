"""Reference values for einops-style rearrange / reduce / repeat (EinopsTests).

The einops package is not used: each expected output is written out by hand with NumPy's
reshape / transpose / broadcast / reductions, so the fixture is an independent check.
attrs["sizes"] is a list of [axis, size] pairs.
Run: python3 Tests/QuireTensorTests/Fixtures/gen_einops.py
"""
import numpy as np

from fixturelib import Fixture, rng

fx = Fixture("einops")
r = rng(11)


def arr(shape, dtype="float32"):
    if np.dtype(dtype).kind in "iu":
        return r.integers(-20, 20, size=shape).astype(dtype)
    return (np.round(r.standard_normal(shape) * 16) / 16).astype(dtype)  # exact in every float dtype: short JSON


def rearrange(name, x, pattern, expected, **sizes):
    fx.add(name, {"x": x}, expected, op="rearrange", pattern=pattern, sizes=sorted(sizes.items()))


def reduce(name, x, pattern, reduction, expected, **sizes):
    fx.add(name, {"x": x}, expected, op="reduce", pattern=pattern, reduction=reduction, sizes=sorted(sizes.items()))


def repeat(name, x, pattern, expected, **sizes):
    fx.add(name, {"x": x}, expected, op="repeat", pattern=pattern, sizes=sorted(sizes.items()))


# --- rearrange ---------------------------------------------------------------------------------
x = arr((2, 12))
rearrange("split_heads", x, "b (h d) -> b h d", x.reshape(2, 4, 3), h=4)
rearrange("split_heads_d", x, "b (h d) -> b d h", x.reshape(2, 4, 3).transpose(0, 2, 1), d=3)
x = arr((2, 3, 4, 5))
rearrange("merge_hw", x, "b h w c -> b (h w) c", x.reshape(2, 12, 5))
rearrange("channels_first", x, "b h w c -> b c h w", x.transpose(0, 3, 1, 2))
rearrange("merge_all", x, "b h w c -> (b h w c)", x.reshape(-1))
rearrange("merge_swapped", x, "b h w c -> (w b) (c h)", x.transpose(2, 0, 3, 1).reshape(8, 15))
rearrange("ellipsis_tail", x, "b ... -> b (...)", x.reshape(2, -1))
rearrange("ellipsis_move", x, "b ... c -> c b ...", x.transpose(3, 0, 1, 2))
rearrange("ellipsis_front", x, "... w c -> ... c w", x.transpose(0, 1, 3, 2))
m = arr((3, 4))
rearrange("transpose", m, "h w -> w h", m.T)
rearrange("ellipsis_zero_dims", m, "... a b -> b ... a", m.T)
rearrange("unit_axes", m, "h w -> h 1 w ()", m.reshape(3, 1, 4, 1))
u = arr((3, 1, 4))
rearrange("drop_unit", u, "h 1 w -> w h", u.reshape(3, 4).T)
rearrange("unit_group", u, "h () w -> (h w)", u.reshape(-1))
img = arr((2, 3, 4, 6))
# space-to-depth: b c (h p1) (w p2) -> b (h w) (p1 p2 c)
e = img.reshape(2, 3, 2, 2, 3, 2).transpose(0, 2, 4, 3, 5, 1).reshape(2, 6, 12)
rearrange("patches", img, "b c (h p1) (w p2) -> b (h w) (p1 p2 c)", e, p1=2, p2=2)
# and back
rearrange("unpatch", e, "b (h w) (p1 p2 c) -> b c (h p1) (w p2)", img, h=2, p1=2, p2=2)
xi = arr((4, 6), "int32")
rearrange("int_groups", xi, "(a b) (c d) -> (b c) (a d)", xi.reshape(2, 2, 3, 2).transpose(1, 2, 0, 3).reshape(6, 4), a=2, c=3)
xh = arr((2, 6), "float16")
rearrange("half_split", xh, "b (x y) -> y b x", xh.reshape(2, 2, 3).transpose(2, 0, 1), y=3)

# --- reduce ------------------------------------------------------------------------------------
x = arr((2, 3, 4, 6))
for red, fn in [("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min), ("prod", np.prod)]:
    reduce(f"global_{red}", x, "b c h w -> b c", red, fn(x, axis=(2, 3)))
reduce("keep_units", x, "b c h w -> b c 1 1", "mean", x.mean(axis=(2, 3), keepdims=True))
reduce("maxpool", x, "b c (h 2) (w 2) -> b c h w", "max", x.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5)))
reduce("avgpool_named", x, "b c (h h2) (w w2) -> b h w c", "mean",
       x.reshape(2, 3, 2, 2, 2, 3).mean(axis=(3, 5)).transpose(0, 2, 3, 1), h2=2, w2=3)
reduce("leading", x, "b c h w -> h w", "sum", x.sum(axis=(0, 1)))
reduce("reorder_kept", x, "b c h w -> w b", "min", x.min(axis=(1, 2)).T)
reduce("ellipsis", x, "b ... -> b", "sum", x.sum(axis=(1, 2, 3)))
reduce("ellipsis_kept", x, "... h w -> ...", "max", x.max(axis=(2, 3)))
reduce("group_out", x, "b c h w -> (b c)", "mean", x.mean(axis=(2, 3)).reshape(-1))
reduce("nothing_reduced", x, "b c h w -> b w c h", "sum", x.transpose(0, 3, 1, 2))
reduce("all", x, "b c h w ->", "sum", x.sum())
xi = arr((3, 4), "int32")
reduce("int_sum", xi, "a b -> a", "sum", xi.sum(axis=1).astype("int32"))
reduce("int_mean", xi, "a b -> b", "mean", xi.mean(axis=0).astype("float32"))
reduce("int_max", xi, "a b -> b", "max", xi.max(axis=0))
xd = arr((3, 5), "float64")
reduce("f64_mean", xd, "a b -> a", "mean", xd.mean(axis=1))
long = arr((2, 300))
reduce("long_sum", long, "a b -> a", "sum", long.astype("float64").sum(axis=1).astype("float32"))
nan = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0]], dtype="float32")
reduce("nan_max", nan, "a b -> a", "max", np.max(nan, axis=1))
reduce("nan_min", nan, "a b -> a", "min", np.min(nan, axis=1))

# --- repeat ------------------------------------------------------------------------------------
m = arr((3, 4))
repeat("new_last", m, "h w -> h w c", np.broadcast_to(m[:, :, None], (3, 4, 3)), c=3)
repeat("new_first", m, "h w -> c h w", np.broadcast_to(m[None], (2, 3, 4)), c=2)
repeat("upsample", m, "h w -> (h 2) (w 3)", np.repeat(np.repeat(m, 2, axis=0), 3, axis=1))
repeat("upsample_named", m, "h w -> (h a) (w b)", np.repeat(np.repeat(m, 2, axis=0), 2, axis=1), a=2, b=2)
repeat("tile_rows", m, "h w -> (r h) w", np.tile(m, (2, 1)), r=2)
repeat("transpose_and_repeat", m, "h w -> w (h c)", np.repeat(m.T, 2, axis=1), c=2)
v = arr((5,), "int32")
repeat("int_vector", v, "n -> n k", np.broadcast_to(v[:, None], (5, 3)), k=3)
t = arr((2, 3))
repeat("ellipsis_new", t, "... -> k ...", np.broadcast_to(t[None], (2, 2, 3)), k=2)
q = arr((3, 1))
repeat("unit_to_axis", q, "h 1 -> h w", np.broadcast_to(q, (3, 4)), w=4)
repeat("identity", t, "a b -> a b", t)
big = arr((4, 20))   # at least 64 elements: the copy runs with the new axes outermost
repeat("big_new_last", big, "h w -> h w c", np.broadcast_to(big[:, :, None], (4, 20, 3)), c=3)
repeat("big_upsample", big, "h w -> (h 2) (w 3)", np.repeat(np.repeat(big, 2, axis=0), 3, axis=1))
repeat("big_middle_transposed", big, "h w -> w c h", np.broadcast_to(big.T[:, None, :], (20, 2, 4)), c=2)

fx.write()
