//! Log-domain Sinkhorn: marginals, the limit eps -> 0 against the network simplex, stability at
//! small eps, duality, POT fixtures, and errors.

use kantorovich_core::{CoreError, CostMatrix};
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::{NetworkSimplex, OtError, Sinkhorn};
use kantorovich_testkit::{cloud, SplitMix64};

fn instance(seed: u64, n: usize, m: usize, d: usize, random_weights: bool) -> (Vec<f64>, Vec<f64>, CostMatrix) {
    let space = Euclidean::new(d).unwrap();
    let mut rng = SplitMix64(seed + 1000);
    let mut w = |k: usize| -> Vec<f64> {
        (0..k)
            .map(|_| if random_weights { 0.1 + rng.uniform() } else { 1.0 })
            .collect()
    };
    let mu = space.measure(cloud(seed, n, d), w(n)).unwrap();
    let nu = space.measure(cloud(seed + 1, m, d), w(m)).unwrap();
    let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
    (mu.weights().to_vec(), nu.weights().to_vec(), cost)
}

fn marginal_errors(p: &[f64], a: &[f64], b: &[f64]) -> (f64, f64) {
    let m = b.len();
    let rows: f64 = a
        .iter()
        .enumerate()
        .map(|(i, ai)| (p[i * m..(i + 1) * m].iter().sum::<f64>() - ai).abs())
        .sum();
    let cols: f64 = b
        .iter()
        .enumerate()
        .map(|(j, bj)| ((0..a.len()).map(|i| p[i * m + j]).sum::<f64>() - bj).abs())
        .sum();
    (rows, cols)
}

#[test]
fn marginals_and_duality_at_convergence() {
    for (seed, n, m, random) in [
        (1, 30, 30, false),
        (3, 50, 20, true),
        (5, 1, 17, true),
        (7, 40, 1, false),
    ] {
        let (a, b, cost) = instance(seed, n, m, 2, random);
        let solver = Sinkhorn::new(1e-2).tolerance(1e-10);
        let sol = solver.solve(&a, &b, &cost).unwrap();
        assert!(sol.converged, "seed {seed}: error {}", sol.marginal_error);
        let p = Sinkhorn::plan(&sol, &a, &b, &cost).unwrap();
        let (rows, cols) = marginal_errors(&p, &a, &b);
        assert!(rows <= 1e-9 && cols <= 1e-12, "seed {seed}: rows {rows}, cols {cols}");
        assert!((sol.dual_value - sol.entropic_cost).abs() <= 1e-8 * (1.0 + sol.entropic_cost.abs()));
        let direct: f64 = p.iter().zip(cost.as_slice()).map(|(p, c)| p * c).sum();
        assert!((direct - sol.transport_cost).abs() <= 1e-12);
    }
}

/// T_0 <= <C, P_eps> <= T_eps <= T_0 + eps log(min(n, m)) for uniform weights, so T_eps -> T_0.
/// (Smaller eps converge too slowly for a unit test: see `stable_at_small_epsilon`.)
#[test]
fn entropic_cost_tends_to_the_exact_cost() {
    let (a, b, cost) = instance(11, 40, 30, 2, false);
    let t0 = NetworkSimplex::default().solve(&a, &b, &cost).unwrap().cost;
    let mut previous_gap = f64::INFINITY;
    for rel in [1e-1, 1e-2, 1e-3] {
        let eps = rel * cost.max();
        let sol = Sinkhorn::new(eps).max_iterations(100_000).solve(&a, &b, &cost).unwrap();
        assert!(sol.converged, "eps {eps}: error {}", sol.marginal_error);
        let tol = 1e-8;
        assert!(t0 <= sol.transport_cost + tol, "eps {eps}");
        assert!(sol.transport_cost <= sol.entropic_cost + tol, "eps {eps}");
        assert!(sol.entropic_cost <= t0 + eps * (30f64).ln() + tol, "eps {eps}");
        let gap = sol.entropic_cost - t0;
        assert!(gap <= previous_gap + tol);
        previous_gap = gap;
    }
    assert!(previous_gap <= 1e-3 * cost.max() * (30f64).ln());
}

