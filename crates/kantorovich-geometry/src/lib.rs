//! Ground spaces, transport costs and ground barycentres for kantorovich.
//!
//! - [`Euclidean`]: R^d with points stored contiguously;
//! - [`SquaredEuclidean`]: the cost c(x, y) = |x - y|^2 with its ground barycentre (the weighted
//!   mean) and delta(x, xbar) = (sum_k lambda_k) |x - xbar|^2;
//! - [`Circle`] and [`CircleProjections`]: c_k(x, y) = |P_k(x) - y|^2 with P_k the projection onto
//!   circle k, and the (non-convex) ground barycentre found by a multi-start search;
//! - [`PNorm`]: the costs c(x, y) = |x - y|_p^q (p, q >= 1) with a certified numerical ground
//!   barycentre ([`PNormSolution`]) and delta(x, xbar) = kappa (sum_k lambda_k) c(x, xbar);
//! - [`Gaussian`]: Gaussians N(m, S) on R^d (measures on it are Gaussian mixtures), with the cost
//!   [`BuresWasserstein`] (W2^2 between Gaussians) and its ground barycentre, the Gaussian
//!   barycentre;
//! - linear projections R^d -> R^{d_k} ([`LinearMap`]): the costs |P x - y|^2
//!   ([`ProjectedSquaredEuclidean`], ground barycentre [`LinearProjections`], closed form) and
//!   |P x - y| ([`ProjectedEuclidean`], ground barycentre [`LinearProjectionsW1`], certified
//!   solver).
#![warn(missing_docs)]

mod circle;
mod euclidean;
mod gaussian;
mod linear_projection;
mod pnorm;
mod squared_euclidean;

pub use circle::{Circle, CircleProjections};
pub use euclidean::Euclidean;
pub use gaussian::{BuresWasserstein, Gaussian, GaussianBarycenter, GaussianPoint, GaussianPoints, SYMMETRY_TOLERANCE};
pub use linear_projection::{
    LinearMap, LinearProjections, LinearProjectionsW1, ProjectedEuclidean, ProjectedSquaredEuclidean, W1Solution,
};
pub use pnorm::{PNorm, PNormSolution};
pub use squared_euclidean::SquaredEuclidean;
