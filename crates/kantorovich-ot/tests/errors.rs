//! Invalid input is reported, never panicked on, and the pivot cap is honoured.

mod common;

use common::{instance, Kind, Rng};
use kantorovich_core::{CoreError, CostMatrix, Coupling};
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::{NetworkSimplex, OtError};

fn cost(n: usize, m: usize) -> CostMatrix {
    CostMatrix::new(n, m, (0..n * m).map(|k| (k % 7) as f64).collect()).unwrap()
}

#[test]
fn nan_and_infinite_weights_are_rejected() {
    let c = cost(2, 2);
    let e = NetworkSimplex::default()
        .solve(&[0.5, f64::NAN], &[0.5, 0.5], &c)
        .unwrap_err();
    assert!(
        matches!(
            e,
            OtError::NonFiniteWeight {
                name: "a",
                index: 1,
                ..
            }
        ),
        "{e:?}"
    );
    let e = NetworkSimplex::default()
        .solve(&[0.5, 0.5], &[f64::INFINITY, 0.5], &c)
        .unwrap_err();
    assert!(
        matches!(
            e,
            OtError::NonFiniteWeight {
                name: "b",
                index: 0,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("finite"));
}

#[test]
fn negative_weights_are_rejected() {
    let c = cost(2, 3);
    let e = NetworkSimplex::default()
        .solve(&[1.5, -0.5], &[0.5, 0.25, 0.25], &c)
        .unwrap_err();
    assert!(
        matches!(
            e,
            OtError::NegativeWeight {
                name: "a",
                index: 1,
                ..
            }
        ),
        "{e:?}"
    );
    let e = NetworkSimplex::default()
        .solve(&[0.5, 0.5], &[0.5, -0.25, 0.75], &c)
        .unwrap_err();
    assert!(
        matches!(
            e,
            OtError::NegativeWeight {
                name: "b",
                index: 1,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn mismatched_totals_are_rejected() {
    let c = cost(2, 2);
    let e = NetworkSimplex::default()
        .solve(&[0.5, 0.5], &[0.5, 0.6], &c)
        .unwrap_err();
    assert!(matches!(e, OtError::MassMismatch { .. }), "{e:?}");
    assert!(e.to_string().contains("normalise"));
    // within 1e-9 relative is accepted (b is rescaled)
    let sol = NetworkSimplex::default()
        .solve(&[0.5, 0.5], &[0.5, 0.5 + 1e-12], &c)
        .unwrap();
    assert!(sol.plan.marginal_error(&[0.5, 0.5], &[0.5, 0.5]) < 1e-11);
}

#[test]
fn zero_or_overflowing_totals_are_rejected() {
    let c = cost(2, 2);
    let e = NetworkSimplex::default()
        .solve(&[0.0, 0.0], &[0.0, 0.0], &c)
        .unwrap_err();
    assert!(matches!(e, OtError::BadTotalMass { name: "a", .. }), "{e:?}");
    let big = f64::MAX;
    let e = NetworkSimplex::default()
        .solve(&[big, big], &[big, big], &c)
        .unwrap_err();
    assert!(matches!(e, OtError::BadTotalMass { .. }), "{e:?}");
    // an empty problem has no mass
    let empty = CostMatrix::new(0, 3, vec![]).unwrap();
    let e = NetworkSimplex::default()
        .solve(&[], &[1.0, 1.0, 1.0], &empty)
        .unwrap_err();
    assert!(matches!(e, OtError::BadTotalMass { name: "a", .. }), "{e:?}");
}

#[test]
fn wrong_lengths_are_rejected() {
    let c = cost(2, 3);
    let e = NetworkSimplex::default()
        .solve(&[1.0], &[0.5, 0.25, 0.25], &c)
        .unwrap_err();
    assert_eq!(
        e,
        OtError::LengthMismatch {
            name: "a",
            found: 1,
            expected: 2
        }
    );
    assert!(e.to_string().contains("2 rows"), "{e}");
    let e = NetworkSimplex::default()
        .solve(&[0.5, 0.5], &[0.5, 0.5], &c)
        .unwrap_err();
    assert_eq!(
        e,
        OtError::LengthMismatch {
            name: "b",
            found: 2,
            expected: 3
        }
    );
    assert!(e.to_string().contains("3 columns"), "{e}");
}

#[test]
fn an_iteration_cap_of_one_is_reported() {
    let mut rng = Rng(30);
    let inst = instance(&mut rng, 60, 60, Kind::Generic);
    let full = NetworkSimplex::default().solve(&inst.a, &inst.b, &inst.cost).unwrap();
    assert!(full.iterations > 1, "the instance must need several pivots");
    let e = NetworkSimplex::default()
        .max_iterations(1)
        .solve(&inst.a, &inst.b, &inst.cost)
        .unwrap_err();
    assert_eq!(e, OtError::IterationLimit { iterations: 1 });
    assert!(e.to_string().contains("max_iterations"));
    // a cap that is just enough succeeds
    let sol = NetworkSimplex::default()
        .max_iterations(full.iterations)
        .solve(&inst.a, &inst.b, &inst.cost)
        .unwrap();
    assert_eq!(sol.cost, full.cost);
}

#[test]
fn core_errors_pass_through_the_coupling() {
    // a cost that returns NaN
    struct Broken;
    impl kantorovich_core::Cost<Euclidean, Euclidean> for Broken {
        fn cost(&self, _: &[f64], _: &[f64]) -> f64 {
            f64::NAN
        }
    }
    let line = Euclidean::new(1).unwrap();
    let mu = line.uniform(vec![0.0, 1.0]).unwrap();
    let e = NetworkSimplex::default().couple(&mu, &mu, &Broken).unwrap_err();
    assert!(matches!(e, OtError::Core(CoreError::NonFiniteCost { .. })), "{e:?}");
    // and a good cost works through the same path
    assert!(NetworkSimplex::default().couple(&mu, &mu, &SquaredEuclidean).is_ok());
}
