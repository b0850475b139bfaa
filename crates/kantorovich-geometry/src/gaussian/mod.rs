//! Gaussian distributions N(m, S) as points: the [`Gaussian`] space, the [`BuresWasserstein`]
//! cost (W2^2 between Gaussians) and its ground barycentre (the Gaussian barycentre). Discrete
//! measures on this space are Gaussian mixture models (GMMs).

mod barycenter;
mod bures;
mod linalg;
mod space;

pub use barycenter::GaussianBarycenter;
pub use bures::BuresWasserstein;
pub use space::{Gaussian, GaussianPoint, GaussianPoints, SYMMETRY_TOLERANCE};
