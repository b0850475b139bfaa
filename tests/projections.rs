//! Linear projection costs: c_k(x, y) = |P_k x - y|^2 (closed-form ground barycentre,
//! [`LinearProjections`]) and c_k(x, y) = |P_k x - y| (certified solver,
//! [`LinearProjectionsW1`]), with the barycentre in R^d and target k in R^{d_k}.
//!
//! - the ground barycentre inequality on random families: an equality for the squared cost, and
//!   for the W1 cost an inequality up to the certified gap, checked against random points near
//!   and far, an independent LP solver (one-dimensional projections) and a dominating weight
//!   (the minimiser sits on a data point);
//! - singular families are errors, predicted exactly;
//! - the decrease law of G, V(mu) >= V(G mu) + T_delta(mu, G mu), on small random instances with
//!   exact couplings;
//! - identity maps give back the squared Euclidean cost;
//! - starting measures: the default start is refused, a lifted target works.

mod common;

use common::SplitMix64;
use good_lp::{constraint, microlp, variable, variables, Expression, Solution, SolverModel, Variable};
use kantorovich::prelude::*;
use kantorovich::{
    BarycenterError, BarycenterProblem as Problem, CoreError, DiscreteMeasure as Measure, ProjectedEuclidean,
    ProjectedSquaredEuclidean,
};
use quickcheck::{QuickCheck, TestResult};

fn quickcheck(tests: u64) -> QuickCheck {
    // discarded cases are retried; all `tests` must pass (quickcheck would accept fewer)
    QuickCheck::new()
        .tests(tests)
        .max_tests(10 * tests)
        .min_tests_passed(tests)
}

/// A random family of K maps R^d -> R^{d_k}: each map is either dense (entries uniform in
/// [-1, 1]) or a coordinate projection (distinct coordinates, shuffled).
#[derive(Debug, Clone)]
struct Family {
    dim: usize,
    maps: Vec<LinearMap>,
    /// Per map: Some(coordinates) for a coordinate projection, None for a dense map.
    coords: Vec<Option<Vec<usize>>>,
}

fn random_family(rng: &mut SplitMix64, dim: usize, k: usize, max_out: usize) -> Family {
    let mut maps = Vec::new();
    let mut coords = Vec::new();
    for _ in 0..k {
        let out = 1 + rng.below(max_out);
        if rng.below(3) == 0 && out <= dim {
            let mut c: Vec<usize> = (0..dim).collect();
            for i in (1..dim).rev() {
                c.swap(i, rng.below(i + 1));
            }
            c.truncate(out);
            maps.push(LinearMap::coordinates(dim, &c).unwrap());
            coords.push(Some(c));
        } else {
            let entries = (0..out * dim).map(|_| 2.0 * rng.uniform() - 1.0).collect();
            maps.push(LinearMap::new(out, dim, entries).unwrap());
            coords.push(None);
        }
    }
    Family { dim, maps, coords }
}

impl Family {
    /// Whether sum_k w_k P_k^T P_k is invertible over the maps with w_k > 0, predicted from the
    /// construction: dense rows are in general position (with probability 1), so the rank is
    /// min(d, dense rows + distinct coordinates kept).
    fn invertible(&self, weights: &[f64]) -> bool {
        let mut dense = 0;
        let mut seen = vec![false; self.dim];
        for ((map, c), &w) in self.maps.iter().zip(&self.coords).zip(weights) {
            if w > 0.0 {
                match c {
                    Some(c) => c.iter().for_each(|&i| seen[i] = true),
                    None => dense += map.output_dim(),
                }
            }
        }
        dense + seen.iter().filter(|&&s| s).count() >= self.dim
    }

    fn points(&self, rng: &mut SplitMix64, scale: f64) -> Vec<Vec<f64>> {
        self.maps
            .iter()
            .map(|m| {
                (0..m.output_dim())
                    .map(|_| scale * (2.0 * rng.uniform() - 1.0))
                    .collect()
            })
            .collect()
    }
}

fn refs(ys: &[Vec<f64>]) -> Vec<&[f64]> {
    ys.iter().map(|y| y.as_slice()).collect()
}

/// The message of an error, checked to be one clean line (no runs of spaces from a broken
/// string continuation).
fn message(err: &impl std::fmt::Display) -> String {
    let text = err.to_string();
    assert!(
        !text.contains("  ") && !text.contains('\n'),
        "badly formatted message: {text:?}"
    );
    text
}

