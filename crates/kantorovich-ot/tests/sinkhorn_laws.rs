//! Property tests (quickcheck) of Sinkhorn: the stored and matrix-free back-ends give the same
//! solution, marginals hold at convergence, T_eps is squeezed towards the exact cost T_0, and
//! over-relaxation changes the work, not the answer.

use kantorovich_core::{Cost, CostMatrix, DiscreteMeasure};
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::{CostBackend, LazyCost, NetworkSimplex, OtError, Sinkhorn, SinkhornSolution};
use kantorovich_testkit::{cloud, SplitMix64};
use quickcheck::{QuickCheck, TestResult};

/// Two random measures (1 to 40 atoms, dimension 1 to 3, positive or some zero weights).
fn measures(seed: u64) -> (DiscreteMeasure<Euclidean>, DiscreteMeasure<Euclidean>) {
    let mut rng = SplitMix64(seed);
    let d = 1 + rng.below(3);
    let (n, m) = (1 + rng.below(40), 1 + rng.below(40));
    let zeros = rng.below(3) == 0;
    let space = Euclidean::new(d).unwrap();
    let mut weights = |k: usize| -> Vec<f64> {
        let mut w: Vec<f64> = (0..k).map(|_| 0.05 + rng.uniform()).collect();
        if zeros && k > 1 {
            w[rng.below(k)] = 0.0;
        }
        w
    };
    let (wa, wb) = (weights(n), weights(m));
    let mu = space.measure(cloud(seed ^ 0x5EED, n, d), wa).unwrap();
    let nu = space.measure(cloud(seed ^ 0xF00D, m, d), wb).unwrap();
    (mu, nu)
}

/// A relative eps in [1e-3, 1] (log-uniform), from the seed.
fn relative_epsilon(seed: u64) -> f64 {
    10f64.powf(-3.0 * SplitMix64(seed ^ 0xE95).uniform())
}

fn solve<B: CostBackend>(solver: &Sinkhorn, a: &[f64], b: &[f64], cost: &B) -> Result<SinkhornSolution, TestResult> {
    match solver.solve(a, b, cost) {
        Ok(s) if s.converged => Ok(s),
        // the laws are about converged solutions: a slow instance is discarded, not a pass
        Ok(_) => Err(TestResult::discard()),
        Err(e) => Err(TestResult::error(e.to_string())),
    }
}

