#!/usr/bin/env python3
"""Dev-time reference timings of entropic OT (Sinkhorn) in POT and GeomLoss for kantorovich.

Nothing in building or testing the Rust library needs this script or Python; it only produces
the Python side of the Sinkhorn comparison (issue 3, item 7).

Usage:
    pip install -r scripts/requirements-bench.txt      # POT; torch, geomloss, pykeops optional
    python3 scripts/pot_sinkhorn_bench.py              # full run -> target/pot_sinkhorn_bench.json
    python3 scripts/pot_sinkhorn_bench.py --quick      # smoke test: n = 1000, one repetition
    python3 scripts/pot_sinkhorn_bench.py --out FILE --sizes 1000,5000 --time-budget 3600

Instances (the generator of scripts/pot_bench.py and crates/kantorovich-testkit):
    n = m in {1000, 5000, 20000}: x = cloud(1, n, 2), y = cloud(2, n, 2) (points of [0,1)^2),
    uniform weights a = b = 1/n, M[i, j] = sum_t (x_it - y_jt)^2 from direct differences
    (pot_bench.sq_euclidean_cost, not ot.dist's expansion), eps = rel * max(M) for
    rel in {1e-2, 1e-3} (eps absolute, as POT's reg and kantorovich's Sinkhorn::new), and the
    marginal tolerance tol = 1e-6.

Every measurement runs in a fresh child process (multiprocessing, 'spawn'), so that its peak
resident memory is its own: peak_rss_bytes is the child's resource.getrusage(RUSAGE_SELF)
.ru_maxrss (KiB on Linux, reported in bytes) read right after the timed calls, and includes the
interpreter, the libraries, the instance and M (and it is a high-water mark: building M with
direct differences briefly holds 3 n m doubles); rss_before_solve_bytes is the resident size
(/proc/self/statm) just before the first solver call, instance and M built, so k_measured =
(peak - before) / (8 n m) is what the solver itself added at its peak, in n x m doubles (its
output included). (The committed scripts/results JSON of commit dba424c read the high-water
mark there instead, so its k_measured is too small by up to 2: see its "note".) Note that `import ot` also imports
torch, geomloss and pykeops when they are installed (ot.bregman._geomloss), which adds some
0.5 GiB to every child's baseline; the difference is unaffected. Times are time.perf_counter around
the call alone; seconds is the best of the repetitions run (all are in `times`): R = 3 for
n <= 1000 and 1 above (1 with --quick, or --repetitions), and no further repetition once the
runs so far took more than 60 s in all. The first call of a measurement is timed too (no
warm-up run, which would double long runs), except for KeOps, whose first call compiles
its kernels: there one untimed warm-up call on a small instance comes first.

Entries (field `name`):
    cost_matrix          building M (numpy, direct differences), best of R.
    pot_sinkhorn_log     ot.sinkhorn(a, b, M, reg=eps, method='sinkhorn_log', stopThr=S,
                         numItermax=100000, log=True) with M given (so add cost_matrix for
                         a "with cost" time). Two stopping rules (field stop_rule):
                           'pot_l2'   S = tol = 1e-6, POT's criterion as asked;
                           'l1_bound' S = tol / sqrt(m), which guarantees our criterion
                                      (||e||_1 <= sqrt(m) ||e||_2, Cauchy-Schwarz).
                         iterations = log['niter'] + 1 (POT stores the 0-based index of the
                         last iteration); transport_cost = sum(M * P) of the returned plan (the
                         value ot.sinkhorn2 returns), entropic_cost = transport_cost + eps KL(P |
                         a b^T), KL(P | Q) = sum P log(P / Q) - sum P + sum Q, computed here
                         outside the timed region, as are the marginal errors.
    geomloss_sinkhorn    geomloss.SamplesLoss('sinkhorn', p=2, blur=sqrt(eps / 2),
                         scaling=s, debias=False, backend=B)(a, x, b, y) on float64 CPU
                         tensors, for s in --geomloss-scalings and B = 'tensorized' (dense
                         matrices, no KeOps) and 'online' (KeOps LazyTensors, no n^2 memory)
                         when pykeops works. The timed call includes GeomLoss building its costs
                         (the legacy API takes points, not a matrix): compare it with
                         cost_matrix + pot_sinkhorn_log.

What POT's stopThr measures (POT 0.9.7.post1, bregman/_sinkhorn.py, sinkhorn_log): each
iteration updates the column potential then the row potential (so the ROW marginals are exact
after it); every 10th iteration (loop index ii % 10 == 0, i.e. after 1, 11, 21, ... iterations)
it computes err = np.linalg.norm(P^T 1 - b), the EUCLIDEAN (L2) norm of the column-marginal
violation, absolute (not divided by the mass), and stops when err < stopThr. Ours (kantorovich
Sinkhorn) updates rows then columns (columns exact) and stops when the L1 error of the row
marginals, sum_i |sum_j P_ij - a_i|, is <= tol * sum(a). The two measure the same kind of
violation (of the marginal not fixed last) but in different norms: ||e||_2 <= ||e||_1 <=
sqrt(n) ||e||_2, and for these spread-out errors the L1 norm is close to sqrt(n) times the L2
norm, so stopThr = 1e-6 is about our tol = sqrt(n) * 1e-6 (3e-5 at n = 1000, 7e-5 at 5000):
a much looser stop. The 'l1_bound' rule is the comparable one. Each entry records both
final errors: pot_err_l2 (POT's last err) and l1_col_error_rel / l1_row_error_rel (sum of
absolute violations / mass) of the returned plan.

What GeomLoss computes (geomloss 0.3.1, legacy SamplesLoss, read from its source):
    - cost: for p = 2, C(x, y) = |x - y|^2 / 2 (HALF our cost); 'tensorized' builds it with the
      expansion |x|^2 - 2 x.y + |y|^2 (twice: C_xy and its transpose C_yx), 'online' with
      direct differences inside KeOps formulas.
    - eps = blur^p = blur^2. With blur = sqrt(eps / 2) its problem is min <M/2, P> +
      (eps/2) KL(P | a b^T) = (1/2) (min <M, P> + eps KL(P | a b^T)): the same plan as ours,
      and its value is HALF of our T_eps. Entries record value_geomloss and entropic_cost =
      2 * value_geomloss (comparable with T_eps).
    - debias=False returns the "raw" OT_eps(a, b) = <a, f> + <b, g> (a dual value, equal to
      T_eps at convergence); the default debias=True would return the Sinkhorn divergence
      OT_eps(a, b) - OT_eps(a, a)/2 - OT_eps(b, b)/2 (solving two more problems).
    - no tolerance: it runs a fixed eps-scaling schedule, eps_k = diameter^2, then
      exp(2 log(diameter) + 2 k log(scaling)) down to blur^2 (diameter = the diagonal of the
      points' bounding box), ONE symmetric (averaged) Sinkhorn step per value of eps
      (annealing_steps = the schedule's length), plus an initial and a final "extrapolation"
      c-transform; so softmin_pairs = annealing_steps + 2 pairs of n x m log-sum-exps, about
      the work of that many of our iterations. Its final potentials are not fixed points: the
      entries record the marginal errors of the plan a_i b_j exp((f_i + g_j - M_ij / 2) / (eps
      / 2)) rebuilt from its potentials (potentials=True, debias=False, an untimed extra run),
      and its <M, P> and entropic cost. A larger scaling (0.9, 0.99) runs more steps and gets
      closer to the eps problem's solution; it is never checked against a tolerance.

Other processes share the machine: each entry records the 1-minute load average after it
(loadavg_1min_after; above the core count means the timings were contended).

Threads: POT's numpy logsumexp (scipy.special) runs on one core; torch uses
torch.get_num_threads() (recorded); KeOps CPU code uses OpenMP. kantorovich uses rayon on all
cores. The machine block records the core count.

Skips (status 'skipped' with skip_reason and the estimates): before each POT measurement the
script estimates its peak memory as rss_base + (1 + k) * 8 n m bytes, where k is the solver's
extra memory in units of n m doubles measured on the largest instance already done (default 7
before any: Mr = -M/reg, the n x m temporaries of logsumexp, the plan; measured: see the JSON,
k_measured), and its time as iterations x seconds per iteration, both from the largest smaller
instance with the same eps and stopping rule, the time per iteration scaled by (n m) ratio
(iterations do not shrink with n, so this is optimistic). It is skipped when the memory
estimate exceeds --memory-budget-gb (default 18) or the time estimate exceeds --time-budget
seconds (default 600) for one call. The same rules apply to GeomLoss's 'tensorized' backend;
'online' needs O(n) memory and uses the time rule only.
"""

