//! A user's ground barycentre may be wrong: the iterations check what it returns and say which
//! function misbehaved and in which step, instead of returning a wrong V or panicking inside the
//! library (issue 13, item 5).

mod common;

use common::cloud;
use kantorovich::prelude::*;
use kantorovich::{BarycenterError, CoreError};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    AppendsTwo,
    AppendsNothing,
    ReturnsNan,
    Fails,
}

/// The weighted mean (the exact ground barycentre of the squared distance), with a fault.
struct Faulty(Fault);

impl GroundBarycenter<Euclidean> for Faulty {
    type Cost = SquaredEuclidean;
    fn cost_k(&self, _: usize) -> &SquaredEuclidean {
        &SquaredEuclidean
    }
    fn barycenter(
        &self,
        space: &Euclidean,
        ys: &[&[f64]],
        lambdas: &[f64],
        out: &mut Vec<f64>,
    ) -> Result<(), CoreError> {
        let mut x = Vec::new();
        SquaredEuclidean.barycenter(space, ys, lambdas, &mut x)?;
        match self.0 {
            Fault::None => out.extend_from_slice(&x),
            Fault::AppendsTwo => {
                out.extend_from_slice(&x);
                out.extend_from_slice(&x);
            }
            Fault::AppendsNothing => {}
            Fault::ReturnsNan => out.extend(x.iter().map(|_| f64::NAN)),
            Fault::Fails => {
                return Err(CoreError::InvalidParameter {
                    name: "ys",
                    reason: "the user's solver gave up".into(),
                })
            }
        }
        Ok(())
    }
    fn delta(&self, _: &[f64], _: &[f64], _: &[f64]) -> f64 {
        0.0
    }
}

fn problem(fault: Fault) -> BarycenterProblem<Euclidean, Euclidean, Faulty> {
    let plane = Euclidean::new(2).unwrap();
    let measures = (0..3).map(|k| plane.uniform(cloud(60 + k, 8, 2)).unwrap()).collect();
    BarycenterProblem::new(plane, measures, vec![1.0 / 3.0; 3], Faulty(fault)).unwrap()
}

fn expect_ground_error(result: Result<impl std::fmt::Debug, BarycenterError>, what: &str) {
    match result {
        Err(e @ BarycenterError::GroundBarycenter { .. }) => {
            let message = e.to_string();
            assert!(message.contains("GroundBarycenter::barycenter"), "{message}");
            assert!(message.contains(what), "{message} should say {what}");
            if let BarycenterError::GroundBarycenter { iteration, .. } = e {
                assert!(iteration.is_none() || iteration == Some(1), "{iteration:?}");
            }
        }
        other => panic!("expected a GroundBarycenter error saying {what}, got {other:?}"),
    }
}

#[test]
fn every_fault_of_a_ground_barycentre_is_named() {
    // the correct one works, through G, H and the multi-marginal LP
    let good = problem(Fault::None);
    assert!(FixedPointG::default().solve(&good, good.default_init()).is_ok());
    assert!(FixedPointH::default().solve(&good, good.default_init()).is_ok());
    assert!(MultiMarginalLp::default().solve(&good).is_ok());

    for (fault, what) in [
        (Fault::AppendsTwo, "appended 2 points"),
        (Fault::AppendsNothing, "appended 0 points"),
        (Fault::ReturnsNan, "invalid point"),
        (Fault::Fails, "gave up"),
    ] {
        let p = problem(fault);
        expect_ground_error(FixedPointG::default().solve(&p, p.default_init()), what);
        expect_ground_error(FixedPointH::default().solve(&p, p.default_init()), what);
        expect_ground_error(MultiMarginalLp::default().solve(&p), what);
    }
    // the step is named
    let p = problem(Fault::AppendsTwo);
    match FixedPointG::default().solve(&p, p.default_init()) {
        Err(e) => assert!(e.to_string().contains("in step 1"), "{e}"),
        Ok(_) => panic!("a faulty ground barycentre went unnoticed"),
    }
}

