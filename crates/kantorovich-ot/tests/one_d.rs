//! One-dimensional exact OT by sorting, cross-checked against the network simplex.

use kantorovich_core::CostMatrix;
use kantorovich_ot::{ot_1d, ot_1d_cost, ot_1d_projection, NetworkSimplex, OtError, SortedLine};
use kantorovich_testkit::SplitMix64;
use quickcheck::{QuickCheck, TestResult};

/// Random points on the line (on a coarse grid half of the time, so that ties occur) and random
/// weights, some zero.
fn measure(rng: &mut SplitMix64) -> (Vec<f64>, Vec<f64>) {
    let n = 1 + rng.below(25);
    let coarse = rng.next_u64() % 2 == 0;
    let x = (0..n)
        .map(|_| {
            let u = 10.0 * rng.uniform() - 5.0;
            if coarse {
                u.round()
            } else {
                u
            }
        })
        .collect();
    let mut w: Vec<f64> = (0..n)
        .map(|_| if rng.below(5) == 0 { 0.0 } else { rng.uniform() })
        .collect();
    w[0] += 0.1;
    (x, w)
}

/// For h(t) = |t|^p (p in {1, 1.5, 2, 3}) the sorted coupling has the network simplex's optimal
/// cost, and exact marginals.
#[test]
fn sorting_matches_the_network_simplex() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let (x, a) = measure(&mut rng);
        let (y, mut b) = measure(&mut rng);
        let (ta, tb): (f64, f64) = (a.iter().sum(), b.iter().sum());
        b.iter_mut().for_each(|w| *w *= ta / tb);
        let p = [1.0, 1.5, 2.0, 3.0][rng.below(4)];
        let h = |t: f64| t.abs().powf(p);
        let sorted = ot_1d(&x, &a, &y, &b, h).unwrap();
        let cost = CostMatrix::new(
            x.len(),
            y.len(),
            x.iter().flat_map(|xi| y.iter().map(move |yj| h(yj - xi))).collect(),
        )
        .unwrap();
        let exact = NetworkSimplex::default().solve(&a, &b, &cost).unwrap();
        let err = sorted.plan.marginal_error(&a, &b);
        let gap = (sorted.cost - exact.cost).abs();
        if gap <= 1e-12 * (1.0 + exact.cost) && err <= 1e-13 && sorted.plan.nnz() < x.len() + y.len() {
            TestResult::passed()
        } else {
            TestResult::error(format!(
                "p = {p}: sorted {} vs simplex {}, marginal error {err}",
                sorted.cost, exact.cost
            ))
        }
    }
    QuickCheck::new().tests(1000).quickcheck(prop as fn(u64) -> TestResult);
}

/// Large supports take the bucket-sort path (>= 256 points): with mixed signs, -0.0 and +0.0,
/// many ties and some zero weights, the plan is monotone with exact marginals, `ot_1d_cost` gives
/// the same value bit for bit, and the cost is the network simplex's.
#[test]
fn bucket_sort_path_matches_the_network_simplex() {
    let mut rng = SplitMix64(77);
    let mut draw = |n: usize| -> (Vec<f64>, Vec<f64>) {
        let x = (0..n)
            .map(|k| match k % 7 {
                0 => 0.0,
                1 => -0.0,
                2 => (20.0 * rng.uniform() - 10.0).round(),
                _ => 1e3 * (rng.uniform() - 0.5) * 10f64.powi(rng.below(5) as i32 - 2),
            })
            .collect();
        let w = (0..n)
            .map(|_| if rng.below(8) == 0 { 0.0 } else { rng.uniform() })
            .collect();
        (x, w)
    };
    let (x, a) = draw(700);
    let (y, mut b) = draw(650);
    let (ta, tb): (f64, f64) = (a.iter().sum(), b.iter().sum());
    b.iter_mut().for_each(|w| *w *= ta / tb);
    for h in [(|t: f64| t * t) as fn(f64) -> f64, f64::abs] {
        let s = ot_1d(&x, &a, &y, &b, h).unwrap();
        assert_eq!(s.cost.to_bits(), ot_1d_cost(&x, &a, &y, &b, h).unwrap().to_bits());
        assert!(s.plan.marginal_error(&a, &b) <= 1e-13 * ta);
        // monotone: no two entries cross (x_i < x_k and y_j > y_l)
        let mut pairs: Vec<(f64, f64)> = s.plan.iter().map(|(i, j, _)| (x[i], y[j])).collect();
        pairs.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.total_cmp(&q.1)));
        assert!(pairs.windows(2).all(|w| w[0].1 <= w[1].1));
        let cost = CostMatrix::new(
            x.len(),
            y.len(),
            x.iter().flat_map(|xi| y.iter().map(move |yj| h(yj - xi))).collect(),
        )
        .unwrap();
        let exact = NetworkSimplex::default().solve(&a, &b, &cost).unwrap().cost;
        assert!((s.cost - exact).abs() <= 1e-11 * exact, "{} vs {exact}", s.cost);
    }
}

