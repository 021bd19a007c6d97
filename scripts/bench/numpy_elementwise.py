"""NumPy peer for `quire bench elementwise`: a + b and exp in GB/s for 1M and 16M float32, and a row
softmax, timed the same way (best of repeated runs after a warm-up). Benchmark reference only; never a
test dependency. Run with the peers' virtualenv:  ~/.cache/quire-peers-venv/bin/python scripts/bench/numpy_elementwise.py"""
import os

import numpy as np

from benchlib import emit, measure


def softmax(x):
    m = x.max(axis=-1, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=-1, keepdims=True)


def main():
    rng = np.random.default_rng(0)
    emit(peer="numpy", numpy=np.__version__, OPENBLAS_CORETYPE=os.environ.get("OPENBLAS_CORETYPE", "unset"))
    for n, label in [(1 << 20, "1M"), (1 << 24, "16M")]:
        a = rng.uniform(-1, 1, n).astype(np.float32)
        b = rng.uniform(-1, 1, n).astype(np.float32)
        best, med = measure(lambda: a + b)
        emit(peer="numpy", case=f"add_{label}", gbps=round(12 * n / best / 1e9, 2), median_gbps=round(12 * n / med / 1e9, 2))
        best, med = measure(lambda: np.exp(a))
        emit(peer="numpy", case=f"exp_{label}", gbps=round(8 * n / best / 1e9, 2), median_gbps=round(8 * n / med / 1e9, 2))
    for rows, cols in [(4096, 256), (1024, 4096)]:
        x = rng.uniform(-4, 4, (rows, cols)).astype(np.float32)
        best, _ = measure(lambda: softmax(x))
        emit(peer="numpy", case=f"softmax_{rows}x{cols}", ms=round(best * 1e3, 3), gbps=round(8 * rows * cols / best / 1e9, 2))


if __name__ == "__main__":
    main()
