//! The exact fixed-support barycentre as one linear program.

use super::FixedSupportProblem;
use crate::lp_model::{certify, EqualityLp};
use crate::BarycenterError;
use kantorovich_core::{checked_size, try_vec_with_capacity, CostMatrix, TransportPlan};
use kantorovich_ot::NetworkSimplex;
use rayon::prelude::*;

/// The default cap on the number of LP variables of [`FixedSupportLp`] and
/// [`MultiMarginalLp`](crate::MultiMarginalLp).
pub const DEFAULT_MAX_LP_VARIABLES: usize = 50_000;

/// The ceiling of [`FixedSupportLp::max_variables`] and
/// [`MultiMarginalLp::max_variables`](crate::MultiMarginalLp::max_variables): a larger setting
/// counts as this. Building the LP takes some hundred bytes per variable, and microlp would not
/// finish such an LP anyway (50 000 variables take seconds).
pub const MAX_LP_VARIABLES: usize = 10_000_000;

/// The exact fixed-support barycentre, as the linear program
///
/// ```text
/// minimise   sum_k lambda_k <C_k, P_k>
/// over       a in R^n, P_k in R^{n x m_k}, k = 1..K
/// subject to P_k >= 0,  P_k 1 = a,  P_k^T 1 = b_k      (so a >= 0 and sum_i a_i = 1),
/// ```
///
/// solved by good_lp's microlp backend (a simplex method). Its value is min_a V(a) of
/// [`FixedSupportProblem`]. A ground truth for small instances: the LP has n (1 + sum_k m_k)
/// variables, capped by [`max_variables`](Self::max_variables)
/// ([`DEFAULT_MAX_LP_VARIABLES`] by default; 30 000 variables, n = 100 bins and K = 3, take
/// about 1.5 s).
///
/// **Exactness.** microlp solves in floating point with absolute tolerances, so the costs are
/// first divided by their largest absolute value; the marginal constraints of its solution hold
/// to 1e-15 or better on the instances of the tests, which assert 1e-9 (the violation is
/// reported as [`lp_violation`](FixedSupportSolution::lp_violation)). The dual LP is solved too,
/// and the duality gap (plus what the dual's own infeasibility can hide) bounds how far the
/// value is from the optimum: it is reported as
/// [`duality_gap`](FixedSupportSolution::duality_gap), and a gap above
/// [`LP_CERTIFICATE_TOLERANCE`](crate::LP_CERTIFICATE_TOLERANCE) x the value fails with
/// [`BarycenterError::LpNotCertified`] rather than returning an answer that may be wrong (costs
/// spanning too many decades). The solution is then polished: the
/// weights a are clipped at 0 and normalised, and each T_{C_k}(a, b_k) is solved again by the
/// network simplex, so the plans returned are exact couplings of (a, b_k) and
/// [`objective`](FixedSupportSolution::objective) is V(a) exactly; it equals the LP's value up to
/// the LP's tolerance (both are reported). The optimal a need not be unique (the LP is often
/// degenerate); V is.
///
/// **Two targets.** For K = 2 the LP is one transport problem, solved by the network simplex
/// instead of microlp (on by default, see [`two_target_shortcut`](Self::two_target_shortcut)):
///
/// ```text
/// min_a V(a) = min over couplings Q of (b_1, b_2) of <D, Q>,
/// D(j_1, j_2) = min_i lambda_1 C_1(i, j_1) + lambda_2 C_2(i, j_2),
/// ```
///
/// since gluing P_1 and P_2 along a gives a coupling Q of cost at most V(a), and sending the mass
/// Q(j_1, j_2) through a minimising i(j_1, j_2) gives plans with a common first marginal
/// a_i = sum of Q over the pairs sent through i, of cost <D, Q>. This costs n m_1 m_2 operations
/// for D (in parallel) and one m_1 x m_2 transport problem, with no variable cap.
///
/// ```
/// use kantorovich_barycenter::{FixedSupportLp, FixedSupportProblem};
/// use kantorovich_core::CostMatrix;
/// // support {0, 1, 2}; targets delta(0) and delta(2) with weights 1/2: the midpoint wins
/// let c0 = CostMatrix::new(3, 1, vec![0.0, 1.0, 4.0])?;
/// let c2 = CostMatrix::new(3, 1, vec![4.0, 1.0, 0.0])?;
/// let problem = FixedSupportProblem::new(vec![c0, c2], vec![vec![1.0], vec![1.0]], vec![0.5, 0.5])?;
/// let solution = FixedSupportLp::default().solve(&problem)?;
/// assert!((solution.weights[1] - 1.0).abs() < 1e-9);
/// assert!((solution.objective - 1.0).abs() < 1e-9);
/// # Ok::<(), kantorovich_barycenter::BarycenterError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedSupportLp {
    max_variables: usize,
    two_target_shortcut: bool,
}

