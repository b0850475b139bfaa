//! # kantorovich
//!
//! Optimal-transport barycentres of discrete measures for **generic** transport costs, after
//! Tanguy, Delon and Gozlan, *Computing barycentres of measures for generic transport costs*
//! (arXiv 2501.04016).
//!
//! Given discrete measures nu_1..nu_K on a space Y, costs c_k: X x Y -> R and weights
//! lambda_k >= 0, a barycentre is a measure mu on X minimising
//!
//! ```text
//! V(mu) = sum_k lambda_k T_{c_k}(mu, nu_k),     T_c(mu, nu) = min over couplings pi of <c, pi>.
//! ```
//!
//! The library is split the way the problem is:
//!
//! - **geometry** ([`geometry`]): ground spaces ([`GroundSpace`]), costs ([`Cost`]) and ground
//!   barycentres ([`GroundBarycenter`]): B(y_1..y_K) = argmin_x sum_k lambda_k c_k(x, y_k) and
//!   a function delta with sum_k lambda_k c_k(x, y_k) >= sum_k lambda_k c_k(B(y), y_k) + delta(x, B(y));
//!   shipped: [`SquaredEuclidean`] and the p-norm costs |x - y|_p^q ([`PNorm`], with a certified
//!   numerical B);
//! - **problem**: [`DiscreteMeasure`], [`BarycenterProblem`];
//! - **solvers**: exact optimal transport ([`NetworkSimplex`], behind the [`Coupling`] trait),
//!   entropic transport ([`Sinkhorn`]) and the fixed-point iterations [`FixedPointG`] and
//!   [`FixedPointH`]; on Sinkhorn couplings G is the entropic iteration G_eps
//!   ([`FixedPointGEps`], with optional truncation of the glued measure), which traces
//!   V_eps(mu) = sum_k lambda_k T_{c_k,eps}(mu, nu_k);
//! - **fixed support and exact references**: [`FixedSupportProblem`] (weights a on given points)
//!   with the exact LP [`FixedSupportLp`] and entropic iterative Bregman projections [`Ibp`];
//!   [`MultiMarginalLp`], the exact free-support barycentre and V* of small problems.
//! - **grids** ([`grid`]): entropic (optionally debiased) barycentres of images and volumes on
//!   regular 2-D and 3-D grids with the separable Gibbs kernel ([`ConvolutionalBarycenter`]).
//!
//! ## Quick start
//!
//! ```
//! use kantorovich::prelude::*;
//!
//! let plane = Euclidean::new(2)?;
//! let nu1 = plane.uniform(vec![0.0, 0.0, 1.0, 0.0])?; // two points on the x-axis
//! let nu2 = plane.uniform(vec![0.0, 2.0, 1.0, 2.0])?; // the same, two units up
//! let problem = BarycenterProblem::new(plane, vec![nu1, nu2], vec![0.5, 0.5], SquaredEuclidean)?;
//! let result = FixedPointG::default().solve(&problem, problem.default_init())?;
//! // The barycentre is the cloud halfway: V = 2 * 0.5 * 1^2.
//! assert!((result.objective - 1.0).abs() < 1e-12);
//! assert_eq!(result.measure.point(0), &[0.0, 1.0]);
//! # Ok::<(), kantorovich::Error>(())
//! ```
//!
//! ## A cost of your own
//!
//! A new cost needs a [`Cost`] and a [`GroundBarycenter`]. Here c(x, y) = |x - y|_1 on R^d,
//! whose ground barycentre is the coordinate-wise weighted median (an exact minimiser, so
//! delta = 0 is valid):
//!
//! ```
//! use kantorovich::prelude::*;
//! use kantorovich::CoreError;
//!
//! struct Manhattan;
//!
//! impl Cost<Euclidean> for Manhattan {
//!     fn cost(&self, x: &[f64], y: &[f64]) -> f64 {
//!         x.iter().zip(y).map(|(a, b)| (a - b).abs()).sum()
//!     }
//! }
//!
//! impl GroundBarycenter<Euclidean> for Manhattan {
//!     type Cost = Self;
//!     fn cost_k(&self, _k: usize) -> &Self { self }
//!     fn barycenter(&self, space: &Euclidean, ys: &[&[f64]], lambdas: &[f64], out: &mut Vec<f64>)
//!         -> Result<(), CoreError> {
//!         let total: f64 = lambdas.iter().sum();
//!         for t in 0..space.dim() {
//!             // weighted median of the t-th coordinates
//!             let mut order: Vec<usize> = (0..ys.len()).collect();
//!             order.sort_by(|&a, &b| ys[a][t].total_cmp(&ys[b][t]));
//!             let mut mass = 0.0;
//!             let k = order.iter().copied().find(|&k| { mass += lambdas[k]; 2.0 * mass >= total });
//!             out.push(ys[k.unwrap_or(order[order.len() - 1])][t]);
//!         }
//!         Ok(())
//!     }
//!     fn delta(&self, _x: &[f64], _xbar: &[f64], _lambdas: &[f64]) -> f64 { 0.0 }
//! }
//!
//! let line = Euclidean::new(1)?;
//! let measures = vec![
//!     line.uniform(vec![0.0, 1.0])?,
//!     line.uniform(vec![2.0, 3.0])?,
//!     line.uniform(vec![10.0, 11.0])?,
//! ];
//! let problem = BarycenterProblem::new(line, measures, vec![1.0; 3], Manhattan)?;
//! let result = FixedPointG::default().solve(&problem, problem.default_init())?;
//! // The median measure sits on {2, 3}: V = (2 + 0 + 8) per unit of mass.
//! assert!((result.objective - 10.0).abs() < 1e-9);
//! # Ok::<(), kantorovich::Error>(())
//! ```
#![warn(missing_docs)]

