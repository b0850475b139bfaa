#!/usr/bin/env python3
"""POT side of benches/one_d.rs: ot.emd_1d (the plan, as a sparse coo_matrix: a dense one would
take n^2 numbers), ot.emd2_1d (the cost only), both for the squared Euclidean cost, and
ot.sliced_wasserstein_distance (p = 2, 50 projections) on the same points as the criterion bench
(kantorovich_testkit::cloud), best of 5 after a warm-up. Dev-time only:
python3 scripts/pot_one_d_bench.py
"""
import sys
from pathlib import Path

import numpy as np
import ot

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pot_bench import best_time, cloud  # noqa: E402  (the shared instance generator)


def main():
    for n in (1_000, 10_000, 100_000):
        x, y = cloud(1, n, 1)[:, 0], cloud(2, n, 1)[:, 0]
        w = np.full(n, 1.0 / n)
        seconds, plan = best_time(lambda: ot.emd_1d(x, y, w, w, metric="sqeuclidean", dense=False), 5)
        print(f"emd_1d sqeuclidean sparse n={n}: {seconds * 1e3:.3f} ms, {plan.nnz} entries")
        seconds, value = best_time(lambda: ot.emd2_1d(x, y, w, w, metric="sqeuclidean"), 5)
        print(f"emd2_1d sqeuclidean n={n}: {seconds * 1e3:.3f} ms, W2^2 = {value:.15g}")
    for n in (1_000, 10_000):
        x, y = cloud(3, n, 2), cloud(4, n, 2)
        w = np.full(n, 1.0 / n)
        seconds, value = best_time(
            lambda: ot.sliced_wasserstein_distance(x, y, w, w, n_projections=50, p=2, seed=0), 5
        )
        print(f"sliced_wasserstein_distance p=2 L=50 n={n}: {seconds * 1e3:.3f} ms, SW2 = {value:.6g}")


if __name__ == "__main__":
    main()