/// A measure against itself (atoms listed in another order) is matched atom to atom at cost 0, also when the span of the points
/// overflows (max - min = inf: one bucket) or one far point leaves the others in one bucket.
#[test]
fn sorting_survives_extreme_spans() {
    let mut rng = SplitMix64(5);
    for far in [[-1.7e308, 1.7e308], [0.0, 1e300]] {
        let mut x: Vec<f64> = (0..400).map(|_| rng.uniform() - 0.5).collect();
        x[17] = far[0];
        x[230] = far[1];
        // small integer weights: both totals are exact, so no rounding residue crosses the far atoms
        let a: Vec<f64> = (0..400).map(|_| (1 + rng.below(4)) as f64).collect();
        // the same measure with its atoms listed in reverse: only a correct sort pairs equal points
        let (y, b): (Vec<f64>, Vec<f64>) = (x.iter().rev().copied().collect(), a.iter().rev().copied().collect());
        let s = ot_1d(&x, &a, &y, &b, |t| t * t).unwrap();
        assert_eq!(s.cost, 0.0);
        assert!(s.plan.iter().all(|(i, j, _)| x[i] == y[j]), "{far:?}");
        assert!(s.plan.marginal_error(&a, &b) <= 1e-13);
    }
}

/// `SortedLine::projection` gives exactly `ot_1d_projection`'s map and cost (also when the
/// target's total differs from the source's by rounding or a factor, so b is rescaled), small and
/// large (bucket-sorted) supports; the map is the barycentric projection of `ot_1d`'s plan.
#[test]
fn sorted_line_projection_matches() {
    let mut rng = SplitMix64(91);
    for (n, m) in [(1, 1), (7, 12), (300, 260), (40, 900)] {
        let (x, a) = (0..n)
            .map(|_| (rng.uniform() * 4.0, 0.1 + rng.uniform()))
            .unzip::<_, _, Vec<f64>, Vec<f64>>();
        let (y, mut b) = (0..m)
            .map(|_| (rng.uniform() * 5.0 - 1.0, rng.uniform()))
            .unzip::<_, _, Vec<f64>, Vec<f64>>();
        let (ta, tb): (f64, f64) = (a.iter().sum(), b.iter().sum());
        b.iter_mut().for_each(|w| *w *= ta / tb);
        let line = SortedLine::new(&y, &b).unwrap();
        let direct = ot_1d_projection(&x, &a, &y, &b).unwrap();
        assert_eq!(line.projection(&x, &a).unwrap(), direct);
        let plan = ot_1d(&x, &a, &y, &b, |t| t * t).unwrap();
        assert_eq!(plan.cost.to_bits(), direct.1.to_bits());
        for (i, &ti) in direct.0.iter().enumerate() {
            let (cols, mass) = plan.plan.row(i);
            let t: f64 = cols.iter().zip(mass).map(|(&j, &p)| p * y[j]).sum::<f64>() / a[i];
            assert!((t - ti).abs() <= 1e-12 * (1.0 + t.abs()), "{t} vs {ti}");
        }
    }
    let line = SortedLine::new(&[0.0, 1.0], &[1.0, 1.0]).unwrap();
    assert!(line.projection(&[0.0], &[1.0]).is_err()); // masses 1 and 2
    assert!(SortedLine::new(&[0.0, f64::NAN], &[1.0, 1.0]).is_err());
    assert!(SortedLine::new(&[0.0], &[-1.0]).is_err());
    assert!(SortedLine::new(&[0.0], &[1.0, 1.0]).is_err());
}

