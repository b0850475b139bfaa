#!/usr/bin/env python3
"""Dev-time generator of the POT fixtures committed under tests/fixtures/.

Building and testing kantorovich never runs this script; it only regenerates the files.

    pip install -r scripts/requirements-bench.txt
    python3 scripts/make_fixtures.py

Instances use the splitmix64 `cloud(seed, n, d)` generator shared with the Rust tests
(crates/kantorovich-testkit). Files are plain text: `key value value ...` lines.

- tests/fixtures/pot_emd.txt: exact OT costs from ot.emd2 (numItermax=1e8, result_code checked)
  for random non-uniform weights and direct-difference squared Euclidean costs.
- tests/fixtures/pot_emd_hard.txt: ot.emd2 on the hard cases the other fixtures lack (issue 13):
  zero weights, duplicate points (a coarse grid), n >> m, a cost range of 1e8 (a shared outlier at
  distance 1e4; its exact value by the block decomposition is kept as `block3` next to POT's,
  which is off by rounding of the masses times the largest cost), and all of them at once. The points and weights are written out in full (keys x, y, a, b, d, cost with
  the instance number appended).
- tests/fixtures/pot_sinkhorn.txt: <C, P> of ot.sinkhorn2(method='sinkhorn_log', stopThr=1e-13) for
  uniform weights; POT's reg is absolute and its plan minimises <C,P> + reg KL(P | a b^T), as ours.
- tests/fixtures/pot_free_support.txt: ot.lp.free_support_barycenter (the iteration H for the
  squared Euclidean cost) on K = 3 measures of 20 points in [0,1]^2, weights (0.5, 0.3, 0.2),
  X_init = cloud(30, 20, 2), exactly 10 iterations (stopThr=-1), with the final points and V.
- tests/fixtures/pot_sinkhorn_divergence.txt: the pieces of the Sinkhorn divergence
  S_eps(mu, nu) = T_eps(mu, nu) - T_eps(mu, mu) / 2 - T_eps(nu, nu) / 2 on five instances
  (mu = cloud(seed_x, n, d), nu = cloud(seed_y, m, d); uniform weights, or w = cloud(seed + 100,
  k, 1) + 0.1 divided by its sum taken left to right, as DiscreteMeasure::new does; eps absolute,
  eps = rel * max C_xy with C from direct differences (sqdist), and C_xx, C_yy likewise). For each
  of the three pairs (ab = (mu, nu), aa = (mu, mu), bb = (nu, nu)):
    transport_*  <C, P> of ot.sinkhorn2(method='sinkhorn_log', stopThr=1e-14, numItermax=1e6);
    entropic_*   T_eps = <C, P> + eps KL(P | p q^T) with KL(P | Q) = sum P log(P / Q) - sum P
                 + sum Q computed here from the plan of ot.sinkhorn(method='sinkhorn_log', same
                 settings, log=True) (0 log 0 = 0), checked against the dual value
                 sum p f + sum q g - eps (sum P - 1), f = eps (log_u - log p), g likewise.
  POT's sinkhorn_log stops on the Euclidean norm of the column-marginal violation, checked every
  10 iterations (its row marginals are exact after each iteration); every run here converges
  (warnings are errors). The entropic divergence itself is not in the file: a test assembles it
  from the entropic_* columns.
    empirical    ot.bregman.empirical_sinkhorn_divergence(x, y, eps, a, b,
                 method='sinkhorn_log', stopThr=1e-14, numIterMax=1e6). In POT 0.9.7.post1 it
                 returns max(0, <C,P>_ab - (<C,P>_aa + <C,P>_bb) / 2): three empirical_sinkhorn2
                 values, each the <C, P> of sinkhorn2, so WITHOUT the entropy terms, clipped at 0
                 (not the debiased entropic divergence of Feydy et al.). It builds its costs with
                 ot.dist, i.e. the expansion |x|^2 + |y|^2 - 2 x.y clipped at 0 (and with an exact
                 zero diagonal for the self terms, whose two arguments are the same array), not
                 direct differences; its default solver is method='sinkhorn' (kwargs reach
                 sinkhorn2), default numIterMax=10000 and stopThr=1e-9, overridden here. The
                 expansion moves each cost entry by a few ulps of |x|^2 + |y|^2 (<= ~1e-15 for
                 points of [0,1]^3), so <C, P> by <= ~1e-15 (1 + max C / eps) <= ~1e-13 with eps
                 >= 0.01 max C; on these instances the value agrees with the one assembled from
                 the transport_* columns to ~1e-15 relative (checked here at 1e-12), and the Rust
                 test compares it at 1e-10 relative.
"""

