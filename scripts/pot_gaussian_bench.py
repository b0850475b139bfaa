#!/usr/bin/env python3
"""POT's side of the Gaussian / GMM benchmarks (issue 4), on the instances benches/gaussian.rs
writes, and the Markdown table that puts both side by side. Dev-time only.

    cargo bench --bench gaussian                 # criterion + target/gaussian_bench/instances.txt
    python3 scripts/pot_gaussian_bench.py        # POT timings, agreement, target/gaussian_table.md

Reads target/gaussian_bench/instances.txt (every input number in shortest round-trip form, so
both sides see bit-identical matrices, and our answers) and the criterion estimates (mean, as
scripts/bench_table.py reads them). POT timings are the best of --repetitions runs after a warm-up;
a run of a call shorter than 0.1 s loops it and reports the time per call.

Stopping rules (they differ; the table reports what each reaches):
- kantorovich: covariance fixed point S <- S^-1/2 (sum_k w_k (S^1/2 S_k S^1/2)^1/2)^2 S^-1/2
  (Alvarez-Esteban et al.) from sum_k w_k S_k, stopped once its certified gap (an upper bound on
  F(S) - min F, F the weighted sum of squared Bures distances) is <= 1e-10 sum_k lambda_k tr S_k;
- POT ot.gaussian.bures_wasserstein_barycenter(method='fixed_point'): S <- sum_k w_k
  (S^1/2 S_k S^1/2)^1/2 from (1/K) sum_k w_k S_k, stopped when |S_new - S|_F <= eps (absolute),
  at most num_iter steps. Run twice: with its defaults (eps = 1e-7, num_iter = 1000) and with
  eps = 1e-10 |S_0|_F, num_iter = 100000 (a relative rule of the same order as ours).
Accuracy: each answer is compared (relative Frobenius norm) with a reference, POT run to
eps = 1e-14 |S_0|_F (num_iter = 100000; its final change is reported).

Threads: both sides run on one thread. The script sets OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and
MKL_NUM_THREADS to 1 unless they are already set: on a loaded 2-core machine OpenBLAS's threads
made a 50 x 50 eigh about 5x slower (2.6 ms against 0.48 ms), and kantorovich's calls here are
single-threaded.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from contextlib import redirect_stdout  # noqa: E402

import numpy as np  # noqa: E402
import ot  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_table import read_criterion  # noqa: E402


def parse(path):
    bary, dist, gmms, extra = {}, {}, [], {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            w = line.split()
            key, v = w[0], [float(x) for x in w[1:]]
            if key == "barycenter":
                d, k = int(v[0]), int(v[1])
                r = v[2:]
                lam, r = np.array(r[:k]), r[k:]
                means, r = np.array(r[:k * d]).reshape(k, d), r[k * d:]
                covs, r = np.array(r[:k * d * d]).reshape(k, d, d), r[k * d * d:]
                cov, r = np.array(r[:d * d]).reshape(d, d), r[d * d:]
                bary[d] = dict(lambdas=lam, means=means, covs=covs, ours=cov, iterations=int(r[0]),
                               gap=r[1])
            elif key == "distance":
                d = int(v[0])
                r = v[1:]
                m1, s1 = np.array(r[:d]), np.array(r[d:d + d * d]).reshape(d, d)
                r = r[d + d * d:]
                m2, s2 = np.array(r[:d]), np.array(r[d:d + d * d]).reshape(d, d)
                dist[d] = dict(m1=m1, s1=s1, m2=m2, s2=s2, ours=r[-1])
            elif key == "gmm":
                n = int(v[0])
                r = v[1:]
                gmms.append(dict(w=np.array(r[:n]), m=np.array(r[n:3 * n]).reshape(n, 2),
                                 c=np.array(r[3 * n:7 * n]).reshape(n, 2, 2)))
            else:
                extra[key] = v
    return bary, dist, gmms, extra


def best_time(call, repetitions):
    call()  # warm-up
    t0 = time.perf_counter()
    call()
    once = time.perf_counter() - t0
    loops = max(1, int(0.1 / max(once, 1e-9)))
    best = float("inf")
    for _ in range(repetitions):
        t0 = time.perf_counter()
        for _ in range(loops):
            call()
        best = min(best, (time.perf_counter() - t0) / loops)
    return best


def pot_barycenter(inst, eps, num_iter):
    out = io.StringIO()
    with redirect_stdout(out):  # POT prints "Dit not converge." instead of warning
        mb, cb, log = ot.gaussian.bures_wasserstein_barycenter(
            inst["means"], inst["covs"], weights=inst["lambdas"], method="fixed_point",
            num_iter=num_iter, eps=eps, log=True)
    return cb, log, "not converge" in out.getvalue()


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", default="target/gaussian_bench/instances.txt")
    ap.add_argument("--criterion", default="target/criterion")
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--json", default="target/pot_gaussian_bench.json")
    ap.add_argument("--out", default="target/gaussian_table.md")
    args = ap.parse_args()

    bary, dist, gmms, extra = parse(args.instances)
    crit = read_criterion(args.criterion)
    ours = lambda key: crit.get(key)  # noqa: E731
    results = {"pot_version": ot.__version__, "numpy": np.__version__, "barycenter": {}, "distance": {}}

    rows = []
    for d, inst in sorted(dist.items()):
        f = lambda: ot.gaussian.bures_wasserstein_distance(inst["m1"], inst["m2"], inst["s1"], inst["s2"])  # noqa
        t = best_time(f, args.repetitions)
        w2 = float(f())
        agreement = abs(inst["ours"] - w2 * w2) / (w2 * w2)
        results["distance"][d] = dict(pot_seconds=t, pot_w2_squared=w2 * w2, ours=inst["ours"],
                                      relative_difference=agreement)
        for name, note in [("bures_cost", "points built beforehand"),
                           ("bures_cost_from_matrices", "points built from the matrices in the loop")]:
            rows.append((f"gaussian/{name}/{d} ~ POT bures_wasserstein_distance", d, ours(f"gaussian/{name}/{d}"), t,
                         f"{note}; W2^2 agree to {agreement:.1e}"))

    for d, inst in sorted(bary.items()):
        s0 = np.einsum("k,kij->ij", inst["lambdas"], inst["covs"])
        ref, ref_log, ref_nc = pot_barycenter(inst, 1e-14 * np.linalg.norm(s0), 100000)
        entry = dict(ours_iterations=inst["iterations"], ours_gap_over_scale=inst["gap"],
                     reference_final_change=float(ref_log["final_diff"]), reference_converged=not ref_nc,
                     ours_vs_reference=rel(inst["ours"], ref))
        for label, eps, cap in [("default", 1e-7, 1000), ("relative", 1e-10 * np.linalg.norm(s0), 100000)]:
            cb, log, nc = pot_barycenter(inst, eps, cap)
            t = best_time(lambda: pot_barycenter(inst, eps, cap), args.repetitions)
            entry[label] = dict(eps=float(eps), seconds=t, iterations=int(log["num_iter"]) + 1,
                                converged=not nc, vs_reference=rel(cb, ref),
                                ours_vs_pot=rel(inst["ours"], cb))
            rows.append((f"gaussian/barycenter/{d} ~ POT bures_wasserstein_barycenter ({label}: eps = {eps:.1e})", d,
                         ours(f"gaussian/barycenter/{d}"), t,
                         f"steps: ours {inst['iterations']}, POT {int(log['num_iter']) + 1}"
                         f"{'' if not nc else ' (not converged)'}; error vs reference: ours "
                         f"{entry['ours_vs_reference']:.1e}, POT {entry[label]['vs_reference']:.1e}; "
                         f"ours vs POT {entry[label]['ours_vs_pot']:.1e}"))
        results["barycenter"][d] = entry

    a, b = gmms[0], gmms[1]
    f = lambda: ot.gmm.gmm_ot_loss(a["m"], b["m"], a["c"], b["c"], a["w"], b["w"])  # noqa: E731
    t = best_time(f, args.repetitions)
    loss = float(f())
    mw2 = extra["mw2"][0]
    results["mw2_example"] = dict(pot_seconds=t, pot=loss, ours=mw2)
    rows.append(("gaussian/mw2_example ~ POT gmm_ot_loss", 2, ours("gaussian/mw2_example"), t,
                 f"4 x 5 components; MW2^2 agree to {abs(mw2 - loss) / loss:.1e}"))
    rows.append(("gaussian/g_gmm_example (no POT counterpart)", 2, ours("gaussian/g_gmm_example"), None,
                 f"G on the example's 3 mixtures, {int(extra['g_objective'][1])} steps, V = {extra['g_objective'][0]:.6f}"))

    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
    lines = [f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical cores, "
             f"{datetime.date.today()}; POT {ot.__version__}, NumPy {np.__version__}. kantorovich: criterion mean; "
             f"POT: best of {args.repetitions} runs after a warm-up; one BLAS thread "
             f"(OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}).", "",
             "| benchmark | d | kantorovich (s) | POT (s) | POT / kantorovich | notes |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for name, d, k, p, note in rows:
        ks = f"{k:.3e}" if k is not None else "-"
        ps = f"{p:.3e}" if p is not None else "-"
        ratio = f"{p / k:.2f}" if (k and p) else "-"
        lines.append(f"| {name} | {d} | {ks} | {ps} | {ratio} | {note} |")
    text = "\n".join(lines) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
