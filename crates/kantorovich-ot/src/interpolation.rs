//! Displacement (McCann) interpolation between two measures of a vector space along a plan.

use crate::OtError;
use kantorovich_core::{try_vec_with_capacity, CoreError, Cost, Coupling, DiscreteMeasure, TransportPlan, VectorSpace};

/// The displacement interpolation between mu = sum_i a_i delta(x_i) and nu = sum_j b_j delta(y_j)
/// on a vector space along a transport plan pi (McCann 1997):
///
/// ```text
/// mu_t = ((1 - t) x + t y) # pi = sum_ij pi_ij delta((1 - t) x_i + t y_j),     t in [0, 1],
/// ```
///
/// one atom per non-zero entry of the plan, each moving on a straight line at constant speed.
///
/// **Exact plans.** When pi is an optimal plan for the squared Euclidean cost (e.g. from
/// [`NetworkSimplex`](crate::NetworkSimplex)), mu_0 = mu, mu_1 = nu and t -> mu_t is a
/// constant-speed geodesic of the Wasserstein space W_2:
///
/// ```text
/// W_2(mu_s, mu_t) = |t - s| W_2(mu, nu)     for all s, t in [0, 1].
/// ```
///
/// (Pairing the atoms of mu_s and mu_t through pi gives <=; the triangle inequality through
/// mu_0 and mu_1 gives >=.) Only the computation is in floating point: the law holds to rounding.
///
/// **Entropic plans.** With a [`Sinkhorn`](crate::Sinkhorn) plan P_eps the curve is *not* a
/// geodesic: the endpoints mu_0, mu_1 are the marginals of P_eps (equal to mu and nu only up to
/// the solver's marginal tolerance), and every intermediate mu_t is blurred: each source atom
/// spreads over the targets at distance about sqrt(eps) (in units of the cost). The length
/// sqrt(<C, P_eps>) of the curve overestimates W_2(mu, nu) (<C, P_eps> >= W_2^2), and
/// W_2(mu_s, mu_t) <= |t - s| sqrt(<C, P_eps>) only. As eps -> 0, P_eps tends to an optimal
/// plan and mu_t to an exact geodesic point.
///
/// **t outside [0, 1]** is refused: extrapolating past an endpoint is no longer a geodesic in
/// general (straight lines of the plan may cross beyond nu, so the plan stops being optimal).
///
/// ```
/// use kantorovich_core::Coupling;
/// use kantorovich_geometry::{Euclidean, SquaredEuclidean};
/// use kantorovich_ot::{DisplacementInterpolation, NetworkSimplex};
///
/// let line = Euclidean::new(1)?;
/// let mu = line.uniform(vec![0.0, 1.0])?;
/// let nu = line.uniform(vec![4.0, 5.0])?;
/// let path = DisplacementInterpolation::from_coupling(&mu, &nu, &NetworkSimplex::default(), &SquaredEuclidean)?;
/// let half = path.at(0.5)?;
/// assert_eq!(half.points(), &vec![2.0, 3.0]); // the atoms meet halfway: 0 -> 4, 1 -> 5
/// # Ok::<(), kantorovich_ot::OtError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DisplacementInterpolation<'a, X: VectorSpace> {
    mu: &'a DiscreteMeasure<X>,
    nu: &'a DiscreteMeasure<X>,
    plan: TransportPlan,
}

impl<'a, X: VectorSpace> DisplacementInterpolation<'a, X> {
    /// The interpolation along `plan`, a coupling of `mu` (rows) and `nu` (columns).
    ///
    /// Errors if the two spaces have different dimensions or the plan is not `mu.len()` x
    /// `nu.len()`. The plan's marginals are not checked: the endpoints are its marginals.
    pub fn new(mu: &'a DiscreteMeasure<X>, nu: &'a DiscreteMeasure<X>, plan: TransportPlan) -> Result<Self, OtError> {
        let (d, e) = (mu.space().dim(), nu.space().dim());
        if d != e {
            return Err(CoreError::DimensionMismatch { expected: d, found: e }.into());
        }
        if plan.rows() != mu.len() || plan.cols() != nu.len() {
            return Err(CoreError::InvalidParameter {
                name: "plan",
                reason: format!(
                    "the plan is {} x {} but the measures have {} and {} atoms: give a plan coupling \
                     mu (rows) with nu (columns)",
                    plan.rows(),
                    plan.cols(),
                    mu.len(),
                    nu.len()
                ),
            }
            .into());
        }
        if plan.nnz() == 0 {
            return Err(CoreError::InvalidParameter {
                name: "plan",
                reason: "the plan has no mass: give a coupling of mu and nu".into(),
            }
            .into());
        }
        Ok(Self { mu, nu, plan })
    }

    /// The interpolation along the plan a [`Coupling`] solver gives for `cost` (an optimal plan
    /// for the network simplex, an entropic one for Sinkhorn). Only the squared Euclidean cost
    /// makes the curve a W_2 geodesic; other costs give the straight-line interpolation along
    /// their own optimal plan.
    pub fn from_coupling<S, C>(
        mu: &'a DiscreteMeasure<X>,
        nu: &'a DiscreteMeasure<X>,
        solver: &S,
        cost: &C,
    ) -> Result<Self, OtError>
    where
        C: Cost<X, X> + ?Sized,
        S: Coupling<X, X, C>,
        OtError: From<S::Error>,
    {
        let plan = solver.couple(mu, nu, cost)?;
        Self::new(mu, nu, plan)
    }

    /// The plan the interpolation follows.
    pub fn plan(&self) -> &TransportPlan {
        &self.plan
    }

    /// mu_t = sum_ij pi_ij delta((1 - t) x_i + t y_j): one atom per non-zero plan entry (atoms
    /// that coincide are not merged), weights pi_ij normalised to total mass 1.
    ///
    /// Errors unless 0 <= t <= 1, or if the atoms do not fit in memory.
    pub fn at(&self, t: f64) -> Result<DiscreteMeasure<X>, OtError> {
        if !(0.0..=1.0).contains(&t) {
            return Err(CoreError::InvalidParameter {
                name: "t",
                reason: format!("{t}: the interpolation time must lie in [0, 1] (0 gives mu, 1 gives nu)"),
            }
            .into());
        }
        let space = self.mu.space();
        let d = space.dim();
        let nnz = self.plan.nnz();
        let mut weights = try_vec_with_capacity("interpolated weights", nnz)?;
        kantorovich_core::checked_size("interpolated points", nnz, d, std::mem::size_of::<f64>())?;
        let mut points = space.with_capacity(nnz);
        let mut z = vec![0.0; d];
        for (i, j, m) in self.plan.iter() {
            let (x, y) = (space.coords(self.mu.point(i)), self.nu.space().coords(self.nu.point(j)));
            // exact at the ends: (1 - 0) x + 0 y = x and 0 x + 1 y = y in floating point
            for ((z, &x), &y) in z.iter_mut().zip(x).zip(y) {
                *z = (1.0 - t) * x + t * y;
            }
            space.push_coords(&mut points, &z);
            weights.push(m);
        }
        Ok(DiscreteMeasure::new(space.clone(), points, weights)?)
    }
}