import warnings

import numpy as np
import ot

MASK = (1 << 64) - 1


def cloud(seed, n, d):
    state = seed
    out = []
    for _ in range(n * d):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        out.append((z >> 11) * 2.0**-53)
    return np.array(out).reshape(n, d)


def sqdist(x, y):
    m = np.zeros((x.shape[0], y.shape[0]))
    for t in range(x.shape[1]):
        m += (x[:, t][:, None] - y[:, t][None, :]) ** 2
    return m


def exact_cost(a, b, m):
    cost, log = ot.emd2(a, b, m, numItermax=100_000_000, log=True)
    assert log["result_code"] == 1, log
    return float(cost)


def fmt(values):
    return " ".join(repr(float(v)) for v in np.ravel(values))


def emd_fixtures():
    lines = ["# seed_x seed_y n m d: weights a = cloud(seed_x + 100, n, 1) + 0.1, b likewise; cost"]
    for (sx, sy, n, m, d) in [(1, 2, 10, 10, 2), (3, 4, 25, 17, 3), (5, 6, 60, 45, 2), (7, 8, 1, 9, 1), (9, 10, 40, 1, 4)]:
        x, y = cloud(sx, n, d), cloud(sy, m, d)
        a = cloud(sx + 100, n, 1).ravel() + 0.1
        b = cloud(sy + 100, m, 1).ravel() + 0.1
        a, b = a / a.sum(), b / b.sum()
        lines.append(f"instance {sx} {sy} {n} {m} {d} {exact_cost(a, b, sqdist(x, y))!r}")
    return lines


def emd_hard_fixtures():
    lines = ["# instance k: d_k, points x_k (n x d row-major), y_k, weights a_k, b_k, cost_k = ot.emd2"]
    rng = np.random.default_rng(13)

    def weights(k, zeros):
        w = rng.uniform(0.05, 1.0, k)
        if zeros:
            w[::3] = 0.0
            w[1] += 0.5
        return w / w.sum()

    cases = []
    # zero weights
    cases.append((cloud(61, 15, 2), cloud(62, 12, 2), weights(15, True), weights(12, True)))
    # duplicates: a coarse grid
    cases.append((np.round(cloud(63, 20, 2) * 4) / 4, np.round(cloud(64, 16, 2) * 4) / 4, weights(20, False), weights(16, False)))
    # n >> m
    cases.append((cloud(65, 60, 2), cloud(66, 3, 2), weights(60, False), weights(3, False)))
    # a cost range of 1e8: one shared outlier at distance 1e4
    x, y = cloud(67, 30, 2), cloud(68, 30, 2)
    a, b = weights(30, False) * 0.9, weights(30, False) * 0.9
    x = np.vstack([x, [[1e4, 0.0]]])
    y = np.vstack([y, [[1e4, 0.0]]])
    a, b = np.append(a, 0.1), np.append(b, 0.1)
    # The optimum keeps the outlier in place: the 30 x 30 block alone is the exact reference.
    # POT's own value differs from it by ~3e-9 (6e-8 relative), within what rounding the masses
    # (1e-17) at costs of 1e8 allows: the file keeps both.
    block = exact_cost(a[:30] / 0.9, b[:30] / 0.9, sqdist(x[:30], y[:30])) * 0.9
    full = exact_cost(a, b, sqdist(x, y))
    assert abs(full - block) <= 1e-15 * sqdist(x, y).max(), (full, block)
    lines.append(f"block3 {block!r}")
    cases.append((x, y, a, b))
    # everything at once
    cases.append((np.round(cloud(69, 25, 3) * 3) / 3, np.round(cloud(70, 7, 3) * 3) / 3, weights(25, True), weights(7, True)))
    for k, (x, y, a, b) in enumerate(cases):
        lines += [
            f"d{k} {x.shape[1]}",
            f"x{k} " + fmt(x),
            f"y{k} " + fmt(y),
            f"a{k} " + fmt(a),
            f"b{k} " + fmt(b),
            f"cost{k} {exact_cost(a, b, sqdist(x, y))!r}",
        ]
    return lines


