#!/bin/bash
# Kernel backend figures for docs/BENCHMARKS.md ("Kernel backend (issue 20)"), back to back: the matmul
# kernel (autotuned, n = 1024 and 2048), int8 (VNNI) and bfloat16 against float32 OpenBLAS (its own
# threaded sgemm, the engine bypassed), the same with
# OpenBLAS left to detect the CPU, attention forward and forward+backward each followed by the JAX peer's
# same case, then the matmul kernel on the AVX2 target.
# Run from the repository root after `swift build -c release --product quire`, holding the shared lock:
#   flock /tmp/quire-bench.lock scripts/bench/kernel-backend.sh
# BLAS_CORE (default SkylakeX) is passed to OpenBLAS as OPENBLAS_CORETYPE for the matmul comparison: this
# machine's Debian OpenBLAS falls back to its Prescott (SSE3) kernel when the variable is unset; set
# BLAS_CORE= (empty) where OpenBLAS detects the CPU itself.
set -e
export XDG_CACHE_HOME=${XDG_CACHE_HOME:-/tmp/quire-bench-cache}
Q=${QUIRE:-.build/release/quire}
PY=${PEER_PYTHON:-$HOME/.cache/quire-peers-venv/bin/python}
PEER=${PEER_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/peers}/w4_attention.py
BLAS_CORE=${BLAS_CORE-SkylakeX}
blas() { if [ -n "$BLAS_CORE" ]; then OPENBLAS_CORETYPE=$BLAS_CORE "$@"; else "$@"; fi; }
date -u; uptime
blas "$Q" bench matmul-kernel --json --filter tuned
blas "$Q" bench matmul-kernel --json --filter n1024_int8
blas "$Q" bench matmul-kernel --json --filter n1024_bfloat16
# OpenBLAS's own detection on this machine (Prescott): the variable unset for both sides.
env -u OPENBLAS_CORETYPE "$Q" bench matmul-kernel --json --filter n1024_tuned
"$Q" bench attention --json
for s in 1024 2048 4096; do "$PY" "$PEER" jax_nn_dot_product_attention $s; done
"$Q" bench attention-grad --json
for s in 1024 2048 4096; do "$PY" "$PEER" jax_nn_dot_product_attention_grad $s; done
# The AVX2 target, against OpenBLAS's AVX-512 kernel and then its AVX2 (Haswell) kernel.
QUIRE_KERNEL_TARGET=avx2 blas "$Q" bench matmul-kernel --json --filter n1024_tuned
QUIRE_KERNEL_TARGET=avx2 OPENBLAS_CORETYPE=Haswell "$Q" bench matmul-kernel --json --filter n1024_tuned
date -u; uptime
