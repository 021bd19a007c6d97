"""Reference values for the NN ops (conv1d/conv2d, max/avg pooling, layerNorm/rmsNorm), channels last.

The references are written independently of the Swift implementation (no im2col): a convolution is the sum,
over kernel offsets, of shifted strided slices of the padded input times that offset's kernel matrix; pooling
loops over output positions; normalization uses np.mean/np.var. Everything is computed in float64 from the
exact input values and rounded to the output dtype.

Case attrs:
  kind: "conv" | "pool" | "norm"
  conv: op (conv1d/conv2d), stride, dilation (lists), padding ("valid" | "same" | [[lo, hi], ...]), groups
  pool: op (maxPool1d/2d, avgPool1d/2d), window, stride, padding, countIncludePad
  norm: op (layerNorm/rmsNorm), axes, epsilon
  permute (optional): the Swift test applies x.permuted(permute) to the stored x (a non-contiguous view)
  step (optional): [axis, step]: the Swift test applies x.sliced(axis:, 0, nil, step:) after permute
Run: python3 Tests/QuireTensorTests/Fixtures/gen_nn.py
"""
import math

import numpy as np

from fixturelib import Fixture, rng, tensor

fx = Fixture("nn")
R = rng(7)


def data(shape, decimals=2):
    """Short decimal values (the JSON stays small); the Swift side rounds them to the case's dtype."""
    return np.round(R.standard_normal(shape), decimals)


def stored(a, dtype):
    """A tensor record of float64 values `a`, tagged `dtype`."""
    return tensor(np.asarray(a, dtype=np.float64), dtype=dtype)


def as_dtype(a, dtype):
    """What the Swift side holds after reading `a` as `dtype`, back in float64."""
    np_t = {"float32": np.float32, "float64": np.float64, "float16": np.float16, "int32": np.float64}[dtype]
    return np.asarray(a).astype(np_t).astype(np.float64)


def expected(a, dtype):
    a = np.asarray(a, dtype=np.float64)
    if dtype == "float64":
        return tensor(a)
    if dtype == "float16":
        return tensor(a.astype(np.float16))
    if dtype == "int32":
        return tensor(a.astype(np.int32))
    # float32: 8 significant digits is well inside the tests' tolerance and keeps the file small
    vals = np.array([float(f"{v:.8g}") if math.isfinite(v) else v for v in a.astype(np.float32).astype(np.float64).ravel()])
    return tensor(vals.reshape(a.shape), dtype="float32")


def view(x, permute=None, step=None):
    if permute is not None:
        x = x.transpose(permute)
    if step is not None:
        idx = [slice(None)] * x.ndim
        idx[step[0]] = slice(None, None, step[1])
        x = x[tuple(idx)]
    return x


