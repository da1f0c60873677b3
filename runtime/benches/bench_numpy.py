"""NumPy side of the core benchmarks: times one case and prints one JSON line.

Usage: bench_numpy.py CASE SIZE REPEATS, CASE in sgemm, add, mul, exp, softmax, copy.
Run by runtime/benches/bench_core.rs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset.
"""

import json
import sys
import time

import numpy as np


def best_of(repeats, fn):
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def main():
    case, size, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = np.random.default_rng(0)
    if case == "sgemm":
        a = rng.standard_normal((size, size), dtype=np.float32)
        b = rng.standard_normal((size, size), dtype=np.float32)
        secs = best_of(repeats, lambda: a @ b)
    else:
        x = rng.standard_normal(size, dtype=np.float32)
        y = rng.standard_normal(size, dtype=np.float32)
        fns = {
            "add": lambda: x + y,
            "mul": lambda: x * y,
            "exp": lambda: np.exp(x),
            "copy": lambda: x.copy(),
            "softmax": lambda: softmax(x.reshape(-1, 4096)),
        }
        secs = best_of(repeats, fns[case])
    config = np.show_config(mode="dicts") if hasattr(np, "show_config") else {}
    blas = config.get("Build Dependencies", {}).get("blas", {}) if isinstance(config, dict) else {}
    print(json.dumps({"case": case, "size": size, "seconds": secs,
                      "numpy": np.__version__, "blas": f"{blas.get('name', '?')} {blas.get('version', '')}"}))


if __name__ == "__main__":
    main()
