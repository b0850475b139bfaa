//! Ground barycentres: the pointwise problem behind every barycentre iteration.

use crate::{CoreError, Cost, GroundSpace};
use std::marker::PhantomData;

/// A family of costs c_1..c_K: X x Y -> R with its ground barycentre and its function delta.
///
/// For weights lambda_1..lambda_K >= 0 and points y_1..y_K of Y, the ground barycentre is
///
/// ```text
/// B(y_1, .., y_K) = argmin_x  sum_k lambda_k c_k(x, y_k)
/// ```
///
/// and `delta` is a function with delta >= 0 such that, for every x in X,
///
/// ```text
/// sum_k lambda_k c_k(x, y_k) >= sum_k lambda_k c_k(B(y), y_k) + delta(x, B(y))   (ground barycentre inequality)
/// ```
///
/// (Tanguy, Delon and Gozlan, arXiv 2501.04016). delta = 0 is always valid when B is an exact
/// minimiser; a larger delta gives a stronger decrease guarantee for the iteration G:
/// V(mu) >= V(G mu) + T_delta(mu, G mu).
///
/// The barycentre weights lambda_k are kept apart from the costs: they are passed to
/// [`barycenter`](GroundBarycenter::barycenter) and [`delta`](GroundBarycenter::delta), and the
/// objective is V(mu) = sum_k lambda_k T_{c_k}(mu, nu_k). They are validated (finite, >= 0,
/// positive total) but not normalised.
pub trait GroundBarycenter<X: GroundSpace, Y: GroundSpace = X>: Sync {
    /// The type of each cost c_k.
    type Cost: Cost<X, Y>;

    /// The cost c_k between the barycentre space X and the k-th target space.
    /// Called only with `k < K`; see [`num_costs`](GroundBarycenter::num_costs).
    fn cost_k(&self, k: usize) -> &Self::Cost;

    /// The number K of costs in the family, or `None` when the same cost serves any number of
    /// measures (the default). Problems check it against the number of measures.
    fn num_costs(&self) -> Option<usize> {
        None
    }

    /// Appends B(y_1, .., y_K) for the weights `lambdas` to `out`.
    ///
    /// `ys` and `lambdas` have the same length K; the weights are >= 0 with a positive sum.
    fn barycenter(
        &self,
        space: &X,
        ys: &[Y::Point<'_>],
        lambdas: &[f64],
        out: &mut X::Storage,
    ) -> Result<(), CoreError>;

    /// delta(x, xbar) for the weights `lambdas`; 0 is always a valid answer when
    /// [`barycenter`](GroundBarycenter::barycenter) is an exact minimiser.
    fn delta(&self, x: X::Point<'_>, xbar: X::Point<'_>, lambdas: &[f64]) -> f64;
}

/// delta(x, x') of a ground barycentre, seen as a cost on X x X, so that T_delta(mu, G mu) can be
/// computed with any OT solver.
/// `Y` is the target space of the family (it only selects which `GroundBarycenter` impl is used).
pub struct DeltaCost<'a, G, Y> {
    ground: &'a G,
    lambdas: &'a [f64],
    target: PhantomData<fn() -> Y>,
}

impl<'a, G, Y> DeltaCost<'a, G, Y> {
    /// The cost (x, x') -> delta(x, x') of `ground` for the weights `lambdas`.
    pub fn new(ground: &'a G, lambdas: &'a [f64]) -> Self {
        Self {
            ground,
            lambdas,
            target: PhantomData,
        }
    }
}

impl<X: GroundSpace, Y: GroundSpace, G: GroundBarycenter<X, Y>> Cost<X, X> for DeltaCost<'_, G, Y> {
    fn cost(&self, x: X::Point<'_>, xbar: X::Point<'_>) -> f64 {
        self.ground.delta(x, xbar, self.lambdas)
    }
}
