//! Core types and traits of kantorovich.
//!
//! - geometry: [`GroundSpace`], [`VectorSpace`], [`Cost`], [`GroundBarycenter`];
//! - problem data: [`DiscreteMeasure`], [`CostMatrix`];
//! - solver interface: [`Coupling`], [`TransportPlan`].
//!
//! Concrete spaces live in `kantorovich-geometry`, solvers in `kantorovich-ot` and
//! `kantorovich-barycenter`; the crate `kantorovich` re-exports everything.
#![warn(missing_docs)]

mod cost;
mod coupling;
mod error;
pub mod fastmath;
mod ground;
mod measure;
mod plan;
mod space;
mod stop;

pub use cost::{CoordinateCost, Cost, CostMatrix};
pub use coupling::{BarycentricProjection, Coupling};
pub use error::{checked_size, try_vec_with_capacity, CoreError};
pub use ground::{DeltaCost, GroundBarycenter};
pub use measure::{normalized_weights, DiscreteMeasure};
pub use plan::TransportPlan;
pub use space::{GroundSpace, VectorSpace};
pub use stop::StopReason;