#[test]
fn closed_form_and_errors() {
    // uniform on {0, 1, 2} to uniform on {10, 11, 12}: a translation, W_1 = 10
    let third = [1.0 / 3.0; 3];
    let (x, y) = ([2.0, 0.0, 1.0], [10.0, 12.0, 11.0]);
    let s = ot_1d(&x, &third, &y, &third, f64::abs).unwrap();
    assert!((s.cost - 10.0).abs() < 1e-12);
    assert!(s.plan.iter().all(|(i, j, _)| x[i] + 10.0 == y[j]), "{:?}", s.plan);
    // errors, not panics
    assert!(matches!(
        ot_1d(&[], &[], &[1.0], &[1.0], f64::abs),
        Err(OtError::BadTotalMass { .. })
    ));
    assert!(ot_1d(&[f64::NAN], &[1.0], &[1.0], &[1.0], f64::abs).is_err());
    assert!(ot_1d(&[0.0], &[1.0], &[1.0], &[2.0], f64::abs).is_err());
    assert!(ot_1d(&[0.0], &[-1.0], &[1.0], &[1.0], f64::abs).is_err());
    assert!(ot_1d(&[0.0, 1.0], &[1.0], &[1.0], &[1.0], f64::abs).is_err());
    let err = ot_1d(&[0.0], &[1.0], &[1.0], &[1.0], |_| f64::INFINITY).unwrap_err();
    assert!(err.to_string().contains("must be finite"), "{err}");
}

mod sliced {
    use kantorovich_core::{CostMatrix, DiscreteMeasure};
    use kantorovich_geometry::{Euclidean, SquaredEuclidean};
    use kantorovich_ot::{ot_1d, sliced_wasserstein, NetworkSimplex};
    use kantorovich_testkit::{cloud, SplitMix64};
    use quickcheck::{QuickCheck, TestResult};

    fn uniform(space: Euclidean, points: Vec<f64>) -> DiscreteMeasure<Euclidean> {
        space.uniform(points).unwrap()
    }

    /// SW_2 <= W_2 (projections are 1-Lipschitz), SW is symmetric, zero on equal measures, and
    /// the same seed gives the same value.
    #[test]
    fn sliced_is_below_the_wasserstein_distance() {
        fn prop(seed: u64) -> TestResult {
            let mut rng = SplitMix64(seed);
            let d = 1 + rng.below(4);
            let space = Euclidean::new(d).unwrap();
            let (n, m) = (1 + rng.below(20), 1 + rng.below(20));
            let mu = uniform(space, cloud(rng.next_u64(), n, d));
            let nu = uniform(space, cloud(rng.next_u64(), m, d));
            let sw = sliced_wasserstein(&mu, &nu, 2.0, 30, seed).unwrap();
            let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
            let w2 = NetworkSimplex::default()
                .solve(mu.weights(), nu.weights(), &cost)
                .unwrap()
                .cost
                .sqrt();
            let back = sliced_wasserstein(&nu, &mu, 2.0, 30, seed).unwrap();
            let again = sliced_wasserstein(&mu, &nu, 2.0, 30, seed).unwrap();
            let zero = sliced_wasserstein(&mu, &mu, 2.0, 30, seed).unwrap();
            TestResult::from_bool(
                sw <= w2 * (1.0 + 1e-12) + 1e-14
                    && (sw - back).abs() <= 1e-12 * (1.0 + sw)
                    && sw == again
                    && zero == 0.0,
            )
        }
        QuickCheck::new().tests(300).quickcheck(prop as fn(u64) -> TestResult);
    }

    /// On the line every direction is +-1, so SW_p = W_p exactly.
    #[test]
    fn on_the_line_sliced_is_exact() {
        let line = Euclidean::new(1).unwrap();
        let (x, y) = (cloud(3, 40, 1), cloud(4, 25, 1));
        let w3 = ot_1d(&x, &[1.0 / 40.0; 40], &y, &[1.0 / 25.0; 25], |t| t.abs().powi(3))
            .unwrap()
            .cost
            .cbrt();
        let sw3 = sliced_wasserstein(&uniform(line, x), &uniform(line, y), 3.0, 5, 1).unwrap();
        assert!((sw3 - w3).abs() <= 1e-12 * w3, "{sw3} vs {w3}");
    }

