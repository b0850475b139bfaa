//! The point-cloud back-end (costs formed from coordinates in registers) against the stored cost
//! matrix: the same reductions, the same Sinkhorn solutions, for every dimension and cost form;
//! and it is only chosen where the cost really is a function of flat coordinates.

use kantorovich_core::{CoordinateCost, CostMatrix};
use kantorovich_geometry::{BuresWasserstein, Euclidean, Gaussian, PNorm, SquaredEuclidean};
use kantorovich_ot::{entropic_cost, CostBackend, PointCloudCost, Sinkhorn};
use kantorovich_testkit::{cloud, SplitMix64};
use quickcheck::{QuickCheck, TestResult};

fn matrix_of(form: CoordinateCost, d: usize, x: &[f64], y: &[f64]) -> CostMatrix {
    let (n, m) = (x.len() / d, y.len() / d);
    let data = (0..n * m)
        .map(|k| form.eval(&x[k / m * d..(k / m + 1) * d], &y[k % m * d..(k % m + 1) * d]))
        .collect();
    CostMatrix::new(n, m, data).unwrap()
}

fn forms(rng: &mut SplitMix64) -> CoordinateCost {
    match rng.below(4) {
        0 | 1 => CoordinateCost::SquaredEuclidean,
        2 => CoordinateCost::PNormPower {
            p: 1.0 + 2.0 * rng.uniform(),
            q: 1.0 + rng.uniform(),
        },
        _ => CoordinateCost::PNormPower {
            p: [1.0, 2.0, 3.0][rng.below(3)],
            q: [1.0, 2.0][rng.below(2)],
        },
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * (1.0 + a.abs().max(b.abs()))
}

/// Row and column log-sum-exps and row moments equal the stored matrix's, including sums far
/// outside [1e-250, 1e250] (potentials far from balanced), which take the stable path.
#[test]
fn reductions_match_the_stored_matrix() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let d = 1 + rng.below(6);
        let (n, m) = (1 + rng.below(70), 1 + rng.below(70));
        let form = forms(&mut rng);
        let scale = 10f64.powf(4.0 * rng.uniform() - 2.0);
        let x: Vec<f64> = cloud(seed ^ 1, n, d).iter().map(|c| c * scale).collect();
        let y: Vec<f64> = cloud(seed ^ 2, m, d).iter().map(|c| c * scale - 0.3 * scale).collect();
        let cloud_cost = PointCloudCost::from_coordinates(d, form, &x, &y).unwrap();
        let matrix = matrix_of(form, d, &x, &y);
        assert!(cloud_cost.max_abs() >= matrix.max_abs() * (1.0 - 1e-12));
        let inv_eps = 10f64.powf(3.0 * rng.uniform()) / matrix.max_abs().max(1e-300);
        // potentials from balanced to 600 units of exponent off
        let spread = [0.0, 1.0, 600.0][rng.below(3)];
        let u: Vec<f64> = (0..n).map(|_| spread * (rng.uniform() - 0.5)).collect();
        let v: Vec<f64> = (0..m).map(|_| spread * (rng.uniform() - 0.5)).collect();
        let (mut r1, mut r2) = (vec![0.0; n], vec![0.0; n]);
        cloud_cost.row_log_sum_exp(&u, &v, inv_eps, &mut r1);
        matrix.row_log_sum_exp(&u, &v, inv_eps, &mut r2);
        let (mut c1, mut c2) = (vec![0.0; m], vec![0.0; m]);
        cloud_cost.col_log_sum_exp(&u, &v, inv_eps, &mut c1);
        matrix.col_log_sum_exp(&u, &v, inv_eps, &mut c2);
        for (a, b) in r1.iter().zip(&r2).chain(c1.iter().zip(&c2)) {
            if !close(*a, *b, 1e-11) {
                return TestResult::error(format!("log-sum-exp {a} vs {b} ({form:?}, d = {d})"));
            }
        }
        let (mut m1, mut k1, mut m2, mut k2) = (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let small_u: Vec<f64> = u.iter().map(|x| x.clamp(-5.0, 5.0)).collect();
        let small_v: Vec<f64> = v.iter().map(|x| x.clamp(-5.0, 5.0)).collect();
        cloud_cost.row_moments(&small_u, &small_v, inv_eps, &mut m1, &mut k1);
        matrix.row_moments(&small_u, &small_v, inv_eps, &mut m2, &mut k2);
        for (a, b) in m1.iter().zip(&m2).chain(k1.iter().zip(&k2)) {
            if !(a - b).abs().le(&(1e-11 * a.abs().max(b.abs()) + 1e-300)) {
                return TestResult::error(format!("moment {a} vs {b} ({form:?}, d = {d})"));
            }
        }
        let mut row = vec![0.0; m];
        cloud_cost.fill_row(n - 1, 0, &mut row);
        if !row.iter().zip(matrix.row(n - 1)).all(|(a, b)| close(*a, *b, 1e-13)) {
            return TestResult::error("fill_row differs");
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(300)
        .min_tests_passed(300)
        .quickcheck(prop as fn(u64) -> TestResult);
}

/// A Sinkhorn solve on the point cloud gives the stored matrix's solution (its eps schedule
/// starts from a bound of max C rather than max C itself, so iteration counts may differ).
#[test]
fn sinkhorn_solutions_match() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let d = 1 + rng.below(4);
        let (n, m) = (1 + rng.below(60), 1 + rng.below(60));
        let form = forms(&mut rng);
        let (x, y) = (cloud(seed ^ 3, n, d), cloud(seed ^ 4, m, d));
        let a: Vec<f64> = (0..n).map(|_| 0.1 + rng.uniform()).collect();
        let mut b: Vec<f64> = (0..m).map(|_| 0.1 + rng.uniform()).collect();
        let ratio = a.iter().sum::<f64>() / b.iter().sum::<f64>();
        b.iter_mut().for_each(|w| *w *= ratio);
        let cloud_cost = PointCloudCost::from_coordinates(d, form, &x, &y).unwrap();
        let matrix = matrix_of(form, d, &x, &y);
        let eps = 10f64.powf(-2.5 * rng.uniform()) * matrix.max_abs().max(1e-9);
        let solver = Sinkhorn::new(eps).tolerance(1e-11).max_iterations(100_000);
        let (s1, s2) = (
            solver.solve(&a, &b, &cloud_cost).unwrap(),
            solver.solve(&a, &b, &matrix).unwrap(),
        );
        if !(s1.converged && s2.converged) {
            return TestResult::discard();
        }
        let scale = matrix.max_abs().max(1e-12) * a.iter().sum::<f64>();
        for (p, q) in [
            (s1.entropic_cost, s2.entropic_cost),
            (s1.transport_cost, s2.transport_cost),
        ] {
            if (p - q).abs() > 1e-8 * scale {
                return TestResult::error(format!("{p} vs {q} ({form:?}, d = {d}, eps = {eps:e})"));
            }
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(150)
        .min_tests_passed(100)
        .quickcheck(prop as fn(u64) -> TestResult);
}

/// Only flat coordinates with a cost in closed form get the point-cloud path: Gaussians embed
/// in R^(d + d^2) as a vector space but their Bures cost is not a function of those coordinates
/// in closed form, so they keep the generic path.
#[test]
fn chosen_only_for_closed_forms_on_flat_coordinates() {
    let plane = Euclidean::new(2).unwrap();
    let mu = plane.uniform(cloud(1, 5, 2)).unwrap();
    let nu = plane.uniform(cloud(2, 7, 2)).unwrap();
    assert!(PointCloudCost::new(&mu, &nu, &SquaredEuclidean).unwrap().is_some());
    let pnorm = PNorm::new(1.5, 2.0).unwrap();
    let c = PointCloudCost::new(&mu, &nu, &pnorm).unwrap().unwrap();
    assert_eq!(c.form(), CoordinateCost::PNormPower { p: 1.5, q: 2.0 });
    let gaussians = Gaussian::new(1).unwrap();
    let g = gaussians.uniform(&[0.0, 1.0], &[1.0, 2.0]).unwrap();
    assert!(PointCloudCost::new(&g, &g, &BuresWasserstein::new()).unwrap().is_none());
    // entropic_cost on a point cloud equals the stored-matrix solve
    let solver = Sinkhorn::new(0.05).tolerance(1e-12);
    let direct = solver
        .solve(
            mu.weights(),
            nu.weights(),
            &CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap(),
        )
        .unwrap();
    let via = entropic_cost(&solver, &mu, &nu, &SquaredEuclidean).unwrap();
    assert!(
        (via - direct.entropic_cost).abs() < 1e-10,
        "{via} vs {}",
        direct.entropic_cost
    );
}

/// Invalid coordinates and forms are errors, not panics.
#[test]
fn invalid_input_is_an_error() {
    let sq = CoordinateCost::SquaredEuclidean;
    assert!(PointCloudCost::from_coordinates(0, sq, &[], &[]).is_err());
    assert!(PointCloudCost::from_coordinates(2, sq, &[1.0, 2.0, 3.0], &[1.0, 2.0]).is_err());
    assert!(PointCloudCost::from_coordinates(1, sq, &[f64::NAN], &[1.0]).is_err());
    let bad = CoordinateCost::PNormPower { p: 0.5, q: 1.0 };
    assert!(PointCloudCost::from_coordinates(1, bad, &[0.0], &[1.0]).is_err());
}
