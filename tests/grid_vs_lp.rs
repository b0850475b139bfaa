//! Three independent barycentre solvers on one small image problem: the convolutional (separable)
//! barycentre of `kantorovich-grid`, the dense log-domain IBP of `kantorovich-barycenter`, and the
//! exact fixed-support LP.
//!
//! - at each eps the convolutional and the dense IBP barycentres are the same measure (the entropic
//!   barycentre is unique);
//! - as eps -> 0 the unregularised value V(p_eps) = sum_k lambda_k T(a_k, p_eps) (network simplex)
//!   decreases to the LP's V: never below it (the LP is optimal), with a gap that shrinks.

use kantorovich::prelude::*;
use kantorovich::{ConvolutionalBarycenter, CostMatrix, Grid};

const SIDE: usize = 6;

/// Three small shapes on a 6 x 6 image: a bar on the left, a dot top right, an L bottom right.
fn inputs() -> Vec<Vec<f64>> {
    let mut images = vec![vec![0.0; SIDE * SIDE]; 3];
    for r in 1..5 {
        images[0][r * SIDE] = 1.0;
    }
    images[1][SIDE + 4] = 2.0;
    images[1][SIDE + 5] = 1.0;
    for (r, c) in [(4, 3), (5, 3), (5, 4), (5, 5)] {
        images[2][r * SIDE + c] = 1.0;
    }
    images
}

/// The fixed-support problem on the grid points (i / 5, j / 5) with the squared distance.
fn lp_problem(images: &[Vec<f64>]) -> FixedSupportProblem {
    let h = 1.0 / (SIDE - 1) as f64;
    let point = |p: usize| ((p / SIDE) as f64 * h, (p % SIDE) as f64 * h);
    let n = SIDE * SIDE;
    let mut cost = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let ((a, b), (c, d)) = (point(i), point(j));
            cost.push((a - c) * (a - c) + (b - d) * (b - d));
        }
    }
    let cost = CostMatrix::new(n, n, cost).unwrap();
    FixedSupportProblem::new(vec![cost; 3], images.to_vec(), vec![1.0 / 3.0; 3]).unwrap()
}

#[test]
fn convolutional_equals_dense_ibp_and_tends_to_the_lp_as_eps_shrinks() {
    let images = inputs();
    let problem = lp_problem(&images);
    let lp = FixedSupportLp::default().solve(&problem).unwrap();
    assert!(lp.lp_violation < 1e-9, "LP violation {}", lp.lp_violation);
    assert!((lp.objective - lp.lp_objective).abs() < 1e-9);

    let grid = Grid::unit_square(SIDE, SIDE).unwrap();
    let (mut gaps, mut diffs) = (Vec::new(), Vec::new());
    // 0.0025 is past Domain::Auto's scaling limit (max |x - y|^2 / eps = 800): the log domain
    for eps in [0.04, 0.02, 0.01, 0.005, 0.0025] {
        let conv = ConvolutionalBarycenter::new(eps)
            .tolerance(1e-11)
            .max_iterations(200_000)
            .solve(&grid, &images, &[1.0, 1.0, 1.0])
            .unwrap();
        assert!(conv.converged, "eps = {eps}: error {}", conv.error);
        let ibp = Ibp::new(eps)
            .tolerance(1e-11)
            .max_iterations(200_000)
            .solve(&problem)
            .unwrap();
        assert!(ibp.converged, "eps = {eps}: IBP error {}", ibp.marginal_error);
        let diff = conv
            .barycenter
            .iter()
            .zip(&ibp.weights)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max);
        assert!(
            diff < 1e-10,
            "eps = {eps}: convolutional and dense IBP differ by {diff}"
        );

        assert!(conv.barycenter.iter().all(|&p| p >= 0.0));
        let mass: f64 = conv.barycenter.iter().sum();
        assert!((mass - 1.0).abs() < 1e-9, "mass {mass}");
        // the exact value needs weights summing to 1 to the last bits
        let p: Vec<f64> = conv.barycenter.iter().map(|p| p / mass).collect();
        let gap = problem.objective(&p).unwrap() - lp.objective;
        assert!(gap > -1e-9, "eps = {eps}: V(p_eps) below the LP optimum by {}", -gap);
        gaps.push((eps, gap));
        diffs.push(diff);
    }
    for pair in gaps.windows(2) {
        assert!(
            pair[1].1 < pair[0].1,
            "the gap to the LP did not shrink with eps: {gaps:?} (V_LP = {})",
            lp.objective
        );
    }
    let (_, last) = gaps[gaps.len() - 1];
    assert!(
        last < 2e-3 * lp.objective,
        "gap {last} at the smallest eps, V_LP = {}; all: {gaps:?}",
        lp.objective
    );
    eprintln!(
        "V_LP = {:.6e}, gaps by eps: {gaps:?}, max |conv - IBP|: {diffs:?}",
        lp.objective
    );
}
