"""Writes references.json: float64 log-densities, entropies and KL divergences from SciPy, the independent
reader the QuireDistributions tests compare against (1e-6 relative). KLs without a SciPy closed form are
numerical integrals (quad, ~1e-10) of p·(log p − log q); Dirichlet's is a closed form from scipy.special.

    ~/.cache/quire-peers-venv/bin/python Tests/QuireDistributionsTests/Fixtures/make_references.py
"""
import json, os
import numpy as np
from scipy import stats, integrate, special

out = {}

def kl_quad(p, q, lo, hi):
    f = lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)) if p.pdf(x) > 0 else 0.0
    v, _ = integrate.quad(f, lo, hi, epsabs=1e-13, epsrel=1e-12, limit=500)
    return v

xs = [-2.5, -0.3, 0.0, 0.7, 3.1]
# Normal(loc, scale)
p, q = stats.norm(0.5, 1.7), stats.norm(-1.0, 0.6)
out["normal"] = {"loc": 0.5, "scale": 1.7, "x": xs, "logProb": list(p.logpdf(xs)), "entropy": float(p.entropy()),
                 "other": {"loc": -1.0, "scale": 0.6}, "kl": kl_quad(p, q, -np.inf, np.inf)}
# Laplace
p, q = stats.laplace(0.5, 1.7), stats.laplace(-1.0, 0.6)
out["laplace"] = {"loc": 0.5, "scale": 1.7, "x": xs, "logProb": list(p.logpdf(xs)), "entropy": float(p.entropy()),
                  "other": {"loc": -1.0, "scale": 0.6},
                  "kl": sum(kl_quad(p, q, a, b) for a, b in [(-80.0, -1.0), (-1.0, 0.5), (0.5, 80.0)])}
# Uniform(low, high)
p, q = stats.uniform(-1.0, 3.0), stats.uniform(-2.0, 5.5)
ux = [-0.5, 0.0, 1.9]
out["uniform"] = {"low": -1.0, "high": 2.0, "x": ux, "logProb": list(p.logpdf(ux)), "entropy": float(p.entropy()),
                  "other": {"low": -2.0, "high": 3.5}, "kl": kl_quad(p, q, -1.0, 2.0)}
# Gamma(concentration, rate)
gx = [0.05, 0.4, 1.0, 2.5, 7.0]
for name, (a, b, a2, b2) in {"gamma": (2.5, 1.3, 1.2, 0.4), "gammaSmall": (0.45, 2.0, 3.0, 1.5)}.items():
    p, q = stats.gamma(a, scale=1 / b), stats.gamma(a2, scale=1 / b2)
    out[name] = {"concentration": a, "rate": b, "x": gx, "logProb": list(p.logpdf(gx)), "entropy": float(p.entropy()),
                 "other": {"concentration": a2, "rate": b2}, "kl": kl_quad(p, q, 0, np.inf)}
# Beta(alpha, beta)
bx = [0.02, 0.3, 0.5, 0.77, 0.99]
p, q = stats.beta(2.3, 0.8), stats.beta(1.1, 3.4)
out["beta"] = {"alpha": 2.3, "beta": 0.8, "x": bx, "logProb": list(p.logpdf(bx)), "entropy": float(p.entropy()),
               "other": {"alpha": 1.1, "beta": 3.4}, "kl": kl_quad(p, q, 0, 1)}
# Dirichlet(concentration)
a, b = np.array([0.7, 2.0, 3.5]), np.array([1.5, 1.0, 0.6])
dx = [[0.2, 0.3, 0.5], [0.05, 0.9, 0.05], [0.6, 0.1, 0.3]]
a0, b0 = a.sum(), b.sum()
kl = (special.gammaln(a0) - special.gammaln(a).sum() - special.gammaln(b0) + special.gammaln(b).sum()
      + ((a - b) * (special.digamma(a) - special.digamma(a0))).sum())
out["dirichlet"] = {"concentration": list(a), "x": dx, "logProb": [float(stats.dirichlet(a).logpdf(v)) for v in dx],
                    "entropy": float(stats.dirichlet(a).entropy()), "other": {"concentration": list(b)}, "kl": float(kl)}
# Categorical(probs)
pc, qc = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.25, 0.25, 0.4, 0.1])
out["categorical"] = {"probs": list(pc), "x": [0, 1, 2, 3], "logProb": list(np.log(pc)), "entropy": float(stats.entropy(pc)),
                      "other": {"probs": list(qc)}, "kl": float(stats.entropy(pc, qc))}
# Bernoulli(probs)
out["bernoulli"] = {"probs": 0.3, "x": [0, 1], "logProb": list(stats.bernoulli(0.3).logpmf([0, 1])),
                    "entropy": float(stats.bernoulli(0.3).entropy()), "other": {"probs": 0.8},
                    "kl": float(0.3 * np.log(0.3 / 0.8) + 0.7 * np.log(0.7 / 0.2))}
# Special functions
sx = [0.1, 0.5, 1.0, 2.5, 7.0, 30.0]
out["special"] = {"x": sx, "logGamma": list(special.gammaln(sx)), "digamma": list(special.digamma(sx)),
                  "trigamma": list(special.polygamma(1, sx)), "tetragamma": list(special.polygamma(2, sx)),
                  "gammaP": [[a, x, float(special.gammainc(a, x))] for a in (0.3, 1.0, 2.5, 10.0) for x in (0.05, 1.0, 4.0, 15.0)]}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "references.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path)