impl Default for FixedSupportLp {
    fn default() -> Self {
        Self {
            max_variables: DEFAULT_MAX_LP_VARIABLES,
            two_target_shortcut: true,
        }
    }
}

/// The outcome of [`FixedSupportLp`].
#[derive(Debug, Clone)]
pub struct FixedSupportSolution {
    /// The barycentre weights a on the support (>= 0, summing to 1).
    pub weights: Vec<f64>,
    /// Optimal plans P_k of T_{C_k}(a, b_k) (network simplex at the LP's a; exact marginals).
    pub plans: Vec<TransportPlan>,
    /// V(a) = sum_k lambda_k <C_k, P_k> for the plans above.
    pub objective: f64,
    /// The LP's own value sum_k lambda_k <C_k, P_k^LP> (with the two-target shortcut: the
    /// transport cost <D, Q>); equal to `objective` up to the LP's tolerance.
    pub lp_objective: f64,
    /// The largest violation of a constraint (marginal or sign) by the LP's raw solution (with
    /// the two-target shortcut: the marginal error of Q).
    pub lp_violation: f64,
    /// A certified bound on `lp_objective` - OPT, from a dual solution of the LP (at most
    /// [`LP_CERTIFICATE_TOLERANCE`](crate::LP_CERTIFICATE_TOLERANCE) x the value, or the solve
    /// fails); 0 with the two-target shortcut, whose network simplex is exact.
    pub duality_gap: f64,
}

impl FixedSupportLp {
    /// The solver with the default variable cap.
    pub fn new() -> Self {
        Self::default()
    }

    /// Error out ([`BarycenterError::LpTooLarge`]) rather than build an LP with more than
    /// `variables` variables (microlp only: the two-target shortcut has no cap).
    /// Settings above [`MAX_LP_VARIABLES`] count as that.
    pub fn max_variables(mut self, variables: usize) -> Self {
        self.max_variables = variables.min(MAX_LP_VARIABLES);
        self
    }

    /// With two targets, solve the equivalent transport problem by the network simplex (true, the
    /// default) or the LP by microlp like any other K (false).
    pub fn two_target_shortcut(mut self, on: bool) -> Self {
        self.two_target_shortcut = on;
        self
    }

    /// Solves the LP. Errors if it is above the variable cap, or the LP solver fails.
    pub fn solve(&self, problem: &FixedSupportProblem) -> Result<FixedSupportSolution, BarycenterError> {
        if self.two_target_shortcut && problem.num_targets() == 2 {
            return solve_two_targets(problem);
        }
        let n = problem.support_size();
        let widths: Vec<usize> = problem.targets().iter().map(Vec::len).collect();
        let variables = n as u128 * (1 + widths.iter().map(|&m| m as u128).sum::<u128>());
        if variables > self.max_variables as u128 {
            return Err(BarycenterError::LpTooLarge {
                variables,
                limit: self.max_variables,
            });
        }
        let variables = variables as usize;
        // variables: a_0..a_{n-1}, then P_k row-major, one block per k
        let mut offsets = Vec::with_capacity(widths.len());
        let mut next = n;
        for &m in &widths {
            offsets.push(next);
            next += n * m;
        }
        let mut objective = vec![0.0; variables];
        let mut rows = Vec::new();
        let mut redundant = Vec::new();
        for (k, ((cost, b), &lambda)) in problem
            .costs()
            .iter()
            .zip(problem.targets())
            .zip(problem.lambdas())
            .enumerate()
        {
            let (m, start) = (widths[k], offsets[k]);
            for (o, &c) in objective[start..start + n * m].iter_mut().zip(cost.as_slice()) {
                *o = lambda * c;
            }
            for i in 0..n {
                let mut terms: Vec<(usize, f64)> = (0..m).map(|j| (start + i * m + j, 1.0)).collect();
                terms.push((i, -1.0));
                rows.push((terms, 0.0));
            }
            if k > 0 {
                redundant.push(rows.len());
            }
            for (j, &bj) in b.iter().enumerate() {
                rows.push(((0..n).map(|i| (start + i * m + j, 1.0)).collect(), bj));
            }
        }
        // a and each P_k have mass 1
        let lp = EqualityLp {
            objective,
            rows,
            redundant,
        }
        .solve(1.0 + widths.len() as f64)?;
        let lp_objective = lp.objective;
        let weights: Vec<f64> = lp.x[..n].iter().map(|&a| a.max(0.0)).collect();
        let total: f64 = weights.iter().sum();
        if total.is_nan() || total <= 0.0 {
            return Err(BarycenterError::Lp {
                reason: "the LP returned weights a with no positive mass".into(),
            });
        }
        // the certificate compares the dual bound with V(a) of the polished, exactly feasible
        // plans (the LP's own value belongs to plans feasible only to its tolerance)
        let mut solution = polish(problem, weights, lp_objective, lp.violation)?;
        solution.duality_gap = certify(solution.objective, &lp)?;
        Ok(solution)
    }
}

