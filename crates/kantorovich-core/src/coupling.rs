//! Couplings: how two discrete measures are matched by a solver.

use crate::{Cost, DiscreteMeasure, GroundSpace, TransportPlan};

/// A way of coupling two discrete measures for a cost: exact optimal transport (the network
/// simplex of `kantorovich-ot`) or entropic transport (its Sinkhorn solver).
///
/// Given mu = sum_i a_i delta(x_i) and nu = sum_j b_j delta(y_j), returns a transport plan
/// pi >= 0 with marginals a and b (up to the solver's stated accuracy) and, as its
/// [`cost`](TransportPlan::cost), the optimal value of the problem the solver solves: the
/// transport cost <C, pi> = sum_ij c(x_i, y_j) pi_ij for exact OT, the entropic cost
/// <C, pi> + eps KL(pi | a b^T) for entropic OT. The barycentre iterations are generic over this
/// trait, and their objective is the sum of these values.
pub trait Coupling<X: GroundSpace, Y: GroundSpace, C: Cost<X, Y> + ?Sized>: Sync {
    /// What can go wrong (non-convergence, too large a problem, ...).
    type Error: std::error::Error + Send + Sync + 'static;

    /// A coupling of `mu` and `nu` for `cost`.
    fn couple(&self, mu: &DiscreteMeasure<X>, nu: &DiscreteMeasure<Y>, cost: &C) -> Result<TransportPlan, Self::Error>;

    /// As [`couple`](Coupling::couple), with `hint`, a coupling of a nearby problem (the
    /// previous iterate of a barycentre iteration, say), that the solver may use as a warm
    /// start. A hint changes the work done, never what the result guarantees: a solver checks
    /// that the hint fits (same sizes and marginals) and otherwise ignores it. The default
    /// ignores it.
    fn couple_with_hint(
        &self,
        mu: &DiscreteMeasure<X>,
        nu: &DiscreteMeasure<Y>,
        cost: &C,
        hint: &TransportPlan,
    ) -> Result<TransportPlan, Self::Error> {
        let _ = hint;
        self.couple(mu, nu, cost)
    }

    /// The barycentric projections of the coupling (see [`BarycentricProjection`]) computed
    /// without forming the plan, for solvers that can: at 10^5 points an entropic plan has
    /// billions of entries, while the projections are n points. The iteration H, which needs
    /// nothing else, asks for them first. `hint`, the projections of a nearby problem, may
    /// warm-start the solve (as in [`couple_with_hint`](Coupling::couple_with_hint)). `None`,
    /// the default, says the solver has no such path: callers then use
    /// [`couple`](Coupling::couple) and project the plan.
    fn barycentric_projection(
        &self,
        mu: &DiscreteMeasure<X>,
        nu: &DiscreteMeasure<Y>,
        cost: &C,
        hint: Option<&BarycentricProjection>,
    ) -> Option<Result<BarycentricProjection, Self::Error>> {
        let _ = (mu, nu, cost, hint);
        None
    }
}

/// The barycentric projections of a coupling pi of mu = sum_i a_i delta(x_i) and
/// nu = sum_j b_j delta(y_j), with the coupling's value: what the iteration H needs of it.
///
/// With r_i = sum_j pi_ij the row masses, the projection of x_i is
///
/// ```text
/// ybar_i = (1 / r_i) sum_j pi_ij y_j,
/// ```
///
/// in the flat coordinates of nu's space ([`GroundSpace::flat_coordinates`]). A solver that
/// approximates the sums (grid products, a truncated kernel) bounds what that changes in
/// [`error`](Self::error).
#[derive(Debug, Clone, PartialEq)]
pub struct BarycentricProjection {
    /// The coupling's value, as [`TransportPlan::cost`] (the entropic cost T_eps for an
    /// entropic solver).
    pub cost: f64,
    /// d, the number of coordinates of each projection.
    pub dim: usize,
    /// ybar_1..ybar_n, row-major (n x d); zeros in the rows with r_i = 0.
    pub means: Vec<f64>,
    /// The row masses r_1..r_n.
    pub row_mass: Vec<f64>,
    /// A bound of sum_i r_i max_t |ybar_it - ybar*_it| / sum_i r_i, ybar* the projections of
    /// the exact sums of the solver's plan; 0 when the sums are exact.
    pub error: f64,
    /// Dual potentials (one per atom of mu, one per atom of nu) that the solver can restart
    /// from on a nearby problem (a hint), in the solver's own gauge: not necessarily the
    /// potentials of the plan. `None` where the solver keeps none.
    pub warm_start: Option<(Vec<f64>, Vec<f64>)>,
}
