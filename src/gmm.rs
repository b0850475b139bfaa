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
//!   averages covariances linearly; V can increase along it on this space).
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

use crate::{BarycenterProblem, BuresWasserstein, DiscreteMeasure, Error, ExactSolution, Gaussian};

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
/// potentials, as computed by [`NetworkSimplex`](crate::NetworkSimplex).
pub fn mixture_transport(a: &Gmm, b: &Gmm) -> Result<ExactSolution, Error> {
    Ok(kantorovich_ot::exact_ot(a, b, &BuresWasserstein::default())?)
}
