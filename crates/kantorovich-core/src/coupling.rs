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
}
