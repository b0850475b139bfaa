//! Closed-form optimal costs: monotone (quantile) matching on the line for convex costs, and
//! translated point clouds for the squared Euclidean cost.

mod common;

use common::Rng;
use kantorovich_core::{Cost, CostMatrix, Coupling, DiscreteMeasure};
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::{exact_ot, NetworkSimplex};

/// A convex function h of the displacement x - y.
type Profile = fn(f64) -> f64;

/// c(x, y) = h(x - y) on the line, for a convex h.
struct Convex(Profile);

impl Cost<Euclidean, Euclidean> for Convex {
    fn cost(&self, x: &[f64], y: &[f64]) -> f64 {
        (self.0)(x[0] - y[0])
    }
}

/// int_0^1 h(F^{-1}(t) - G^{-1}(t)) dt for two discrete measures on the line: sort both, then
/// match the quantile functions piece by piece.
fn quantile_cost(mu: &DiscreteMeasure<Euclidean>, nu: &DiscreteMeasure<Euclidean>, h: Profile) -> f64 {
    let sorted = |m: &DiscreteMeasure<Euclidean>| {
        let mut v: Vec<(f64, f64)> = m.iter().map(|(p, w)| (p[0], w)).collect();
        v.sort_by(|x, y| x.0.total_cmp(&y.0));
        v
    };
    let (xs, ys) = (sorted(mu), sorted(nu));
    let (mut i, mut j) = (0, 0);
    let (mut ra, mut rb) = (xs[0].1, ys[0].1);
    let mut total = 0.0;
    while i < xs.len() && j < ys.len() {
        let t = ra.min(rb);
        total += t * h(xs[i].0 - ys[j].0);
        ra -= t;
        rb -= t;
        // move on when a piece is used up (relative test: the weights are normalised)
        if ra <= 1e-15 {
            i += 1;
            ra = xs.get(i).map_or(0.0, |x| x.1);
        }
        if rb <= 1e-15 {
            j += 1;
            rb = ys.get(j).map_or(0.0, |y| y.1);
        }
    }
    total
}

fn random_line_measure(rng: &mut Rng, n: usize, duplicates: bool) -> DiscreteMeasure<Euclidean> {
    let line = Euclidean::new(1).unwrap();
    let mut xs: Vec<f64> = Vec::with_capacity(n);
    for k in 0..n {
        if duplicates && k > 0 && rng.below(3) == 0 {
            let x = xs[rng.below(k)];
            xs.push(x);
        } else {
            xs.push(4.0 * rng.uniform() - 1.0);
        }
    }
    let w: Vec<f64> = (0..n).map(|_| 0.05 + rng.uniform()).collect();
    line.measure(xs, w).unwrap()
}

#[test]
fn monotone_matching_is_optimal_on_the_line_for_convex_costs() {
    let costs: [(&str, Profile); 4] = [
        ("squared", |d| d * d),
        ("absolute", |d: f64| d.abs()),
        ("power 1.5", |d: f64| d.abs().powf(1.5)),
        ("asymmetric", |d: f64| if d > 0.0 { 2.0 * d * d } else { d * d - d }),
    ];
    let mut rng = Rng(20);
    for round in 0..120 {
        let (n, m) = (1 + rng.below(60), 1 + rng.below(60));
        let mu = random_line_measure(&mut rng, n, round % 2 == 0);
        let nu = random_line_measure(&mut rng, m, round % 3 == 0);
        for (name, h) in costs {
            let sol = exact_ot(&mu, &nu, &Convex(h)).unwrap();
            let expected = quantile_cost(&mu, &nu, h);
            assert!(
                (sol.cost - expected).abs() <= 1e-9 * expected.abs().max(1e-6),
                "{name}, round {round}: network simplex {} vs quantiles {expected}",
                sol.cost
            );
        }
    }
}

#[test]
fn uniform_measures_on_the_line_are_matched_in_order() {
    let line = Euclidean::new(1).unwrap();
    let mut rng = Rng(21);
    let n = 200;
    let xs: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
    let ys: Vec<f64> = (0..n).map(|_| rng.uniform() + 0.3).collect();
    let mu = line.uniform(xs.clone()).unwrap();
    let nu = line.uniform(ys.clone()).unwrap();
    let plan = NetworkSimplex::default().couple(&mu, &nu, &SquaredEuclidean).unwrap();
    // the k-th smallest x goes to the k-th smallest y
    let rank = |v: &[f64]| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&p, &q| v[p].total_cmp(&v[q]));
        let mut r = vec![0; v.len()];
        for (k, &i) in idx.iter().enumerate() {
            r[i] = k;
        }
        r
    };
    let (rx, ry) = (rank(&xs), rank(&ys));
    assert_eq!(plan.nnz(), n);
    for (i, j, x) in plan.iter() {
        assert_eq!(rx[i], ry[j]);
        assert!((x - 1.0 / n as f64).abs() < 1e-15);
    }
}