import argparse
import datetime
import json
import math
import multiprocessing
import os
import platform
import resource
import sys
import time
import traceback
import warnings

import numpy as np

try:
    import ot
except ImportError:  # pragma: no cover - dev-time only
    sys.exit("POT is not installed: pip install -r scripts/requirements-bench.txt")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pot_bench import cloud, cpu_model, sq_euclidean_cost, uniform  # noqa: E402

SIZES = [1000, 5000, 20000]
REL_EPS = [1e-2, 1e-3]
TOL = 1e-6
POT_MAX_ITER = 100_000
GEOMLOSS_SCALINGS = [0.5, 0.9, 0.99]
REPEAT_BUDGET_S = 60.0
DEFAULT_K_POT = 7.0
DEFAULT_K_GEOMLOSS = 6.0
BASE_RSS = 400 * 2**20  # interpreter + numpy + POT (+ torch): generous


# ----------------------------------------------------------------------------------------------
# Instances and measurements (run in child processes)


def instance(n):
    x = cloud(1, n, 2)
    y = cloud(2, n, 2)
    return x, y, uniform(n), uniform(n)


def max_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def current_rss_bytes():
    """Resident memory now (/proc/self/statm), not the high-water mark."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def kl_to_product(plan, a, b):
    prod = a[:, None] * b[None, :]
    pos = plan > 0
    return float(np.sum(plan[pos] * np.log(plan[pos] / prod[pos])) - plan.sum() + prod.sum())


def plan_summary(plan, a, b, m_cost, eps):
    mass = float(a.sum())
    transport = float(np.sum(m_cost * plan))
    return {
        "transport_cost": transport,
        "entropic_cost_from_plan": transport + eps * kl_to_product(plan, a, b),
        "l1_row_error_rel": float(np.abs(plan.sum(axis=1) - a).sum()) / mass,
        "l1_col_error_rel": float(np.abs(plan.sum(axis=0) - b).sum()) / mass,
        "l2_col_error": float(np.linalg.norm(plan.sum(axis=0) - b)),
    }


def timed_runs(fn, repetitions):
    """Calls fn() up to `repetitions` times (fewer once REPEAT_BUDGET_S is spent)."""
    times, result = [], None
    for _ in range(repetitions):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        if sum(times) > REPEAT_BUDGET_S:
            break
    return times, result


def measure_cost_matrix(n, repetitions):
    x, y, _, _ = instance(n)
    times, m_cost = timed_runs(lambda: sq_euclidean_cost(x, y), repetitions)
    return {"seconds": min(times), "times": times, "peak_rss_bytes": max_rss_bytes(),
            "max_cost": float(m_cost.max())}


def measure_pot(n, rel, stop_thr, repetitions):
    x, y, a, b = instance(n)
    m_cost = sq_euclidean_cost(x, y)
    eps = rel * float(m_cost.max())
    before = current_rss_bytes()
    caught_all = []

    def solve():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = ot.sinkhorn(a, b, m_cost, eps, method="sinkhorn_log", stopThr=stop_thr,
                              numItermax=POT_MAX_ITER, log=True)
        caught_all.extend(str(w.message) for w in caught)
        return out

    times, (plan, log) = timed_runs(solve, repetitions)
    peak = max_rss_bytes()
    niter = int(log["niter"])
    out = {
        "seconds": min(times),
        "times": times,
        "eps": eps,
        "pot_log_niter": niter,
        "iterations": niter + 1,
        "seconds_per_iteration": min(times) / (niter + 1),
        "pot_err_l2": float(log["err"][-1]),
        "converged": bool(float(log["err"][-1]) < stop_thr),
        "pot_warnings": sorted(set(caught_all)),
        "peak_rss_bytes": peak,
        "rss_before_solve_bytes": before,
        "k_measured": (peak - before) / (8.0 * n * n),
    }
    out.update(plan_summary(plan, a, b, m_cost, eps))
    out["entropic_cost"] = out["entropic_cost_from_plan"]
    return out


def measure_geomloss(n, rel, scaling, backend, repetitions):
    import torch
    from geomloss import SamplesLoss
    from geomloss._legacy.sinkhorn_divergence import epsilon_schedule, max_diameter

    x, y, a, b = instance(n)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    at, bt = torch.from_numpy(a), torch.from_numpy(b)
    # max(M) row by row: the same value, without n x n arrays before the measured solve
    max_cost = max(float(((x[i] - y) ** 2).sum(axis=1).max()) for i in range(n))
    eps = rel * max_cost
    blur = math.sqrt(eps / 2.0)
    kwargs = dict(p=2, blur=blur, scaling=scaling, debias=False, backend=backend)
    loss = SamplesLoss("sinkhorn", **kwargs)
    if backend == "online":  # compile the KeOps kernels outside the timed region
        xs, ys, ws = xt[:50], yt[:50], torch.full((50,), 1.0 / 50, dtype=torch.float64)
        loss(ws, xs, ws, ys)
    before = current_rss_bytes()
    times, value = timed_runs(lambda: loss(at, xt, bt, yt), repetitions)
    peak = max_rss_bytes()
    diameter = max_diameter(xt, yt)
    steps = len(epsilon_schedule(2, diameter, blur, scaling))
    out = {
        "seconds": min(times),
        "times": times,
        "eps": eps,
        "blur": blur,
        "scaling": scaling,
        "backend": backend,
        "diameter": diameter,
        "annealing_steps": steps,
        "softmin_pairs": steps + 2,
        "value_geomloss": float(value),
        "entropic_cost": 2.0 * float(value),
        "peak_rss_bytes": peak,
        "rss_before_solve_bytes": before,
        "k_measured": (peak - before) / (8.0 * n * n),
        "torch_threads": torch.get_num_threads(),
    }
    if n <= 5000:  # plan diagnostics need the n x n matrices (untimed)
        f, g = SamplesLoss("sinkhorn", potentials=True, **kwargs)(at, xt, bt, yt)
        f, g = f.numpy().ravel(), g.numpy().ravel()
        m_cost = sq_euclidean_cost(x, y)
        half_eps = eps / 2.0
        plan = a[:, None] * b[None, :] * np.exp((f[:, None] + g[None, :] - m_cost / 2.0) / half_eps)
        out.update(plan_summary(plan, a, b, m_cost, eps))
    return out


def _child(queue, fn_name, kwargs):
    try:
        queue.put(("ok", globals()[fn_name](**kwargs)))
    except BaseException as err:  # report, never hang the parent
        queue.put(("error", "%s: %s\n%s" % (type(err).__name__, err, traceback.format_exc())))


def in_child(fn_name, **kwargs):
    """Runs measure function `fn_name` in a fresh process and returns its dict."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, fn_name, kwargs))
    proc.start()
    status, payload = queue.get()
    proc.join()
    if status != "ok":
        raise RuntimeError("%s(%s) failed in the child: %s" % (fn_name, kwargs, payload))
    return payload


