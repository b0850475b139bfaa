#!/usr/bin/env python3
"""Dev-time reference timings of POT (Python Optimal Transport) for kantorovich's benchmarks.

Nothing in building or testing the Rust library needs this script or Python; it only produces
the POT side of the comparison table (see scripts/bench_table.py).

Usage:
    pip install -r scripts/requirements-bench.txt
    python3 scripts/pot_bench.py                       # full run -> target/pot_bench.json
    python3 scripts/pot_bench.py --quick               # smoke test: n <= 1000, one repetition
    python3 scripts/pot_bench.py --out FILE --repetitions 7 --sizes 100,500

Instances (identical to the Rust benches; both sides implement the same generator):
    splitmix64 with wrapping 64-bit arithmetic, uniform = (z >> 11) * 2^-53,
    cloud(seed, n, d): the state starts at `seed`, n*d uniforms drawn row-major -> (n, d).

    exact OT, n in {100, 500, 1000, 2000, 5000}:
        x = cloud(1, n, 2), y = cloud(2, n, 2), uniform weights 1/n,
        M[i, j] = sum_t (x_it - y_jt)^2 from direct differences (not ot.dist's expansion
        |x|^2 + |y|^2 - 2 x.y), accumulated over t in order from 0.0.
    barycentre: nu_k = cloud(10 + k, 200, 2) for k = 0, 1, 2 with uniform weights,
        barycentre weights 1/3 each, X_init = cloud(20, 200, 2) with uniform weights,
        exactly 10 iterations.

Benchmarks (best of R repetitions after one warm-up, time.perf_counter):
    emd              ot.emd(a, b, M, numItermax=1e8), M built outside the timed region.
    emd_with_cost    building M (numpy, direct differences) + the same ot.emd call.
    free_support_barycenter
                     ot.lp.free_support_barycenter(..., numItermax=10, stopThr=-1.0).
                     Its loop is `while displacement > stopThr and it < numItermax`, where
                     displacement = ||X_{t+1} - X_t||_F^2, initially stopThr + 1 (so stopThr=-inf
                     would run no iteration). On this instance the iterates reach
                     an exact fixed point at iteration 6 (displacement == 0.0), so stopThr=0.0
                     would stop after 6 iterations; a negative stopThr forces all 10.
                     POT builds its costs with ot.dist (the expansion) and calls ot.emd with its
                     default numItermax=100000 (ample for 200 x 200). It computes no objective.
    free_support_barycenter_generic_costs
                     ot.lp.free_support_barycenter_generic_costs with method='true_fixed_point'
                     (Algorithm 2 of Tanguy, Delon, Gozlan, arXiv 2501.04016: the reference for
                     our iteration G), costs c_k(x, y) = (1/3) |x - y|^2 (barycentre weights
                     folded into the costs: the function has no weight argument), ground
                     barycentre B(y_1, y_2, y_3) = (y_1 + y_2 + y_3) / 3, numItermax=10,
                     stopThr=-inf (it stops when V_t - V_{t+1} < stopThr, so this forces 10).
                     Each iteration: K emd for the couplings, North-West-corner multi-marginal
                     gluing of the K plans (our G glues by the product pi_1 ... pi_K / a^(K-1);
                     the two coincide when every coupling is a permutation, as here), B on the
                     glued tuples, then K more emd2 for the energy V of the new iterate (plus K at
                     the start for V of X_init).
    free_support_barycenter_generic_costs_l2proj
                     the same with method='L2_barycentric_proj' (Algorithm 3: barycentric
                     projections, weights fixed): the reference for our iteration H. With these
                     costs and B, its iterates are those of free_support_barycenter, but it also
                     evaluates V at every iteration (K extra emd2 per iteration).

The objective recorded for every barycentre is
    V(X) = sum_k (1/3) emd2(b, w_k, M(X, nu_k)), M from direct differences, numItermax=1e8,
computed outside the timed region.
"""

import argparse
import datetime
import json
import math
import os
import platform
import sys
import time
import warnings

import numpy as np

try:
    import ot
except ImportError:  # pragma: no cover - dev-time only
    sys.exit("POT is not installed: pip install -r scripts/requirements-bench.txt")

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
EMD_MAX_ITER = 100_000_000
EXACT_SIZES = [100, 500, 1000, 2000, 5000]
BARY_K = 3
BARY_SIZE = 200
BARY_ITERATIONS = 10


# ----------------------------------------------------------------------------------------------
# Instances


def splitmix64_uniforms(seed, count):
    """`count` uniforms in [0, 1) from splitmix64 started at `seed` (exact integer arithmetic)."""
    state = seed & MASK64
    out = np.empty(count, dtype=np.float64)
    scale = 2.0**-53
    for i in range(count):
        state = (state + GOLDEN_GAMMA) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z = z ^ (z >> 31)
        out[i] = (z >> 11) * scale  # exact: z >> 11 < 2^53
    return out