/// eps = 1e-4 max C: no NaN or infinity, converged.
#[test]
fn stable_at_small_epsilon() {
    let (a, b, cost) = instance(21, 100, 100, 2, true);
    let sol = Sinkhorn::new(1e-4 * cost.max())
        .max_iterations(100_000)
        .tolerance(1e-8)
        .solve(&a, &b, &cost)
        .unwrap();
    assert!(sol.converged, "error {}", sol.marginal_error);
    for x in sol
        .f
        .iter()
        .chain(&sol.g)
        .chain([&sol.transport_cost, &sol.entropic_cost, &sol.dual_value])
    {
        assert!(x.is_finite());
    }
}

/// Zero weights: those atoms carry no mass and their potentials stay finite.
#[test]
fn zero_weights() {
    let (mut a, b, cost) = instance(31, 10, 12, 2, true);
    a[3] = 0.0;
    let total: f64 = a.iter().sum();
    a.iter_mut().for_each(|x| *x /= total);
    let sol = Sinkhorn::new(1e-2).solve(&a, &b, &cost).unwrap();
    assert!(sol.converged);
    let p = Sinkhorn::plan(&sol, &a, &b, &cost).unwrap();
    assert!(p[3 * 12..4 * 12].iter().all(|&x| x == 0.0));
    assert!(sol.f.iter().chain(&sol.g).all(|x| x.is_finite()));
}

/// The iteration cap is reported, not hidden.
#[test]
fn iteration_cap_is_visible() {
    let (a, b, cost) = instance(41, 30, 30, 2, true);
    let sol = Sinkhorn::new(1e-3)
        .scaling(None)
        .max_iterations(2)
        .solve(&a, &b, &cost)
        .unwrap();
    assert!(!sol.converged);
    assert!(sol.marginal_error > 1e-9);
    assert_eq!(sol.iterations, 2);
}

/// <C, P> agrees with POT's `ot.sinkhorn2(method='sinkhorn_log')` (fixtures from
/// scripts/make_fixtures.py) to 1e-8 relative.
#[test]
fn matches_pot_sinkhorn2() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/pot_sinkhorn.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let mut count = 0;
    for line in text.lines().filter(|l| l.starts_with("instance")) {
        let v: Vec<f64> = line.split_whitespace().skip(1).map(|w| w.parse().unwrap()).collect();
        let (sx, sy, n, m, d, eps, expected) = (
            v[0] as u64,
            v[1] as u64,
            v[2] as usize,
            v[3] as usize,
            v[4] as usize,
            v[5],
            v[6],
        );
        let space = Euclidean::new(d).unwrap();
        let mu = space.uniform(cloud(sx, n, d)).unwrap();
        let nu = space.uniform(cloud(sy, m, d)).unwrap();
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let sol = Sinkhorn::new(eps)
            .tolerance(1e-13)
            .max_iterations(100_000)
            .solve(mu.weights(), nu.weights(), &cost)
            .unwrap();
        assert!(
            (sol.transport_cost - expected).abs() <= 1e-8 * expected,
            "{line}: {}",
            sol.transport_cost
        );
        count += 1;
    }
    assert_eq!(count, 3);
}

#[test]
fn errors() {
    let (a, b, cost) = instance(51, 5, 5, 2, true);
    for solver in [
        Sinkhorn::new(0.0),
        Sinkhorn::new(f64::NAN),
        Sinkhorn::new(-1.0),
        Sinkhorn::new(0.1).tolerance(f64::NAN),
        Sinkhorn::new(0.1).scaling(Some(1.5)),
    ] {
        assert!(
            matches!(
                solver.solve(&a, &b, &cost),
                Err(OtError::Core(CoreError::InvalidParameter { .. }))
            ),
            "{solver:?}"
        );
    }
    let mut bad = a.clone();
    bad[0] = f64::NAN;
    assert!(matches!(
        Sinkhorn::new(0.1).solve(&bad, &b, &cost),
        Err(OtError::NonFiniteWeight { .. })
    ));
    assert!(matches!(
        Sinkhorn::new(0.1).solve(&a[1..], &b, &cost),
        Err(OtError::LengthMismatch { .. })
    ));
    let double: Vec<f64> = b.iter().map(|x| 2.0 * x).collect();
    assert!(matches!(
        Sinkhorn::new(0.1).solve(&a, &double, &cost),
        Err(OtError::MassMismatch { .. })
    ));
}