# ----------------------------------------------------------------------------------------------
# Driver


def geomloss_available():
    """(tensorized ok, online ok, reason) without importing torch in this process."""
    try:
        return in_child("_probe_geomloss")
    except RuntimeError as err:
        return {"tensorized": False, "online": False, "reason": str(err).splitlines()[0]}


def _probe_geomloss():
    info = {"tensorized": False, "online": False, "reason": None}
    try:
        import torch
        import geomloss

        info["torch"] = torch.__version__
        info["geomloss"] = geomloss.__version__
        info["tensorized"] = True
    except Exception as err:  # ImportError and broken installs alike
        info["reason"] = "geomloss/torch not importable: %s: %s" % (type(err).__name__, err)
        return info
    try:
        import pykeops

        info["pykeops"] = pykeops.__version__
        from geomloss import SamplesLoss

        x = torch.rand(20, 2, dtype=torch.float64)
        w = torch.full((20,), 1.0 / 20, dtype=torch.float64)
        SamplesLoss("sinkhorn", blur=0.1, debias=False, backend="online")(w, x, w, x)
        info["online"] = True
    except Exception as err:
        info["reason"] = "KeOps 'online' backend unavailable: %s: %s" % (type(err).__name__, err)
    return info


def repetitions_for(n, args):
    if args.repetitions is not None:
        return args.repetitions
    if args.quick:
        return 1
    return 3 if n <= 1000 else 1