def cloud(seed, n, d):
    """n points of [0, 1)^d, n*d uniforms drawn row-major."""
    return splitmix64_uniforms(seed, n * d).reshape(n, d)


def sq_euclidean_cost(x, y):
    """M[i, j] = sum_t (x_it - y_jt)^2, by direct differences accumulated in order of t."""
    m = np.zeros((x.shape[0], y.shape[0]), dtype=np.float64)
    for t in range(x.shape[1]):
        diff = x[:, t][:, None] - y[:, t][None, :]
        m += diff * diff
    return m


def uniform(n):
    return np.full(n, 1.0 / n)


def exact_instance(n):
    x = cloud(1, n, 2)
    y = cloud(2, n, 2)
    return x, y, uniform(n), uniform(n)


def barycenter_instance():
    locations = [cloud(10 + k, BARY_SIZE, 2) for k in range(BARY_K)]
    weights = [uniform(BARY_SIZE) for _ in range(BARY_K)]
    x_init = cloud(20, BARY_SIZE, 2)
    return locations, weights, x_init, uniform(BARY_SIZE), np.full(BARY_K, 1.0 / BARY_K)


def barycenter_objective(x, a, locations, weights, lambdas):
    """V = sum_k lambda_k W_2^2((x, a), nu_k), exact and checked."""
    total = 0.0
    for loc, w, lam in zip(locations, weights, lambdas):
        _, log = ot.emd(a, w, sq_euclidean_cost(x, loc), numItermax=EMD_MAX_ITER, log=True)
        if log["result_code"] != 1:
            raise RuntimeError("emd in the objective did not reach optimality: %s" % log["warning"])
        total += float(lam) * float(log["cost"])
    return total


# ----------------------------------------------------------------------------------------------
# Timing


def best_time(fn, repetitions):
    """One warm-up call, then the best of `repetitions` timed calls. Returns (seconds, result)."""
    result = fn()
    best = math.inf
    for _ in range(repetitions):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def repetitions_for(n, args):
    if args.repetitions is not None:
        return args.repetitions
    if args.quick:
        return 1
    return 3 if n >= 2000 else 5


def entry(name, n, seconds, repetitions, **extra):
    e = {
        "name": name,
        "n": n,
        "seconds": seconds,
        "pot_version": ot.__version__,
        "repetitions": repetitions,
    }
    e.update(extra)
    return e


def bench_exact(n, args):
    x, y, a, b = exact_instance(n)
    m = sq_euclidean_cost(x, y)
    reps = repetitions_for(n, args)

    # Validation outside the timed region: optimality and the optimal cost.
    _, log = ot.emd(a, b, m, numItermax=EMD_MAX_ITER, log=True)
    if log["result_code"] != 1:
        raise RuntimeError("ot.emd n=%d: result_code %s (%s)" % (n, log["result_code"], log["warning"]))
    cost = float(log["cost"])

    solve_s, _ = best_time(lambda: ot.emd(a, b, m, numItermax=EMD_MAX_ITER), reps)
    with_cost_s, _ = best_time(
        lambda: ot.emd(a, b, sq_euclidean_cost(x, y), numItermax=EMD_MAX_ITER), reps
    )
    common = dict(cost=cost, result_code=int(log["result_code"]), numItermax=EMD_MAX_ITER)
    return [
        entry("emd", n, solve_s, reps, **common),
        entry("emd_with_cost", n, with_cost_s, reps, **common),
    ]


def _run_counting_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [str(w.message) for w in caught]


