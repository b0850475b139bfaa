//! Entropic costs and the Sinkhorn divergence against POT 0.9.7 (fixtures in
//! tests/fixtures/pot_sinkhorn_divergence.txt, written by scripts/make_fixtures.py, which
//! documents how each column was computed). Building and running these tests needs no Python.

use kantorovich_core::{CostMatrix, DiscreteMeasure};
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::{entropic_cost, sinkhorn_divergence, Sinkhorn};
use kantorovich_testkit::cloud;

/// Relative agreement required with POT's values, computed with direct-difference costs.
const REL: f64 = 1e-8;

/// Relative agreement with `empirical_sinkhorn_divergence`, which builds its costs with ot.dist's
/// expansion |x|^2 + |y|^2 - 2 x.y: that moves each entry by a few ulps of |x|^2 + |y|^2 and
/// <C, P> by at most ~1e-15 (1 + max C / eps) ~ 1e-13 here (measured: ~1e-15 relative).
const REL_EMPIRICAL: f64 = 1e-10;

/// One line of the fixture file.
#[derive(Debug)]
struct Fixture {
    line: String,
    mu: DiscreteMeasure<Euclidean>,
    nu: DiscreteMeasure<Euclidean>,
    eps: f64,
    /// <C, P> of POT's sinkhorn2 for (mu, nu), (mu, mu), (nu, nu).
    transport: [f64; 3],
    /// <C, P> + eps KL(P | p q^T) of POT's plans, in the same order.
    entropic: [f64; 3],
    /// ot.bregman.empirical_sinkhorn_divergence: max(0, transport divergence), no entropy.
    empirical: f64,
}

impl Fixture {
    /// POT's entropic Sinkhorn divergence T_ab - (T_aa + T_bb) / 2.
    fn divergence(&self) -> f64 {
        self.entropic[0] - 0.5 * (self.entropic[1] + self.entropic[2])
    }
}

fn fixtures() -> Vec<Fixture> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/pot_sinkhorn_divergence.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let out: Vec<Fixture> = text
        .lines()
        .filter(|l| l.starts_with("instance"))
        .map(|line| {
            let v: Vec<f64> = line.split_whitespace().skip(1).map(|w| w.parse().unwrap()).collect();
            assert_eq!(v.len(), 15, "{line}");
            let (sx, sy, n, m, d) = (v[0] as u64, v[1] as u64, v[2] as usize, v[3] as usize, v[4] as usize);
            let random_weights = v[5] != 0.0;
            // weights as scripts/make_fixtures.py: uniform, or cloud(seed + 100, k, 1) + 0.1
            // normalised (by DiscreteMeasure::new here, left-to-right sum there)
            let weights = |seed: u64, k: usize| -> Vec<f64> {
                if random_weights {
                    cloud(seed + 100, k, 1).into_iter().map(|w| w + 0.1).collect()
                } else {
                    vec![1.0; k]
                }
            };
            let space = Euclidean::new(d).unwrap();
            let mu = space.measure(cloud(sx, n, d), weights(sx, n)).unwrap();
            let nu = space.measure(cloud(sy, m, d), weights(sy, m)).unwrap();
            let fixture = Fixture {
                line: line.to_string(),
                mu,
                nu,
                eps: v[7],
                transport: [v[8], v[9], v[10]],
                entropic: [v[11], v[12], v[13]],
                empirical: v[14],
            };
            // eps = rel * max C_xy: the same cost matrix on both sides
            let cost = CostMatrix::between(&fixture.mu, &fixture.nu, &SquaredEuclidean).unwrap();
            assert!((v[6] * cost.max() - fixture.eps).abs() <= 1e-15 * fixture.eps, "{line}");
            fixture
        })
        .collect();
    assert_eq!(out.len(), 5);
    out
}

fn solver(eps: f64) -> Sinkhorn {
    Sinkhorn::new(eps).tolerance(1e-13).max_iterations(200_000)
}

fn assert_close(found: f64, expected: f64, rel: f64, what: &str, line: &str) {
    assert!(
        (found - expected).abs() <= rel * expected.abs(),
        "{what}: kantorovich {found}, POT {expected} (relative {:e}) in {line}",
        (found - expected) / expected
    );
}

