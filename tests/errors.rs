//! Bad input gets a clear error, never a panic, and the caller's data is left as it was.

use kantorovich::prelude::*;
use kantorovich::{BarycenterError, CoreError, CostMatrix};

#[test]
fn measure_validation() {
    let plane = Euclidean::new(2).unwrap();
    assert!(matches!(
        Euclidean::new(0),
        Err(CoreError::InvalidParameter { name: "dim", .. })
    ));
    assert!(matches!(plane.uniform(vec![]), Err(CoreError::EmptyMeasure)));
    let err = plane.measure(vec![0.0, 0.0, 1.0, 2.0, 3.0], vec![1.0]).unwrap_err();
    assert!(matches!(err, CoreError::InvalidParameter { name: "coords", .. }));
    assert!(
        err.to_string().contains("5 coordinates is not a multiple of d = 2"),
        "{err}"
    );
    assert!(matches!(
        plane.measure(vec![0.0, f64::NAN], vec![1.0]),
        Err(CoreError::InvalidPoint { index: 0, .. })
    ));
    assert!(matches!(
        plane.measure(vec![0.0, 0.0, 1.0, 1.0], vec![1.0]),
        Err(CoreError::LengthMismatch { points: 2, weights: 1 })
    ));
    assert!(matches!(
        plane.measure(vec![0.0, 0.0], vec![f64::NAN]),
        Err(CoreError::NonFiniteWeight { index: 0, .. })
    ));
    assert!(matches!(
        plane.measure(vec![0.0, 0.0, 1.0, 1.0], vec![1.0, -0.5]),
        Err(CoreError::NegativeWeight { index: 1, .. })
    ));
    assert!(matches!(
        plane.measure(vec![0.0, 0.0], vec![0.0]),
        Err(CoreError::BadTotalMass { .. })
    ));
    assert!(matches!(
        plane.measure(vec![0.0, 0.0, 1.0, 1.0], vec![f64::MAX, f64::MAX]),
        Err(CoreError::BadTotalMass { .. })
    ));
    // messages say what was wrong and how to fix it
    let msg = plane.measure(vec![0.0, 0.0], vec![-1.0]).unwrap_err().to_string();
    assert!(msg.contains("weight 0 is -1") && msg.contains(">= 0"), "{msg}");
}

#[test]
fn problem_validation() {
    let plane = Euclidean::new(2).unwrap();
    let nu = plane.uniform(vec![0.0, 0.0, 1.0, 1.0]).unwrap();
    let err = BarycenterProblem::new(plane, vec![], vec![], SquaredEuclidean).unwrap_err();
    assert!(matches!(err, BarycenterError::NoMeasures));
    let err = BarycenterProblem::new(plane, vec![nu.clone(), nu.clone()], vec![1.0], SquaredEuclidean).unwrap_err();
    assert!(matches!(
        err,
        BarycenterError::WeightCount {
            measures: 2,
            weights: 1
        }
    ));
    for bad in [
        vec![0.0, 0.0],
        vec![1.0, f64::NAN],
        vec![1.0, -1.0],
        vec![f64::INFINITY, 1.0],
    ] {
        let err = BarycenterProblem::new(plane, vec![nu.clone(), nu.clone()], bad.clone(), SquaredEuclidean);
        assert!(matches!(err, Err(BarycenterError::Core(_))), "{bad:?}");
    }
    let problem =
        BarycenterProblem::new(plane, vec![nu.clone(), nu.clone()], vec![1.0, 1.0], SquaredEuclidean).unwrap();
    let err = FixedPointG::default()
        .tolerance(f64::NAN)
        .solve(&problem, nu.clone())
        .unwrap_err();
    assert!(err.to_string().contains("tolerance"), "{err}");
}