class Estimator:
    """Memory and time estimates from the largest finished measurement of the same kind."""

    def __init__(self, default_k):
        self.default_k = default_k
        self.done = {}  # key -> list of (n, result)

    def add(self, key, n, result):
        self.done.setdefault(key, []).append((n, result))

    def k(self, kind):
        rows = [(n, r) for key, lst in self.done.items() if key[0] == kind for n, r in lst]
        if not rows:
            return self.default_k, None
        n, r = max(rows, key=lambda t: t[0])
        return max(r["k_measured"], 1.0), n

    def estimate(self, key, n):
        kind = key[0]
        k, k_from = self.k(kind)
        memory = BASE_RSS + (1.0 + k) * 8.0 * n * n
        previous = [(m, r) for m, r in self.done.get(key, []) if m < n]
        seconds = None
        if previous:
            m, r = max(previous, key=lambda t: t[0])
            seconds = r["seconds"] * (n / m) ** 2
        return {"estimated_peak_bytes": memory, "k_used": k, "k_from_n": k_from,
                "estimated_seconds": seconds}


def check_budgets(est, args, memory_matters=True):
    if memory_matters and est["estimated_peak_bytes"] > args.memory_budget_gb * 2**30:
        return "estimated peak memory %.1f GiB > budget %.1f GiB" % (
            est["estimated_peak_bytes"] / 2**30, args.memory_budget_gb)
    if est["estimated_seconds"] is not None and est["estimated_seconds"] > args.time_budget:
        return "estimated %.0f s for one call > time budget %.0f s" % (
            est["estimated_seconds"], args.time_budget)
    return None


