//! Couplings: how two discrete measures are matched by a solver.

use crate::{Cost, DiscreteMeasure, GroundSpace, TransportPlan};

/// A way of coupling two discrete measures for a cost: exact optimal transport (the network
/// simplex of `kantorovich-ot`), or later entropic transport.
///
/// Given mu = sum_i a_i delta(x_i) and nu = sum_j b_j delta(y_j), returns a transport plan
/// pi >= 0 with marginals a and b (up to the solver's stated accuracy) and its cost
/// <C, pi> = sum_ij c(x_i, y_j) pi_ij. The barycentre iterations are generic over this trait.
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