pub use kantorovich_barycenter::{
    BarycenterError, BarycenterProblem, BarycenterResult, FixedPointG, FixedPointGEps, FixedPointH, FixedSupportLp,
    FixedSupportProblem, FixedSupportSolution, Gluing, Ibp, IbpRecord, IbpSolution, IterationRecord, MultiMarginalLp,
    MultiMarginalSolution, NextIterate, SlicedBarycenter, LP_CERTIFICATE_TOLERANCE,
};
pub use kantorovich_core::{
    BarycentricProjection, CoordinateCost, CoreError, Cost, CostMatrix, Coupling, DeltaCost, DiscreteMeasure,
    GroundBarycenter, GroundSpace, StopReason, TransportPlan, VectorSpace,
};
pub use kantorovich_geometry::{
    BuresWasserstein, Circle, CircleProjections, Euclidean, Gaussian, GaussianBarycenter, GaussianPoint,
    GaussianPoints, LinearMap, LinearProjections, LinearProjectionsW1, PNorm, PNormSolution, ProjectedEuclidean,
    ProjectedSquaredEuclidean, SquaredEuclidean, W1Solution,
};
pub use kantorovich_grid::{ConvolutionalBarycenter, Domain, Grid, GridBarycenter, GridError};
pub use kantorovich_ot::{
    asymmetric_pair, entropic_cost, ot_1d, ot_1d_cost, ot_1d_projection, sinkhorn_divergence, sliced_directions,
    sliced_wasserstein, CostBackend, DisplacementInterpolation, EntropicSolver, ExactSolution, LazyCost,
    MultiscaleSinkhorn, MultiscaleSolution, NetworkSimplex, OneDimSolution, OtError, PointCloudCost, Sinkhorn,
    SinkhornSolution, SortedLine,
};

/// Ground spaces, costs and ground barycentres (the crate `kantorovich-geometry`).
pub mod geometry {
    pub use kantorovich_geometry::*;
}

/// Optimal transport solvers (the crate `kantorovich-ot`).
pub mod ot {
    pub use kantorovich_ot::*;
}

/// Convolutional barycentres of images and volumes on regular grids (the crate `kantorovich-grid`).
pub mod grid {
    pub use kantorovich_grid::*;
}

/// Barycentre problems and iterations (the crate `kantorovich-barycenter`).
pub mod barycenter {
    pub use kantorovich_barycenter::*;
}

pub mod gmm;

/// Everything needed to set up and solve a barycentre problem: `use kantorovich::prelude::*;`.
pub mod prelude {
    pub use crate::{
        BarycenterProblem, BuresWasserstein, Cost, Coupling, DiscreteMeasure, Euclidean, FixedPointG, FixedPointGEps,
        FixedPointH, FixedSupportLp, FixedSupportProblem, Gaussian, GroundBarycenter, GroundSpace, Ibp, LinearMap,
        LinearProjections, LinearProjectionsW1, MultiMarginalLp, NetworkSimplex, PNorm, Sinkhorn, SquaredEuclidean,
        VectorSpace,
    };
}

/// Any error of kantorovich: one variant per crate, so `?` works across them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Invalid measures, points, weights or parameters.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// An optimal transport solver failed.
    #[error(transparent)]
    Ot(#[from] OtError),
    /// A barycentre problem or iteration failed.
    #[error(transparent)]
    Barycenter(#[from] BarycenterError),
    /// A grid or convolutional barycentre failed.
    #[error(transparent)]
    Grid(#[from] GridError),
}

// The book's chapters: their Rust code blocks run as doctests of this crate.
#[cfg(doctest)]
mod book {
    #[doc = include_str!("../book/src/introduction.md")]
    struct Introduction;
    #[doc = include_str!("../book/src/quickstart.md")]
    struct Quickstart;
    #[doc = include_str!("../book/src/custom-cost.md")]
    struct CustomCost;
    #[doc = include_str!("../book/src/entropic.md")]
    struct Entropic;
    #[doc = include_str!("../book/src/fixed-support.md")]
    struct FixedSupport;
    #[doc = include_str!("../book/src/grid-barycenters.md")]
    struct GridBarycenters;
    #[doc = include_str!("../book/src/circle-projections.md")]
    struct CircleProjections;
    #[doc = include_str!("../book/src/own-ground-space.md")]
    struct OwnGroundSpace;
    #[doc = include_str!("../book/src/pnorm.md")]
    struct PNormCosts;
    #[doc = include_str!("../book/src/gaussians.md")]
    struct Gaussians;
    #[doc = include_str!("../book/src/linear-projections.md")]
    struct LinearProjectionsChapter;
    #[doc = include_str!("../book/src/geodesics.md")]
    struct Geodesics;
    #[doc = include_str!("../book/src/sliced.md")]
    struct Sliced;
    #[doc = include_str!("../book/src/large-problems.md")]
    struct LargeProblems;
}
