//! Fixed-support barycentres against POT on fixtures committed by
//! scripts/make_fixed_support_fixtures.py (POT is never needed to run the tests):
//! `ot.lp.barycenter` (the LP value; the LP can be degenerate in a, so POT's a is checked by its
//! value) and `ot.bregman.barycenter(method='sinkhorn_log')` (the weights, reg = eps absolute).

mod common;

use kantorovich::prelude::*;

fn fixture() -> Vec<(String, Vec<f64>)> {
    common::fixture("pot_fixed_support.txt")
}

struct Instance {
    problem: FixedSupportProblem,
    lp_weights: Vec<f64>,
    lp_value: f64,
    reg: f64,
    ibp_weights: Vec<f64>,
}

/// The instance `name`: the support is the grid itself, every histogram lives on it, and the
/// costs are squared distances (direct differences).
fn instance(name: &str) -> Instance {
    let data = fixture();
    let get = |key: &str| {
        data.iter()
            .find(|(k, _)| k == &format!("{name}_{key}"))
            .unwrap_or_else(|| panic!("{name}_{key} missing"))
            .1
            .clone()
    };
    let space = Euclidean::new(get("dim")[0] as usize).unwrap();
    let points = get("points");
    let lambdas = get("lambdas");
    let measures = (0..lambdas.len())
        .map(|k| space.measure(points.clone(), get(&format!("hist{k}"))).unwrap())
        .collect();
    let free = BarycenterProblem::new(space, measures, lambdas, SquaredEuclidean).unwrap();
    Instance {
        problem: FixedSupportProblem::on_support(&free, &points).unwrap(),
        lp_weights: get("lp_weights"),
        lp_value: get("lp_value")[0],
        reg: get("reg")[0],
        ibp_weights: get("ibp_weights"),
    }
}

/// V_LP equals the value of `ot.lp.barycenter` (1e-9 relative), and POT's weights reach the
/// same value by the network simplex (so both are optimal, even where they differ).
#[test]
fn lp_matches_pot_lp_barycenter() {
    for name in ["line", "plane"] {
        let inst = instance(name);
        let ours = FixedSupportLp::default().solve(&inst.problem).unwrap();
        assert!(
            (ours.objective - inst.lp_value).abs() <= 1e-9 * inst.lp_value,
            "{name}: {} vs POT {}",
            ours.objective,
            inst.lp_value
        );
        let at_pot = inst.problem.objective(&inst.lp_weights).unwrap();
        assert!((at_pot - ours.objective).abs() <= 1e-9 * inst.lp_value);
    }
}

/// IBP at eps = POT's reg reproduces `ot.bregman.barycenter(method='sinkhorn_log')` entrywise
/// to 1e-12 (absolute, on weights of order 1 / n; measured: ~1e-14).
#[test]
fn ibp_matches_pot_bregman_barycenter() {
    for name in ["line", "plane"] {
        let inst = instance(name);
        let ours = Ibp::new(inst.reg).tolerance(1e-13).solve(&inst.problem).unwrap();
        assert!(ours.converged, "{name}: err {}", ours.marginal_error);
        let worst = ours
            .weights
            .iter()
            .zip(&inst.ibp_weights)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        eprintln!("{name}: IBP vs POT largest difference {worst:e}");
        assert!(worst <= 1e-12, "{name}: largest difference {worst:e}");
    }
}