    /// A translation by t: W_2^2 along theta is <theta, t>^2, so SW_2^2 -> |t|^2 / d; with 4000
    /// directions in R^3 the estimate is within a few percent.
    #[test]
    fn translation_matches_the_spherical_average() {
        let space = Euclidean::new(3).unwrap();
        let x = cloud(5, 30, 3);
        let t = [1.0, -2.0, 0.5];
        let y: Vec<f64> = x
            .chunks(3)
            .flat_map(|p| [p[0] + t[0], p[1] + t[1], p[2] + t[2]])
            .collect();
        let sw = sliced_wasserstein(&uniform(space, x), &uniform(space, y), 2.0, 4000, 9).unwrap();
        let expected = (t.iter().map(|v| v * v).sum::<f64>() / 3.0).sqrt();
        assert!((sw - expected).abs() < 0.03 * expected, "{sw} vs {expected}");
    }

    /// SW_p recomputed independently: the same directions (`sliced_directions`), each 1-D
    /// problem solved by `ot_1d` with h(t) = |t|^p, averaged, to the power 1/p; random weights
    /// with zeros, n != m, p in [1, 4].
    #[test]
    fn sliced_matches_an_independent_recomputation() {
        fn prop(seed: u64) -> TestResult {
            let mut rng = SplitMix64(seed);
            let d = 1 + rng.below(4);
            let space = Euclidean::new(d).unwrap();
            let (n, m) = (1 + rng.below(15), 1 + rng.below(15));
            let mut weights = |k: usize| -> Vec<f64> {
                let mut w: Vec<f64> = (0..k)
                    .map(|_| if rng.below(4) == 0 { 0.0 } else { rng.uniform() })
                    .collect();
                w[0] += 0.1;
                w
            };
            let (a, b) = (weights(n), weights(m));
            let (x, y) = (cloud(seed ^ 1, n, d), cloud(seed ^ 2, m, d));
            let mu = space.measure(x.clone(), a).unwrap();
            let nu = space.measure(y.clone(), b).unwrap();
            let p = 1.0 + 3.0 * SplitMix64(seed ^ 3).uniform();
            let count = 1 + rng.below(20);
            let dirs = kantorovich_ot::sliced_directions(d, count, seed).unwrap();
            let mut total = 0.0;
            for theta in dirs.chunks(d) {
                let project = |pts: &[f64]| -> Vec<f64> {
                    pts.chunks(d)
                        .map(|q| q.iter().zip(theta).map(|(u, v)| u * v).sum())
                        .collect()
                };
                total += ot_1d(&project(&x), mu.weights(), &project(&y), nu.weights(), |t| {
                    t.abs().powf(p)
                })
                .unwrap()
                .cost;
            }
            let expected = (total / count as f64).powf(1.0 / p);
            let sw = sliced_wasserstein(&mu, &nu, p, count, seed).unwrap();
            if (sw - expected).abs() > 1e-12 * expected.max(1e-300) {
                return TestResult::error(format!("SW_{p} = {sw} vs {expected}"));
            }
            TestResult::from_bool(expected > 0.0 || sw == 0.0)
        }
        QuickCheck::new().tests(300).quickcheck(prop as fn(u64) -> TestResult);
    }

    /// Large orders: |t|^p underflows for p >= 1100 when |t| < 1, yet SW_p is a distance of the
    /// order of the displacements. A translation by 0.5 on the line gives SW_p = 0.5 for every
    /// p (it returned 0); in the plane SW_p lies between the largest projected translation
    /// times (1/L)^(1/p) and the translation's length.
    #[test]
    fn large_orders_do_not_underflow() {
        let line = Euclidean::new(1).unwrap();
        let x = cloud(8, 30, 1);
        let y: Vec<f64> = x.iter().map(|v| v + 0.5).collect();
        let (mu, nu) = (uniform(line, x), uniform(line, y));
        for p in [1100.0, 2000.0, 1e5] {
            let sw = sliced_wasserstein(&mu, &nu, p, 7, 3).unwrap();
            assert!((sw - 0.5).abs() <= 1e-12, "p = {p}: SW = {sw}");
        }
        let plane = Euclidean::new(2).unwrap();
        let x = cloud(9, 30, 2);
        let t = [0.3, -0.4];
        let y: Vec<f64> = x.chunks(2).flat_map(|q| [q[0] + t[0], q[1] + t[1]]).collect();
        let (mu, nu) = (uniform(plane, x), uniform(plane, y));
        let dirs = kantorovich_ot::sliced_directions(2, 50, 4).unwrap();
        let top = dirs
            .chunks(2)
            .map(|th| (th[0] * t[0] + th[1] * t[1]).abs())
            .fold(0.0f64, f64::max);
        for p in [1100.0, 5000.0] {
            let sw = sliced_wasserstein(&mu, &nu, p, 50, 4).unwrap();
            let low = top * (1.0f64 / 50.0).powf(1.0 / p);
            assert!(
                sw >= low * (1.0 - 1e-12) && sw <= top * (1.0 + 1e-12),
                "p = {p}: {sw} not in [{low}, {top}]"
            );
        }
        // far apart points do not overflow either: 1e200 with p = 3
        let far = uniform(line, vec![1e200]);
        let zero = uniform(line, vec![0.0]);
        let sw = sliced_wasserstein(&far, &zero, 3.0, 3, 1).unwrap();
        assert!((sw - 1e200).abs() <= 1e-12 * 1e200, "{sw}");
    }

