//! Ground spaces, transport costs and ground barycentres for kantorovich.
//!
//! - [`Euclidean`]: R^d with points stored contiguously;
//! - [`SquaredEuclidean`]: the cost c(x, y) = |x - y|^2 with its ground barycentre (the weighted
//!   mean) and delta(x, xbar) = (sum_k lambda_k) |x - xbar|^2;
//! - linear projections R^d -> R^{d_k} ([`LinearMap`]): the costs |P x - y|^2
//!   ([`ProjectedSquaredEuclidean`], ground barycentre [`LinearProjections`], closed form) and
//!   |P x - y| ([`ProjectedEuclidean`], ground barycentre [`LinearProjectionsW1`], certified
//!   solver).
#![warn(missing_docs)]

mod euclidean;
mod linear_projection;
mod squared_euclidean;

pub use euclidean::Euclidean;
pub use linear_projection::{
    LinearMap, LinearProjections, LinearProjectionsW1, ProjectedEuclidean, ProjectedSquaredEuclidean, W1Solution,
};
pub use squared_euclidean::SquaredEuclidean;