/// S_eps >= 0 and S_eps(mu, mu) = 0 on random measures (quickcheck).
#[test]
fn sinkhorn_divergence_laws() {
    use kantorovich_ot::sinkhorn_divergence;
    use quickcheck::{QuickCheck, TestResult};
    use std::sync::atomic::{AtomicUsize, Ordering};
    static CHECKED: AtomicUsize = AtomicUsize::new(0);
    static DISCARDED: AtomicUsize = AtomicUsize::new(0);
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let d = 1 + rng.below(3);
        let (n, m) = (1 + rng.below(12), 1 + rng.below(12));
        let space = Euclidean::new(d).unwrap();
        let mut w = |k: usize| (0..k).map(|_| 0.1 + rng.uniform()).collect::<Vec<_>>();
        let (wa, wb) = (w(n), w(m));
        let mu = space.measure(cloud(seed, n, d), wa).unwrap();
        let nu = space.measure(cloud(seed ^ 0xABCD, m, d), wb).unwrap();
        let solver = Sinkhorn::new(0.1).tolerance(1e-10).max_iterations(100_000);
        // the law is about converged solutions: a slow instance is discarded, not a failure
        let (s, s0) = match (
            sinkhorn_divergence(&solver, &mu, &nu, &SquaredEuclidean),
            sinkhorn_divergence(&solver, &mu, &mu, &SquaredEuclidean),
        ) {
            (Ok(s), Ok(s0)) => (s, s0),
            (Err(OtError::NotConverged { .. }), _) | (_, Err(OtError::NotConverged { .. })) => {
                DISCARDED.fetch_add(1, Ordering::Relaxed);
                return TestResult::discard();
            }
            (Err(e), _) | (_, Err(e)) => return TestResult::error(e.to_string()),
        };
        CHECKED.fetch_add(1, Ordering::Relaxed);
        // a marginal error e moves each cost by about e max|C| <= 3e: allow 1e-8
        TestResult::from_bool(s >= -1e-8 && s0.abs() <= 1e-8)
    }
    QuickCheck::new().tests(100).quickcheck(prop as fn(u64) -> TestResult);
    // the law is about converged runs, but they must be the rule, not the exception
    let (checked, discarded) = (CHECKED.load(Ordering::Relaxed), DISCARDED.load(Ordering::Relaxed));
    println!("divergence laws: {checked} checked, {discarded} discarded as not converged");
    assert!(
        checked >= 100 && discarded * 10 <= checked,
        "{checked} checked, {discarded} discarded"
    );
}

/// The symmetric solve agrees with the alternating one on T_eps(mu, mu).
#[test]
fn symmetric_solve_matches_alternating() {
    let space = Euclidean::new(2).unwrap();
    let mu = space
        .measure(cloud(71, 25, 2), (0..25).map(|k| 1.0 + (k % 3) as f64).collect())
        .unwrap();
    let cost = CostMatrix::between(&mu, &mu, &SquaredEuclidean).unwrap();
    let solver = Sinkhorn::new(0.05).tolerance(1e-12).max_iterations(200_000);
    let sym = solver.solve_symmetric(mu.weights(), &cost).unwrap();
    let alt = solver.solve(mu.weights(), mu.weights(), &cost).unwrap();
    assert!(sym.converged && alt.converged);
    assert!(sym.total_iterations < alt.total_iterations);
    assert!((sym.entropic_cost - alt.entropic_cost).abs() <= 1e-9 * alt.entropic_cost.abs().max(1e-12));
}

/// As a `Coupling`, Sinkhorn returns a plan with the right marginals and the entropic cost
/// <C, P> + eps KL(P | a b^T) as its value, and an unconverged run is an error.
#[test]
fn coupling_trait() {
    use kantorovich_core::Coupling;
    let space = Euclidean::new(2).unwrap();
    let mu = space.uniform(cloud(61, 15, 2)).unwrap();
    let nu = space.uniform(cloud(62, 12, 2)).unwrap();
    let plan = Sinkhorn::new(1e-2).couple(&mu, &nu, &SquaredEuclidean).unwrap();
    assert!(plan.marginal_error(mu.weights(), nu.weights()) <= 1e-9);
    let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
    let (a, b) = (mu.weights(), nu.weights());
    let direct: f64 = plan
        .iter()
        .map(|(i, j, p)| p * cost.get(i, j) + 1e-2 * (p * (p / (a[i] * b[j])).ln() - p + a[i] * b[j]))
        .sum();
    assert!((direct - plan.cost()).abs() <= 1e-12, "{direct} vs {}", plan.cost());
    let err = Sinkhorn::new(1e-4)
        .scaling(None)
        .max_iterations(1)
        .couple(&mu, &nu, &SquaredEuclidean);
    assert!(matches!(err, Err(OtError::NotConverged { iterations: 1, .. })));
}

