#!/usr/bin/env python3
"""POT side of benches/fixed_support.rs: ot.lp.barycenter (default solver, highs-ipm) and
ot.bregman.barycenter(method='sinkhorn_log', reg=1e-3, exactly 200 iterations: stopThr=0) on the
same instances, built from the same formulas (see the bench's header). Best of `--repetitions`
after a warm-up. With --criterion DIR it also reads the criterion estimates of the Rust bench and
prints a markdown table (ours, POT, ratio). Dev-time only:

    cargo bench --bench fixed_support
    python3 scripts/pot_fixed_support_bench.py --criterion target/criterion
"""
import argparse
import json
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import ot

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pot_bench import best_time  # noqa: E402  (one warm-up, then the best of `repetitions`)

CENTRES_1D = [(0.2, 0.05), (0.6, 0.1), (0.85, 0.04)]
CENTRES_2D = [(0.2, 0.2), (0.8, 0.3), (0.5, 0.8)]
IBP_ITERATIONS = 200
IBP_EPS = 1e-3


def line(n, k):
    x = np.arange(n) / (n - 1)
    m = (x[:, None] - x[None, :]) ** 2
    hists = []
    for c, s in CENTRES_1D[:k]:
        c, s = c * n, s * n
        h = np.exp(-((np.arange(n) - c) ** 2) / (2 * s * s)) + 1e-3
        hists.append(h / h.sum())
    return m, np.array(hists).T, np.full(k, 1.0 / k)


def plane(s, k):
    g = np.arange(s) / (s - 1)
    p = np.array([[x, y] for y in g for x in g])
    m = ((p[:, None, :] - p[None, :, :]) ** 2).sum(axis=2)
    hists = []
    for cx, cy in CENTRES_2D[:k]:
        h = np.exp(-((p - np.array([cx, cy])) ** 2).sum(axis=1) / (2 * 0.15**2)) + 1e-3
        hists.append(h / h.sum())
    return m, np.array(hists).T, np.full(k, 1.0 / k)


def lp_value(m, hists, weights):
    bary, log = ot.lp.barycenter(hists, m, weights, log=True)
    return float(log["fun"])


def ibp_cost(m, hists, weights):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 200 iterations on purpose: POT warns it did not converge
        bary = ot.bregman.barycenter(
            hists, m, IBP_EPS, weights=weights, method="sinkhorn_log", stopThr=0.0, numItermax=IBP_ITERATIONS
        )
    return float(bary.sum())


def criterion_ms(root, group, name, n):
    path = os.path.join(root, group, name, str(n), "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"] / 1e6
    except OSError:
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--criterion", default=None)
    args = parser.parse_args()
    rows = []
    for n, k in [(50, 2), (50, 3), (100, 2), (100, 3)]:
        seconds, value = best_time(lambda: lp_value(*line(n, k)), args.repetitions)
        print(f"ot.lp.barycenter line n={n} K={k}: {seconds * 1e3:.2f} ms, V = {value:.15e}")
        rows.append(("fixed_support_lp", f"line_k{k}", n, f"`ot.lp.barycenter`, 1-D, n = {n}, K = {k}", seconds))
    for s, k in [(6, 3), (8, 3)]:
        seconds, value = best_time(lambda: lp_value(*plane(s, k)), args.repetitions)
        print(f"ot.lp.barycenter plane n={s * s} K={k}: {seconds * 1e3:.2f} ms, V = {value:.15e}")
        rows.append(
            ("fixed_support_lp", f"plane_k{k}", s * s, f"`ot.lp.barycenter`, 2-D {s}x{s}, K = {k}", seconds)
        )
    for n in [100, 200, 500]:
        for k in [2, 3]:
            inst = line(n, k)
            seconds, total = best_time(lambda: ibp_cost(*inst), args.repetitions)
            print(f"ot.bregman.barycenter sinkhorn_log line n={n} K={k}: {seconds * 1e3:.2f} ms (sum a = {total:.6f})")
            rows.append(
                (
                    "fixed_support_ibp",
                    f"line_k{k}",
                    n,
                    f"`ot.bregman.barycenter` log, 1-D, n = {n}, K = {k}, 200 it.",
                    seconds,
                )
            )
    if args.criterion:
        print()
        print("| Instance | kantorovich (ms) | POT (ms) | POT / ours |")
        print("|---|---:|---:|---:|")
        for group, name, n, label, seconds in rows:
            ours = criterion_ms(args.criterion, group, name, n)
            pot = seconds * 1e3
            if ours is None:
                print(f"| {label} | - | {pot:.2f} | - |")
            else:
                print(f"| {label} | {ours:.3f} | {pot:.2f} | {pot / ours:.1f}x |")


if __name__ == "__main__":
    main()