def bench_barycenters(args):
    locations, weights, x_init, b, lambdas = barycenter_instance()
    reps = repetitions_for(BARY_SIZE, args)
    out = []
    # Stopping thresholds that force exactly BARY_ITERATIONS iterations. free_support_barycenter
    # starts its loop with displacement = stopThr + 1 and tests `displacement > stopThr`, so -inf
    # would run no iteration at all; -1.0 works since displacements are >= 0.
    # free_support_barycenter_generic_costs breaks when `V_t - V_{t+1} < stopThr`: -inf never does.
    stop_fsb = -1.0
    stop_generic = -math.inf

    # (b) free_support_barycenter (Cuturi-Doucet / our H with squared Euclidean cost).
    def fsb(log=False):
        return ot.lp.free_support_barycenter(
            locations,
            weights,
            x_init,
            b=b,
            weights=lambdas,
            numItermax=BARY_ITERATIONS,
            stopThr=stop_fsb,
            log=log,
        )

    (x_fsb, log_fsb), warns = _run_counting_warnings(lambda: fsb(log=True))
    iterations = len(log_fsb["displacement_square_norms"])
    if iterations != BARY_ITERATIONS:
        raise RuntimeError("free_support_barycenter ran %d iterations" % iterations)
    # How many it would run with stopThr = 0.0 (it stops on an exact fixed point).
    _, log_zero = ot.lp.free_support_barycenter(
        locations, weights, x_init, b=b, weights=lambdas,
        numItermax=BARY_ITERATIONS, stopThr=0.0, log=True,
    )
    seconds, _ = best_time(fsb, reps)
    out.append(
        entry(
            "free_support_barycenter",
            BARY_SIZE,
            seconds,
            reps,
            objective=barycenter_objective(x_fsb, b, locations, weights, lambdas),
            iterations=iterations,
            stopThr=stop_fsb,
            iterations_with_stopThr_0=len(log_zero["displacement_square_norms"]),
            displacement_square_norms=[float(v) for v in log_fsb["displacement_square_norms"]],
            support_size=int(x_fsb.shape[0]),
            pot_warnings=warns,
        )
    )

    # (c) free_support_barycenter_generic_costs, lambda_k = 1/3 folded into the costs.
    generic = getattr(ot.lp, "free_support_barycenter_generic_costs", None)
    if generic is None:
        print("ot.lp.free_support_barycenter_generic_costs not available in POT %s" % ot.__version__)
        return out

    cost_list = [
        (lambda X, Y, lam_k=float(lam_k): lam_k * sq_euclidean_cost(X, Y)) for lam_k in lambdas
    ]

    def ground_bary(ys):
        # argmin_x sum_k lambda_k |x - y_k|^2 = sum_k lambda_k y_k (the lambdas sum to 1).
        acc = lambdas[0] * ys[0]
        for k in range(1, len(ys)):
            acc = acc + lambdas[k] * ys[k]
        return acc

    for name, method in [
        ("free_support_barycenter_generic_costs", "true_fixed_point"),
        ("free_support_barycenter_generic_costs_l2proj", "L2_barycentric_proj"),
    ]:

        def run(log=False, method=method):
            return generic(
                locations,
                weights,
                x_init,
                cost_list,
                ground_bary=ground_bary,
                a=b,
                numItermax=BARY_ITERATIONS,
                method=method,
                stopThr=stop_generic,
                log=log,
            )

        res, warns = _run_counting_warnings(lambda: run(log=True))
        if method == "true_fixed_point":
            x_res, a_res, log_res = res
        else:
            (x_res, log_res), a_res = res, b
        iterations = len(log_res["diff_list"])
        if iterations != BARY_ITERATIONS:
            raise RuntimeError("%s ran %d iterations" % (name, iterations))
        seconds, _ = best_time(run, reps)
        out.append(
            entry(
                name,
                BARY_SIZE,
                seconds,
                reps,
                objective=barycenter_objective(x_res, a_res, locations, weights, lambdas),
                pot_energy=float(log_res["V_list"][-1]),
                energy_trace=[float(v) for v in log_res["V_list"]],
                iterations=iterations,
                method=method,
                stopThr="-inf",
                exit_status=log_res["exit_status"],
                support_size=int(x_res.shape[0]),
                pot_warnings=warns,
            )
        )
    return out


# ----------------------------------------------------------------------------------------------
# Reporting


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info():
    import scipy

    return {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pot": ot.__version__,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="target/pot_bench.json", help="JSON output path")
    parser.add_argument("--quick", action="store_true", help="only n <= 1000, one repetition")
    parser.add_argument("--repetitions", "-r", type=int, default=None,
                        help="timed repetitions (default 5, 3 for n >= 2000, 1 with --quick)")
    parser.add_argument("--sizes", default=None,
                        help="comma-separated exact-OT sizes (default 100,500,1000,2000,5000)")
    parser.add_argument("--skip-exact", action="store_true", help="skip the exact OT benches")
    parser.add_argument("--skip-barycenter", action="store_true", help="skip the barycentre benches")
    args = parser.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(EXACT_SIZES)
    if args.quick:
        sizes = [n for n in sizes if n <= 1000]

    entries = []
    if not args.skip_exact:
        for n in sizes:
            entries.extend(bench_exact(n, args))
            for e in entries[-2:]:
                print("%-46s n=%-5d %10.6f s  cost=%.12g" % (e["name"], n, e["seconds"], e["cost"]),
                      flush=True)
    if not args.skip_barycenter:
        for e in bench_barycenters(args):
            entries.append(e)
            print("%-46s n=%-5d %10.6f s  V=%.12g  (%d iterations)"
                  % (e["name"], e["n"], e["seconds"], e["objective"], e["iterations"]), flush=True)

    report = {
        "pot_version": ot.__version__,
        "machine": machine_info(),
        "quick": bool(args.quick),
        "generator_check": {"cloud(1, 2, 2)": cloud(1, 2, 2).tolist()},
        "entries": entries,
    }
    out_dir = os.path.dirname(args.out)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print("POT %s on %s (%s cores): %d entries written to %s"
          % (ot.__version__, report["machine"]["cpu_model"], report["machine"]["cpu_count"],
             len(entries), args.out))


if __name__ == "__main__":
    main()