/// The stored cost matrix and the matrix-free back-end run the same iterations on the same
/// costs: potentials (up to their constant shift f + c, g - c) and costs agree (to 1e-10
/// relative; only the order of the floating-point sums differs).
#[test]
fn stored_and_lazy_back_ends_agree() {
    fn prop(seed: u64) -> TestResult {
        let (mu, nu) = measures(seed);
        let matrix = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let lazy = LazyCost::new(&mu, &nu, &SquaredEuclidean).unwrap();
        assert_eq!(lazy.max_abs(), matrix.max_abs());
        let eps = relative_epsilon(seed) * matrix.max_abs().max(1e-12);
        let solver = Sinkhorn::new(eps).tolerance(1e-11).max_iterations(50_000);
        let (a, b) = (mu.weights(), nu.weights());
        let (s, l) = match (solve(&solver, a, b, &matrix), solve(&solver, a, b, &lazy)) {
            (Ok(s), Ok(l)) => (s, l),
            (Err(r), _) | (_, Err(r)) => return r,
        };
        let close = |x: f64, y: f64, scale: f64| (x - y).abs() <= 1e-10 * (scale + x.abs().max(y.abs()));
        let scale = matrix.max_abs();
        // The potentials are unique only up to (f + c, g - c): rounding differences between the
        // back-ends can drift along that direction over hundreds of relaxed iterations (seed
        // 651492435603649972: c = 1.2e-8 with everything else equal to 1e-13), so they are
        // compared with the drift removed, and the drift itself stays small.
        let drift = s.f[0] - l.f[0];
        let mut potentials = (s.f.iter().map(|x| x - drift).zip(l.f.iter().copied()))
            .chain(s.g.iter().map(|x| x + drift).zip(l.g.iter().copied()));
        let ok = drift.abs() <= 1e-6 * scale.max(1e-300)
            && potentials.all(|(x, y)| close(x, y, scale))
            && close(s.transport_cost, l.transport_cost, 0.0)
            && close(s.entropic_cost, l.entropic_cost, 0.0)
            && close(s.dual_value, l.dual_value, 0.0);
        if !ok {
            return TestResult::error(format!("seed {seed}: {s:?} vs {l:?}"));
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(300)
        .min_tests_passed(300)
        .max_tests(3000)
        .quickcheck(prop as fn(u64) -> TestResult);
}

/// At convergence the plan's row marginals are within the tolerance and its column marginals
/// exact (to rounding), for random weights (some zero) and eps from 1e-3 to 1 of max C.
#[test]
fn marginals_hold_at_convergence() {
    fn prop(seed: u64) -> TestResult {
        let (mu, nu) = measures(seed);
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let eps = relative_epsilon(seed) * cost.max_abs().max(1e-12);
        let tol = 1e-9;
        let solver = Sinkhorn::new(eps).tolerance(tol).max_iterations(50_000);
        let (a, b) = (mu.weights(), nu.weights());
        let s = match solve(&solver, a, b, &cost) {
            Ok(s) => s,
            Err(r) => return r,
        };
        let p = Sinkhorn::plan(&s, a, b, &cost).unwrap();
        let m = b.len();
        let rows: f64 = (0..a.len())
            .map(|i| (p[i * m..(i + 1) * m].iter().sum::<f64>() - a[i]).abs())
            .sum();
        let cols: f64 = (0..m)
            .map(|j| ((0..a.len()).map(|i| p[i * m + j]).sum::<f64>() - b[j]).abs())
            .sum();
        let nonnegative = p.iter().all(|&x| x >= 0.0 && x.is_finite());
        TestResult::from_bool(nonnegative && rows <= tol * (1.0 + 1e-6) + 1e-14 && cols <= 1e-12)
    }
    QuickCheck::new()
        .tests(300)
        .min_tests_passed(300)
        .max_tests(3000)
        .quickcheck(prop as fn(u64) -> TestResult);
}

/// T_0 <= <C, P_eps> <= T_eps <= T_0 + eps min(H(a), H(b)) <= T_0 + eps log min(n, m): the
/// entropic cost tends to the network simplex's exact cost as eps -> 0. (The upper bound: the
/// exact plan P_0 is feasible and KL(P_0 | a b^T) is a mutual information, at most the entropy
/// of either marginal.) Checked at eps = 1e-1, 1e-2, 1e-3 of max C.
#[test]
fn entropic_cost_tends_to_the_exact_cost() {
    fn prop(seed: u64) -> TestResult {
        let (mu, nu) = measures(seed);
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let (a, b) = (mu.weights(), nu.weights());
        let t0 = NetworkSimplex::default().solve(a, b, &cost).unwrap().cost;
        let entropy = |w: &[f64]| -> f64 { w.iter().filter(|&&x| x > 0.0).map(|&x| -x * x.ln()).sum() };
        let bound = entropy(a).min(entropy(b));
        let max = cost.max_abs();
        for rel in [1e-1, 1e-2, 1e-3] {
            let eps = rel * max;
            let tol = 1e-10;
            let s = match solve(&Sinkhorn::new(eps).tolerance(tol).max_iterations(100_000), a, b, &cost) {
                Ok(s) => s,
                Err(r) => return r,
            };
            // a marginal error e changes the costs by at most about e max|C|
            let slack = 10.0 * tol * max + 1e-12;
            let ordered = t0 <= s.transport_cost + slack
                && s.transport_cost <= s.entropic_cost + slack
                && s.entropic_cost <= t0 + eps * bound + slack;
            if !ordered {
                return TestResult::error(format!(
                    "seed {seed}, eps {eps}: T_0 {t0}, <C,P> {}, T_eps {}, bound {}",
                    s.transport_cost,
                    s.entropic_cost,
                    t0 + eps * bound
                ));
            }
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(100)
        .min_tests_passed(100)
        .max_tests(1000)
        .quickcheck(prop as fn(u64) -> TestResult);
}

/// Over-relaxation and epsilon-scaling change the path, not the solution: the plain solver
/// (no scaling, no relaxation) reaches the same costs and potentials (up to the constant
/// shift (f + t, g - t) that leaves every f_i + g_j, and the plan, unchanged).
#[test]
fn acceleration_does_not_change_the_solution() {
    fn prop(seed: u64) -> TestResult {
        let (mu, nu) = measures(seed);
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let eps = relative_epsilon(seed).max(1e-2) * cost.max_abs().max(1e-12);
        let (a, b) = (mu.weights(), nu.weights());
        let fast = Sinkhorn::new(eps).tolerance(1e-12).max_iterations(100_000);
        let plain = fast.scaling(None).relaxation(false);
        let (s, p) = match (solve(&fast, a, b, &cost), solve(&plain, a, b, &cost)) {
            (Ok(s), Ok(p)) => (s, p),
            (Err(r), _) | (_, Err(r)) => return r,
        };
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-8 * (cost.max_abs() + x.abs());
        let sums_agree = (0..a.len())
            .all(|i| (0..b.len()).all(|j| a[i] == 0.0 || b[j] == 0.0 || close(s.f[i] + s.g[j], p.f[i] + p.g[j])));
        TestResult::from_bool(
            close(s.entropic_cost, p.entropic_cost) && close(s.transport_cost, p.transport_cost) && sums_agree,
        )
    }
    QuickCheck::new()
        .tests(200)
        .min_tests_passed(200)
        .max_tests(2000)
        .quickcheck(prop as fn(u64) -> TestResult);
}

/// Over-relaxation needs far fewer iterations at small eps (measured on one instance; the
/// numbers are printed with `--nocapture`).
#[test]
fn relaxation_saves_iterations_at_small_epsilon() {
    let plane = Euclidean::new(2).unwrap();
    let mu = plane.uniform(cloud(1, 200, 2)).unwrap();
    let nu = plane.uniform(cloud(2, 200, 2)).unwrap();
    let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
    let solver = Sinkhorn::new(1e-3 * cost.max_abs())
        .tolerance(1e-8)
        .max_iterations(100_000);
    let (a, b) = (mu.weights(), nu.weights());
    let relaxed = solver.solve(a, b, &cost).unwrap();
    let plain = solver.relaxation(false).solve(a, b, &cost).unwrap();
    println!(
        "iterations at the target eps: relaxed {}, plain {}",
        relaxed.iterations, plain.iterations
    );
    assert!(relaxed.converged && plain.converged);
    assert!(2 * relaxed.iterations < plain.iterations);
    assert!((relaxed.entropic_cost - plain.entropic_cost).abs() <= 1e-9);
}

/// A cost that returns NaN is reported by the lazy back-end (when it is built), not turned into
/// a wrong answer; a dimension mismatch is an error too.
#[test]
fn lazy_back_end_rejects_bad_costs() {
    struct Broken;
    impl Cost<Euclidean> for Broken {
        fn cost(&self, x: &[f64], y: &[f64]) -> f64 {
            if x[0] > 0.5 && y[0] > 0.5 {
                f64::NAN
            } else {
                0.0
            }
        }
    }
    let line = Euclidean::new(1).unwrap();
    let mu = line.uniform(vec![0.0, 1.0]).unwrap();
    let nu = line.uniform(vec![0.0, 0.7, 1.0]).unwrap();
    // building the back-end evaluates nothing; the solve reports the first bad cost
    let lazy = LazyCost::new(&mu, &nu, &Broken).unwrap();
    let err = Sinkhorn::new(0.1).solve(mu.weights(), nu.weights(), &lazy).unwrap_err();
    assert!(
        matches!(
            err,
            OtError::Core(kantorovich_core::CoreError::NonFiniteCost { row: 1, col: 1, .. })
        ),
        "{err}"
    );
    let plane = Euclidean::new(2).unwrap();
    let other = plane.uniform(vec![0.0, 0.0]).unwrap();
    assert!(LazyCost::new(&mu, &other, &SquaredEuclidean).is_err());
}

/// A 10^4 x 10^4 problem through the lazy back-end: the n m = 10^8 costs would need 800 MB as
/// a matrix. (Kept small enough for CI; see BENCHMARKS.md for 10^5.)
#[test]
fn lazy_back_end_handles_large_problems() {
    let plane = Euclidean::new(2).unwrap();
    let n = 10_000;
    let mu = plane.uniform(cloud(3, n, 2)).unwrap();
    let nu = plane.uniform(cloud(4, n, 2)).unwrap();
    let lazy = LazyCost::new(&mu, &nu, &SquaredEuclidean).unwrap();
    let s = Sinkhorn::new(0.1 * lazy.max_abs())
        .tolerance(1e-6)
        .solve(mu.weights(), nu.weights(), &lazy)
        .unwrap();
    assert!(s.converged && s.marginal_error <= 1e-6);
    assert!(s.transport_cost > 0.0 && s.entropic_cost >= s.transport_cost);
}
