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

/// The hard cases the other fixtures lack (issue 13, item 11): zero weights, duplicate points,
/// n >> m, a cost range of 1e8 and all at once. The network simplex matches `ot.emd2` and
/// certifies its answer; on the wide range it matches the exact block decomposition to 1e-12,
/// where POT is off by the rounding of its masses times the largest cost (about 6e-8 relative).
#[test]
fn network_simplex_matches_pot_on_hard_cases() {
    let data = fixture("pot_emd_hard.txt");
    let get = |key: String| {
        data.iter()
            .find(|(k, _)| *k == key)
            .unwrap_or_else(|| panic!("{key}"))
            .1
            .clone()
    };
    for k in 0..5 {
        let d = get(format!("d{k}"))[0] as usize;
        let (x, y, a, b) = (
            get(format!("x{k}")),
            get(format!("y{k}")),
            get(format!("a{k}")),
            get(format!("b{k}")),
        );
        let pot = get(format!("cost{k}"))[0];
        let space = Euclidean::new(d).unwrap();
        let (mu, nu) = (
            space.measure(x, a.clone()).unwrap(),
            space.measure(y, b.clone()).unwrap(),
        );
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let sol = NetworkSimplex::default().solve(&a, &b, &cost).unwrap();
        let rounding = 64.0 * f64::EPSILON * cost.max();
        assert!(
            (sol.cost - pot).abs() <= 1e-12 * pot + rounding,
            "case {k}: {} vs POT {pot}",
            sol.cost
        );
        // the certificate at each arc's own scale
        assert!(sol.plan.marginal_error(&a, &b) <= 1e-12);
        for i in 0..cost.rows() {
            for j in 0..cost.cols() {
                let (c, f, g) = (cost.get(i, j), sol.f[i], sol.g[j]);
                assert!(
                    c - f - g >= -(1e-13 * c + 8.0 * f64::EPSILON * (c + f.abs() + g.abs())),
                    "case {k} ({i}, {j})"
                );
            }
        }
        if k == 3 {
            let block = get("block3".into())[0];
            assert!(
                (sol.cost - block).abs() <= 1e-12 * block,
                "{} vs the block decomposition {block}",
                sol.cost
            );
        }
    }
}

/// G with the North-West-corner gluing reproduces POT's `free_support_barycenter_generic_costs(
/// method="true_fixed_point")` (c_k = lambda_k |x - y|^2, the weighted mean as ground
/// barycentre): V(mu_0..mu_4) to 1e-9 relative, and mu_4 atom for atom (as sets: POT keys its
/// glued atoms by index tuples, we merge coincident points).
#[test]
fn north_west_g_matches_pot_true_fixed_point() {
    use kantorovich::barycenter::Gluing;
    let data = fixture("pot_north_west.txt");
    let get = |key: &str| data.iter().find(|(k, _)| k == key).unwrap().1.clone();
    let lambdas = get("lambdas");
    let sizes = [6usize, 7, 9];
    let plane = Euclidean::new(2).unwrap();
    let measures = sizes
        .iter()
        .enumerate()
        .map(|(k, &m)| {
            let w: Vec<f64> = cloud(150 + k as u64, m, 1).iter().map(|v| v + 0.1).collect();
            plane.measure(cloud(50 + k as u64, m, 2), w).unwrap()
        })
        .collect();
    let problem = BarycenterProblem::new(plane, measures, lambdas, SquaredEuclidean).unwrap();
    let init = plane.uniform(cloud(60, 8, 2)).unwrap();
    let result = FixedPointG::default()
        .gluing(Gluing::NorthWest)
        .max_iterations(4)
        .tolerance(f64::NEG_INFINITY)
        .solve(&problem, init.clone())
        .unwrap();
    let expected = get("objectives");
    assert_eq!(result.trace.len(), expected.len());
    for (record, v) in result.trace.iter().zip(&expected) {
        assert!(
            (record.objective - v).abs() <= 1e-9 * v,
            "V(mu_{}) = {} vs POT {v}",
            record.iteration,
            record.objective
        );
    }
    // mu_4, stepped again from the start to get the last iterate (the result keeps the best)
    let g = FixedPointG::default().gluing(Gluing::NorthWest);
    let mut mu = init;
    for _ in 0..4 {
        mu = g.step(&problem, &mu).unwrap();
    }
    let (points, weights) = (get("points"), get("weights"));
    assert_eq!(mu.len(), weights.len());
    for (p, w) in points.chunks(2).zip(&weights) {
        let found = mu
            .iter()
            .any(|(q, v)| (q[0] - p[0]).abs() < 1e-12 && (q[1] - p[1]).abs() < 1e-12 && (v - w).abs() < 1e-12);
        assert!(found, "POT's atom {p:?} of weight {w} is not in ours");
    }
}
