//! The entropic fixed-support barycentre by iterative Bregman projections, in the log domain.

use super::kernel::{log_sum_exp_rows, pair_with};
use super::FixedSupportProblem;
use crate::BarycenterError;
use kantorovich_core::{checked_size, try_vec_with_capacity, CoreError, StopReason, TransportPlan};
use rayon::prelude::*;

/// The entropic fixed-support barycentre by iterative Bregman projections (IBP; Benamou,
/// Carlier, Cuturi, Nenna and Peyre 2015), computed on log potentials.
///
/// With w_k = lambda_k / sum_l lambda_l, it solves
///
/// ```text
/// minimise   sum_k w_k ( <C_k, P_k> + eps sum_ij P_k(i, j) (log P_k(i, j) - 1) )
/// over       P_k >= 0 with P_k^T 1 = b_k and a common first marginal P_k 1 = a,
/// ```
///
/// eps > 0 absolute (in the units of the costs: the `reg` of POT's `ot.bregman.barycenter`).
/// Scaling all lambda_k by the same factor leaves the minimiser unchanged, so the weights are
/// normalised here. The plans are P_k(i, j) = exp((f_k(i) + g_k(j) - C_k(i, j)) / eps), and each
/// iteration is the pair of KL projections
///
/// ```text
/// g_k(j) = eps log b_k(j) - eps log sum_i exp((f_k(i) - C_k(i, j)) / eps)      (columns: P_k^T 1 = b_k)
/// log r_k(i) = f_k(i) / eps + log sum_j exp((g_k(j) - C_k(i, j)) / eps)      (rows of P_k)
/// log a(i) = sum_k w_k log r_k(i)                                           (geometric mean)
/// f_k(i) += eps (log a(i) - log r_k(i))                                     (rows: P_k 1 = a)
/// ```
///
/// Every sum of exponentials is shifted by its largest term, so nothing underflows or
/// overflows however small eps is; the K projections run in parallel (rayon), and so do the
/// rows of each log-sum-exp.
///
/// **Stopping.** After the column projections the error is
/// err = max_k sum_i |r_k(i) - a(i)| (the L1 disagreement of the first marginals with their
/// geometric mean); the run stops when err <= `tolerance` (1e-9 by default) or after
/// `max_iterations` (10 000 by default). The solution reports whether it converged; not
/// converging is not an error, but [`IbpSolution::converged`] is false.
///
/// The weights returned are a normalised to sum 1, and the plans those after the last column
/// projection (so P_k^T 1 = b_k to rounding, P_k 1 = r_k within err of a).
///
/// ```
/// use kantorovich_barycenter::{FixedSupportProblem, Ibp};
/// use kantorovich_core::CostMatrix;
/// let c0 = CostMatrix::new(3, 1, vec![0.0, 1.0, 4.0])?;
/// let c2 = CostMatrix::new(3, 1, vec![4.0, 1.0, 0.0])?;
/// let problem = FixedSupportProblem::new(vec![c0, c2], vec![vec![1.0], vec![1.0]], vec![0.5, 0.5])?;
/// let solution = Ibp::new(0.01).solve(&problem)?;
/// assert!(solution.converged && solution.marginal_error <= 1e-9);
/// assert!(solution.weights[1] > 0.999 && (solution.transport_cost - 1.0).abs() < 1e-3);
/// # Ok::<(), kantorovich_barycenter::BarycenterError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ibp {
    epsilon: f64,
    tolerance: f64,
    max_iterations: usize,
    trace: bool,
}

/// One iteration of [`Ibp`], recorded when [`Ibp::trace`] is on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IbpRecord {
    /// The iteration, from 1.
    pub iteration: usize,
    /// err = max_k sum_i |r_k(i) - a(i)| after its column projections.
    pub marginal_error: f64,
}

/// The outcome of [`Ibp`].
#[derive(Debug, Clone)]
pub struct IbpSolution {
    /// The barycentre weights a (geometric mean of the first marginals, normalised to sum 1).
    pub weights: Vec<f64>,
    /// The unregularised value sum_k lambda_k <C_k, P_k> of the plans (lambda_k as given); it
    /// tends to the LP's value as eps -> 0.
    pub transport_cost: f64,
    /// The final err = max_k sum_i |r_k(i) - a(i)| (a before normalisation).
    pub marginal_error: f64,
    /// Number of iterations run.
    pub iterations: usize,
    /// Whether err <= tolerance was reached (otherwise the iteration cap stopped the run).
    pub converged: bool,
    /// Why the run stopped: `Converged` (the same as `converged`) or `IterationLimit`.
    pub stop_reason: StopReason,
    /// Per-iteration records, empty unless [`Ibp::trace`] was on.
    pub trace: Vec<IbpRecord>,
    /// The potentials f_k (n entries each), in cost units.
    pub f: Vec<Vec<f64>>,
    /// The potentials g_k (m_k entries each), in cost units.
    pub g: Vec<Vec<f64>>,
    /// The eps of the run.
    pub epsilon: f64,
}

