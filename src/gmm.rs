//! Gaussian mixture models (GMMs) and the mixture distance MW2.
//!
//! A GMM sum_i a_i N(m_i, S_i) is a discrete measure on the [`Gaussian`] space:
//! a [`DiscreteMeasure<Gaussian>`](Gmm) whose atoms are the components and whose weights are the
//! mixture weights (built with [`Gaussian::measure`] or [`Gaussian::uniform`]). With the cost
//! [`BuresWasserstein`], c(N_i, N'_j) = W2^2(N_i, N'_j), the whole library applies to GMMs:
//!
//! - the mixture distance of Delon and Desolneux (2020, *A Wasserstein-type distance in the space
//!   of Gaussian mixture models*) is the exact optimal transport between the components,
//!
//!   ```text
//!   MW2^2(a, b) = min over couplings pi of (a_i), (b_j) of sum_ij pi_ij W2^2(N(m_i, S_i), N(m'_j, S'_j)),
//!   ```
//!
//!   [`mixture_wasserstein_squared`] (the network simplex on the K x K' matrix of W2^2 costs). It
//!   is the Wasserstein distance between the mixtures when the transport plans are restricted to
//!   GMMs, so W2^2 between the mixture densities is <= MW2^2;
//! - GMM barycentres, minimisers of V(mu) = sum_k lambda_k MW2^2(mu, nu_k) over GMMs mu, are the
//!   barycentres of the problem [`GmmBarycenterProblem`], computed by
//!   [`FixedPointG`](crate::FixedPointG) (with V(mu) >= V(G mu) + T_delta(mu, G mu), delta the one
//!   of [`BuresWasserstein`]) or heuristically by [`FixedPointH`](crate::FixedPointH) (which
//!   averages covariances linearly; V can increase along it on this space) or by
//!   [`FixedPointHBures`] (the barycentric projection as a Bures barycentre).
//!
//! The functions live in this crate because they join the Gaussian space (`kantorovich-geometry`)
//! with the network simplex (`kantorovich-ot`), which do not depend on each other.
//!
//! ```
//! use kantorovich::gmm::{mixture_wasserstein_squared, GmmBarycenterProblem};
//! use kantorovich::prelude::*;
//!
//! let line = Gaussian::new(1)?;
//! // two GMMs on R: components N(m, s^2) given by their means and variances
//! let a = line.uniform(&[0.0, 10.0], &[1.0, 4.0])?;
//! let b = line.uniform(&[1.0, 12.0], &[1.0, 1.0])?;
//! // in 1-D, W2^2 = (m1 - m2)^2 + (s1 - s2)^2; the components are matched in order
//! let mw2 = mixture_wasserstein_squared(&a, &b)?;
//! assert!((mw2 - 0.5 * (1.0 + (4.0 + 1.0))).abs() < 1e-12);
//!
//! // the barycentre of the two mixtures with equal weights, by G
//! let problem = GmmBarycenterProblem::new(line, vec![a, b], vec![0.5, 0.5], BuresWasserstein::default())?;
//! let result = FixedPointG::default().solve(&problem, problem.default_init())?;
//! assert_eq!(result.measure.len(), 2);
//! assert!((result.objective - mw2 / 4.0).abs() < 1e-12); // halfway: V = 2 * 0.5 * (MW2 / 2)^2
//! # Ok::<(), kantorovich::Error>(())
//! ```

use crate::barycenter::{FixedPoint, FixedPointMap, NextIterate};
use crate::{
    BarycenterError, BarycenterProblem, BuresWasserstein, DiscreteMeasure, Error, ExactSolution, Gaussian,
    GroundBarycenter, GroundSpace, NetworkSimplex, TransportPlan, VectorSpace,
};

/// A Gaussian mixture model sum_i a_i N(m_i, S_i): a discrete measure on the [`Gaussian`] space.
pub type Gmm = DiscreteMeasure<Gaussian>;

/// The GMM barycentre problem: minimise V(mu) = sum_k lambda_k MW2^2(mu, nu_k) over mixtures mu.
pub type GmmBarycenterProblem = BarycenterProblem<Gaussian, Gaussian, BuresWasserstein>;

/// MW2^2(a, b), the squared mixture Wasserstein distance of Delon and Desolneux between two GMMs:
/// the exact optimal transport cost between their components for the cost W2^2 (see the
/// [module documentation](self)).
///
/// Errors if the mixtures have different dimensions, or if the network simplex fails.
pub fn mixture_wasserstein_squared(a: &Gmm, b: &Gmm) -> Result<f64, Error> {
    Ok(mixture_transport(a, b)?.cost)
}

