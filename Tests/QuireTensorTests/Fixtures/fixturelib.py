"""Writes reference fixtures for the QuireTensor tests.

Each gen_*.py script computes expected values with NumPy (an independent reference) and writes
<topic>.json beside itself through this module. The JSON is committed, so the Swift tests need no
Python. Re-run a script after changing it:  python3 Tests/QuireTensorTests/Fixtures/gen_<topic>.py

Format: {"generator", "numpy", "cases": [{"name", "inputs": {k: T}, "attrs": {...}, "expected": {k: T}}]}
with T = {"dtype", "shape", "data"}: data flat in row-major order; NaN and infinities as the strings
"nan", "inf", "-inf"; bools as 0/1.
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

_DTYPES = {
    np.dtype("float32"): "float32", np.dtype("float64"): "float64", np.dtype("float16"): "float16",
    np.dtype("int32"): "int32", np.dtype("int8"): "int8", np.dtype("uint8"): "uint8",
    np.dtype("bool"): "bool", np.dtype("int64"): "int32",
}


def _enc(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return float(repr(v)) if abs(v) < 1e300 else v
    return v


def tensor(a, dtype=None):
    """A tensor record; dtype overrides the stored dtype name (e.g. "bfloat16" for float32 data)."""
    a = np.asarray(a)
    name = dtype or _DTYPES[a.dtype]
    if a.dtype == np.float16:
        vals = a.astype(np.float64).ravel().tolist()
    else:
        vals = a.ravel().tolist()
    return {"dtype": name, "shape": list(a.shape), "data": [_enc(v) for v in vals]}


class Fixture:
    def __init__(self, topic):
        self.topic = topic
        self.cases = []

    def add(self, name, inputs, expected, **attrs):
        if not isinstance(expected, dict) or "data" in expected:
            expected = {"out": expected}
        self.cases.append({
            "name": name,
            "inputs": {k: v if isinstance(v, dict) else tensor(v) for k, v in inputs.items()},
            "attrs": attrs,
            "expected": {k: v if isinstance(v, dict) else tensor(v) for k, v in expected.items()},
        })

    def write(self):
        path = os.path.join(HERE, self.topic + ".json")
        doc = {"generator": os.path.basename(sys.argv[0]), "numpy": np.__version__, "cases": self.cases}
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print(f"wrote {path}: {len(self.cases)} cases")


def rng(seed=0):
    return np.random.default_rng(seed)