#[test]
fn a_translated_cloud_moves_by_the_translation() {
    let mut rng = Rng(22);
    for (d, n, uniform) in [
        (2, 60, true),
        (2, 80, false),
        (3, 50, true),
        (3, 40, false),
        (1, 30, false),
    ] {
        let space = Euclidean::new(d).unwrap();
        let xs: Vec<f64> = (0..n * d).map(|_| rng.uniform()).collect();
        let t: Vec<f64> = (0..d).map(|_| 2.0 * rng.uniform() - 1.0).collect();
        let ys: Vec<f64> = xs.iter().enumerate().map(|(k, x)| x + t[k % d]).collect();
        let w: Vec<f64> = (0..n)
            .map(|_| if uniform { 1.0 } else { 0.1 + rng.uniform() })
            .collect();
        let mu = space.measure(xs, w.clone()).unwrap();
        let nu = space.measure(ys, w).unwrap();
        let t2: f64 = t.iter().map(|x| x * x).sum();

        let sol = exact_ot(&mu, &nu, &SquaredEuclidean).unwrap();
        assert!(
            (sol.cost - t2).abs() <= 1e-12 * t2.max(1.0),
            "d = {d}: cost {} vs |t|^2 = {t2}",
            sol.cost
        );
        // the identity coupling: x_i goes to x_i + t with all its mass
        assert_eq!(sol.plan.nnz(), n);
        for (i, j, x) in sol.plan.iter() {
            assert_eq!(i, j);
            assert!((x - mu.weights()[i]).abs() <= 1e-15);
        }
        // the Coupling impl returns the same plan and cost
        let plan = NetworkSimplex::default().couple(&mu, &nu, &SquaredEuclidean).unwrap();
        assert_eq!(plan, sol.plan);
        let matrix = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let direct: f64 = plan.iter().map(|(i, j, x)| matrix.get(i, j) * x).sum();
        assert!((plan.cost() - direct).abs() <= 1e-15 * direct);
    }
}

#[test]
fn identical_measures_cost_nothing() {
    let mut rng = Rng(23);
    let plane = Euclidean::new(2).unwrap();
    let xs: Vec<f64> = (0..100).map(|_| rng.uniform()).collect();
    let w: Vec<f64> = (0..50).map(|_| rng.uniform() + 0.1).collect();
    let mu = plane.measure(xs, w).unwrap();
    let sol = exact_ot(&mu, &mu, &SquaredEuclidean).unwrap();
    assert_eq!(sol.cost, 0.0);
    assert!(sol.plan.iter().all(|(i, j, _)| i == j));
}

#[test]
fn weights_equal_up_to_rounding_give_a_clean_permutation() {
    // b is one ulp above a everywhere (as after renormalising a product of weights): the exact
    // vertex for these marginals routes ~1e-17 of mass along extra arcs, which is rounding noise;
    // the plan must be the identity, without spurious tiny entries.
    let n = 30;
    let mut rng = Rng(24);
    let plane = Euclidean::new(2).unwrap();
    let xs: Vec<f64> = (0..2 * n).map(|_| rng.uniform()).collect();
    let ys: Vec<f64> = xs.iter().map(|x| x + 0.5).collect();
    let a = vec![1.0 / n as f64; n];
    let b = vec![f64::from_bits((1.0 / n as f64).to_bits() + 1); n];
    let cost = CostMatrix::from_points(&plane, &xs, &plane, &ys, &SquaredEuclidean).unwrap();
    let sol = NetworkSimplex::default().solve(&a, &b, &cost).unwrap();
    assert_eq!(sol.plan.nnz(), n);
    assert!(sol
        .plan
        .iter()
        .all(|(i, j, x)| i == j && (x - a[i]).abs() <= 1e-15 * a[i]));
    assert!(sol.plan.marginal_error(&a, &b) <= 1e-15);
}