impl IbpSolution {
    /// The plans P_k(i, j) = exp((f_k(i) + g_k(j) - C_k(i, j)) / eps) (dense: n m_k entries each),
    /// for the problem that was solved.
    pub fn plans(&self, problem: &FixedSupportProblem) -> Result<Vec<TransportPlan>, BarycenterError> {
        problem
            .costs()
            .iter()
            .zip(self.f.iter().zip(&self.g))
            .map(|(cost, (f, g))| {
                if f.len() != cost.rows() || g.len() != cost.cols() {
                    return Err(CoreError::InvalidParameter {
                        name: "problem",
                        reason: "not the problem this solution was computed for (sizes differ)".into(),
                    }
                    .into());
                }
                let mut entries = try_vec_with_capacity("IBP plan", cost.rows() * cost.cols())?;
                let mut total = 0.0;
                for (i, &fi) in f.iter().enumerate() {
                    for (j, (&gj, &c)) in g.iter().zip(cost.row(i)).enumerate() {
                        let p = ((fi + gj - c) / self.epsilon).exp();
                        total += c * p;
                        entries.push((i, j, p));
                    }
                }
                Ok(TransportPlan::from_triplets(cost.rows(), cost.cols(), entries, total)?)
            })
            .collect()
    }
}

impl Ibp {
    /// IBP at regularisation `epsilon` (absolute), tolerance 1e-9, at most 10 000 iterations.
    /// A non-positive or non-finite eps is reported by [`solve`](Self::solve).
    pub fn new(epsilon: f64) -> Self {
        Self {
            epsilon,
            tolerance: 1e-9,
            max_iterations: 10_000,
            trace: false,
        }
    }
    /// Stop when err = max_k sum_i |r_k(i) - a(i)| <= `tolerance` (>= 0; 0 runs all iterations
    /// unless the marginals agree exactly; a negative tolerance is an error).
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }
    /// The iteration cap.
    pub fn max_iterations(mut self, iterations: usize) -> Self {
        self.max_iterations = iterations;
        self
    }
    /// Record err at every iteration in [`IbpSolution::trace`].
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = on;
        self
    }

    fn check(&self) -> Result<(), BarycenterError> {
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return Err(CoreError::InvalidParameter {
                name: "epsilon",
                reason: format!("eps = {}: the regularisation must be positive and finite", self.epsilon),
            }
            .into());
        }
        if self.tolerance.is_nan() || self.tolerance < 0.0 {
            return Err(CoreError::InvalidParameter {
                name: "tolerance",
                reason: format!(
                    "{} is not a tolerance: use a number >= 0 (0 runs all iterations)",
                    self.tolerance
                ),
            }
            .into());
        }
        if self.max_iterations == 0 {
            return Err(CoreError::InvalidParameter {
                name: "max_iterations",
                reason: "IBP needs at least one iteration".into(),
            }
            .into());
        }
        Ok(())
    }

    /// Runs IBP on `problem`. Errors on invalid settings or if the scaled cost matrices cannot
    /// be allocated (two copies of each C_k are kept: by rows and by columns).
    pub fn solve(&self, problem: &FixedSupportProblem) -> Result<IbpSolution, BarycenterError> {
        self.check()?;
        let n = problem.support_size();
        let inv_eps = 1.0 / self.epsilon;
        let total_lambda: f64 = problem.lambdas().iter().sum();
        let w: Vec<f64> = problem.lambdas().iter().map(|l| l / total_lambda).collect();
        let mut states = problem
            .costs()
            .iter()
            .zip(problem.targets())
            .map(|(cost, b)| State::new(cost.as_slice(), n, b, inv_eps))
            .collect::<Result<Vec<_>, BarycenterError>>()?;
        let mut log_a = vec![0.0; n];
        let mut trace = Vec::new();
        let (mut iterations, mut converged, mut err) = (0, false, f64::INFINITY);
        while iterations < self.max_iterations {
            iterations += 1;
            states.par_iter_mut().for_each(State::project_columns);
            log_a.iter_mut().enumerate().for_each(|(i, la)| {
                *la = states.iter().zip(&w).map(|(s, wk)| wk * s.log_r[i]).sum();
            });
            err = states
                .iter()
                .map(|s| {
                    s.log_r
                        .iter()
                        .zip(&log_a)
                        .map(|(lr, la)| (lr.exp() - la.exp()).abs())
                        .sum::<f64>()
                })
                .fold(0.0, f64::max);
            if self.trace {
                trace.push(IbpRecord {
                    iteration: iterations,
                    marginal_error: err,
                });
            }
            if err <= self.tolerance {
                converged = true;
                break;
            }
            if iterations == self.max_iterations {
                break;
            }
            states.par_iter_mut().for_each(|s| s.project_rows(&log_a));
        }
        let mut weights: Vec<f64> = log_a.iter().map(|la| la.exp()).collect();
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|a| *a /= total);
        if !(total > 0.0 && total.is_finite()) || weights.iter().any(|a| !a.is_finite()) {
            return Err(BarycenterError::NumericalBreakdown {
                reason: format!(
                    "IBP at eps = {:e} ended with weights of total {total} (costs / eps out of the range of f64?)",
                    self.epsilon
                ),
            });
        }
        let transport_cost = states
            .par_iter()
            .zip(problem.costs())
            .zip(problem.lambdas())
            .map(|((s, cost), l)| l * pair_with(&s.scaled, s.cols, &s.alpha, &s.beta, cost.as_slice()))
            .sum();
        let (f, g) = states
            .into_iter()
            .map(|s| {
                (
                    s.alpha.iter().map(|x| x * self.epsilon).collect(),
                    s.beta.iter().map(|x| x * self.epsilon).collect(),
                )
            })
            .unzip();
        Ok(IbpSolution {
            weights,
            transport_cost,
            marginal_error: err,
            iterations,
            converged,
            stop_reason: if converged {
                StopReason::Converged
            } else {
                StopReason::IterationLimit
            },
            trace,
            f,
            g,
            epsilon: self.epsilon,
        })
    }
}

