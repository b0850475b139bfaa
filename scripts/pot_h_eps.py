#!/usr/bin/env python3
"""Dev-time (issue 19): POT's free-support Sinkhorn barycentre (H_eps, Cuturi and Doucet 2014) on
the instance of `large_h_eps` (crates/kantorovich-barycenter/examples/large_h_eps.rs), for the
side-by-side rows of BENCHMARKS.md:

    python3 scripts/pot_h_eps.py N REL STEPS [OURS]

Three clouds cloud(k, N, 2) + (0, 0), (1, 0.5), (0.5, 1) for k = 1, 2, 3, weights 1/3, from
X_init = cloud(4, N, 2), reg = eps = REL x 2, STEPS iterations (stopThr 0, so all of them run),
POT's default inner Sinkhorn (stopThr 1e-9, at most 1000 iterations). Prints the time; with
OURS, the raw float64 points that `WRITE_POINTS=OURS large_h_eps N REL TOL STEPS` wrote (the
same atoms in the same order: H keeps them), the largest coordinate gap between the two
iterates.
"""
import sys
import time

import numpy as np
import ot

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from pot_bench import cloud  # noqa: E402


def main():
    n, rel, steps = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    ours = sys.argv[4] if len(sys.argv) > 4 else None
    offsets = [(0.0, 0.0), (1.0, 0.5), (0.5, 1.0)]
    locations = [cloud(k + 1, n, 2) + np.array(t) for k, t in enumerate(offsets)]
    weights = [np.full(n, 1.0 / n) for _ in offsets]
    x0 = cloud(4, n, 2)
    eps = rel * 2.0
    start = time.perf_counter()
    x = ot.bregman.free_support_sinkhorn_barycenter(
        locations, weights, x0, eps, weights=np.full(3, 1.0 / 3.0), numItermax=steps, stopThr=0.0
    )
    seconds = time.perf_counter() - start
    line = f"POT free_support_sinkhorn_barycenter n = {n} x 3, REL {rel:g} (eps {eps:g}), {steps} steps: {seconds:.2f} s"
    if ours:
        mine = np.fromfile(ours, dtype=np.float64).reshape(n, 2)
        line += f", largest gap to ours {np.abs(mine - x).max():.2e}"
    print(line)


if __name__ == "__main__":
    main()