/// The optimal transport between the components of two GMMs for the cost W2^2: the plan pi_ij
/// (mass of component i of `a` sent to component j of `b`), its cost MW2^2(a, b) and the dual
/// potentials, as computed by [`NetworkSimplex`].
pub fn mixture_transport(a: &Gmm, b: &Gmm) -> Result<ExactSolution, Error> {
    Ok(kantorovich_ot::exact_ot(a, b, &BuresWasserstein::default())?)
}

/// The iteration H on GMMs with the **Bures barycentric projection** (POT's
/// `gmm_barycenter_fixed_point(..., barycentric_proj_method="bures")`): for the couplings
/// pi^(k) of mu = sum_i a_i N_i and nu_k = sum_j b_kj N_kj, the projection of component i on
/// nu_k is the Bures-Wasserstein barycentre of the components N_kj with the weights pi^(k)_ij
/// (instead of the linear average of their means and covariances that
/// [`FixedPointH`](crate::FixedPointH) takes), and
///
/// ```text
/// H(mu) = sum_i a_i B(Nbar_1(i), .., Nbar_K(i)),   Nbar_k(i) = argmin_N sum_j pi^(k)_ij W2^2(N, N_kj),
/// ```
///
/// B the problem's ground barycentre. The weights a_i stay as they are (atoms of zero weight, or
/// whose row of some plan is empty, keep their component). Settings and `solve` are those of
/// [`FixedPoint`]; the Bures barycentres of the rows use [`BuresWasserstein::default`].
pub type FixedPointHBures<S = NetworkSimplex> = FixedPoint<BuresProject, S>;

/// The map of [`FixedPointHBures`]: Bures barycentric projections pushed through the ground
/// barycentre.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BuresProject;

impl<B: GroundBarycenter<Gaussian, Gaussian>> FixedPointMap<Gaussian, Gaussian, B> for BuresProject {
    fn apply(
        &self,
        problem: &BarycenterProblem<Gaussian, Gaussian, B>,
        mu: &DiscreteMeasure<Gaussian>,
        plans: &[TransportPlan],
    ) -> Result<NextIterate<Gaussian>, BarycenterError> {
        let space = problem.space();
        let measures = problem.measures();
        if plans.len() != measures.len() {
            return Err(crate::CoreError::InvalidParameter {
                name: "plans",
                reason: format!(
                    "{} couplings for {} measures: give one per measure",
                    plans.len(),
                    measures.len()
                ),
            }
            .into());
        }
        let bures = BuresWasserstein::default();
        let mut points = space.with_capacity(mu.len());
        for (i, &a) in mu.weights().iter().enumerate() {
            let mut selected = space.with_capacity(measures.len());
            let mut served = a > 0.0;
            for (plan, nu) in plans.iter().zip(measures) {
                let (cols, masses) = plan.row(i);
                if !served || cols.is_empty() {
                    served = false;
                    break;
                }
                let ys: Vec<_> = cols.iter().map(|&j| nu.point(j)).collect();
                let bar = bures.gaussian_barycenter(&ys, masses)?;
                let mut coords = bar.mean;
                coords.extend_from_slice(&bar.cov);
                space.push_coords(&mut selected, &coords);
            }
            if !served {
                space.push(&mut points, mu.point(i));
                continue;
            }
            let ys: Vec<_> = (0..measures.len()).map(|k| space.point(&selected, k)).collect();
            let before = space.len(&points);
            problem
                .ground()
                .barycenter(space, &ys, problem.lambdas(), &mut points)
                .map_err(|e| BarycenterError::GroundBarycenter {
                    iteration: None,
                    problem: format!("failed: {e}"),
                })?;
            // a user's ground barycentre must append exactly one point
            if space.len(&points) != before + 1 {
                return Err(BarycenterError::GroundBarycenter {
                    iteration: None,
                    problem: format!("appended {} points instead of 1", space.len(&points) - before),
                });
            }
        }
        space.validate(&points).map_err(|e| BarycenterError::GroundBarycenter {
            iteration: None,
            problem: format!("returned an invalid Gaussian: {e}"),
        })?;
        Ok(NextIterate::exact(DiscreteMeasure::new(
            *space,
            points,
            mu.weights().to_vec(),
        )?))
    }
}