/// sum_k lambda_k c(P_k x, y_k) for the squared (`squared = true`) or the plain distance.
fn energy(maps: &[LinearMap], ys: &[&[f64]], lambdas: &[f64], x: &[f64], squared: bool) -> f64 {
    maps.iter()
        .zip(ys)
        .zip(lambdas)
        .map(|((m, y), l)| {
            let px = m.apply(x).unwrap();
            let s: f64 = px.iter().zip(y.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
            l * if squared { s } else { s.sqrt() }
        })
        .sum()
}

fn random_point(rng: &mut SplitMix64, dim: usize, scale: f64) -> Vec<f64> {
    (0..dim).map(|_| scale * (2.0 * rng.uniform() - 1.0)).collect()
}

/// Squared cost: sum_k lambda_k |P_k x - y_k|^2 = sum_k lambda_k |P_k xbar - y_k|^2 +
/// delta(x, xbar) on random families (d in 1..=4, K in 1..=4, d_k in 1..=3, weights in [0, 3)
/// with some zeros), to 1e-10 relative to the size of the terms: the left side, and
/// |A| |x - xbar| (|x| + |xbar|), which bounds the cross term 2 <x - xbar, A xbar - b> that is 0
/// in exact arithmetic (its rounding, that of a backward-stable solve, grows with the condition
/// number of A, up to 10^12 here). A family whose normal matrix is singular is an error, exactly
/// when the construction predicts it.
#[test]
fn squared_ground_barycenter_is_an_equality() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let dim = 1 + rng.below(4);
        let k = 1 + rng.below(4);
        let family = random_family(&mut rng, dim, k, 3);
        let lambdas: Vec<f64> = (0..k)
            .map(|_| if rng.below(5) == 0 { 0.0 } else { 3.0 * rng.uniform() })
            .collect();
        if lambdas.iter().all(|&l| l == 0.0) {
            return TestResult::discard();
        }
        let ground = match LinearProjections::new(family.maps.clone()) {
            Ok(g) => g,
            Err(e) => {
                // singular even with every weight: predicted, and a clear message
                let ok = !family.invertible(&vec![1.0; k]) && message(&e).contains("jointly");
                return if ok {
                    TestResult::passed()
                } else {
                    TestResult::error(format!("unexpected error {e} for {family:?}"))
                };
            }
        };
        let space = Euclidean::new(dim).unwrap();
        let ys = family.points(&mut rng, 10.0);
        let ys = refs(&ys);
        let mut xbar = vec![7.0]; // output is appended after what is there
        match ground.barycenter(&space, &ys, &lambdas, &mut xbar) {
            Err(e) => {
                let ok = !family.invertible(&lambdas) && xbar == vec![7.0];
                return if ok {
                    TestResult::passed()
                } else {
                    TestResult::error(format!("unexpected error {e} for {family:?}, lambdas {lambdas:?}"))
                };
            }
            Ok(()) if !family.invertible(&lambdas) => {
                return TestResult::error(format!("singular family accepted: {family:?}, {lambdas:?}"))
            }
            Ok(()) => {}
        }
        let xbar = &xbar[1..];
        let norm = |v: &[f64]| v.iter().map(|c| c * c).sum::<f64>().sqrt();
        // |A| <= sum_k lambda_k |P_k|_F^2
        let size_a: f64 = family
            .maps
            .iter()
            .zip(&lambdas)
            .map(|(m, l)| l * m.frobenius_norm().powi(2))
            .sum();
        for _ in 0..5 {
            let x = random_point(&mut rng, dim, 10.0);
            let lhs = energy(&family.maps, &ys, &lambdas, &x, true);
            let rhs = energy(&family.maps, &ys, &lambdas, xbar, true) + ground.delta(&x, xbar, &lambdas);
            let diff: Vec<f64> = x.iter().zip(xbar).map(|(a, b)| a - b).collect();
            let scale = 1.0 + lhs.abs() + size_a * norm(&diff) * (norm(&x) + norm(xbar));
            if (lhs - rhs).abs() > 1e-10 * scale {
                return TestResult::error(format!("{lhs} != {rhs} (scale {scale})"));
            }
        }
        TestResult::passed()
    }
    quickcheck(2000).quickcheck(prop as fn(u64) -> TestResult);
}

/// F(x) = sum_k lambda_k |P_k x - y_k|: the sum of the W1 costs.
fn w1_energy(maps: &[LinearMap], ys: &[&[f64]], lambdas: &[f64], x: &[f64]) -> f64 {
    energy(maps, ys, lambdas, x, false)
}

/// The best F found by a random search started at `x`: 60 random moves at each of the scales
/// 1, 10^-1, .., 10^-7 (each move kept if it lowers F).
fn search_below(f: impl Fn(&[f64]) -> f64, x: &[f64], rng: &mut SplitMix64) -> f64 {
    let mut best = x.to_vec();
    let mut value = f(x);
    for e in 0..8 {
        let scale = 10f64.powi(-e);
        for _ in 0..60 {
            let trial: Vec<f64> = best.iter().map(|v| v + scale * (2.0 * rng.uniform() - 1.0)).collect();
            let ft = f(&trial);
            if ft < value {
                value = ft;
                best = trial;
            }
        }
    }
    value
}