/// Normalises `weights`, solves each T_{C_k}(a, b_k) exactly and packs the solution.
fn polish(
    problem: &FixedSupportProblem,
    mut weights: Vec<f64>,
    lp_objective: f64,
    lp_violation: f64,
) -> Result<FixedSupportSolution, BarycenterError> {
    let total: f64 = weights.iter().sum();
    weights.iter_mut().for_each(|a| *a /= total);
    let plans = problem.exact_plans(&weights)?;
    let objective: f64 = plans.iter().zip(problem.lambdas()).map(|(p, l)| l * p.cost()).sum();
    if !objective.is_finite() {
        return Err(BarycenterError::NumericalBreakdown {
            reason: format!("V(a) = sum_k lambda_k T(a, b_k) overflows f64 ({objective})"),
        });
    }
    Ok(FixedSupportSolution {
        weights,
        plans,
        objective,
        lp_objective,
        lp_violation,
        // exact for the network simplex's plans; the microlp path sets its certified gap
        duality_gap: 0.0,
    })
}

/// K = 2: the transport problem between b_1 and b_2 for the cost D(j_1, j_2) =
/// min_i lambda_1 C_1(i, j_1) + lambda_2 C_2(i, j_2); a collects the mass of each pair at its
/// minimising i (the first on ties).
fn solve_two_targets(problem: &FixedSupportProblem) -> Result<FixedSupportSolution, BarycenterError> {
    let (c1, c2) = (&problem.costs()[0], &problem.costs()[1]);
    let (b1, b2) = (&problem.targets()[0], &problem.targets()[1]);
    let (l1, l2) = (problem.lambdas()[0], problem.lambdas()[1]);
    let (n, m1, m2) = (problem.support_size(), b1.len(), b2.len());
    let len = checked_size("pair cost matrix", m1, m2, 16)?;
    let mut d = try_vec_with_capacity("pair cost matrix", len)?;
    d.resize(len, 0.0);
    let mut through: Vec<usize> = try_vec_with_capacity("pair routing", len)?;
    through.resize(len, 0);
    d.par_chunks_mut(m2)
        .zip(through.par_chunks_mut(m2))
        .enumerate()
        .for_each(|(j1, (d_row, via_row))| {
            d_row.iter_mut().for_each(|x| *x = f64::INFINITY);
            for i in 0..n {
                let first = l1 * c1.get(i, j1);
                for ((x, via), &c) in d_row.iter_mut().zip(via_row.iter_mut()).zip(c2.row(i)) {
                    let value = first + l2 * c;
                    if value < *x {
                        *x = value;
                        *via = i;
                    }
                }
            }
        });
    let pair_cost = CostMatrix::new(m1, m2, d)?;
    let transport = NetworkSimplex::default()
        .solve(b1, b2, &pair_cost)
        .map_err(|e| BarycenterError::Coupling {
            k: 1,
            iteration: None,
            source: Box::new(e),
        })?;
    let mut weights = vec![0.0; n];
    for (j1, j2, q) in transport.plan.iter() {
        weights[through[j1 * m2 + j2]] += q;
    }
    let violation = transport.plan.marginal_error(b1, b2);
    polish(problem, weights, transport.cost, violation)
}