#[test]
fn dimension_mismatch_between_iterate_and_targets() {
    let plane = Euclidean::new(2).unwrap();
    let space3 = Euclidean::new(3).unwrap();
    let nu = plane.uniform(vec![0.0, 0.0, 1.0, 1.0]).unwrap();
    let err =
        BarycenterProblem::new(space3, vec![nu.clone(), nu.clone()], vec![1.0, 1.0], SquaredEuclidean).unwrap_err();
    assert!(
        matches!(
            err,
            BarycenterError::Core(CoreError::DimensionMismatch { expected: 3, found: 2 })
        ),
        "{err}"
    );
    // the cost matrix checks too
    let start = space3.uniform(vec![0.0; 3]).unwrap();
    let err = CostMatrix::between(&start, &nu, &SquaredEuclidean).unwrap_err();
    assert!(
        matches!(err, CoreError::DimensionMismatch { expected: 3, found: 2 }),
        "{err}"
    );
}

#[test]
fn too_large_glued_support_is_an_error() {
    let line = Euclidean::new(1).unwrap();
    // one atom against many: every row of every coupling has m non-zeros, so G glues m^K atoms
    let m = 30;
    let nu = line.uniform((0..m).map(|j| j as f64).collect()).unwrap();
    let problem = BarycenterProblem::new(line, vec![nu.clone(); 4], vec![1.0; 4], SquaredEuclidean).unwrap();
    let start = line.uniform(vec![0.5]).unwrap();
    let before = start.clone();
    let err = FixedPointG::default()
        .max_support(100_000)
        .solve(&problem, start.clone())
        .unwrap_err();
    match err {
        BarycenterError::SupportTooLarge { atoms, limit } => {
            assert_eq!(atoms, 810_000);
            assert_eq!(limit, 100_000);
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(start.weights(), before.weights());
    assert!(CostMatrix::new(usize::MAX, 3, vec![]).is_err());
}

/// G's truncation threshold must be in [0, 1), and a threshold that drops every glued atom is an
/// error, not an empty measure; plans that do not fit the problem are rejected by the map.
#[test]
fn bad_truncation_and_plans_are_errors() {
    use kantorovich::barycenter::{FixedPointMap, Glue};
    let line = Euclidean::new(1).unwrap();
    let nus = vec![
        line.uniform((0..10).map(f64::from).collect()).unwrap(),
        line.uniform((0..10).map(|j| f64::from(j) + 20.0).collect()).unwrap(),
    ];
    let problem = BarycenterProblem::new(line, nus, vec![0.5, 0.5], SquaredEuclidean).unwrap();
    let sinkhorn = Sinkhorn::new(1.0);
    for tau in [-0.1, 1.0, f64::NAN, f64::INFINITY] {
        let err = FixedPointGEps::new(sinkhorn)
            .mass_threshold(tau)
            .solve(&problem, problem.default_init())
            .unwrap_err();
        assert!(
            matches!(
                err,
                BarycenterError::Core(CoreError::InvalidParameter {
                    name: "mass_threshold",
                    ..
                })
            ),
            "tau = {tau}: {err}"
        );
    }
    // ten atoms of mass 1/10 glued with dense plans: every glued atom weighs < 1/10
    let err = FixedPointGEps::new(sinkhorn)
        .mass_threshold(0.1)
        .solve(&problem, problem.default_init())
        .unwrap_err();
    assert!(
        matches!(err, BarycenterError::AllMassTruncated { tau } if tau == 0.1),
        "{err}"
    );
    assert!(err.to_string().contains("lower `mass_threshold`"));

    let mu = problem.default_init();
    let plans = problem.couplings(&mu, &NetworkSimplex::default()).unwrap();
    let err = Glue::default().apply(&problem, &mu, &plans[..1]).unwrap_err();
    assert!(
        matches!(
            err,
            BarycenterError::Core(CoreError::InvalidParameter { name: "plans", .. })
        ),
        "{err}"
    );
    let other = line.uniform(vec![0.0, 1.0]).unwrap();
    let err = Glue::default().apply(&problem, &other, &plans).unwrap_err();
    assert!(
        err.to_string().contains("coupling 0 is 10 x 10 but mu has 2 atoms"),
        "{err}"
    );
}