/// W1 cost: the point returned minimises F up to its certified gap, and the gap is within the
/// documented bound (tolerance F(x_0) + floor). Random families as above with weights in
/// [0.1, 1.1) (one of them multiplied by 5 in a quarter of the cases); checked against random
/// points far and near (F(x) >= F(xbar) - gap and F(x) >= lower bound, up to 1e-13 relative
/// rounding), a random search for a lower F around xbar, and `barycenter` (the same point).
#[test]
fn w1_ground_barycenter_holds_up_to_the_certified_gap() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let dim = 1 + rng.below(4);
        let k = 1 + rng.below(4);
        let family = random_family(&mut rng, dim, k, 3);
        let Ok(ground) = LinearProjectionsW1::new(family.maps.clone()) else {
            return TestResult::discard();
        };
        let mut lambdas: Vec<f64> = (0..k).map(|_| 0.1 + rng.uniform()).collect();
        if rng.below(4) == 0 {
            lambdas[rng.below(k)] *= 5.0;
        }
        let ys = family.points(&mut rng, 2.0);
        let ys = refs(&ys);
        let solution = match ground.solve(&ys, &lambdas) {
            Ok(s) => s,
            Err(e) => return TestResult::error(format!("{e}: {family:?} {lambdas:?} {ys:?}")),
        };
        let bound = ground.gap_bound(&ys, &lambdas).unwrap();
        let f = |x: &[f64]| w1_energy(&family.maps, &ys, &lambdas, x);
        let fbar = f(&solution.point);
        let rounding = 1e-13 * (1.0 + fbar);
        if !(solution.lower_bound <= solution.objective + rounding
            && solution.gap() <= bound
            && (fbar - solution.objective).abs() <= rounding)
        {
            return TestResult::error(format!("{solution:?}, bound {bound}, F(xbar) = {fbar}"));
        }
        for scale in [10.0, 1.0, 1e-3, 1e-6] {
            for _ in 0..10 {
                let x: Vec<f64> = solution
                    .point
                    .iter()
                    .map(|v| v + scale * (2.0 * rng.uniform() - 1.0))
                    .collect();
                let fx = f(&x);
                if fx < fbar - solution.gap() - rounding || fx < solution.lower_bound - rounding {
                    return TestResult::error(format!("F(x) = {fx} below {solution:?}"));
                }
            }
        }
        let found = search_below(f, &solution.point, &mut rng);
        if found < fbar - solution.gap() - rounding {
            return TestResult::error(format!("search found F = {found} < {fbar} - gap {}", solution.gap()));
        }
        let mut out = Vec::new();
        ground
            .barycenter(&Euclidean::new(dim).unwrap(), &ys, &lambdas, &mut out)
            .unwrap();
        TestResult::from_bool(out == solution.point)
    }
    quickcheck(1000).quickcheck(prop as fn(u64) -> TestResult);
}

/// min_x sum_k lambda_k |p_k . x - y_k| as a linear programme (one-dimensional projections).
fn lp_minimum(maps: &[LinearMap], ys: &[&[f64]], lambdas: &[f64]) -> f64 {
    let dim = maps[0].input_dim();
    let mut vars = variables!();
    let x: Vec<Variable> = (0..dim).map(|_| vars.add(variable())).collect();
    let t: Vec<Variable> = maps.iter().map(|_| vars.add(variable().min(0.0))).collect();
    let objective: Expression = t.iter().zip(lambdas).map(|(t, l)| *l * *t).sum();
    let mut model = vars.minimise(objective).using(microlp);
    for ((map, y), t) in maps.iter().zip(ys).zip(&t) {
        let px: Expression = map.entries().iter().zip(&x).map(|(p, x)| *p * *x).sum();
        model = model.with(constraint!(px.clone() - y[0] <= *t));
        model = model.with(constraint!(y[0] - px <= *t));
    }
    let solution = model.solve().expect("the LP is feasible and bounded");
    t.iter().zip(lambdas).map(|(t, l)| l * solution.value(*t)).sum()
}

/// One-dimensional projections make F piecewise linear, so min F is a linear programme: the
/// LP optimum (microlp) lies within the certified interval [lower bound, F(xbar)], up to 1e-9
/// relative (the LP solver's accuracy). K in 2..=6 maps R^d -> R (d in 1..=3).
#[test]
fn w1_agrees_with_a_linear_programme_for_one_dimensional_projections() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let dim = 1 + rng.below(3);
        let k = 2 + rng.below(5);
        let family = random_family(&mut rng, dim, k, 1);
        let Ok(ground) = LinearProjectionsW1::new(family.maps.clone()) else {
            return TestResult::discard();
        };
        let lambdas: Vec<f64> = (0..k).map(|_| 0.1 + rng.uniform()).collect();
        let ys = family.points(&mut rng, 2.0);
        let ys = refs(&ys);
        let solution = ground.solve(&ys, &lambdas).unwrap();
        let lp = lp_minimum(&family.maps, &ys, &lambdas);
        let slack = 1e-9 * (1.0 + lp.abs());
        if solution.lower_bound <= lp + slack && lp <= solution.objective + slack {
            TestResult::passed()
        } else {
            TestResult::error(format!("LP {lp}, {solution:?}"))
        }
    }
    quickcheck(300).quickcheck(prop as fn(u64) -> TestResult);
}

