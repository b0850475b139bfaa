//! The optimal cost agrees (to 1e-9 relative) with a general LP solver (good_lp with microlp) on
//! small instances, degenerate ones included.

mod common;

use common::{check_certificate, close, instance, lp_cost, Instance, Kind, Rng, KINDS};
use kantorovich_core::CostMatrix;
use kantorovich_ot::NetworkSimplex;

fn agree(inst: &Instance, what: &str) {
    let sol = NetworkSimplex::default().solve(&inst.a, &inst.b, &inst.cost).unwrap();
    check_certificate(&inst.a, &inst.b, &inst.cost, &sol).unwrap_or_else(|e| panic!("{what}: {e}"));
    let lp = lp_cost(&inst.a, &inst.b, &inst.cost);
    let floor = common::cost_scale(&inst.cost) * inst.a.iter().sum::<f64>() * 1e-3;
    assert!(
        close(sol.cost, lp, floor),
        "{what}: network simplex {} vs LP {lp}",
        sol.cost
    );
}

#[test]
fn random_small_instances_match_the_lp() {
    let mut rng = Rng(10);
    for round in 0..600 {
        let kind = KINDS[round % KINDS.len()];
        let (n, m) = (1 + rng.below(8), 1 + rng.below(8));
        let inst = instance(&mut rng, n, m, kind);
        agree(&inst, &format!("round {round}, {kind:?}, {n} x {m}"));
    }
}

#[test]
fn single_point_measures_match_the_lp() {
    let mut rng = Rng(11);
    for kind in KINDS {
        for (n, m) in [(1, 1), (1, 6), (6, 1), (1, 2), (2, 1)] {
            let inst = instance(&mut rng, n, m, kind);
            agree(&inst, &format!("{kind:?}, {n} x {m}"));
        }
    }
}

#[test]
fn rectangular_instances_match_the_lp() {
    let mut rng = Rng(12);
    for kind in KINDS {
        for (n, m) in [(3, 11), (11, 3), (2, 9), (10, 10)] {
            let inst = instance(&mut rng, n, m, kind);
            agree(&inst, &format!("{kind:?}, {n} x {m}"));
        }
    }
}

#[test]
fn all_equal_costs_and_weights() {
    // every plan is optimal: the most degenerate case there is
    for (n, m) in [(1, 1), (4, 4), (5, 3), (3, 7)] {
        let inst = Instance {
            a: vec![1.0 / n as f64; n],
            b: vec![1.0 / m as f64; m],
            cost: CostMatrix::new(n, m, vec![2.5; n * m]).unwrap(),
        };
        agree(&inst, &format!("constant {n} x {m}"));
        let zero = Instance {
            cost: CostMatrix::new(n, m, vec![0.0; n * m]).unwrap(),
            ..inst
        };
        agree(&zero, &format!("zero {n} x {m}"));
    }
}

#[test]
fn permutation_costs_with_ties() {
    // C = 0 on two different permutations, 1 elsewhere: several optimal vertices
    let n = 6;
    let mut data = vec![1.0; n * n];
    for i in 0..n {
        data[i * n + (i + 1) % n] = 0.0;
        data[i * n + (n - 1 - i)] = 0.0;
    }
    let inst = Instance {
        a: vec![1.0; n],
        b: vec![1.0; n],
        cost: CostMatrix::new(n, n, data).unwrap(),
    };
    agree(&inst, "two permutations");
}

#[test]
fn zero_weights_keep_dual_feasibility_everywhere() {
    let mut rng = Rng(13);
    for round in 0..60 {
        let (n, m) = (2 + rng.below(7), 2 + rng.below(7));
        let inst = instance(&mut rng, n, m, Kind::ZeroWeights);
        agree(&inst, &format!("round {round}, {n} x {m}"));
    }
    // only one atom of positive weight on each side
    let mut a = vec![0.0; 5];
    let mut b = vec![0.0; 4];
    a[3] = 2.0;
    b[0] = 2.0;
    let data: Vec<f64> = (0..20).map(|k| ((k * 7) % 5) as f64).collect();
    let inst = Instance {
        a,
        b,
        cost: CostMatrix::new(5, 4, data).unwrap(),
    };
    agree(&inst, "single positive atoms");
}
