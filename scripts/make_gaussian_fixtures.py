#!/usr/bin/env python3
"""Dev-time generator of the Gaussian / GMM fixtures committed under tests/fixtures/ (read by
tests/gaussian.rs). Building and testing kantorovich never runs this script.

    pip install -r scripts/requirements-bench.txt
    python3 scripts/make_gaussian_fixtures.py

Instances are drawn with the splitmix64 `cloud(seed, n, d)` generator of scripts/make_fixtures.py:
a covariance is S = A A^T + c I with A = cloud(seed, d, d) - 1/2 (entries in [-1/2, 1/2)), a mean is
4 cloud(seed, 1, d) - 2. The files store every input number (repr, so exactly) next to POT's answer,
so the Rust tests see bit-identical inputs. Files are plain text, `key value value ...` lines.

- tests/fixtures/pot_bures_distance.txt: `pair d c m1 S1 m2 S2 w2` with
  w2 = ot.gaussian.bures_wasserstein_distance(m1, m2, S1, S2). POT returns W2, NOT W2^2
  (sqrt(max(|m1 - m2|^2 + B^2, 0)), B from its eigh-based sqrtm); d = 1, 2, 3, 5, three pairs each,
  c = 0.5, 0.05, 1e-4 (the last makes condition numbers up to ~1e4).
- tests/fixtures/pot_bures_barycenter.txt: `instance d K lambdas means covs mean cov iterations` with
  (mean, cov) = ot.gaussian.bures_wasserstein_barycenter(means, covs, weights=lambdas,
  method='fixed_point', num_iter=100000, eps=EPS, log=True). POT's fixed point is
  S <- sum_k w_k (S^1/2 S_k S^1/2)^1/2 from (1/K) sum_k w_k S_k, stopped when the Frobenius norm of
  the change is <= eps (absolute); here eps = 1e-14 |S_0|_F, and the run is checked to have stopped
  on it (log['final_diff'] <= eps) rather than on num_iter. lambdas are normalised here (POT uses
  them as given for the mean).
- tests/fixtures/pot_gmm_ot.txt: `pair d ks kt ws wt ms mt Cs Ct loss` with
  loss = ot.gmm.gmm_ot_loss(ms, mt, Cs, Ct, ws, wt) = MW2^2 (the exact OT cost between components
  for the W2^2 cost; ot.emd2 result code checked through log=True). Weights w = cloud + 0.1,
  normalised here.
"""

import os
import sys

import numpy as np
import ot

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import cloud, fmt  # noqa: E402


def spd(seed, d, c):
    a = cloud(seed, d, d) - 0.5
    return a @ a.T + c * np.eye(d)


def mean(seed, d):
    return 4.0 * cloud(seed, 1, d).ravel() - 2.0


def distance_fixtures():
    lines = ["# pair d c m1 S1 m2 S2 w2: w2 = ot.gaussian.bures_wasserstein_distance (W2, not squared)"]
    seed = 1000
    for d in (1, 2, 3, 5):
        for c in (0.5, 0.05, 1e-4):
            m1, m2 = mean(seed, d), mean(seed + 1, d)
            s1, s2 = spd(seed + 2, d, c), spd(seed + 3, d, c)
            w2 = float(ot.gaussian.bures_wasserstein_distance(m1, m2, s1, s2))
            lines.append(f"pair {d} {c!r} " + fmt(np.concatenate([m1, s1.ravel(), m2, s2.ravel(), [w2]])))
            seed += 10
    return lines


def barycenter_fixtures():
    lines = ["# instance d K lambdas(K) means(K d) covs(K d^2) mean(d) cov(d^2) iterations:"
             " ot.gaussian.bures_wasserstein_barycenter, eps = 1e-14 |S_0|_F"]
    seed = 2000
    for (d, k, c) in [(2, 3, 0.1), (2, 5, 0.01), (3, 3, 0.1), (3, 4, 0.5), (5, 3, 0.1), (5, 2, 0.05)]:
        lambdas = cloud(seed, k, 1).ravel() + 0.1
        lambdas = lambdas / lambdas.sum()
        means = np.array([mean(seed + 1 + t, d) for t in range(k)])
        covs = np.array([spd(seed + 20 + t, d, c) for t in range(k)])
        s0 = np.sum(covs * lambdas[:, None, None], axis=0) / k
        eps = 1e-14 * float(np.linalg.norm(s0))
        mb, cb, log = ot.gaussian.bures_wasserstein_barycenter(
            means, covs, weights=lambdas, method="fixed_point", num_iter=100000, eps=eps, log=True)
        assert log["final_diff"] <= eps, (d, k, log)
        lines.append(f"instance {d} {k} " + fmt(np.concatenate(
            [lambdas, means.ravel(), covs.ravel(), mb, cb.ravel(), [log["num_iter"]]])))
        seed += 100
    return lines


