//! One-dimensional exact OT by sorting, cross-checked against the network simplex.

use kantorovich_core::CostMatrix;
use kantorovich_ot::{ot_1d, NetworkSimplex, OtError};
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