/// With coordinate projections and one weight at least the sum of the others, the minimiser
/// lies on that term's data point {x : P_1 x = y_1}: F(x) - min F >= (lambda_1 - sum of the
/// others) |P_1 x - y_1|, so |P_1 xbar - y_1| <= gap / (lambda_1 - others). Also the weighted
/// median on the line (d = 1, P_k = 1), where the minimiser is exactly a data point.
#[test]
fn w1_optimum_at_a_data_point() {
    let mut rng = SplitMix64(7);
    let planes = vec![
        LinearMap::coordinates(3, &[0, 1]).unwrap(),
        LinearMap::coordinates(3, &[1, 2]).unwrap(),
        LinearMap::coordinates(3, &[0, 2]).unwrap(),
    ];
    let ground = LinearProjectionsW1::new(planes.clone()).unwrap();
    for _ in 0..200 {
        let ys: Vec<Vec<f64>> = (0..3).map(|_| random_point(&mut rng, 2, 3.0)).collect();
        let ys = refs(&ys);
        // lambda_1 - lambda_2 - lambda_3 >= 0.4
        let lambdas = [3.0 + rng.uniform(), 0.3 + rng.uniform(), 0.3 + rng.uniform()];
        let margin = lambdas[0] - lambdas[1] - lambdas[2];
        let s = ground.solve(&ys, &lambdas).unwrap();
        let r = planes[0].apply(&s.point).unwrap();
        let dist = ((r[0] - ys[0][0]).powi(2) + (r[1] - ys[0][1]).powi(2)).sqrt();
        assert!(
            dist <= s.gap() / margin + 1e-12,
            "|P_1 xbar - y_1| = {dist}, gap {}",
            s.gap()
        );
    }
    // the weighted median of 0, 1, 5 with weights 0.5, 0.3, 0.3 is 1: F has slope
    // 0.5 - 0.3 - 0.3 = -0.1 on [0, 1] and 0.5 on [1, 5], so |xbar - 1| <= gap / 0.1
    let line = LinearProjectionsW1::new(vec![LinearMap::identity(1).unwrap(); 3]).unwrap();
    let s = line.solve(&[&[0.0], &[1.0], &[5.0]], &[0.5, 0.3, 0.3]).unwrap();
    assert!((s.point[0] - 1.0).abs() <= s.gap() / 0.1 + 1e-12, "{s:?}");
    assert!((s.objective - (0.5 + 1.2)).abs() <= 1e-9, "{s:?}");
    // all three views agree on (1, 2, 3): F = 0, found at once by least squares
    let s = ground
        .solve(&[&[1.0, 2.0], &[2.0, 3.0], &[1.0, 3.0]], &[1.0, 1.0, 1.0])
        .unwrap();
    assert!(s.objective < 1e-14 && s.iterations == 0, "{s:?}");
}