/// A cost that is not symmetric (projection onto a circle: c(x, y) = |P x - y|^2) still gives
/// S_eps(mu, mu) = 0: the self terms fall back on the general solve (it was 0.026 when the
/// symmetric solve was used blindly), and `solve_symmetric` refuses such a cost.
#[test]
fn divergence_of_a_measure_with_itself_is_zero_for_an_asymmetric_cost() {
    use kantorovich_geometry::Circle;
    use kantorovich_ot::{asymmetric_pair, sinkhorn_divergence};
    let plane = Euclidean::new(2).unwrap();
    let mu = plane.uniform(cloud(31, 40, 2)).unwrap();
    let circle = Circle::new([0.5, 0.5], 0.3).unwrap();
    let solver = Sinkhorn::new(0.05).tolerance(1e-11);
    let s = sinkhorn_divergence(&solver, &mu, &mu, &circle).unwrap();
    assert!(s.abs() <= 1e-9, "S(mu, mu) = {s}");
    let matrix = CostMatrix::between(&mu, &mu, &circle).unwrap();
    assert!(asymmetric_pair(&matrix).is_some());
    assert!(matches!(
        solver.solve_symmetric(mu.weights(), &matrix),
        Err(OtError::NotSymmetric { .. })
    ));
    // a symmetric cost passes the check
    let sym = CostMatrix::between(&mu, &mu, &SquaredEuclidean).unwrap();
    assert!(asymmetric_pair(&sym).is_none());
    // and a rectangular one is refused
    let wide = CostMatrix::new(2, 3, vec![0.0; 6]).unwrap();
    assert!(matches!(
        asymmetric_pair(&wide),
        Some(OtError::Core(CoreError::InvalidParameter { .. }))
    ));
    // round-off next to zero and equal infinite entries are not asymmetry
    let near = CostMatrix::new(2, 2, vec![0.0, 1e-300, 0.0, 1.0]).unwrap();
    assert!(asymmetric_pair(&near).is_none());
}

/// The work is bounded and the value finite (issue 13, items 6 and 8): a scaling factor next to
/// 1 is refused at once instead of running billions of epsilon stages, and a run whose entropic
/// cost overflows (weights of 1e159, eps = 1e-300) is an error, not `Ok(inf)`.
#[test]
fn sinkhorn_bounds_its_work_and_never_returns_a_non_finite_value() {
    let cost = CostMatrix::new(2, 2, vec![0.0, 1.0, 1.0, 0.0]).unwrap();
    let start = std::time::Instant::now();
    let slow = Sinkhorn::new(1e-3)
        .scaling(Some(1.0 - 1e-9))
        .solve(&[0.5, 0.5], &[0.5, 0.5], &cost);
    assert!(
        matches!(
            slow,
            Err(OtError::Core(CoreError::InvalidParameter { name: "scaling", .. }))
        ),
        "{slow:?}"
    );
    assert!(start.elapsed().as_secs_f64() < 1.0);
    for (w, eps) in [(1e159, 0.1), (0.5, 1e-300), (1e300, 1e-300)] {
        match Sinkhorn::new(eps).solve(&[w, w], &[w, w], &cost) {
            Ok(sol) => assert!(
                sol.entropic_cost.is_finite() && sol.transport_cost.is_finite(),
                "w = {w:e}, eps = {eps:e}: Ok with {} / {}",
                sol.entropic_cost,
                sol.transport_cost
            ),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

/// One accessor for "the cost": `cost()` on exact and entropic solutions and on plans.
#[test]
fn one_accessor_for_the_cost() {
    let cost = CostMatrix::new(2, 2, vec![0.0, 1.0, 1.0, 0.0]).unwrap();
    let w = [0.5, 0.5];
    let exact = NetworkSimplex::default().solve(&w, &w, &cost).unwrap();
    assert_eq!(exact.cost(), exact.cost);
    assert_eq!(exact.cost(), exact.plan.cost());
    let entropic = Sinkhorn::new(0.1).solve(&w, &w, &cost).unwrap();
    assert_eq!(entropic.cost(), entropic.entropic_cost);
}
