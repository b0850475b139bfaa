//! Ground spaces, transport costs and ground barycentres for kantorovich.
//!
//! - [`Euclidean`]: R^d with points stored contiguously;
//! - [`SquaredEuclidean`]: the cost c(x, y) = |x - y|^2 with its ground barycentre (the weighted
//!   mean) and delta(x, xbar) = (sum_k lambda_k) |x - xbar|^2;
//! - [`Circle`] and [`CircleProjections`]: c_k(x, y) = |P_k(x) - y|^2 with P_k the projection onto
//!   circle k, and the (non-convex) ground barycentre found by a multi-start search.
#![warn(missing_docs)]

mod circle;
mod euclidean;
mod squared_euclidean;

pub use circle::{Circle, CircleProjections};
pub use euclidean::Euclidean;
pub use squared_euclidean::SquaredEuclidean;