/// Families that miss a direction are errors with messages that say what to do; so are bad
/// maps, points and weights, and bad settings.
#[test]
fn singular_families_and_bad_input_are_errors() {
    let x = LinearMap::coordinates(3, &[0]).unwrap();
    let xy = LinearMap::coordinates(3, &[0, 1]).unwrap();
    let z = LinearMap::coordinates(3, &[2]).unwrap();
    // (x, y) and x never see z
    for err in [
        LinearProjections::new(vec![xy.clone(), x.clone()]).unwrap_err(),
        LinearProjectionsW1::new(vec![xy.clone(), x.clone()]).unwrap_err(),
    ] {
        let text = message(&err);
        assert!(
            matches!(err, CoreError::GroundBarycenter { .. }) && text.contains("jointly see every direction of R^3"),
            "{text}"
        );
    }
    // with z the family is fine, but not when z has weight 0
    let space = Euclidean::new(3).unwrap();
    let squared = LinearProjections::new(vec![xy.clone(), z.clone()]).unwrap();
    let w1 = LinearProjectionsW1::new(vec![xy.clone(), z.clone()]).unwrap();
    let ys: [&[f64]; 2] = [&[1.0, 2.0], &[3.0]];
    let mut out = Vec::new();
    assert!(squared.barycenter(&space, &ys, &[1.0, 0.0], &mut out).is_err());
    assert!(w1.barycenter(&space, &ys, &[1.0, 0.0], &mut out).is_err());
    assert!(out.is_empty());
    squared.barycenter(&space, &ys, &[1.0, 2.0], &mut out).unwrap();
    assert!(
        out.iter().zip([1.0, 2.0, 3.0]).all(|(a, b)| (a - b).abs() < 1e-15),
        "{out:?}"
    );
    // bad arguments
    let bad_calls: [(&[&[f64]], &[f64]); 5] = [
        (&[&[1.0, 2.0]], &[1.0, 1.0]),              // one point for two maps
        (&[&[1.0], &[3.0]], &[1.0, 1.0]),           // y_1 in R^1, not R^2
        (&[&[1.0, f64::NAN], &[3.0]], &[1.0, 1.0]), // NaN coordinate
        (&[&[1.0, 2.0], &[3.0]], &[1.0, -1.0]),     // negative weight
        (&[&[1.0, 2.0], &[3.0]], &[0.0, 0.0]),      // no positive weight
    ];
    for (ys, lambdas) in bad_calls {
        let err = squared.barycenter(&space, ys, lambdas, &mut out).unwrap_err();
        assert!(matches!(err, CoreError::InvalidParameter { .. }), "{err}");
        message(&err);
        let err = w1.solve(ys, lambdas).unwrap_err();
        assert!(matches!(err, CoreError::InvalidParameter { .. }), "{err}");
        message(&err);
    }
    let plane = Euclidean::new(2).unwrap();
    assert!(squared.barycenter(&plane, &ys, &[1.0, 1.0], &mut out).is_err());
    assert!(w1.clone().tolerance(f64::NAN).solve(&ys, &[1.0, 1.0]).is_err());
    // (1, 2, 3) explains both views: F = 0 at the least-squares start, no step needed
    let exact = w1.clone().max_iterations(0).solve(&[&[1.0, 2.0], &[3.0]], &[1.0, 1.0]);
    assert!(exact.is_ok(), "{exact:?}");
    let err = LinearProjectionsW1::new(vec![LinearMap::identity(2).unwrap(); 3])
        .unwrap()
        .max_iterations(1)
        .solve(&[&[0.0, 0.0], &[1.0, 0.0], &[0.0, 1.0]], &[1.0, 1.0, 1.0])
        .unwrap_err();
    assert!(message(&err).contains("Raise `max_iterations`"), "{err}");
    // maps
    assert!(LinearMap::new(2, 3, vec![0.0; 5]).is_err());
    assert!(LinearMap::new(1, 2, vec![0.0, f64::INFINITY]).is_err());
    assert!(LinearMap::new(0, 2, vec![]).is_err());
    assert!(LinearMap::coordinates(2, &[2]).is_err());
    assert!(LinearProjections::new(vec![]).is_err());
    let mixed = LinearProjections::new(vec![xy.clone(), LinearMap::identity(2).unwrap()]).unwrap_err();
    assert!(message(&mixed).contains("every map must start from"), "{mixed}");
    assert!(xy.apply(&[1.0, 2.0]).is_err());
}

/// The projection costs check the spaces they compare, and their row blocks agree with the
/// pointwise cost.
#[test]
fn projection_costs_check_spaces_and_agree_block_wise() {
    let mut rng = SplitMix64(3);
    let map = LinearMap::new(2, 3, (0..6).map(|_| rng.uniform() - 0.5).collect()).unwrap();
    let squared = ProjectedSquaredEuclidean::new(map.clone());
    let plain = ProjectedEuclidean::new(map.clone());
    let (r3, r2) = (Euclidean::new(3).unwrap(), Euclidean::new(2).unwrap());
    assert!(Cost::check_spaces(&squared, &r3, &r2).is_ok());
    let err = Cost::check_spaces(&plain, &r2, &r2).unwrap_err();
    assert!(message(&err).contains("LinearMap::lift"), "{err}");
    let err = Cost::check_spaces(&squared, &r3, &r3).unwrap_err();
    assert!(
        matches!(err, CoreError::InvalidParameter { name: "y_space", .. }),
        "{err}"
    );
    let x = random_point(&mut rng, 3, 1.0);
    let ys: Vec<f64> = (0..20).map(|_| rng.uniform()).collect();
    let mut block = vec![0.0; 7];
    squared.cost_to_many(&x, &r2, &ys, 2, &mut block);
    for (t, b) in block.iter().enumerate() {
        assert_eq!(*b, squared.cost(&x, &ys[2 * (2 + t)..2 * (3 + t)]));
    }
    plain.cost_to_many(&x, &r2, &ys, 3, &mut block);
    for (t, b) in block.iter().enumerate() {
        assert_eq!(*b, plain.cost(&x, &ys[2 * (3 + t)..2 * (4 + t)]));
    }
}

/// A small random problem for the decrease law: K in 1..=3 targets, target k in R^{d_k}
/// (d_k in 1..=2) with 1..=5 atoms, a barycentre in R^d (d in 1..=3), weights in [0.1, 1.1),
/// a start with 1..=5 atoms in R^d.
#[derive(Debug, Clone)]
struct Instance {
    family: Family,
    targets: Vec<Measure<Euclidean>>,
    lambdas: Vec<f64>,
    init: Measure<Euclidean>,
}

fn random_measure(rng: &mut SplitMix64, dim: usize) -> Measure<Euclidean> {
    let n = 1 + rng.below(5);
    let coarse = rng.below(2) == 0; // duplicates and ties half of the time
    let points = (0..n * dim)
        .map(|_| {
            let u = 4.0 * rng.uniform() - 2.0;
            if coarse {
                u.round()
            } else {
                u
            }
        })
        .collect();
    let weights = (0..n).map(|_| 0.05 + rng.uniform()).collect();
    Euclidean::new(dim).unwrap().measure(points, weights).unwrap()
}

