#!/bin/bash
# Transformer LM figures for docs/BENCHMARKS.md ("Transformer LM (issue 18)"), back to back: the Flax NNX
# peer (w3_transformer.py) then `quire bench transformer --filter train`, PAIRS times.
# Run from the repository root after `swift build -c release --product quire`, holding the shared lock:
#   flock /tmp/quire-bench.lock scripts/bench/transformer.sh
# BLAS_CORE (default SkylakeX) is passed to OpenBLAS as OPENBLAS_CORETYPE for Quire's command only (the
# peer's XLA does not use OpenBLAS): this machine's Debian OpenBLAS falls back to its Prescott (SSE3)
# kernel when the variable is unset; set BLAS_CORE= (empty) to leave it unset.
set -e
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-/tmp/quire-bench-cache}
Q=${QUIRE:-.build/release/quire}
PY=${PEER_PYTHON:-$HOME/.cache/quire-peers-venv/bin/python}
PEER=${PEER_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/peers}/w3_transformer.py
BLAS_CORE=${BLAS_CORE-SkylakeX}
blas() { if [ -n "$BLAS_CORE" ]; then OPENBLAS_CORETYPE=$BLAS_CORE "$@"; else "$@"; fi; }
for _ in $(seq "${PAIRS:-1}"); do
    date -u; uptime
    "$PY" "$PEER"
    date -u; uptime
    blas "$Q" bench transformer --json --filter train
done