    #[test]
    fn sliced_errors() {
        let plane = Euclidean::new(2).unwrap();
        let line = Euclidean::new(1).unwrap();
        let mu = uniform(plane, vec![0.0, 0.0]);
        assert!(sliced_wasserstein(&mu, &mu, 0.5, 10, 0).is_err());
        assert!(sliced_wasserstein(&mu, &mu, f64::NAN, 10, 0).is_err());
        assert!(sliced_wasserstein(&mu, &mu, 2.0, 0, 0).is_err());
        assert!(sliced_wasserstein(&mu, &uniform(line, vec![0.0]), 2.0, 10, 0).is_err());
    }
}

/// A concave cost (|t|^p, p < 1) is refused: the sorted coupling it would return is not optimal
/// (issue 13, item 6); convex costs, |t| included, still pass.
#[test]
fn concave_costs_are_refused() {
    use kantorovich_ot::{ot_1d, ot_1d_cost};
    let (x, y) = ([0.0, 1.0, 2.0], [0.5, 1.5, 4.0]);
    let w = [1.0 / 3.0; 3];
    for p in [0.3, 0.5, 0.9] {
        let h = move |t: f64| t.abs().powf(p);
        assert!(ot_1d(&x, &w, &y, &w, h).is_err(), "p = {p}");
        let err = ot_1d_cost(&x, &w, &y, &w, h).unwrap_err();
        assert!(err.to_string().contains("not convex"), "{err}");
    }
    for p in [1.0, 1.5, 2.0, 7.0] {
        assert!(ot_1d(&x, &w, &y, &w, move |t: f64| t.abs().powf(p)).is_ok(), "p = {p}");
    }
    assert!(ot_1d(&x, &w, &y, &w, |t: f64| (t - 0.3).max(0.0)).is_ok());
}

/// Scaling the line by s (1e-100..1e100) scales W_p^p by s^p for the exact 1-D solver, and the
/// plan does not change (issue 13: scale invariance of every exact solver).
#[test]
fn one_d_is_scale_invariant() {
    use kantorovich_ot::ot_1d;
    use kantorovich_testkit::{cloud, SplitMix64};
    let mut rng = SplitMix64(5);
    for _ in 0..50 {
        let (n, m) = (1 + rng.below(20), 1 + rng.below(20));
        let (x, y) = (cloud(rng.next_u64(), n, 1), cloud(rng.next_u64(), m, 1));
        let a: Vec<f64> = (0..n)
            .map(|_| if rng.below(4) == 0 { 0.0 } else { rng.uniform() + 0.01 })
            .collect();
        let mut b: Vec<f64> = (0..m).map(|_| rng.uniform()).collect();
        b[0] += 0.1;
        let mut a = a;
        a[0] += 0.1;
        let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
        let b: Vec<f64> = b.iter().map(|v| v * sa / sb).collect();
        let base = ot_1d(&x, &a, &y, &b, |t| t * t).unwrap();
        for s in [1e-100, 1e-12, 1e12, 1e100] {
            let (xs, ys): (Vec<f64>, Vec<f64>) = (x.iter().map(|v| v * s).collect(), y.iter().map(|v| v * s).collect());
            let scaled = ot_1d(&xs, &a, &ys, &b, |t| t * t).unwrap();
            assert!(
                (scaled.cost - base.cost * s * s).abs() <= 1e-12 * base.cost * s * s,
                "s = {s:e}"
            );
            assert_eq!(
                scaled.plan,
                kantorovich_core::TransportPlan::from_triplets(n, m, base.plan.iter().collect(), scaled.cost).unwrap()
            );
        }
    }
}