fn random_instance(seed: u64) -> Option<Instance> {
    let mut rng = SplitMix64(seed);
    let dim = 1 + rng.below(3);
    let k = 1 + rng.below(3);
    let family = random_family(&mut rng, dim, k, 2);
    if !family.invertible(&vec![1.0; k]) {
        return None;
    }
    let targets = family
        .maps
        .iter()
        .map(|m| random_measure(&mut rng, m.output_dim()))
        .collect();
    let lambdas = (0..k).map(|_| 0.1 + rng.uniform()).collect();
    let init = random_measure(&mut rng, dim);
    Some(Instance {
        family,
        targets,
        lambdas,
        init,
    })
}

/// V(mu) >= V(G mu) + T_delta(mu, G mu) - slack (1 + V(mu) + scale) for one step of G with
/// exact couplings; with `quadratic`, scale = |A| R^2 with |A| <= sum_k lambda_k |P_k|_F^2 and R
/// the largest |x| over the atoms of mu and G mu, the size of the cross terms
/// 2 <x - xbar, A xbar - b> whose rounding (that of a backward-stable solve, which grows with the
/// condition number of A) is the only error of the equality behind the law; otherwise 0.
fn check_decrease<B>(
    problem: &Problem<Euclidean, Euclidean, B>,
    mu: &Measure<Euclidean>,
    slack: f64,
    quadratic: bool,
) -> TestResult
where
    B: GroundBarycenter<Euclidean, Euclidean>,
    B::Cost: AsRef<LinearMap>,
{
    let solver = NetworkSimplex::default();
    let v_mu = problem.objective(mu, &solver).unwrap();
    let g_mu = FixedPointG::default().step(problem, mu).unwrap();
    let v_g_mu = problem.objective(&g_mu, &solver).unwrap();
    let t_delta = solver.couple(mu, &g_mu, &problem.delta_cost()).unwrap().cost();
    let scale = if quadratic {
        let size_a: f64 = (0..problem.measures().len())
            .map(|k| {
                let map = problem.ground().cost_k(k).as_ref();
                problem.lambdas()[k] * map.frobenius_norm().powi(2)
            })
            .sum();
        let radius = mu
            .iter()
            .chain(g_mu.iter())
            .map(|(p, _)| p.iter().map(|c| c * c).sum::<f64>().sqrt())
            .fold(0.0, f64::max);
        size_a * radius * radius
    } else {
        0.0
    };
    if v_mu >= v_g_mu + t_delta - slack * (1.0 + v_mu + scale) {
        TestResult::passed()
    } else {
        TestResult::error(format!(
            "V(mu) = {v_mu}, V(G mu) = {v_g_mu}, T_delta = {t_delta}, scale {scale}"
        ))
    }
}

/// The decrease law with the quadratic delta of the squared projection cost (an equality for
/// the ground barycentre, so only rounding: 1e-9 relative slack, relative to V and to the size of
/// the cross terms, see `check_decrease`).
#[test]
fn g_decreases_v_by_t_delta_for_squared_projections() {
    fn prop(seed: u64) -> TestResult {
        let Some(inst) = random_instance(seed) else {
            return TestResult::discard();
        };
        let ground = LinearProjections::new(inst.family.maps.clone()).unwrap();
        let space = Euclidean::new(inst.family.dim).unwrap();
        let problem = Problem::new(space, inst.targets.clone(), inst.lambdas.clone(), ground).unwrap();
        check_decrease(&problem, &inst.init, 1e-9, true)
    }
    quickcheck(300).quickcheck(prop as fn(u64) -> TestResult);
}

/// The decrease law for the W1 projection cost (delta = 0): V(mu) >= V(G mu) up to the
/// certified gaps, at most tolerance (1e-10) times (sum lambda / min lambda)^(1/2) <= 4 of the
/// glued objective (<= V(mu)) plus rounding floors: 1e-9 relative slack.
#[test]
fn g_decreases_v_for_w1_projections() {
    fn prop(seed: u64) -> TestResult {
        let Some(inst) = random_instance(seed) else {
            return TestResult::discard();
        };
        let ground = LinearProjectionsW1::new(inst.family.maps.clone()).unwrap();
        let space = Euclidean::new(inst.family.dim).unwrap();
        let problem = Problem::new(space, inst.targets.clone(), inst.lambdas.clone(), ground).unwrap();
        check_decrease(&problem, &inst.init, 1e-9, false)
    }
    quickcheck(300).quickcheck(prop as fn(u64) -> TestResult);
}

