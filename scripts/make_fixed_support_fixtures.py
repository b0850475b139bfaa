#!/usr/bin/env python3
"""Dev-time generator of tests/fixtures/pot_fixed_support.txt (POT fixed-support barycentres).

Building and testing kantorovich never runs this script; it only regenerates the file.

    pip install -r scripts/requirements-bench.txt
    python3 scripts/make_fixed_support_fixtures.py

Plain text, `key value value ...` lines, one block per instance `<name>_<key>`. Every input is
written out (support points, histograms, weights), so the Rust test rebuilds the instance without
sharing a random generator. Costs are squared distances from direct differences (not ot.dist).

Instances (histograms: numpy RandomState(seed).rand + 0.05, normalised; strictly positive, so
POT's log(A + 1e-16) moves nothing at the 1e-15 level):
- line: n = 30 bins on linspace(0, 1, 30), K = 3, weights (0.5, 0.3, 0.2).
- plane: a 5 x 5 grid of [0, 1]^2 (row-major, x fastest), K = 2, weights (0.6, 0.4).

For each instance:
  lp_weights   the barycentre of ot.lp.barycenter(A, M, weights, solver='highs-ds', log=True)
               (dual simplex: a vertex solution, marginals to ~1e-12); the LP may be degenerate,
               so the test compares the value and only checks these weights' value;
  lp_value     log['fun'] = sum_k w_k <M, P_k>, checked here against
               sum_k w_k ot.emd2(a, A_k, M) at POT's a to 1e-10;
  ibp_weights  ot.bregman.barycenter(A, M, reg, weights, method='sinkhorn_log',
               stopThr=1e-15, numItermax=100000) (the geometric mean POT returns; it sums to 1
               to ~1e-13 here), with reg = 0.01 (absolute, costs in [0, 1] / [0, 2]).
               POT's method='sinkhorn' is wrong for non-uniform weights; sinkhorn_log is not.
"""

import os
import warnings

import numpy as np
import ot

warnings.simplefilter("error")

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "pot_fixed_support.txt")
REG = 0.01


def histograms(seed, n, k):
    a = np.random.RandomState(seed).rand(n, k) + 0.05
    return a / a.sum(axis=0)


def sqdist(x):
    d = x[:, None, :] - x[None, :, :]
    return (d**2).sum(axis=2)


def instance(name, points, hists, weights, lines):
    m = sqdist(points)
    bary, log = ot.lp.barycenter(hists, m, weights, solver="highs-ds", log=True)
    value = float(log["fun"])
    check = sum(w * ot.emd2(bary / bary.sum(), hists[:, k], m, numItermax=100_000_000) for k, w in enumerate(weights))
    assert abs(check - value) <= 1e-10 * value, (check, value)
    ibp = ot.bregman.barycenter(
        hists, m, REG, weights=weights, method="sinkhorn_log", stopThr=1e-15, numItermax=100_000
    )
    assert abs(ibp.sum() - 1) < 1e-12, ibp.sum()
    lines.append(f"# {name}: {points.shape[0]} points in R^{points.shape[1]}, K = {hists.shape[1]}")
    lines.append(f"{name}_dim {points.shape[1]}")
    lines.append(f"{name}_points " + " ".join(repr(float(v)) for v in points.ravel()))
    for k in range(hists.shape[1]):
        lines.append(f"{name}_hist{k} " + " ".join(repr(float(v)) for v in hists[:, k]))
    lines.append(f"{name}_lambdas " + " ".join(repr(float(w)) for w in weights))
    lines.append(f"{name}_lp_weights " + " ".join(repr(float(v)) for v in bary))
    lines.append(f"{name}_lp_value {value!r}")
    lines.append(f"{name}_reg {REG!r}")
    lines.append(f"{name}_ibp_weights " + " ".join(repr(float(v)) for v in ibp))


def main():
    lines = [
        "# POT " + ot.__version__ + " fixed-support barycentres: scripts/make_fixed_support_fixtures.py",
    ]
    line = np.linspace(0, 1, 30)[:, None]
    instance("line", line, histograms(1, 30, 3), np.array([0.5, 0.3, 0.2]), lines)
    g = np.linspace(0, 1, 5)
    plane = np.array([[x, y] for y in g for x in g])
    instance("plane", plane, histograms(2, 25, 2), np.array([0.6, 0.4]), lines)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