def free_support_fixture():
    lambdas = [0.5, 0.3, 0.2]
    measures = [cloud(40 + k, 20, 2) for k in range(3)]
    weights = [np.full(20, 1 / 20) for _ in range(3)]
    x_init = cloud(30, 20, 2)
    x = ot.lp.free_support_barycenter(measures, weights, x_init.copy(), b=np.full(20, 1 / 20),
                                      weights=np.array(lambdas), numItermax=10, stopThr=-1.0)
    v = sum(l * exact_cost(np.full(20, 1 / 20), w, sqdist(x, y)) for l, w, y in zip(lambdas, weights, measures))
    return [
        "# K = 3 measures cloud(40 + k, 20, 2), uniform; lambdas; X_init = cloud(30, 20, 2); 10 iterations",
        "lambdas " + fmt(lambdas),
        "points " + fmt(x),
        f"objective {v!r}",
    ]


def north_west_fixture():
    """POT's true fixed point (North-West-corner gluing of exact plans) for c_k = lambda_k |x - y|^2,
    whose ground barycentre is the lambda-weighted mean: V(mu_0..mu_4) and the atoms of mu_4."""
    lambdas = np.array([0.5, 0.3, 0.2])
    sizes = [6, 7, 9]
    measures = [cloud(50 + k, m, 2) for k, m in enumerate(sizes)]
    weights = [sequential_normalised(cloud(150 + k, m, 1).ravel() + 0.1) for k, m in enumerate(sizes)]
    x_init = cloud(60, 8, 2)
    costs = [lambda x, y, l=l: l * sqdist(x, y) for l in lambdas]

    def ground_bary(ys):
        return sum(l * y for l, y in zip(lambdas, ys)) / lambdas.sum()

    x, a, log = ot.lp.free_support_barycenter_generic_costs(
        measures, weights, x_init.copy(), costs, ground_bary=ground_bary, numItermax=4,
        method="true_fixed_point", stopThr=-np.inf, log=True)
    return [
        "# K = 3 measures cloud(50 + k, m_k, 2), m = 6, 7, 9, weights cloud(150 + k, m_k, 1) + 0.1 normalised;",
        "# lambdas; X_init = cloud(60, 8, 2) uniform; method true_fixed_point, 4 iterations: V(mu_0..mu_4), mu_4",
        "lambdas " + fmt(lambdas),
        "objectives " + fmt([float(v) for v in log["V_list"]]),
        "points " + fmt(x),
        "weights " + fmt(a),
    ]


def sinkhorn_fixtures():
    lines = ["# seed_x seed_y n m d eps: uniform weights, squared Euclidean; <C, P> of ot.sinkhorn2 (sinkhorn_log)"]
    for (sx, sy, n, m, d, eps) in [(11, 12, 30, 20, 2, 1e-1), (13, 14, 40, 40, 2, 1e-2), (15, 16, 25, 35, 3, 5e-3)]:
        x, y = cloud(sx, n, d), cloud(sy, m, d)
        a, b = np.full(n, 1 / n), np.full(m, 1 / m)
        value = ot.sinkhorn2(a, b, sqdist(x, y), eps, method="sinkhorn_log", numItermax=100000, stopThr=1e-13)
        lines.append(f"instance {sx} {sy} {n} {m} {d} {eps!r} {float(value)!r}")
    return lines


def sequential_normalised(w):
    """w / sum(w), the sum taken left to right (as kantorovich's DiscreteMeasure::new)."""
    total = 0.0
    for v in w:
        total += float(v)
    return np.asarray(w, dtype=float) / total


def kl_to_product(p_plan, p, q):
    """KL(P | p q^T) = sum P log(P / (p q^T)) - sum P + sum p q^T, with 0 log 0 = 0."""
    prod = p[:, None] * q[None, :]
    pos = p_plan > 0
    return float(np.sum(p_plan[pos] * np.log(p_plan[pos] / prod[pos])) - p_plan.sum() + prod.sum())


DIV_STOP = 1e-14
DIV_MAX_ITER = 1_000_000