/// With every P_k the identity of R^d, the squared projection cost is the squared Euclidean
/// cost: the same ground barycentre and delta, and from the same start the same V and, after
/// one step of G, the same measure and V (to rounding; later steps may differ where optimal
/// couplings tie and rounding picks another).
#[test]
fn identity_projections_reduce_to_squared_euclidean() {
    let mut rng = SplitMix64(11);
    let solver = NetworkSimplex::default();
    for _ in 0..30 {
        let dim = 1 + rng.below(3);
        let k = 2 + rng.below(2);
        let space = Euclidean::new(dim).unwrap();
        let targets: Vec<Measure<Euclidean>> = (0..k).map(|_| random_measure(&mut rng, dim)).collect();
        let lambdas: Vec<f64> = (0..k).map(|_| 0.1 + rng.uniform()).collect();
        let ground = LinearProjections::new(vec![LinearMap::identity(dim).unwrap(); k]).unwrap();
        let ys: Vec<Vec<f64>> = (0..k).map(|_| random_point(&mut rng, dim, 5.0)).collect();
        let ys = refs(&ys);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        ground.barycenter(&space, &ys, &lambdas, &mut a).unwrap();
        SquaredEuclidean.barycenter(&space, &ys, &lambdas, &mut b).unwrap();
        assert!(a.iter().zip(&b).all(|(a, b)| (a - b).abs() <= 1e-12 * (1.0 + b.abs())));
        let x = random_point(&mut rng, dim, 5.0);
        let (da, db) = (ground.delta(&x, &a, &lambdas), SquaredEuclidean.delta(&x, &b, &lambdas));
        assert!((da - db).abs() <= 1e-12 * (1.0 + db));

        let projected = Problem::new(space, targets.clone(), lambdas.clone(), ground).unwrap();
        let plain = Problem::new(space, targets, lambdas, SquaredEuclidean).unwrap();
        let mu = random_measure(&mut rng, dim);
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-10 * (1.0 + y.abs());
        assert!(close(
            projected.objective(&mu, &solver).unwrap(),
            plain.objective(&mu, &solver).unwrap()
        ));
        let ga = FixedPointG::default().step(&projected, &mu).unwrap();
        let gb = FixedPointG::default().step(&plain, &mu).unwrap();
        assert_eq!(ga.len(), gb.len());
        assert!(ga.points().iter().zip(gb.points()).all(|(x, y)| close(*x, *y)));
        assert!(ga.weights().iter().zip(gb.weights()).all(|(x, y)| close(*x, *y)));
        assert!(close(
            projected.objective(&ga, &solver).unwrap(),
            plain.objective(&gb, &solver).unwrap()
        ));
    }
}

/// Targets in R^2, barycentre in R^3: the default start (a target) is refused with a message
/// that says what to do, a solve from it is an error (not a panic), and a lifted target works.
#[test]
fn starting_measures_for_projections() {
    let planes = vec![
        LinearMap::coordinates(3, &[0, 1]).unwrap(),
        LinearMap::coordinates(3, &[1, 2]).unwrap(),
    ];
    let r2 = Euclidean::new(2).unwrap();
    let targets = vec![
        r2.uniform(vec![0.0, 0.0, 1.0, 0.0]).unwrap(),
        r2.uniform(vec![0.0, 1.0, 0.0, 2.0]).unwrap(),
    ];
    let ground = LinearProjectionsW1::new(planes.clone()).unwrap();
    let problem = Problem::new(Euclidean::new(3).unwrap(), targets.clone(), vec![1.0, 2.0], ground).unwrap();
    let err = problem.try_default_init().unwrap_err();
    assert!(message(&err).contains("LinearMap::lift"), "{err}");
    let wrong = problem.default_init();
    assert_eq!(wrong.space().dim(), 2);
    let err = FixedPointG::default().solve(&problem, wrong).unwrap_err();
    assert!(
        matches!(&err, BarycenterError::Coupling { .. }) && message(&err).contains("must be on R^3"),
        "{err}"
    );
    // lift the heavier target (the y-z view) to R^3
    let start = planes[1].lift(&targets[1]).unwrap();
    assert_eq!(start.space().dim(), 3);
    let result = FixedPointG::default().solve(&problem, start).unwrap();
    // the two views share the y coordinate and are otherwise free: the barycentre explains both
    assert!(result.objective < 1e-9, "{:?}", result.trace);
    // same-space problems: the checked default is the default
    let plain = Problem::new(r2, targets, vec![1.0, 2.0], SquaredEuclidean).unwrap();
    assert_eq!(
        plain.try_default_init().unwrap().points(),
        plain.default_init().points()
    );
}

