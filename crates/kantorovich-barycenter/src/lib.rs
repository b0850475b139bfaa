//! Barycentres of discrete measures for generic transport costs.
//!
//! A [`BarycenterProblem`] holds target measures nu_1..nu_K, barycentre weights lambda_k and a
//! ground barycentre (costs c_k, their pointwise barycentre B and delta). The fixed-point
//! iterations [`FixedPointG`] (glued couplings) and [`FixedPointH`] (barycentric projections)
//! minimise V(mu) = sum_k lambda_k T_{c_k}(mu, nu_k) from a starting measure, and return the best
//! iterate with a per-iteration trace.
#![warn(missing_docs)]

mod error;
mod fixed_point;
mod fixed_point_g;
mod fixed_point_h;
mod iteration;
mod problem;

pub use error::BarycenterError;
pub use fixed_point::{FixedPoint, FixedPointMap};
pub use fixed_point_g::{glue, FixedPointG, Glue};
pub use fixed_point_h::{project, FixedPointH, Project};
pub use iteration::{BarycenterResult, IterationRecord};
pub use problem::BarycenterProblem;
