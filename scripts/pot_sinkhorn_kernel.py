#!/usr/bin/env python3
"""Dev-time: POT's kernel (scaling-domain) ot.sinkhorn on the benchmark instances, for the
side-by-side rows of issue 19 in BENCHMARKS.md (scripts/large_entropic_bench.sh calls it).

    python3 scripts/pot_sinkhorn_kernel.py N REL [TOL]

Instance: x = cloud(1, N, 2), y = cloud(2, N, 2), uniform weights, M = |x - y|^2 (direct
differences), eps = REL * max(M). Prints the time of ot.sinkhorn(a, b, M, eps,
method='sinkhorn', stopThr=TOL / sqrt(N), numItermax=100000) alone (M built before), its
iterations, the L1 marginal error of the plan and <M, P>.
"""
import os
import sys
import time

import numpy as np
import ot

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pot_bench import cloud, sq_euclidean_cost, uniform  # noqa: E402

n = int(sys.argv[1])
rel = float(sys.argv[2])
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-6
x, y, a, b = cloud(1, n, 2), cloud(2, n, 2), uniform(n), uniform(n)
m_cost = sq_euclidean_cost(x, y)
eps = rel * m_cost.max()
t = time.perf_counter()
# stopThr on the L2 norm of the row-marginal error; tol / sqrt(n) guarantees L1 <= tol
plan, log = ot.sinkhorn(a, b, m_cost, eps, method="sinkhorn", stopThr=tol / np.sqrt(n), numItermax=100000, log=True)
seconds = time.perf_counter() - t
error = np.abs(plan.sum(axis=1) - a).sum() + np.abs(plan.sum(axis=0) - b).sum()
print(
    f"POT ot.sinkhorn n={n} eps={rel:g}*max: {seconds:.3f} s, iterations {log['niter'] + 1}, "
    f"L1 marginal error (rows + columns) {error:.2e}, <C,P> {(m_cost * plan).sum():.12f}"
)