/// The image and the lift of a measure by a map: P (P^+ # nu) = nu when P has full row rank,
/// and P^+ y is orthogonal to the kernel of P (least norm).
#[test]
fn lift_and_image() {
    let mut rng = SplitMix64(5);
    for _ in 0..50 {
        let dim = 2 + rng.below(3);
        let out = 1 + rng.below(dim - 1);
        let map = LinearMap::new(out, dim, (0..out * dim).map(|_| rng.uniform() - 0.5).collect()).unwrap();
        let nu = random_measure(&mut rng, out);
        let lifted = map.lift(&nu).unwrap();
        let back = map.image(&lifted).unwrap();
        assert!(back
            .points()
            .iter()
            .zip(nu.points())
            .all(|(a, b)| (a - b).abs() <= 1e-10 * (1.0 + b.abs())));
        assert!(back
            .weights()
            .iter()
            .zip(nu.weights())
            .all(|(a, b)| (a - b).abs() <= 1e-15));
        // a kernel vector: x - P^+ P x for a random x; P^+ y must be orthogonal to it
        let x = random_point(&mut rng, dim, 1.0);
        let px = Euclidean::new(out).unwrap().uniform(map.apply(&x).unwrap()).unwrap();
        let back_x = map.lift(&px).unwrap();
        let kernel: Vec<f64> = x.iter().zip(back_x.points()).map(|(a, b)| a - b).collect();
        for i in 0..lifted.len() {
            let dot: f64 = lifted.point(i).iter().zip(&kernel).map(|(a, b)| a * b).sum();
            assert!(dot.abs() <= 1e-10, "{dot}");
        }
    }
    assert!(LinearMap::new(1, 2, vec![0.0, 0.0])
        .unwrap()
        .lift(&Euclidean::new(1).unwrap().uniform(vec![1.0]).unwrap())
        .is_err());
}

/// Two kinks at the minimiser that share directions, so that the subgradient test must split
/// the pull of the other terms between them (found by `w1_stress_on_glued_grid_points`): the
/// solver certifies the minimiser, which sits on both data points.
#[test]
fn w1_two_kinks_sharing_directions() {
    // R^3 seen through (z, y), (z, x), (z, y): the last two views meet at (0, -2, 1)
    let maps = vec![
        LinearMap::new(2, 3, vec![0.0, 0.0, 1.0, 0.0, 1.0, 0.0]).unwrap(),
        LinearMap::new(2, 3, vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]).unwrap(),
        LinearMap::new(2, 3, vec![0.0, 0.0, 1.0, 0.0, 1.0, 0.0]).unwrap(),
    ];
    let ys = vec![vec![-2.0, 1.0], vec![1.0, 0.0], vec![1.0, -2.0]];
    let lambdas = [0.8303636177933909, 0.5951803293673039, 0.6488204167495925];
    let s = LinearProjectionsW1::new(maps)
        .unwrap()
        .solve(&refs(&ys), &lambdas)
        .unwrap();
    // F grows linearly away from the vertex (both kinks strictly optimal), so a certified gap of
    // 1e-10 F keeps the point within gap / slope of it
    let expected = [0.0, -2.0, 1.0];
    assert!(s.point.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-7), "{s:?}");
    assert!(s.gap() <= 1e-10 * s.objective, "{s:?}");
    // R^1 seen through 0.34 x, x (both at 0) and a map to R^2
    let maps = vec![
        LinearMap::new(1, 1, vec![0.3438928508601673]).unwrap(),
        LinearMap::new(1, 1, vec![1.0]).unwrap(),
        LinearMap::new(2, 1, vec![-0.9879947721465949, -0.20731296033900848]).unwrap(),
    ];
    let ys = vec![vec![0.0], vec![0.0], vec![-1.5225112300741932, 0.7216232851814848]];
    let lambdas = [0.4874425987912676, 0.6245041732801543, 0.8336918573367464];
    let s = LinearProjectionsW1::new(maps)
        .unwrap()
        .solve(&refs(&ys), &lambdas)
        .unwrap();
    assert!(s.point[0].abs() < 1e-7 && s.gap() <= 1e-10 * s.objective, "{s:?}");
}

/// Stress (run with `--ignored`; 5 s in release): every ground barycentre that one
/// step of G can ask for on 20,000 random instances of the decrease-law tests (245,099 solves,
/// targets on integer grids half of the time, so that kinks coincide), all certified.
#[test]
#[ignore]
fn w1_stress_on_glued_grid_points() {
    let (mut fails, mut total) = (0, 0);
    for seed in 0..20000u64 {
        let Some(inst) = random_instance(seed) else {
            continue;
        };
        let ground = LinearProjectionsW1::new(inst.family.maps.clone()).unwrap();
        let k = inst.targets.len();
        let mut index = vec![0usize; k];
        'points: loop {
            let ys: Vec<&[f64]> = (0..k).map(|j| inst.targets[j].point(index[j])).collect();
            total += 1;
            if let Err(e) = ground.solve(&ys, &inst.lambdas) {
                fails += 1;
                println!("seed {seed}: {e}: {:?} {ys:?} {:?}", inst.family.maps, inst.lambdas);
            }
            for (i, nu) in index.iter_mut().zip(&inst.targets) {
                *i += 1;
                if *i < nu.len() {
                    continue 'points;
                }
                *i = 0;
            }
            break;
        }
    }
    println!("{fails} of {total} solves not certified");
    assert_eq!(fails, 0);
}
