//! The exact free-support barycentre of small discrete measures, by the multi-marginal LP.

use crate::checked::{ground_barycenter, validate_barycenters};
use crate::fixed_support::DEFAULT_MAX_LP_VARIABLES;
use crate::lp_model::{certify, EqualityLp};
use crate::{BarycenterError, BarycenterProblem};
use kantorovich_core::{CoreError, Cost, DiscreteMeasure, GroundBarycenter, GroundSpace};
use kantorovich_ot::NetworkSimplex;
use rayon::prelude::*;

/// The exact barycentre of [`BarycenterProblem`] for small inputs, by the multi-marginal linear
/// program
///
/// ```text
/// V* = min over gamma >= 0 on the tuples j = (j_1, .., j_K) with marginals nu_1..nu_K of
///      sum_j gamma_j c(j),    c(j) = sum_k lambda_k c_k(B(y_j), y_{k j_k}),
/// ```
///
/// where y_j = (y_{1 j_1}, .., y_{K j_K}) and B is the problem's ground barycentre (for the
/// problem's lambda_k, used as given, as in V). The barycentre is mu* = B # gamma (one atom
/// B(y_j) of mass gamma_j per tuple in the support of gamma): it couples with each nu_k through
/// gamma, so V(mu*) <= V*, and V* <= V(mu) for every mu (glue the optimal couplings of mu along
/// mu and bound c_k(x, .) below by the ground barycentre), so mu* is a barycentre and
/// V(mu*) = V*. This needs B to be an exact minimiser of x -> sum_k lambda_k c_k(x, y_k).
///
/// The LP has prod_k m_k variables (capped by [`max_variables`](Self::max_variables),
/// [`DEFAULT_MAX_LP_VARIABLES`](crate::DEFAULT_MAX_LP_VARIABLES) by default); the ground
/// barycentres of all tuples are computed in parallel. microlp solves it in floating point, on
/// costs divided by their largest value; the solution reports its constraint violation (1e-15
/// or better on the tests' instances, which assert 1e-9). The dual LP is solved as well, and its
/// duality gap is a certified bound on V* - OPT
/// ([`duality_gap`](MultiMarginalSolution::duality_gap)); a gap above
/// [`LP_CERTIFICATE_TOLERANCE`](crate::LP_CERTIFICATE_TOLERANCE) x V* fails with
/// [`BarycenterError::LpNotCertified`] instead of returning a value that may be wrong: costs
/// |x - y|_50^50 (an optimum 1e-28 of the largest cost), and optima within round-off of 0
/// (identical measures), whose error still bounds the optimum in absolute terms.
///
/// ```
/// use kantorovich_barycenter::{BarycenterProblem, MultiMarginalLp};
/// use kantorovich_geometry::{Euclidean, SquaredEuclidean};
/// let line = Euclidean::new(1)?;
/// let nus = vec![line.uniform(vec![0.0, 1.0])?, line.uniform(vec![4.0, 5.0])?];
/// let problem = BarycenterProblem::new(line, nus, vec![0.5, 0.5], SquaredEuclidean)?;
/// let solution = MultiMarginalLp::default().solve(&problem)?;
/// assert!((solution.objective - 4.0).abs() < 1e-9); // mu* = (delta(2) + delta(3)) / 2
/// # Ok::<(), kantorovich_barycenter::BarycenterError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiMarginalLp {
    max_variables: usize,
}

impl Default for MultiMarginalLp {
    fn default() -> Self {
        Self {
            max_variables: DEFAULT_MAX_LP_VARIABLES,
        }
    }
}

/// The outcome of [`MultiMarginalLp`].
#[derive(Debug, Clone)]
pub struct MultiMarginalSolution<X: GroundSpace> {
    /// mu* = B # gamma: one atom per tuple of positive mass (in the order of `tuples`; atoms
    /// are not merged, see [`DiscreteMeasure::merged`]).
    pub measure: DiscreteMeasure<X>,
    /// The tuples (j_1, .., j_K) of the support of gamma, K indices each, one after another.
    pub tuples: Vec<usize>,
    /// V* = V(mu*), computed by exact transport from mu* to each nu_k (the LP's value
    /// sum_j gamma_j c(j), up to the LP's tolerance).
    pub objective: f64,
    /// The largest violation of a marginal or sign constraint by the LP's solution, or the
    /// mass of the round-off tuples left out of `measure` (at most 1e-14 each) if larger.
    pub lp_violation: f64,
    /// A certified bound on V* - OPT from a dual solution of the LP: at most
    /// [`LP_CERTIFICATE_TOLERANCE`](crate::LP_CERTIFICATE_TOLERANCE) x V*, or the solve fails.
    pub duality_gap: f64,
}

impl MultiMarginalLp {
    /// The solver with the default variable cap.
    pub fn new() -> Self {
        Self::default()
    }

    /// Error out ([`BarycenterError::LpTooLarge`]) rather than build an LP with more than
    /// `variables` variables (= prod_k m_k).
    /// Settings above [`MAX_LP_VARIABLES`](crate::MAX_LP_VARIABLES) count as that.
    pub fn max_variables(mut self, variables: usize) -> Self {
        self.max_variables = variables.min(crate::MAX_LP_VARIABLES);
        self
    }

