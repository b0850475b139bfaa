//! Cross-checks against POT (Python Optimal Transport) on fixtures committed under
//! tests/fixtures/ by scripts/make_fixtures.py (POT is never needed to run the tests).

mod common;

use common::{cloud, fixture};
use kantorovich::prelude::*;
use kantorovich::CostMatrix;

fn normalised(mut w: Vec<f64>) -> Vec<f64> {
    w.iter_mut().for_each(|x| *x += 0.1);
    w
}

/// The network simplex finds the cost of `ot.emd2` (relative 1e-9) on non-uniform instances.
#[test]
fn network_simplex_matches_pot_emd() {
    let instances = fixture("pot_emd.txt");
    assert_eq!(instances.len(), 5);
    for (_, v) in instances {
        let (sx, sy, n, m, d, expected) = (
            v[0] as u64,
            v[1] as u64,
            v[2] as usize,
            v[3] as usize,
            v[4] as usize,
            v[5],
        );
        let space = Euclidean::new(d).unwrap();
        let mu = space
            .measure(cloud(sx, n, d), normalised(cloud(sx + 100, n, 1)))
            .unwrap();
        let nu = space
            .measure(cloud(sy, m, d), normalised(cloud(sy + 100, m, 1)))
            .unwrap();
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let solution = NetworkSimplex::default()
            .solve(mu.weights(), nu.weights(), &cost)
            .unwrap();
        assert!(
            (solution.cost - expected).abs() <= 1e-9 * expected,
            "n = {n}, m = {m}: {} vs POT {expected}",
            solution.cost
        );
    }
}

/// Ten steps of H reproduce `ot.lp.free_support_barycenter` (10 iterations, weights 0.5/0.3/0.2)
/// point by point, and V agrees.
#[test]
fn fixed_point_h_matches_pot_free_support_barycenter() {
    let data = fixture("pot_free_support.txt");
    let get = |key: &str| data.iter().find(|(k, _)| k == key).unwrap().1.clone();
    let (lambdas, expected, objective) = (get("lambdas"), get("points"), get("objective")[0]);
    let plane = Euclidean::new(2).unwrap();
    let measures = (0..3).map(|k| plane.uniform(cloud(40 + k, 20, 2)).unwrap()).collect();
    let problem = BarycenterProblem::new(plane, measures, lambdas, SquaredEuclidean).unwrap();
    let result = FixedPointH::default()
        .max_iterations(10)
        .tolerance(f64::NEG_INFINITY)
        .solve(&problem, plane.uniform(cloud(30, 20, 2)).unwrap())
        .unwrap();
    assert_eq!(result.iterations, 10);
    // H keeps the order of the atoms, as POT does
    let last = &result.trace[10];
    assert!(
        (last.objective - objective).abs() <= 1e-9 * objective,
        "{} vs {objective}",
        last.objective
    );
    assert!((result.objective - objective).abs() <= 1e-9 * objective);
    for (i, (p, _)) in result.measure.iter().enumerate() {
        let q = &expected[2 * i..2 * i + 2];
        assert!(
            (p[0] - q[0]).abs() < 1e-9 && (p[1] - q[1]).abs() < 1e-9,
            "atom {i}: {p:?} vs POT {q:?}"
        );
    }
}
