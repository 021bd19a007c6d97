"""Writes transformer_flax.safetensors: the w3 peer's CharLM (Flax NNX; pre-LayerNorm, GELU MLP,
learned positions, untied head) at small sizes, its Flax-initialized weights renamed to Quire's
parameter paths, a batch of tokens and Flax's logits for them. Run once with the peers' venv:
    ~/.cache/quire-peers-venv/bin/python Tests/QuireNNTests/Fixtures/gen_transformer.py
"""
import os

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from safetensors.numpy import save_file

jax.config.update("jax_enable_x64", False)
V, L, D, H, M, T, B = 11, 2, 16, 2, 32, 8, 2


class Block(nnx.Module):
    def __init__(self, rngs):
        self.ln1 = nnx.LayerNorm(D, rngs=rngs)
        self.attn = nnx.MultiHeadAttention(num_heads=H, in_features=D, qkv_features=D, out_features=D,
                                           decode=False, rngs=rngs)
        self.ln2 = nnx.LayerNorm(D, rngs=rngs)
        self.fc1 = nnx.Linear(D, M, rngs=rngs)
        self.fc2 = nnx.Linear(M, D, rngs=rngs)

    def __call__(self, x, mask):
        x = x + self.attn(self.ln1(x), mask=mask)
        return x + self.fc2(nnx.gelu(self.fc1(self.ln2(x))))


class CharLM(nnx.Module):
    def __init__(self, rngs):
        self.tok = nnx.Embed(V, D, rngs=rngs)
        self.pos = nnx.Embed(T, D, rngs=rngs)
        self.blocks = nnx.List([Block(rngs) for _ in range(L)])
        self.ln_f = nnx.LayerNorm(D, rngs=rngs)
        self.head = nnx.Linear(D, V, rngs=rngs)

    def __call__(self, tokens):
        x = self.tok(tokens) + self.pos(jnp.arange(tokens.shape[1]))[None]
        mask = nnx.make_causal_mask(tokens)
        for b in self.blocks:
            x = b(x, mask)
        return self.head(self.ln_f(x))


def main():
    model = CharLM(nnx.Rngs(3))
    # Non-trivial norm parameters so the test sees them used.
    rng = np.random.default_rng(7)
    for ln in [model.ln_f] + [m for b in model.blocks for m in (b.ln1, b.ln2)]:
        ln.scale[...] = jnp.asarray(1 + 0.1 * rng.standard_normal(D), jnp.float32)
        ln.bias[...] = jnp.asarray(0.1 * rng.standard_normal(D), jnp.float32)
    tokens = rng.integers(0, V, size=(B, T)).astype(np.int32)
    logits = np.asarray(model(jnp.asarray(tokens)), np.float32)

    t = {"tok.weight": model.tok.embedding[...], "pos.weight": model.pos.embedding[...],
         "lnF.scale": model.ln_f.scale[...], "lnF.bias": model.ln_f.bias[...],
         "head.weight": model.head.kernel[...], "head.bias": model.head.bias[...]}
    for i, b in enumerate(model.blocks):
        p = f"blocks.{i}."
        for n in ("ln1", "ln2"):
            t[p + n + ".scale"] = getattr(b, n).scale[...]
            t[p + n + ".bias"] = getattr(b, n).bias[...]
        for n in ("query", "key", "value"):
            lin = getattr(b.attn, n)
            t[p + f"attn.{n}.weight"] = lin.kernel[...].reshape(D, D)
            t[p + f"attn.{n}.bias"] = lin.bias[...].reshape(D)
        t[p + "attn.out.weight"] = b.attn.out.kernel[...].reshape(D, D)
        t[p + "attn.out.bias"] = b.attn.out.bias[...]
        for n in ("fc1", "fc2"):
            t[p + n + ".weight"] = getattr(b, n).kernel[...]
            t[p + n + ".bias"] = getattr(b, n).bias[...]
    out = {"params." + k: np.ascontiguousarray(np.asarray(v, np.float32)) for k, v in t.items()}
    out["tokens"] = tokens
    out["logits"] = logits
    save_file(out, os.path.join(os.path.dirname(os.path.abspath(__file__)), "transformer_flax.safetensors"),
              metadata={"generator": "gen_transformer.py", "flax": __import__("flax").__version__,
                        "sizes": f"vocab {V} layers {L} d {D} heads {H} mlp {M} seq {T} batch {B}"})


if __name__ == "__main__":
    main()