def entropic_pieces(p, q, c, eps):
    """(<C, P>, T_eps) of POT's sinkhorn_log solution, with the consistency checks."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Sinkhorn did not converge" must not pass silently
        transport = float(ot.sinkhorn2(p, q, c, eps, method="sinkhorn_log", stopThr=DIV_STOP,
                                       numItermax=DIV_MAX_ITER))
        plan, log = ot.sinkhorn(p, q, c, eps, method="sinkhorn_log", stopThr=DIV_STOP,
                                numItermax=DIV_MAX_ITER, log=True)
    direct = float(np.sum(c * plan))
    assert abs(direct - transport) <= 1e-14 * transport, (direct, transport)
    entropic = direct + eps * kl_to_product(plan, p, q)
    f = eps * (log["log_u"] - np.log(p))
    g = eps * (log["log_v"] - np.log(q))
    dual = float(p @ f + q @ g) - eps * (float(plan.sum()) - 1.0)
    assert abs(entropic - dual) <= 1e-12 * entropic, (entropic, dual)
    assert np.abs(plan.sum(axis=1) - p).sum() <= 1e-13 and np.abs(plan.sum(axis=0) - q).sum() <= 1e-13
    return transport, entropic


def divergence_fixtures():
    lines = [
        "# seed_x seed_y n m d random_weights rel eps transport_ab transport_aa transport_bb"
        " entropic_ab entropic_aa entropic_bb empirical",
        "# random_weights 0: uniform; 1: w = cloud(seed + 100, k, 1) + 0.1, normalised."
        " eps = rel * max C_xy (absolute).",
        "# transport_*: ot.sinkhorn2(method='sinkhorn_log'); entropic_*: <C,P> + eps KL(P | p q^T)"
        " from ot.sinkhorn's plan;",
        "# empirical: ot.bregman.empirical_sinkhorn_divergence = max(0, <C,P>_ab - (<C,P>_aa +"
        " <C,P>_bb) / 2), no entropy terms, ot.dist costs.",
    ]
    for (sx, sy, n, m, d, random_weights, rel) in [
        (21, 22, 10, 12, 2, 0, 0.5),
        (23, 24, 30, 25, 3, 1, 0.1),
        (25, 26, 50, 50, 2, 1, 0.05),
        (27, 28, 40, 35, 3, 0, 0.1),
        (29, 30, 50, 40, 2, 1, 0.01),
    ]:
        x, y = cloud(sx, n, d), cloud(sy, m, d)
        if random_weights:
            a = sequential_normalised(cloud(sx + 100, n, 1).ravel() + 0.1)
            b = sequential_normalised(cloud(sy + 100, m, 1).ravel() + 0.1)
        else:
            a, b = np.full(n, 1 / n), np.full(m, 1 / m)
        c_ab = sqdist(x, y)
        eps = rel * float(c_ab.max())
        t_ab, e_ab = entropic_pieces(a, b, c_ab, eps)
        t_aa, e_aa = entropic_pieces(a, a, sqdist(x, x), eps)
        t_bb, e_bb = entropic_pieces(b, b, sqdist(y, y), eps)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            empirical = float(ot.bregman.empirical_sinkhorn_divergence(
                x, y, eps, a=a, b=b, method="sinkhorn_log", stopThr=DIV_STOP, numIterMax=DIV_MAX_ITER))
        transport_div = t_ab - 0.5 * (t_aa + t_bb)
        assert abs(empirical - max(0.0, transport_div)) <= 1e-12 * abs(transport_div), (empirical, transport_div)
        values = [t_ab, t_aa, t_bb, e_ab, e_aa, e_bb, empirical]
        lines.append(f"instance {sx} {sy} {n} {m} {d} {random_weights} {rel!r} {eps!r} " + fmt(values))
    return lines


def main():
    header = f"# generated by scripts/make_fixtures.py with POT {ot.__version__}"
    with open("tests/fixtures/pot_emd.txt", "w") as f:
        f.write("\n".join([header] + emd_fixtures()) + "\n")
    with open("tests/fixtures/pot_emd_hard.txt", "w") as f:
        f.write("\n".join([header] + emd_hard_fixtures()) + "\n")
    with open("tests/fixtures/pot_sinkhorn.txt", "w") as f:
        f.write("\n".join([header] + sinkhorn_fixtures()) + "\n")
    with open("tests/fixtures/pot_free_support.txt", "w") as f:
        f.write("\n".join([header] + free_support_fixture()) + "\n")
    with open("tests/fixtures/pot_north_west.txt", "w") as f:
        f.write("\n".join([header] + north_west_fixture()) + "\n")
    with open("tests/fixtures/pot_sinkhorn_divergence.txt", "w") as f:
        f.write("\n".join([header] + divergence_fixtures()) + "\n")


if __name__ == "__main__":
    main()