def gmm_fixtures():
    lines = ["# pair d ks kt ws(ks) wt(kt) ms(ks d) mt(kt d) Cs(ks d^2) Ct(kt d^2) loss:"
             " ot.gmm.gmm_ot_loss = MW2^2"]
    seed = 3000
    for (d, ks, kt) in [(1, 3, 4), (2, 3, 3), (2, 5, 4), (3, 4, 2), (5, 3, 5)]:
        ws = cloud(seed, ks, 1).ravel() + 0.1
        wt = cloud(seed + 1, kt, 1).ravel() + 0.1
        ws, wt = ws / ws.sum(), wt / wt.sum()
        ms = np.array([mean(seed + 10 + t, d) for t in range(ks)])
        mt = np.array([mean(seed + 30 + t, d) for t in range(kt)])
        cs = np.array([spd(seed + 50 + t, d, 0.1) for t in range(ks)])
        ct = np.array([spd(seed + 70 + t, d, 0.1) for t in range(kt)])
        loss, log = ot.gmm.gmm_ot_loss(ms, mt, cs, ct, ws, wt, log=True)
        assert log["result_code"] == 1, log
        lines.append(f"pair {d} {ks} {kt} " + fmt(np.concatenate(
            [ws, wt, ms.ravel(), mt.ravel(), cs.ravel(), ct.ravel(), [float(loss)]])))
        seed += 100
    return lines


def gmm_h_fixtures():
    """ot.gmm.gmm_barycenter_fixed_point, 3 iterations, with both barycentric projections, from
    copies (POT updates its inputs in place and assumes uniform barycentre weights)."""
    d, n, sizes, lambdas = 2, 3, [3, 4, 5], np.array([0.2, 0.3, 0.5])
    seed = 5000
    ws, ms, cs = [], [], []
    for k, kk in enumerate(sizes):
        w = cloud(seed + 100 * k, kk, 1).ravel() + 0.1
        ws.append(w / w.sum())
        ms.append(np.array([mean(seed + 100 * k + 10 + t, d) for t in range(kk)]))
        cs.append(np.array([spd(seed + 100 * k + 50 + t, d, 0.1) for t in range(kk)]))
    m0 = np.array([mean(seed + 900 + t, d) for t in range(n)])
    c0 = np.array([spd(seed + 950 + t, d, 0.1) for t in range(n)])
    lines = ["# d = 2, n = 3 components of weight 1/3 from means mean(5900 + t, 2), covs spd(5950 + t, 2, 0.1);",
             "# K = 3 GMMs of 3, 4, 5 components: weights cloud(5000 + 100 k, m_k, 1) + 0.1 normalised, means",
             "# mean(5000 + 100 k + 10 + t, 2), covs spd(5000 + 100 k + 50 + t, 2, 0.1); lambdas 0.2 0.3 0.5;",
             "# method means(n d) covs(n d^2) after 3 iterations (0: euclidean, 1: bures)"]
    for code, method in [(0, "euclidean"), (1, "bures")]:
        means, covs = ot.gmm.gmm_barycenter_fixed_point(
            [m.copy() for m in ms], [c.copy() for c in cs], [w.copy() for w in ws], m0.copy(), c0.copy(),
            lambdas.copy(), iterations=3, barycentric_proj_method=method)
        lines.append(f"method {code} " + fmt(np.concatenate([np.ravel(means), np.ravel(covs)])))
    return lines


def main():
    header = f"# generated by scripts/make_gaussian_fixtures.py with POT {ot.__version__}"
    for name, make in [("pot_bures_distance.txt", distance_fixtures),
                       ("pot_bures_barycenter.txt", barycenter_fixtures),
                       ("pot_gmm_ot.txt", gmm_fixtures),
                       ("pot_gmm_h.txt", gmm_h_fixtures)]:
        with open(os.path.join("tests", "fixtures", name), "w") as f:
            f.write("\n".join([header] + make()) + "\n")


if __name__ == "__main__":
    main()