/// The iterates of one target: potentials scaled by 1/eps (alpha = f / eps, beta = g / eps) and
/// C_k / eps stored by rows and by columns, so both log-sum-exps read memory contiguously.
struct State {
    cols: usize,
    scaled: Vec<f64>,
    scaled_t: Vec<f64>,
    log_b: Vec<f64>,
    alpha: Vec<f64>,
    beta: Vec<f64>,
    log_r: Vec<f64>,
    lse_cols: Vec<f64>,
}

impl State {
    fn new(cost: &[f64], n: usize, b: &[f64], inv_eps: f64) -> Result<Self, BarycenterError> {
        let m = b.len();
        let len = checked_size("IBP scaled costs", n, m, 8)?;
        let mut scaled = try_vec_with_capacity("IBP scaled costs", len)?;
        scaled.extend(cost.iter().map(|c| c * inv_eps));
        let mut scaled_t = try_vec_with_capacity("IBP scaled costs (by columns)", len)?;
        for j in 0..m {
            scaled_t.extend((0..n).map(|i| scaled[i * m + j]));
        }
        Ok(Self {
            cols: m,
            scaled,
            scaled_t,
            log_b: b.iter().map(|x| x.ln()).collect(),
            alpha: vec![0.0; n],
            beta: vec![0.0; m],
            log_r: vec![0.0; n],
            lse_cols: vec![0.0; m],
        })
    }

    /// beta_j = log b_j - LSE_i(alpha_i - C_ij / eps), then log r_i = alpha_i + LSE_j(beta_j - C_ij / eps).
    fn project_columns(&mut self) {
        let n = self.alpha.len();
        log_sum_exp_rows(&self.scaled_t, n, &self.alpha, &mut self.lse_cols);
        for ((beta, lb), l) in self.beta.iter_mut().zip(&self.log_b).zip(&self.lse_cols) {
            // b_j = 0 gives beta_j = -inf: that column carries no mass
            *beta = lb - l;
        }
        log_sum_exp_rows(&self.scaled, self.cols, &self.beta, &mut self.log_r);
        for (lr, al) in self.log_r.iter_mut().zip(&self.alpha) {
            *lr += al;
        }
    }

    /// alpha_i += log a_i - log r_i, so that the rows of the plan become a.
    fn project_rows(&mut self, log_a: &[f64]) {
        for ((al, la), lr) in self.alpha.iter_mut().zip(log_a).zip(&self.log_r) {
            *al += la - lr;
        }
    }
}