def resolve_padding(padding, spatial, window, stride, dilation):
    pads = []
    for i, n in enumerate(spatial):
        eff = (window[i] - 1) * dilation[i] + 1
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "same":
            out = -(-n // stride[i])
            total = max((out - 1) * stride[i] + eff - n, 0)
            pads.append((total // 2, total - total // 2))
        else:
            pads.append(tuple(padding[i]))
    return pads


def conv_ref(x, k, b, stride, padding, dilation, groups):
    r = x.ndim - 2
    spatial, ks = x.shape[1:-1], k.shape[:r]
    pads = resolve_padding(padding, spatial, ks, stride, dilation)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    outs = [(xp.shape[1 + i] - ((ks[i] - 1) * dilation[i] + 1)) // stride[i] + 1 for i in range(r)]
    n, c, o = x.shape[0], x.shape[-1], k.shape[-1]
    cg, og = c // groups, o // groups
    out = np.zeros([n] + outs + [o])
    for offs in np.ndindex(*ks):
        sl = tuple(slice(offs[i] * dilation[i], offs[i] * dilation[i] + (outs[i] - 1) * stride[i] + 1, stride[i])
                   for i in range(r))
        patch = xp[(slice(None),) + sl + (slice(None),)]
        for g in range(groups):
            w = k[offs + (slice(None), slice(g * og, (g + 1) * og))]
            out[..., g * og:(g + 1) * og] += patch[..., g * cg:(g + 1) * cg] @ w
    if b is not None:
        out = out + b
    return out


def add_conv(name, op, xshape, kshape, bias=False, stride=(1,), padding="valid", dilation=(1,), groups=1,
             dtype="float32", permute=None, step=None, out_dtype=None):
    r = 1 if op == "conv1d" else 2
    if dtype == "int32":
        xs = R.integers(-4, 5, xshape).astype(np.float64)
        k = R.integers(-3, 4, kshape).astype(np.float64)
        b = R.integers(-3, 4, kshape[-1]).astype(np.float64) if bias else None
    else:
        xs, k = data(xshape), data(kshape)
        b = data(kshape[-1]) if bias else None
    x = view(as_dtype(xs, dtype), permute, step)
    st = list(stride) * (r // len(stride)) if len(stride) == 1 else list(stride)
    dl = list(dilation) * (r // len(dilation)) if len(dilation) == 1 else list(dilation)
    ref = conv_ref(x, as_dtype(k, dtype), None if b is None else as_dtype(b, dtype), st, padding, dl, groups)
    inputs = {"x": stored(xs, dtype), "k": stored(k, dtype)}
    if b is not None:
        inputs["b"] = stored(b, dtype)
    attrs = dict(kind="conv", op=op, stride=list(stride), dilation=list(dilation), padding=padding, groups=groups)
    if permute is not None:
        attrs["permute"] = list(permute)
    if step is not None:
        attrs["step"] = list(step)
    fx.add(name, inputs, {"out": expected(ref, out_dtype or dtype)}, **attrs)


# conv2d
add_conv("conv2d_valid_bias_batch2", "conv2d", [2, 5, 5, 3], [3, 3, 3, 4], bias=True)
add_conv("conv2d_same_stride2", "conv2d", [1, 7, 6, 2], [3, 3, 2, 3], stride=(2,), padding="same")
add_conv("conv2d_same_even_kernel", "conv2d", [1, 5, 5, 2], [2, 4, 2, 2], padding="same")
add_conv("conv2d_dilation2_explicit", "conv2d", [1, 7, 7, 2], [3, 3, 2, 3], dilation=(2,),
         padding=[[1, 2], [2, 0]], bias=True)
add_conv("conv2d_stride_dilation_per_dim", "conv2d", [2, 6, 7, 2], [2, 3, 2, 2], stride=(2, 1), dilation=(1, 2),
         padding="same")
add_conv("conv2d_groups2_same_bias", "conv2d", [2, 5, 4, 4], [3, 3, 2, 6], groups=2, padding="same", bias=True)
add_conv("conv2d_depthwise_stride2", "conv2d", [2, 6, 5, 3], [3, 3, 1, 3], groups=3, stride=(2,), padding="same",
         bias=True)
add_conv("conv2d_depthwise_multiplier2", "conv2d", [1, 5, 5, 3], [2, 2, 1, 6], groups=3, dilation=(2,))
add_conv("conv2d_pointwise", "conv2d", [2, 3, 4, 5], [1, 1, 5, 4], bias=True)
add_conv("conv2d_pointwise_groups2", "conv2d", [1, 3, 3, 4], [1, 1, 2, 6], groups=2)
add_conv("conv2d_pointwise_stride2", "conv2d", [1, 5, 5, 3], [1, 1, 3, 2], stride=(2,))
add_conv("conv2d_float64", "conv2d", [2, 5, 4, 3], [3, 2, 3, 2], stride=(2,), padding="same", bias=True,
         dtype="float64")
add_conv("conv2d_float16", "conv2d", [1, 4, 4, 2], [3, 3, 2, 2], padding="same", dtype="float16")
add_conv("conv2d_int32_gives_float32", "conv2d", [1, 4, 4, 2], [2, 2, 2, 3], bias=True, dtype="int32",
         out_dtype="float32")
# stored x is [N, W, H, C]; the Swift side permutes to [N, H, W, C] (a non-contiguous view)
add_conv("conv2d_transposed_view", "conv2d", [2, 5, 6, 3], [3, 3, 3, 2], padding="same", permute=(0, 2, 1, 3),
         bias=True)
add_conv("conv2d_pointwise_transposed_view", "conv2d", [1, 4, 3, 4], [1, 1, 4, 3], permute=(0, 2, 1, 3))
add_conv("conv2d_depthwise_strided_view", "conv2d", [1, 5, 4, 6], [3, 3, 1, 3], groups=3, padding="same",
         step=(3, 2))
add_conv("conv2d_groups2_channel_view", "conv2d", [1, 4, 4, 8], [3, 3, 2, 4], groups=2, step=(3, 2))
add_conv("conv2d_kernel_equals_input", "conv2d", [2, 3, 3, 2], [3, 3, 2, 2])
add_conv("conv2d_empty_batch", "conv2d", [0, 4, 4, 2], [3, 3, 2, 2], padding="same", bias=True)

# conv1d
add_conv("conv1d_valid_bias", "conv1d", [2, 8, 3], [3, 3, 4], bias=True)
add_conv("conv1d_same_stride2_dilation2", "conv1d", [2, 9, 2], [3, 2, 3], stride=(2,), dilation=(2,),
         padding="same")
add_conv("conv1d_causal_explicit", "conv1d", [1, 7, 2], [3, 2, 2], padding=[[2, 0]], bias=True)
add_conv("conv1d_groups2", "conv1d", [2, 6, 4], [2, 2, 4], groups=2, padding="same")
add_conv("conv1d_depthwise", "conv1d", [1, 8, 4], [3, 1, 4], groups=4, stride=(2,), padding="same", bias=True)
add_conv("conv1d_float64", "conv1d", [1, 6, 2], [3, 2, 2], padding="same", dtype="float64", bias=True)
add_conv("conv1d_transposed_view", "conv1d", [1, 3, 7], [3, 3, 2], permute=(0, 2, 1))


def pool_ref(x, kind, window, stride, padding, include_pad):
    r = x.ndim - 2
    pads = resolve_padding(padding, x.shape[1:-1], window, stride, [1] * r)
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    mask = np.pad(np.ones(x.shape[1:-1]), pads)
    outs = [(xp.shape[1 + i] - window[i]) // stride[i] + 1 for i in range(r)]
    out = np.zeros([x.shape[0]] + outs + [x.shape[-1]])
    for pos in np.ndindex(*outs):
        sl = tuple(slice(pos[i] * stride[i], pos[i] * stride[i] + window[i]) for i in range(r))
        win = xp[(slice(None),) + sl + (slice(None),)]
        axes = tuple(range(1, r + 1))
        if kind == "max":
            val = win.max(axis=axes)
        else:
            count = np.prod(window) if include_pad else mask[sl].sum()
            val = win.sum(axis=axes) / count
        out[(slice(None),) + pos + (slice(None),)] = val
    return out


def add_pool(name, op, xshape, window, stride=(1,), padding="valid", include_pad=True, dtype="float32",
             permute=None, nan_at=None, out_dtype=None):
    r = 1 if op.endswith("1d") else 2
    xs = R.integers(-50, 50, xshape).astype(np.float64) if dtype == "int32" else data(xshape)
    if nan_at is not None:
        xs[nan_at] = np.nan
    x = view(as_dtype(xs, dtype), permute)
    win = list(window) * r if len(window) == 1 else list(window)
    st = list(stride) * r if len(stride) == 1 else list(stride)
    kind = "max" if op.startswith("max") else "avg"
    ref = pool_ref(x, kind, win, st, padding, include_pad)
    attrs = dict(kind="pool", op=op, window=list(window), stride=list(stride), padding=padding,
                 countIncludePad=include_pad)
    if permute is not None:
        attrs["permute"] = list(permute)
    fx.add(name, {"x": stored(xs, dtype)}, {"out": expected(ref, out_dtype or dtype)}, **attrs)


add_pool("maxPool2d_window2_stride2", "maxPool2d", [2, 4, 6, 3], (2,), stride=(2,))
add_pool("maxPool2d_default_stride1", "maxPool2d", [1, 4, 4, 2], (2,))
add_pool("maxPool2d_same_window3_stride2", "maxPool2d", [1, 5, 6, 2], (3,), stride=(2,), padding="same")
add_pool("maxPool2d_explicit_per_dim", "maxPool2d", [1, 4, 5, 2], (2, 3), stride=(1, 2), padding=[[1, 1], [0, 2]])
add_pool("maxPool2d_nan_propagates", "maxPool2d", [1, 4, 4, 1], (2,), stride=(2,), nan_at=(0, 1, 0, 0))
add_pool("maxPool2d_float64", "maxPool2d", [1, 4, 4, 2], (3,), stride=(1,), padding="same", dtype="float64")
add_pool("maxPool2d_int32", "maxPool2d", [1, 4, 4, 2], (2,), stride=(2,), dtype="int32")
add_pool("maxPool2d_transposed_view", "maxPool2d", [2, 5, 4, 3], (2,), stride=(2,), padding="same",
         permute=(0, 2, 1, 3))
add_pool("avgPool2d_window2_stride2", "avgPool2d", [2, 4, 4, 3], (2,), stride=(2,))
add_pool("avgPool2d_same_include_pad", "avgPool2d", [1, 5, 5, 2], (3,), stride=(2,), padding="same")
add_pool("avgPool2d_same_exclude_pad", "avgPool2d", [1, 5, 5, 2], (3,), stride=(2,), padding="same",
         include_pad=False)
add_pool("avgPool2d_explicit_exclude_pad", "avgPool2d", [1, 4, 3, 2], (2, 3), stride=(2, 1),
         padding=[[1, 0], [1, 1]], include_pad=False)
add_pool("avgPool2d_float64", "avgPool2d", [1, 4, 4, 2], (2,), stride=(1,), dtype="float64")
add_pool("avgPool2d_int32_gives_float32", "avgPool2d", [1, 4, 4, 1], (2,), stride=(2,), dtype="int32",
         out_dtype="float32")
add_pool("avgPool2d_transposed_view", "avgPool2d", [1, 4, 5, 3], (3,), padding="same", include_pad=False,
         permute=(0, 2, 1, 3))
add_pool("maxPool1d_window3_stride2_same", "maxPool1d", [2, 7, 3], (3,), stride=(2,), padding="same")
add_pool("maxPool1d_explicit", "maxPool1d", [1, 5, 2], (2,), padding=[[1, 1]])
add_pool("avgPool1d_window2", "avgPool1d", [2, 6, 2], (2,), stride=(2,))
add_pool("avgPool1d_same_exclude_pad", "avgPool1d", [1, 6, 3], (4,), stride=(1,), padding="same",
         include_pad=False)


def norm_ref(x, op, axes, eps, w, b):
    ax = tuple(a % x.ndim for a in axes)
    feat_shape = [x.shape[i] if i in ax else 1 for i in range(x.ndim)]
    if op == "layerNorm":
        y = (x - x.mean(axis=ax, keepdims=True)) / np.sqrt(x.var(axis=ax, keepdims=True) + eps)
    else:
        y = x / np.sqrt((x * x).mean(axis=ax, keepdims=True) + eps)
    feature = [x.shape[i] for i in sorted(ax)]
    if w is not None:
        y = y * np.broadcast_to(w, feature).reshape(feat_shape)
    if b is not None:
        y = y + np.broadcast_to(b, feature).reshape(feat_shape)
    return y


def add_norm(name, op, xshape, axes=(-1,), eps=1e-6, wshape=None, bshape=None, dtype="float32", permute=None,
             offset=0.0, step=None):
    xs = data(xshape) + offset
    w = data(wshape) + 1 if wshape is not None else None
    b = data(bshape) if bshape is not None else None
    x = view(as_dtype(xs, dtype), permute, step)
    ref = norm_ref(x, op, axes, eps, None if w is None else as_dtype(w, dtype), None if b is None else as_dtype(b, dtype))
    inputs = {"x": stored(xs, dtype)}
    if w is not None:
        inputs["w"] = stored(w, dtype)
    if b is not None:
        inputs["b"] = stored(b, dtype)
    attrs = dict(kind="norm", op=op, axes=list(axes), epsilon=eps)
    if permute is not None:
        attrs["permute"] = list(permute)
    if step is not None:
        attrs["step"] = list(step)
    fx.add(name, inputs, {"out": expected(ref, dtype)}, **attrs)


add_norm("layerNorm_last_axis", "layerNorm", [3, 37])
add_norm("layerNorm_weight_bias_3d", "layerNorm", [2, 3, 20], wshape=[20], bshape=[20])
add_norm("layerNorm_large_offset", "layerNorm", [2, 48], offset=1000.0, wshape=[48], bshape=[48])
add_norm("layerNorm_eps_1e-5_scalar_weight", "layerNorm", [4, 5], eps=1e-5, wshape=[1], bshape=[5])
add_norm("layerNorm_middle_axis", "layerNorm", [2, 6, 3], axes=(1,), wshape=[6], bshape=[6])
add_norm("layerNorm_axes_1_2", "layerNorm", [2, 3, 4, 5], axes=(1, 2), wshape=[3, 4], bshape=[3, 4])
add_norm("layerNorm_axes_0_2_not_adjacent", "layerNorm", [3, 4, 5], axes=(0, 2), wshape=[3, 5], bshape=[5])
add_norm("layerNorm_middle_axis_strided_view", "layerNorm", [2, 5, 8], axes=(1,), step=(2, 2), wshape=[5])
add_norm("layerNorm_axes_negative_unsorted", "layerNorm", [2, 3, 8], axes=(-1, -2))
add_norm("layerNorm_float64", "layerNorm", [3, 9], wshape=[9], bshape=[9], dtype="float64")
add_norm("layerNorm_float16", "layerNorm", [2, 16], wshape=[16], bshape=[16], dtype="float16")
add_norm("layerNorm_transposed_view", "layerNorm", [20, 3], wshape=[20], bshape=[20], permute=(1, 0))
add_norm("layerNorm_strided_view", "layerNorm", [3, 34], step=(1, 2))
add_norm("rmsNorm_last_axis", "rmsNorm", [3, 40])
add_norm("rmsNorm_weight", "rmsNorm", [2, 2, 17], wshape=[17])
add_norm("rmsNorm_axis0_eps", "rmsNorm", [5, 3], axes=(0,), eps=1e-3, wshape=[5])
add_norm("rmsNorm_float64_view", "rmsNorm", [6, 2], dtype="float64", wshape=[6], permute=(1, 0))

fx.write()
