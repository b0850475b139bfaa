//! Ground spaces, transport costs and ground barycentres for kantorovich.
//!
//! - [`Euclidean`]: R^d with points stored contiguously;
//! - [`SquaredEuclidean`]: the cost c(x, y) = |x - y|^2 with its ground barycentre (the weighted
//!   mean) and delta(x, xbar) = (sum_k lambda_k) |x - xbar|^2.
//! - [`Gaussian`]: Gaussians N(m, S) on R^d (measures on it are Gaussian mixtures), with the cost
//!   [`BuresWasserstein`] (W2^2 between Gaussians) and its ground barycentre, the Gaussian
//!   barycentre.
#![warn(missing_docs)]

mod euclidean;
mod squared_euclidean;

pub use euclidean::Euclidean;
pub use squared_euclidean::SquaredEuclidean;

mod gaussian;
pub use gaussian::{BuresWasserstein, Gaussian, GaussianBarycenter, GaussianPoint, GaussianPoints, SYMMETRY_TOLERANCE};
