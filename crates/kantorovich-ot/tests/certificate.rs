//! Optimality certificates on many random instances: marginals to 1e-12, at most n + m - 1
//! non-zeros, dual feasibility, complementary slackness and no duality gap.

mod common;

use common::{check_certificate, instance, Kind, Rng, KINDS};
use kantorovich_ot::NetworkSimplex;

#[test]
fn random_instances_come_with_an_optimality_certificate() {
    let mut rng = Rng(1);
    let solver = NetworkSimplex::default();
    for round in 0..5000 {
        let kind = KINDS[round % KINDS.len()];
        let n = 1 + rng.below(40);
        let m = 1 + rng.below(40);
        let inst = instance(&mut rng, n, m, kind);
        let sol = solver.solve(&inst.a, &inst.b, &inst.cost).unwrap();
        if let Err(e) = check_certificate(&inst.a, &inst.b, &inst.cost, &sol) {
            panic!("round {round} ({kind:?}, {n} x {m}): {e}");
        }
    }
}

#[test]
fn larger_instances_come_with_an_optimality_certificate() {
    let mut rng = Rng(2);
    let solver = NetworkSimplex::default();
    for (n, m) in [(300, 300), (400, 150), (120, 500), (1, 700), (700, 1)] {
        for kind in KINDS {
            let inst = instance(&mut rng, n, m, kind);
            let sol = solver.solve(&inst.a, &inst.b, &inst.cost).unwrap();
            if let Err(e) = check_certificate(&inst.a, &inst.b, &inst.cost, &sol) {
                panic!("{kind:?}, {n} x {m}: {e}");
            }
        }
    }
}

#[test]
fn small_blocks_and_tiny_problems_still_certify() {
    let mut rng = Rng(3);
    for block in [1, 2, 3, 7, 50] {
        let solver = NetworkSimplex::default().block_size(Some(block));
        for round in 0..200 {
            let kind = KINDS[round % KINDS.len()];
            let (n, m) = (1 + rng.below(12), 1 + rng.below(12));
            let inst = instance(&mut rng, n, m, kind);
            let sol = solver.solve(&inst.a, &inst.b, &inst.cost).unwrap();
            if let Err(e) = check_certificate(&inst.a, &inst.b, &inst.cost, &sol) {
                panic!("block {block}, round {round} ({kind:?}, {n} x {m}): {e}");
            }
        }
    }
}

#[test]
fn unnormalised_weights_are_solved_at_their_own_scale() {
    let mut rng = Rng(4);
    for scale in [1e-6, 1.0, 3.5, 1e6] {
        let inst = instance(&mut rng, 30, 20, Kind::Generic);
        let a: Vec<f64> = inst.a.iter().map(|x| x * scale).collect();
        let b: Vec<f64> = inst.b.iter().map(|x| x * scale).collect();
        let sol = NetworkSimplex::default().solve(&a, &b, &inst.cost).unwrap();
        check_certificate(&a, &b, &inst.cost, &sol).unwrap();
        let unit = NetworkSimplex::default().solve(&inst.a, &inst.b, &inst.cost).unwrap();
        assert!((sol.cost - scale * unit.cost).abs() <= 1e-9 * sol.cost.abs());
    }
}

#[test]
fn degenerate_large_instances_certify() {
    let mut rng = Rng(5);
    let solver = NetworkSimplex::default();
    // integer costs with many ties, coincident points, and a 1-D problem (path-like trees)
    for kind in [Kind::IntegerTies, Kind::Duplicates, Kind::EqualWeights] {
        let inst = instance(&mut rng, 400, 400, kind);
        let sol = solver.solve(&inst.a, &inst.b, &inst.cost).unwrap();
        check_certificate(&inst.a, &inst.b, &inst.cost, &sol).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    }
    let n = 600;
    let xs: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
    let ys: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
    let data: Vec<f64> = xs
        .iter()
        .flat_map(|x| ys.iter().map(move |y| (x - y) * (x - y)))
        .collect();
    let cost = kantorovich_core::CostMatrix::new(n, n, data).unwrap();
    let w = vec![1.0 / n as f64; n];
    let sol = solver.solve(&w, &w, &cost).unwrap();
    check_certificate(&w, &w, &cost, &sol).unwrap();
}

#[test]
fn very_rectangular_instances_are_fast_and_certified() {
    // one row feeding many columns and the reverse: the initial solution must not be quadratic
    let mut rng = Rng(6);
    let solver = NetworkSimplex::default();
    for (n, m) in [(1, 20_000), (20_000, 1), (3, 8_000), (8_000, 3)] {
        let inst = instance(&mut rng, n, m, Kind::Generic);
        let sol = solver.solve(&inst.a, &inst.b, &inst.cost).unwrap();
        check_certificate(&inst.a, &inst.b, &inst.cost, &sol).unwrap_or_else(|e| panic!("{n} x {m}: {e}"));
    }
}