/// T_eps(mu, nu) with `solve` and T_eps(mu, mu), T_eps(nu, nu) with `solve_symmetric`, and the
/// <C, P> of each, against POT's sinkhorn_log plans.
#[test]
fn entropic_and_transport_costs_match_pot() {
    for fx in fixtures() {
        let s = solver(fx.eps);
        let line = fx.line.as_str();
        let c_ab = CostMatrix::between(&fx.mu, &fx.nu, &SquaredEuclidean).unwrap();
        let ab = s.solve(fx.mu.weights(), fx.nu.weights(), &c_ab).unwrap();
        assert!(ab.converged, "ab: marginal error {} in {line}", ab.marginal_error);
        assert_close(ab.transport_cost, fx.transport[0], REL, "<C,P>_ab", line);
        assert_close(ab.entropic_cost, fx.entropic[0], REL, "T_eps(mu, nu)", line);
        for (k, m) in [(1, &fx.mu), (2, &fx.nu)] {
            let what = if k == 1 { "aa" } else { "bb" };
            let c = CostMatrix::between(m, m, &SquaredEuclidean).unwrap();
            let sym = s.solve_symmetric(m.weights(), &c).unwrap();
            assert!(sym.converged, "{what}: marginal error {} in {line}", sym.marginal_error);
            assert_close(sym.transport_cost, fx.transport[k], REL, &format!("<C,P>_{what}"), line);
            assert_close(
                sym.entropic_cost,
                fx.entropic[k],
                REL,
                &format!("T_eps {what} (symmetric)"),
                line,
            );
        }
        // the measure-level entry point
        let t = entropic_cost(&s, &fx.mu, &fx.nu, &SquaredEuclidean).unwrap();
        assert_close(t, fx.entropic[0], REL, "entropic_cost(mu, nu)", line);
    }
}

/// S_eps = T_eps(mu, nu) - (T_eps(mu, mu) + T_eps(nu, nu)) / 2, entropy terms included, against
/// the divergence assembled from POT's entropic costs.
#[test]
fn sinkhorn_divergence_matches_pot() {
    for fx in fixtures() {
        let expected = fx.divergence();
        assert!(expected > 0.0, "{}", fx.line);
        let found = sinkhorn_divergence(&solver(fx.eps), &fx.mu, &fx.nu, &SquaredEuclidean).unwrap();
        assert_close(found, expected, REL, "S_eps(mu, nu)", &fx.line);
    }
}

/// POT's `empirical_sinkhorn_divergence` is the transport-only divergence
/// max(0, <C,P>_ab - (<C,P>_aa + <C,P>_bb) / 2): reproduced from kantorovich's transport costs,
/// and different from kantorovich's (entropic) `sinkhorn_divergence`.
#[test]
fn empirical_sinkhorn_divergence_convention() {
    for fx in fixtures() {
        let s = solver(fx.eps);
        let line = fx.line.as_str();
        let c_ab = CostMatrix::between(&fx.mu, &fx.nu, &SquaredEuclidean).unwrap();
        let c_aa = CostMatrix::between(&fx.mu, &fx.mu, &SquaredEuclidean).unwrap();
        let c_bb = CostMatrix::between(&fx.nu, &fx.nu, &SquaredEuclidean).unwrap();
        let ab = s.solve(fx.mu.weights(), fx.nu.weights(), &c_ab).unwrap();
        let aa = s.solve_symmetric(fx.mu.weights(), &c_aa).unwrap();
        let bb = s.solve_symmetric(fx.nu.weights(), &c_bb).unwrap();
        let transport_only = (ab.transport_cost - 0.5 * (aa.transport_cost + bb.transport_cost)).max(0.0);
        assert_close(
            transport_only,
            fx.empirical,
            REL_EMPIRICAL,
            "transport-only divergence",
            line,
        );
        let entropic = sinkhorn_divergence(&s, &fx.mu, &fx.nu, &SquaredEuclidean).unwrap();
        assert!(
            (entropic - fx.empirical).abs() > 1e-3 * fx.empirical,
            "the two conventions should differ visibly: {entropic} vs {} in {line}",
            fx.empirical
        );
    }
}
