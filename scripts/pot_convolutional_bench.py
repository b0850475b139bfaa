#!/usr/bin/env python3
"""POT side of benches/convolutional.rs: ot.bregman.convolutional_barycenter2d (method 'sinkhorn',
reg = 0.004 as in POT's plot_convolutional_barycenter example) on the three images that the
criterion bench exports to target/convolutional_bench/, with the same fixed iteration count
(stopThr = 0, so POT never stops early), best of `--repetitions` after a warm-up; prints the time
per solve and the largest entry-wise difference from our barycentre.

Also, with --converge, the iterations that POT's default stopping rule takes at 64^2 (the public
wrapper's stopThr = 1e-4 on the sum over pixels of the std across inputs of V_k * K U_k, checked
every 10 iterations).
Dev-time only:  python3 scripts/pot_convolutional_bench.py [--converge]
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import ot

REG = 0.004
ITERATIONS = 100  # keep equal to ITERATIONS in benches/convolutional.rs
DIR = Path(__file__).resolve().parent.parent / "target" / "convolutional_bench"


def load(name, n):
    return np.fromfile(DIR / name, dtype="<f8").reshape(n, n)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="64,128,256,512")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--converge", action="store_true")
    parser.add_argument("--json", default=str(DIR / "pot.json"))
    args = parser.parse_args()
    weights = np.full(3, 1.0 / 3.0)
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        A = np.stack([load(f"input_{n}_{k}.f64", n) for k in range(3)])

        def solve():
            return ot.bregman.convolutional_barycenter2d(
                A, REG, weights, method="sinkhorn", numItermax=ITERATIONS, stopThr=0.0, warn=False
            )

        bar = solve()  # warm-up
        reps = args.repetitions if n < 512 else 1
        best = float("inf")
        for _ in range(reps):
            start = time.perf_counter()
            bar = solve()
            best = min(best, time.perf_counter() - start)
        ours = load(f"ours_{n}.f64", n)
        diff = float(np.max(np.abs(bar - ours)))
        rel = diff / float(np.max(bar))
        print(f"convolutional_barycenter2d {n}x{n} {ITERATIONS} it: {best:.3f} s (best of {reps}), "
              f"max |POT - ours| = {diff:.3e} ({rel:.2e} of max)")
        rows.append({"n": n, "seconds": best, "max_abs_diff": diff, "relative": rel})
    if args.converge:
        n = 64
        A = np.stack([load(f"input_{n}_{k}.f64", n) for k in range(3)])
        start = time.perf_counter()
        _, log = ot.bregman.convolutional_barycenter2d(A, REG, weights, method="sinkhorn", log=True)
        print(f"POT default stopping at {n}x{n}: {log['niter'] + 1} iterations, err {log['err'][-1]:.3e}, "
              f"{time.perf_counter() - start:.3f} s")
    Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