def machine_info(geo):
    import scipy

    info = {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pot": ot.__version__,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    for key in ("torch", "geomloss", "pykeops"):
        if geo.get(key):
            info[key] = geo[key]
    try:
        with open("/proc/meminfo") as f:
            info["mem_total_kib"] = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="target/pot_sinkhorn_bench.json", help="JSON output path")
    parser.add_argument("--quick", action="store_true", help="only n = 1000, one repetition")
    parser.add_argument("--sizes", default=None, help="comma-separated n (default 1000,5000,20000)")
    parser.add_argument("--rel-eps", default=None, help="comma-separated eps / max(M) (default 1e-2,1e-3)")
    parser.add_argument("--repetitions", "-r", type=int, default=None,
                        help="timed repetitions (default 3 for n <= 1000, else 1; 1 with --quick)")
    parser.add_argument("--time-budget", type=float, default=600.0,
                        help="skip a call estimated to take longer (seconds, default 600)")
    parser.add_argument("--memory-budget-gb", type=float, default=18.0,
                        help="skip a call estimated to need more memory (GiB, default 18)")
    parser.add_argument("--stop-rules", default="pot_l2,l1_bound",
                        help="POT stopping rules to run (pot_l2, l1_bound)")
    parser.add_argument("--geomloss-scalings", default=",".join(map(str, GEOMLOSS_SCALINGS)),
                        help="GeomLoss eps-scaling ratios (default 0.5,0.9,0.99)")
    parser.add_argument("--no-geomloss", action="store_true", help="skip GeomLoss")
    args = parser.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(SIZES)
    if args.quick:
        sizes = [n for n in sizes if n <= 1000]
    rels = [float(r) for r in args.rel_eps.split(",")] if args.rel_eps else list(REL_EPS)
    rules = [r for r in args.stop_rules.split(",") if r]
    scalings = [float(s) for s in args.geomloss_scalings.split(",") if s]

    geo = {"tensorized": False, "online": False, "reason": "--no-geomloss"}
    if not args.no_geomloss:
        geo = geomloss_available()
    print("geomloss: %s" % geo, flush=True)
    backends = [b for b in ("tensorized", "online") if geo.get(b)]

    pot_est = Estimator(DEFAULT_K_POT)
    geo_est = Estimator(DEFAULT_K_GEOMLOSS)
    entries = []

    def record(e):
        e["loadavg_1min_after"] = os.getloadavg()[0]
        entries.append(e)
        if e["status"] == "ok":
            extra = ""
            if "iterations" in e:
                extra = "%6d it" % e["iterations"]
            elif "softmin_pairs" in e:
                extra = "%6d pairs" % e["softmin_pairs"]
            print("%-20s n=%-6d %-28s %10.4f s %s  T_eps=%s  l1=%s  peak=%.2f GiB" % (
                e["name"], e["n"], e.get("variant", ""), e["seconds"], extra,
                "%.10g" % e["entropic_cost"] if "entropic_cost" in e else "-",
                "%.2e" % e["l1_col_error_rel"] if "l1_col_error_rel" in e else "-",
                e["peak_rss_bytes"] / 2**30), flush=True)
        else:
            print("%-20s n=%-6d %-28s skipped: %s" % (e["name"], e["n"], e.get("variant", ""),
                                                      e["skip_reason"]), flush=True)

    for n in sizes:
        reps = repetitions_for(n, args)
        base = {"n": n, "m": n, "d": 2, "repetitions_requested": reps}
        cm_mem = BASE_RSS + 3 * 8.0 * n * n  # M plus two n x n temporaries
        if cm_mem > args.memory_budget_gb * 2**30:
            record(dict(base, name="cost_matrix", status="skipped",
                        skip_reason="estimated memory %.1f GiB" % (cm_mem / 2**30)))
        else:
            record(dict(base, name="cost_matrix", status="ok", **in_child(
                "measure_cost_matrix", n=n, repetitions=reps)))
        for rel in rels:
            for rule in rules:
                stop_thr = TOL if rule == "pot_l2" else TOL / math.sqrt(n)
                key = ("pot", rel, rule)
                est = pot_est.estimate(key, n)
                e = dict(base, name="pot_sinkhorn_log", variant="rel=%g %s" % (rel, rule),
                         rel_eps=rel, tol=TOL, stop_rule=rule, stopThr=stop_thr,
                         numItermax=POT_MAX_ITER, method="sinkhorn_log", **est)
                reason = check_budgets(est, args)
                if reason:
                    record(dict(e, status="skipped", skip_reason=reason))
                    continue
                r = in_child("measure_pot", n=n, rel=rel, stop_thr=stop_thr, repetitions=reps)
                r["seconds_per_iteration"] = r["seconds"] / r["iterations"]
                pot_est.add(key, n, r)
                record(dict(e, status="ok", **r))
            for backend in backends:
                for scaling in scalings:
                    key = ("geomloss_" + backend, rel, scaling)
                    est = geo_est.estimate(key, n)
                    e = dict(base, name="geomloss_sinkhorn",
                             variant="rel=%g %s s=%g" % (rel, backend, scaling),
                             rel_eps=rel, debias=False, p=2, **est)
                    reason = check_budgets(est, args, memory_matters=(backend == "tensorized"))
                    if reason:
                        record(dict(e, status="skipped", skip_reason=reason))
                        continue
                    r = in_child("measure_geomloss", n=n, rel=rel, scaling=scaling,
                                 backend=backend, repetitions=reps)
                    geo_est.add(key, n, r)
                    record(dict(e, status="ok", **r))
    if not args.no_geomloss and not backends:
        entries.append({"name": "geomloss_sinkhorn", "status": "skipped",
                        "skip_reason": geo.get("reason")})

    report = {
        "machine": machine_info(geo),
        "quick": bool(args.quick),
        "tol": TOL,
        "geomloss": geo,
        "time_budget_s": args.time_budget,
        "memory_budget_gib": args.memory_budget_gb,
        "generator_check": {"cloud(1, 2, 2)": cloud(1, 2, 2).tolist()},
        "entries": entries,
    }
    out_dir = os.path.dirname(args.out)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print("%d entries written to %s" % (len(entries), args.out))


if __name__ == "__main__":
    main()