    /// Solves the multi-marginal LP of `problem`. Errors if prod_k m_k is above the cap, a
    /// ground barycentre or a cost fails (or is not finite), or the LP solver fails.
    pub fn solve<X, Y, B>(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
    ) -> Result<MultiMarginalSolution<X>, BarycenterError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        B: GroundBarycenter<X, Y>,
    {
        let sizes: Vec<usize> = problem.measures().iter().map(DiscreteMeasure::len).collect();
        let count = sizes
            .iter()
            .try_fold(1u128, |acc, &m| acc.checked_mul(m as u128))
            .unwrap_or(u128::MAX);
        if count > self.max_variables as u128 {
            return Err(BarycenterError::LpTooLarge {
                variables: count,
                limit: self.max_variables,
            });
        }
        let count = count as usize;
        let k_count = sizes.len();
        let (bars, costs) = tuple_barycenters(problem, &sizes, count)?;
        // marginal constraints: for each k and j, the mass of the tuples with j_k = j is nu_k(j)
        let mut rows: Vec<(Vec<(usize, f64)>, f64)> = Vec::new();
        let mut redundant = Vec::new();
        for (k, nu) in problem.measures().iter().enumerate() {
            if k > 0 {
                redundant.push(rows.len());
            }
            let stride: usize = sizes[k + 1..].iter().product();
            let mut terms: Vec<Vec<(usize, f64)>> = vec![Vec::with_capacity(count / sizes[k]); sizes[k]];
            for t in 0..count {
                terms[(t / stride) % sizes[k]].push((t, 1.0));
            }
            rows.extend(terms.into_iter().zip(nu.weights()).map(|(row, &w)| (row, w)));
        }
        let lp = EqualityLp {
            objective: costs,
            rows,
            redundant,
        }
        .solve(1.0)?;
        let space = problem.space();
        let mut points = space.with_capacity(0);
        let mut weights = Vec::new();
        let mut tuples = Vec::new();
        let mut kept = 0.0;
        for (t, &g) in lp.x.iter().enumerate() {
            // the simplex's zeros can come back as tiny round-off values (the masses sum to 1)
            if g > DROP_BELOW {
                space.push(&mut points, space.point(&bars, t));
                weights.push(g);
                kept += g;
                let start = tuples.len();
                tuples.resize(start + k_count, 0);
                fill_tuple(t, &sizes, &mut tuples[start..]);
            }
        }
        if kept.is_nan() || kept <= 0.0 {
            return Err(BarycenterError::Lp {
                reason: format!("the LP solution has no tuple of mass above {DROP_BELOW:e}"),
            });
        }
        let dropped: f64 = lp.x.iter().filter(|&&g| g > 0.0 && g <= DROP_BELOW).sum();
        debug_assert_eq!(tuples.len(), weights.len() * k_count);
        let measure = DiscreteMeasure::new(space.clone(), points, weights)?;
        // The certificate compares the dual bound with a value that is certainly attained: V of
        // the measure returned, by exact transport (the LP's own value belongs to a coupling
        // whose marginals hold only to the LP's tolerance).
        let objective = problem.objective(&measure, &NetworkSimplex::default())?;
        let duality_gap = certify(objective, &lp)?;
        Ok(MultiMarginalSolution {
            measure,
            tuples,
            objective,
            lp_violation: lp.violation.max(dropped),
            duality_gap,
        })
    }
}

/// LP masses at or below this are round-off zeros of the simplex (the masses sum to 1).
const DROP_BELOW: f64 = 1e-14;

/// The indices (j_1, .., j_K) of the tuple number t (last index fastest), written to `out`.
fn fill_tuple(mut t: usize, sizes: &[usize], out: &mut [usize]) {
    for (o, &m) in out.iter_mut().zip(sizes).rev() {
        *o = t % m;
        t /= m;
    }
}

/// B(y_j) and c(j) = sum_k lambda_k c_k(B(y_j), y_{k j_k}) for every tuple j, in parallel over
/// blocks of tuples.
fn tuple_barycenters<X, Y, B>(
    problem: &BarycenterProblem<X, Y, B>,
    sizes: &[usize],
    count: usize,
) -> Result<(X::Storage, Vec<f64>), BarycenterError>
where
    X: GroundSpace,
    Y: GroundSpace,
    B: GroundBarycenter<X, Y>,
{
    const BLOCK: usize = 1024;
    let space = problem.space();
    let (measures, lambdas, ground) = (problem.measures(), problem.lambdas(), problem.ground());
    let blocks: Vec<(X::Storage, Vec<f64>)> = (0..count.div_ceil(BLOCK))
        .into_par_iter()
        .map(|block| {
            let range = block * BLOCK..((block + 1) * BLOCK).min(count);
            let mut points = space.with_capacity(range.len());
            let mut costs = Vec::with_capacity(range.len());
            let mut ys = Vec::with_capacity(sizes.len());
            let mut tuple = vec![0; sizes.len()];
            for t in range {
                fill_tuple(t, sizes, &mut tuple);
                ys.clear();
                ys.extend(measures.iter().zip(&tuple).map(|(nu, &j)| nu.point(j)));
                ground_barycenter(ground, space, &ys, lambdas, &mut points)?;
                let x = space.point(&points, space.len(&points) - 1);
                let mut c = 0.0;
                for (k, (y, l)) in ys.iter().zip(lambdas).enumerate() {
                    c += l * ground.cost_k(k).cost(x, *y);
                }
                if !c.is_finite() {
                    // a point the ground barycentre got wrong is its fault, not the costs'
                    validate_barycenters(space, &points)?;
                    return Err(CoreError::InvalidParameter {
                        name: "costs",
                        reason: format!(
                            "sum_k lambda_k c_k(B(y), y_k) = {c} for the tuple {tuple:?}: costs must be finite"
                        ),
                    }
                    .into());
                }
                costs.push(c);
            }
            Ok((points, costs))
        })
        // the first error in order, whichever task finished first
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, BarycenterError>>()?;
    let mut points = space.with_capacity(count);
    let mut costs = Vec::with_capacity(count);
    for (block_points, block_costs) in blocks {
        for i in 0..space.len(&block_points) {
            space.push(&mut points, space.point(&block_points, i));
        }
        costs.extend(block_costs);
    }
    Ok((points, costs))
}
