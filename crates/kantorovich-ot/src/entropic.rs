//! Entropic transport between measures: the Sinkhorn coupling, T_eps and the Sinkhorn divergence.

use crate::sinkhorn::{asymmetric_pair, Sinkhorn, SinkhornSolution};
use crate::{CostBackend, LazyCost, OtError, PointCloudCost};
use kantorovich_core::{Cost, CostMatrix, Coupling, DiscreteMeasure, GroundSpace, TransportPlan};

/// The entropic coupling: the plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) (all entries of
/// positive weight, so the plan is dense), with [`TransportPlan::cost`] = T_eps = <C, P> +
/// eps KL(P | a b^T), the entropic cost (so a barycentre iteration on these couplings reports
/// V_eps). A run that stops at the iteration cap is an error
/// ([`OtError::NotConverged`]) here, never a silently unconverged plan.
impl<X, Y, C> Coupling<X, Y, C> for Sinkhorn
where
    X: GroundSpace,
    Y: GroundSpace,
    C: Cost<X, Y> + ?Sized,
{
    type Error = OtError;

    fn couple(&self, mu: &DiscreteMeasure<X>, nu: &DiscreteMeasure<Y>, cost: &C) -> Result<TransportPlan, OtError> {
        let matrix = CostMatrix::between(mu, nu, cost)?;
        let (a, b) = (mu.weights(), nu.weights());
        let solution = require_converged(self.solve(a, b, &matrix)?)?;
        let dense = Self::plan(&solution, a, b, &matrix)?;
        let m = matrix.cols();
        let entries = dense
            .iter()
            .enumerate()
            .filter(|(_, &p)| p > 0.0)
            .map(|(k, &p)| (k / m, k % m, p))
            .collect();
        Ok(TransportPlan::from_triplets(
            matrix.rows(),
            m,
            entries,
            solution.entropic_cost,
        )?)
    }
}

/// A solver of entropic transport between measures: what [`entropic_cost`] and
/// [`sinkhorn_divergence`] need. [`Sinkhorn`] (dense, stored or matrix-free) and
/// [`MultiscaleSinkhorn`](crate::MultiscaleSinkhorn) (point clouds at scale) implement it, so
/// both functions run on either.
pub trait EntropicSolver: Sync {
    /// T_eps(mu, nu) = <C, P> + eps KL(P | mu x nu) of the solver's converged plan; a run that
    /// does not converge is [`OtError::NotConverged`].
    fn entropic_cost<X, Y, C>(
        &self,
        mu: &DiscreteMeasure<X>,
        nu: &DiscreteMeasure<Y>,
        cost: &C,
    ) -> Result<f64, OtError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        C: Cost<X, Y> + ?Sized;

    /// T_eps(mu, mu), the self term of the Sinkhorn divergence; the default solves it as any
    /// other problem.
    fn self_cost<S, C>(&self, mu: &DiscreteMeasure<S>, cost: &C) -> Result<f64, OtError>
    where
        S: GroundSpace,
        C: Cost<S, S> + ?Sized,
    {
        self.entropic_cost(mu, mu, cost)
    }
}

/// Sinkhorn between measures: on [`PointCloudCost`], a stored or a lazy cost (see
/// [`entropic_cost`]); the self terms use the symmetric solve where the cost is symmetric.
impl EntropicSolver for Sinkhorn {
    fn entropic_cost<X, Y, C>(&self, mu: &DiscreteMeasure<X>, nu: &DiscreteMeasure<Y>, cost: &C) -> Result<f64, OtError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        C: Cost<X, Y> + ?Sized,
    {
        Ok(require_converged(solve_between(self, mu, nu, cost, false)?)?.entropic_cost)
    }

    fn self_cost<S, C>(&self, mu: &DiscreteMeasure<S>, cost: &C) -> Result<f64, OtError>
    where
        S: GroundSpace,
        C: Cost<S, S> + ?Sized,
    {
        Ok(require_converged(solve_between(self, mu, mu, cost, true)?)?.entropic_cost)
    }
}

/// The entropic cost T_eps(mu, nu) = <C, P> + eps KL(P | mu x nu) between two measures, with the
/// solver's settings (its eps, tolerance and, for [`Sinkhorn`], scaling). Errors if the run does
/// not converge.
///
/// With [`Sinkhorn`]: point clouds with a cost in closed form (`Euclidean` with
/// `SquaredEuclidean` or `PNorm`) run on [`PointCloudCost`] (costs formed in registers, memory
/// O(n + m)). Otherwise problems of up to 2^22 (about 4 million) cost entries store the cost
/// matrix (each cost is evaluated once), and larger ones use the matrix-free [`LazyCost`], so
/// memory stays O(n + m). With [`MultiscaleSinkhorn`](crate::MultiscaleSinkhorn): its entropic
/// cost, for point clouds of 10^4 to 10^6 points.
pub fn entropic_cost<S, X, Y, C>(
    solver: &S,
    mu: &DiscreteMeasure<X>,
    nu: &DiscreteMeasure<Y>,
    cost: &C,
) -> Result<f64, OtError>
where
    S: EntropicSolver + ?Sized,
    X: GroundSpace,
    Y: GroundSpace,
    C: Cost<X, Y> + ?Sized,
{
    solver.entropic_cost(mu, nu, cost)
}

