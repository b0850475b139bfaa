//! Barycentres of discrete measures for generic transport costs.
//!
//! A [`BarycenterProblem`] holds target measures nu_1..nu_K, barycentre weights lambda_k and a
//! ground barycentre (costs c_k, their pointwise barycentre B and delta). The fixed-point
//! iterations [`FixedPointG`] (glued couplings) and [`FixedPointH`] (barycentric projections)
//! minimise V(mu) = sum_k lambda_k T_{c_k}(mu, nu_k) from a starting measure, and return the best
//! iterate with a per-iteration trace.
//!
//! ## Entropic couplings: G_eps
//!
//! The couplings come from a solver chosen by the user. With
//! [`Sinkhorn`](kantorovich_ot::Sinkhorn) at regularisation eps, each coupling P^k is the optimal
//! plan of T_{c_k,eps}(mu, nu_k) = min_P <c_k, P> + eps KL(P | mu x nu_k), the trace records
//! V_eps(mu) = sum_k lambda_k T_{c_k,eps}(mu, nu_k), and G becomes G_eps ([`FixedPointGEps`]):
//!
//! ```text
//! gamma_{i, j_1..j_K} = prod_k P^k_{i, j_k} / a_i^(K-1),   G_eps(mu) = B # gamma.
//! ```
//!
//! With exact gluing, V_eps(mu) - eps sum_k lambda_k KL(P^k | mu x nu_k) >= V(G_eps mu) +
//! T_delta(mu, G_eps mu), with V the unregularised objective (so V_eps(mu) >= V(G_eps mu) +
//! T_delta(mu, G_eps mu)); V_eps(G_eps mu) itself can be larger than V_eps(mu) - T_delta(mu, G_eps mu)
//! (see [`FixedPointGEps`]).
//!
//! Entropic plans are dense, so the exact G_eps(mu) has sum_i prod_k m_k atoms. The truncation
//! rule [`mass_threshold`](FixedPoint::mass_threshold) tau keeps the glued atoms whose mass is at
//! least tau times the mass of mu, drops the others (without enumerating them) and renormalises.
//! The trace reports the dropped fraction d ([`IterationRecord::dropped_mass`]): the truncated
//! gamma is within 2 d of the exact one in total variation (sum of |differences|), so the laws
//! above hold up to about 2 d times the largest cost. tau = 0 (the default) is exact gluing.
//!
//! ## Fixed support and exact references
//!
//! [`FixedSupportProblem`] fixes the support x_1..x_n and optimises the weights a only:
//! min_a sum_k lambda_k T_{C_k}(a, b_k). [`FixedSupportLp`] solves it exactly (one LP, good_lp
//! with microlp), [`Ibp`] with entropic regularisation (iterative Bregman projections in the log
//! domain). [`MultiMarginalLp`] solves the free-support problem exactly for small inputs (the
//! multi-marginal LP over prod_k m_k tuples), which gives the optimum V* the iterations are
//! checked against.
#![warn(missing_docs)]

mod checked;
mod error;
mod fixed_point;
mod fixed_point_g;
mod fixed_point_h;
mod fixed_support;
mod iteration;
mod lp_model;
mod multi_marginal;
mod north_west;
mod problem;
mod sliced;

pub use error::BarycenterError;
pub use fixed_point::{FixedPoint, FixedPointMap, NextIterate};
pub use fixed_point_g::{glue, FixedPointG, FixedPointGEps, Glue};
pub use fixed_point_h::{project, project_means, FixedPointH, Project};
pub use fixed_support::{
    FixedSupportLp, FixedSupportProblem, FixedSupportSolution, Ibp, IbpRecord, IbpSolution, DEFAULT_MAX_LP_VARIABLES,
    MAX_LP_VARIABLES,
};
pub use iteration::{BarycenterResult, IterationRecord};
pub use lp_model::LP_CERTIFICATE_TOLERANCE;
pub use multi_marginal::{MultiMarginalLp, MultiMarginalSolution};
pub use north_west::Gluing;
pub use problem::BarycenterProblem;
pub use sliced::SlicedBarycenter;
