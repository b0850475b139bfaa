//! The network simplex is exact whatever the scale and the range of the costs: outliers at
//! distance 1e5..1e9, a block bordered by costs of 1e13, and every cost multiplied by
//! s in 1e-12..1e12 (issue 13, item 1).

mod common;

use common::{instance, Kind, Rng, KINDS};
use kantorovich_core::CostMatrix;
use kantorovich_ot::NetworkSimplex;
use quickcheck::{QuickCheck, TestResult};

/// Checks the scale-free certificate of an exact solution: marginals to 1e-12 of the mass, and
/// dual feasibility C_ij - f_i - g_j >= -(1e-12 |C_ij| + 1e-12 (|f_i| + |g_j|) ulp-level) on
/// every arc, with complementary slackness on the plan. The tolerance is relative to each arc's
/// own terms, not to max |C|, so that it is meaningful when the costs span many decades.
fn check_local_certificate(a: &[f64], b: &[f64], cost: &CostMatrix, sol: &kantorovich_ot::ExactSolution) {
    let mass: f64 = a.iter().sum();
    assert!(sol.plan.marginal_error(a, b) <= 1e-12 * mass);
    for i in 0..cost.rows() {
        for j in 0..cost.cols() {
            let (c, f, g) = (cost.get(i, j), sol.f[i], sol.g[j]);
            // the f64 potentials are rounded: 4 ulps of the largest term is what a subtraction
            // of such numbers can lose.
            let tol = 1e-13 * c.abs() + 4.0 * f64::EPSILON * (c.abs() + f.abs() + g.abs());
            assert!(c - f - g >= -tol, "dual violated at ({i}, {j}): {} < -{tol}", c - f - g);
        }
    }
}

/// 60 random points of the unit square plus one outlier at distance `d` shared by both sides;
/// squared Euclidean costs. The optimum keeps the outlier in place (cost 0) and solves the 60 x 60
/// block on its own.
fn outlier_instance(seed: u64, d: f64) -> (CostMatrix, CostMatrix) {
    let mut rng = Rng(seed);
    let mut xs: Vec<[f64; 2]> = (0..60).map(|_| [rng.uniform(), rng.uniform()]).collect();
    let mut ys: Vec<[f64; 2]> = (0..60).map(|_| [rng.uniform(), rng.uniform()]).collect();
    let block = sq_costs(&xs, &ys);
    xs.push([d, 0.0]);
    ys.push([d, 0.0]);
    (sq_costs(&xs, &ys), block)
}

fn sq_costs(xs: &[[f64; 2]], ys: &[[f64; 2]]) -> CostMatrix {
    let data = xs
        .iter()
        .flat_map(|x| ys.iter().map(move |y| (x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2)))
        .collect();
    CostMatrix::new(xs.len(), ys.len(), data).unwrap()
}

/// The optimum of `full` (the block plus one atom per side that only pairs with itself at cost 0)
/// is that of `block` with the same weights, to 1e-12, and its certificate holds arc by arc.
fn matches_the_block(w: &[f64], full: &CostMatrix, block: &CostMatrix, what: &str) {
    let k = block.rows();
    let sol = NetworkSimplex::default().solve(w, w, full).unwrap();
    let reference = NetworkSimplex::default().solve(&w[..k], &w[..k], block).unwrap();
    let rel = (sol.cost - reference.cost).abs() / reference.cost;
    assert!(
        rel <= 1e-12,
        "{what}: cost {} vs {} ({rel:e} relative)",
        sol.cost,
        reference.cost
    );
    check_local_certificate(w, w, full, &sol);
}

#[test]
fn a_far_outlier_does_not_hide_the_cost_differences_of_the_other_points() {
    for (seed, d) in [1e5, 1e6, 1e7, 1e8, 1e9].into_iter().enumerate() {
        let (full, block) = outlier_instance(seed as u64 + 10, d);
        matches_the_block(&vec![1.0 / 61.0; 61], &full, &block, &format!("outlier at {d}"));
    }
}

#[test]
fn a_block_bordered_by_huge_costs_is_solved_exactly() {
    let mut rng = Rng(7);
    let n = 60;
    let inner: Vec<f64> = (0..n * n).map(|_| rng.uniform()).collect();
    let mut data = vec![0.0; (n + 1) * (n + 1)];
    for i in 0..=n {
        for j in 0..=n {
            data[i * (n + 1) + j] = match (i == n, j == n) {
                (false, false) => inner[i * n + j],
                (true, true) => 0.0,
                _ => 1e13,
            };
        }
    }
    let full = CostMatrix::new(n + 1, n + 1, data).unwrap();
    let block = CostMatrix::new(n, n, inner).unwrap();
    matches_the_block(&vec![1.0; n + 1], &full, &block, "bordered block");
}

/// Multiplying every cost by s (1e-12..1e12) multiplies the optimal cost by s and keeps the
/// certificate, on every kind of random instance (quickcheck over seeds and scales).
#[test]
fn scaling_the_costs_scales_the_optimum() {
    fn prop(seed: u64, e: u8) -> TestResult {
        let exponent = (e % 25) as i32 - 12;
        let s = 10f64.powi(exponent);
        let mut rng = Rng(seed);
        let kind = KINDS[rng.below(KINDS.len())];
        let (n, m) = (1 + rng.below(25), 1 + rng.below(25));
        let inst = instance(&mut rng, n, m, kind);
        let scaled = CostMatrix::new(n, m, inst.cost.as_slice().iter().map(|c| c * s).collect()).unwrap();
        let solver = NetworkSimplex::default();
        let base = solver.solve(&inst.a, &inst.b, &inst.cost).unwrap();
        let sol = solver.solve(&inst.a, &inst.b, &scaled).unwrap();
        let expected = base.cost * s;
        // Offset costs (1000 + u) have a spread of 1e-3 of their size: compare to the value.
        let floor = if kind == Kind::Offset { 0.0 } else { 1e-300 };
        if (sol.cost - expected).abs() > 1e-12 * expected.abs().max(floor) {
            return TestResult::error(format!("{kind:?} {n} x {m}, s = {s:e}: {} vs {expected}", sol.cost));
        }
        check_local_certificate(&inst.a, &inst.b, &scaled, &sol);
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(400)
        .quickcheck(prop as fn(u64, u8) -> TestResult);
}