/// Above this many entries, [`entropic_cost`] and [`sinkhorn_divergence`] evaluate costs on the
/// fly instead of storing them.
const DENSE_ENTRIES: usize = 1 << 22;

/// Sinkhorn between two measures, on a stored or a lazy cost depending on the size.
fn solve_between<X, Y, C>(
    solver: &Sinkhorn,
    mu: &DiscreteMeasure<X>,
    nu: &DiscreteMeasure<Y>,
    cost: &C,
    symmetric: bool,
) -> Result<SinkhornSolution, OtError>
where
    X: GroundSpace,
    Y: GroundSpace,
    C: Cost<X, Y> + ?Sized,
{
    if let Some(cloud) = PointCloudCost::new(mu, nu, cost)? {
        solve_on(solver, mu.weights(), nu.weights(), &cloud, symmetric)
    } else if mu.len().saturating_mul(nu.len()) <= DENSE_ENTRIES {
        solve_on(
            solver,
            mu.weights(),
            nu.weights(),
            &CostMatrix::between(mu, nu, cost)?,
            symmetric,
        )
    } else {
        solve_on(
            solver,
            mu.weights(),
            nu.weights(),
            &LazyCost::new(mu, nu, cost)?,
            symmetric,
        )
    }
}

/// The general solve, or the symmetric one when asked for and the cost is symmetric (a cost
/// that is not, such as the projections onto circles, gets the general solve with b = a).
fn solve_on<B: CostBackend + ?Sized>(
    solver: &Sinkhorn,
    a: &[f64],
    b: &[f64],
    cost: &B,
    symmetric: bool,
) -> Result<SinkhornSolution, OtError> {
    if symmetric && asymmetric_pair(cost).is_none() {
        solver.solve_symmetric_unchecked(a, cost)
    } else {
        solver.solve(a, b, cost)
    }
}

/// The solution if it converged, else [`OtError::NotConverged`].
fn require_converged(solution: SinkhornSolution) -> Result<SinkhornSolution, OtError> {
    if !solution.converged {
        return Err(OtError::NotConverged {
            iterations: solution.iterations,
            marginal_error: solution.marginal_error,
        });
    }
    Ok(solution)
}

/// The Sinkhorn divergence S_eps(mu, nu) = T_eps(mu, nu) - T_eps(mu, mu) / 2 - T_eps(nu, nu) / 2,
/// with T_eps the entropic cost (entropy term included; POT's
/// `empirical_sinkhorn_divergence` leaves it out). For costs such as |x - y|^2 it is >= 0 and
/// zero only when mu = nu (Feydy et al. 2019). The self terms use the fast symmetric solve when
/// c(x_i, x_j) = c(x_j, x_i) on the measure's points (checked), and the general solve otherwise,
/// so S_eps(mu, mu) = 0 for every cost. Any [`EntropicSolver`] serves, [`MultiscaleSinkhorn`](crate::MultiscaleSinkhorn)
/// included (whose self terms are solved as any other problem).
///
/// ```
/// use kantorovich_geometry::{Euclidean, SquaredEuclidean};
/// use kantorovich_ot::{sinkhorn_divergence, Sinkhorn};
/// let line = Euclidean::new(1)?;
/// let mu = line.uniform(vec![0.0, 1.0, 2.0])?;
/// let nu = line.uniform(vec![0.5, 1.5, 3.0])?;
/// let solver = Sinkhorn::new(1.0);
/// assert!(sinkhorn_divergence(&solver, &mu, &nu, &SquaredEuclidean)? > 0.0);
/// assert!(sinkhorn_divergence(&solver, &mu, &mu, &SquaredEuclidean)?.abs() < 1e-9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sinkhorn_divergence<E, S, C>(
    solver: &E,
    mu: &DiscreteMeasure<S>,
    nu: &DiscreteMeasure<S>,
    cost: &C,
) -> Result<f64, OtError>
where
    E: EntropicSolver + ?Sized,
    S: GroundSpace,
    C: Cost<S, S> + ?Sized,
{
    let cross = solver.entropic_cost(mu, nu, cost)?;
    Ok(cross - 0.5 * (solver.self_cost(mu, cost)? + solver.self_cost(nu, cost)?))
}