/// A user cost that goes NaN on the way (here for points x >= 0.5, which only the first step
/// reaches): the error names the cost's pair of atoms, the measure and the iterate.
#[test]
fn a_cost_that_goes_wrong_is_named_with_its_iterate() {
    struct HalfLine;
    impl Cost<Euclidean> for HalfLine {
        fn cost(&self, x: &[f64], y: &[f64]) -> f64 {
            if x[0] >= 0.5 {
                f64::NAN
            } else {
                (x[0] - y[0]) * (x[0] - y[0])
            }
        }
    }
    struct Mean;
    impl GroundBarycenter<Euclidean> for Mean {
        type Cost = HalfLine;
        fn cost_k(&self, _: usize) -> &HalfLine {
            &HalfLine
        }
        fn barycenter(
            &self,
            _: &Euclidean,
            ys: &[&[f64]],
            lambdas: &[f64],
            out: &mut Vec<f64>,
        ) -> Result<(), CoreError> {
            let total: f64 = lambdas.iter().sum();
            out.push(ys.iter().zip(lambdas).map(|(y, l)| l / total * y[0]).sum());
            Ok(())
        }
        fn delta(&self, _: &[f64], _: &[f64], _: &[f64]) -> f64 {
            0.0
        }
    }
    let line = Euclidean::new(1).unwrap();
    let nus = vec![
        line.uniform(vec![0.0, 0.1]).unwrap(),
        line.uniform(vec![1.0, 1.1]).unwrap(),
    ];
    let problem = BarycenterProblem::new(line, nus, vec![0.5, 0.5], Mean).unwrap();
    let err = FixedPointG::default()
        .solve(&problem, problem.default_init())
        .unwrap_err();
    assert!(
        matches!(
            err,
            BarycenterError::Coupling {
                k: 0,
                iteration: Some(1),
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("from the iterate mu_1") && text.contains("NaN"), "{text}");
}

/// A user's coupling whose barycentric projections (the plan-free path of H) are wrong: too
/// few, or NaN where a row has mass. H checks them and names the measure, instead of pushing
/// garbage through the ground barycentre.
#[test]
fn wrong_barycentric_projections_are_named() {
    use kantorovich::{BarycentricProjection, OtError, TransportPlan};
    struct Lying(usize);
    impl Coupling<Euclidean, Euclidean, SquaredEuclidean> for Lying {
        type Error = OtError;
        fn couple(
            &self,
            mu: &DiscreteMeasure<Euclidean>,
            nu: &DiscreteMeasure<Euclidean>,
            cost: &SquaredEuclidean,
        ) -> Result<TransportPlan, OtError> {
            NetworkSimplex::default().couple(mu, nu, cost)
        }
        fn barycentric_projection(
            &self,
            mu: &DiscreteMeasure<Euclidean>,
            _: &DiscreteMeasure<Euclidean>,
            _: &SquaredEuclidean,
            _: Option<&BarycentricProjection>,
        ) -> Option<Result<BarycentricProjection, OtError>> {
            let n = mu.len();
            let mut means = vec![0.5; 2 * n];
            match self.0 {
                0 => means.pop().map(|_| ()),
                1 => means.first_mut().map(|m| *m = f64::NAN),
                _ => None,
            };
            Some(Ok(BarycentricProjection {
                cost: if self.0 == 2 { f64::NAN } else { 1.0 },
                dim: 2,
                means,
                row_mass: mu.weights().to_vec(),
                error: 0.0,
                warm_start: None,
            }))
        }
    }
    let plane = Euclidean::new(2).unwrap();
    let measures = (0..2).map(|k| plane.uniform(cloud(70 + k, 6, 2)).unwrap()).collect();
    let problem = BarycenterProblem::new(plane, measures, vec![0.5, 0.5], SquaredEuclidean).unwrap();
    for (fault, says) in [(0, "11 coordinates"), (1, "projection [NaN"), (2, "value is NaN")] {
        let err = FixedPointH::new(Lying(fault))
            .solve(&problem, problem.default_init())
            .unwrap_err();
        assert!(matches!(err, BarycenterError::BadProjection { k: 0, .. }), "{err:?}");
        assert!(err.to_string().contains(says), "{err}");
    }
    // one set of projections for two measures
    let mu = problem.default_init();
    let one = Lying(3).barycentric_projection(&mu, &problem.measures()[0], &SquaredEuclidean, None);
    let err = kantorovich::barycenter::project_means(&problem, &mu, &[one.unwrap().unwrap()]).unwrap_err();
    assert!(
        err.to_string().contains("1 sets of projections for 2 measures"),
        "{err}"
    );
}
