"""Timing and output shared by the peer scripts in this folder: the same best-of-N after a warm-up that
`quire bench` uses, and one JSON object per line."""
import json
import time


def measure(fn, min_reps=5, min_seconds=0.5, max_reps=100000):
    """Runs fn once to warm up, then until min_reps runs and min_seconds have passed; (best, median) seconds."""
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < min_seconds and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[0], times[len(times) // 2]


def emit(**fields):
    print(json.dumps(fields, sort_keys=True), flush=True)
