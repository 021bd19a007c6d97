"""JAX peer for `quire bench grad`: the same two cases, timed the same way (best of repeated runs after a
warm-up), on CPU. Benchmark reference only; never a test dependency. Run with the peers' virtualenv:
    ~/.cache/quire-peers-venv/bin/python scripts/bench/jax_grad.py

- tiny_chain: 50 x (tanh(h * 0.99) + ±0.01) on 4 float32s, then sum: jax.value_and_grad un-jitted (op-by-op
  dispatch, the analogue of Quire's traced eager mode) and jitted (compiled once, for reference).
- mlp: 64-256-256-10 ReLU MLP, softmax cross-entropy with integer labels, batch 128, float32:
  jax.value_and_grad un-jitted and jitted (the workload of ../shared/peers/w2_mlp.py, without the optimizer).
"""
import os
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from benchlib import emit, measure  # noqa: E402


def chain(x):
    h = x
    for i in range(50):
        h = jnp.tanh(h * 0.99) + (0.01 if i % 2 == 0 else -0.01)
    return h.sum()


def mlp_loss(p, x, labels):
    h1 = jax.nn.relu(x @ p["l1.w"] + p["l1.b"])
    h2 = jax.nn.relu(h1 @ p["l2.w"] + p["l2.b"])
    logits = h2 @ p["l3.w"] + p["l3.b"]
    return -jnp.take_along_axis(jax.nn.log_softmax(logits), labels, axis=1).mean()


def main():
    emit(benchmark="grad", kind="environment", jax=jax.__version__, devices=str(jax.devices()),
         cores=os.cpu_count(), date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    x = jnp.asarray(np.random.default_rng(5).uniform(-1, 1, 4).astype(np.float32))
    ops = 151
    plain, _ = measure(lambda: chain(x).block_until_ready(), min_seconds=1.0)
    vg = jax.value_and_grad(chain)
    eager, _ = measure(lambda: jax.block_until_ready(vg(x)), min_seconds=1.0)
    vg_jit = jax.jit(vg)
    jitted, _ = measure(lambda: jax.block_until_ready(vg_jit(x)), min_seconds=1.0)
    emit(benchmark="grad", case="tiny_chain", ops=ops, plain_us_per_op=round(plain * 1e6 / ops, 3),
         value_and_grad_us_per_op=round(eager * 1e6 / ops, 3),
         overhead_us_per_traced_op=round((eager - plain) * 1e6 / ops, 3),
         jit_value_and_grad_us=round(jitted * 1e6, 1))

    rng = np.random.default_rng(0)
    sizes = [64, 256, 256, 10]
    p = {}
    for i in range(3):
        p[f"l{i + 1}.w"] = jnp.asarray((rng.uniform(-1, 1, (sizes[i], sizes[i + 1])) / np.sqrt(sizes[i])).astype(np.float32))
        p[f"l{i + 1}.b"] = jnp.zeros(sizes[i + 1], jnp.float32)
    xb = jnp.asarray(rng.uniform(0, 1, (128, 64)).astype(np.float32))
    labels = jnp.asarray((np.arange(128) % 10).astype(np.int32)[:, None])
    fwd, _ = measure(lambda: mlp_loss(p, xb, labels).block_until_ready())
    vg = jax.value_and_grad(mlp_loss)
    eager, eager_med = measure(lambda: jax.block_until_ready(vg(p, xb, labels)), min_seconds=2)
    vg_jit = jax.jit(vg)
    jitted, jit_med = measure(lambda: jax.block_until_ready(vg_jit(p, xb, labels)), min_seconds=2)
    emit(benchmark="grad", case="mlp_64_256_256_10_b128", forward_ms=round(fwd * 1e3, 3),
         value_and_grad_ms=round(eager * 1e3, 3), median_ms=round(eager_med * 1e3, 3),
         jit_value_and_grad_ms=round(jitted * 1e3, 3), jit_median_ms=round(jit_med * 1e3, 3))


if __name__ == "__main__":
    main()
