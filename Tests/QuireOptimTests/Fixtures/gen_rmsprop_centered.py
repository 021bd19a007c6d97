"""Reference trajectory for centered RMSProp, computed by Optax itself (the peer), for OptaxFixtureTests.

A small least-squares problem: minimize mean((x @ w + bias - y)^2) over w (3) and bias (1) from fixed
starting values, 25 steps of optax.rmsprop(learning_rate=0.01, decay=0.9, eps=1e-8, centered=True,
momentum=0.9), in float64. The JSON keeps the problem, the hyper-parameters and the parameters after
every step; it is committed, so the Swift test needs no Python.

Run with the peers' virtualenv (it has JAX and Optax):
    ~/.cache/quire-peers-venv/bin/python Tests/QuireOptimTests/Fixtures/gen_rmsprop_centered.py
"""
import json
import os

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 25
HYPER = {"learningRate": 0.01, "decay": 0.9, "eps": 1e-8, "momentum": 0.9}

rng = np.random.default_rng(21)
x = np.round(rng.standard_normal((8, 3)), 3)
y = np.round(x @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.1 * rng.standard_normal(8), 3)
params = {"w": jnp.array([0.1, 0.2, -0.3]), "bias": jnp.array([0.0])}


def loss(p):
    return jnp.mean((jnp.asarray(x) @ p["w"] + p["bias"][0] - jnp.asarray(y)) ** 2)


tx = optax.rmsprop(learning_rate=HYPER["learningRate"], decay=HYPER["decay"], eps=HYPER["eps"], centered=True,
                   momentum=HYPER["momentum"])
state = tx.init(params)
trajectory = []
start = {k: np.asarray(v).tolist() for k, v in params.items()}
for _ in range(STEPS):
    grads = jax.grad(loss)(params)
    updates, state = tx.update(grads, state, params)
    params = optax.apply_updates(params, updates)
    trajectory.append({k: np.asarray(v).tolist() for k, v in params.items()})

out = {
    "generator": "gen_rmsprop_centered.py", "optax": optax.__version__, "jax": jax.__version__,
    "hyper": HYPER, "x": x.tolist(), "y": y.tolist(), "start": start, "steps": trajectory,
}
with open(os.path.join(HERE, "rmsprop_centered.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote rmsprop_centered.json: {STEPS} steps, final loss {float(loss(params)):.6f}")
