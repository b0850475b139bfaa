//! Entropic optimal transport: log-domain Sinkhorn iterations with epsilon-scaling.

use crate::backend::first_non_finite;
use crate::network_simplex::balanced_marginals;
use crate::{CostBackend, OtError};
use kantorovich_core::{try_vec_with_capacity, CoreError, StopReason};
use rayon::prelude::*;

/// Entropic optimal transport by Sinkhorn iterations on the dual potentials, in the log domain.
///
/// For weights a, b (equal totals) and a cost matrix C it solves
///
/// ```text
/// T_eps(a, b) = min over P >= 0 with P 1 = a, P^T 1 = b of  <C, P> + eps KL(P | a b^T),
/// KL(P | Q) = sum_ij P_ij log(P_ij / Q_ij) - P_ij + Q_ij,
/// ```
///
/// whose optimal plan is P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) for dual potentials solving
/// the soft c-transforms
///
/// ```text
/// f_i = -eps log sum_j b_j exp((g_j - C_ij) / eps),    g_j = -eps log sum_i a_i exp((f_i - C_ij) / eps).
/// ```
///
/// Each iteration applies both updates (so the column marginals are exact after it) and the run
/// stops when the L1 error of the row marginals, sum_i |sum_j P_ij - a_i|, is at most
/// `tolerance` times the mass. Each log-sum-exp is first summed in one pass relative to the
/// current potentials (its terms are then at most max(a_i / b_j), so nothing overflows); a sum
/// outside [1e-250, 1e250] is recomputed shifted by its largest term. No exponential overflows
/// or underflows to a wrong answer, down to eps = 1e-4 max|C| and below.
///
/// **Epsilon-scaling** (on by default): eps is annealed geometrically, by `scaling_factor`, from
/// max|C| down to the target, with a few iterations at each intermediate value (until the
/// marginal error is below 1e-2, at most 100) warm-starting the potentials.
///
/// **Over-relaxation** (on by default, see [`relaxation`](Sinkhorn::relaxation)): at the target
/// eps the updates become f <- (1 - omega) f + omega T(g) with omega in [1, 1.95] estimated from
/// the observed convergence rate; at eps = 1e-3 max|C| this takes about 5 to 7 times fewer
/// iterations than plain Sinkhorn. The run always ends on plain updates, so the column
/// marginals are exact when it stops.
///
/// **Cost back-ends**: [`solve`](Sinkhorn::solve) takes any [`CostBackend`]: a stored
/// [`CostMatrix`](kantorovich_core::CostMatrix) or the matrix-free [`LazyCost`](crate::LazyCost).
///
/// Hitting `max_iterations` is not an error: the solution says so with `converged = false` and
/// its `marginal_error`.
///
/// ```
/// use kantorovich_core::CostMatrix;
/// use kantorovich_ot::Sinkhorn;
/// let cost = CostMatrix::new(2, 2, vec![0.0, 1.0, 1.0, 0.0])?;
/// let sol = Sinkhorn::new(1e-3).solve(&[0.5, 0.5], &[0.5, 0.5], &cost)?;
/// assert!(sol.converged && sol.marginal_error <= 1e-9);
/// assert!(sol.transport_cost < 1e-6); // almost no mass leaves the diagonal
/// # Ok::<(), kantorovich_ot::OtError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sinkhorn {
    epsilon: f64,
    tolerance: f64,
    max_iterations: usize,
    scaling_factor: Option<f64>,
    relaxation: bool,
}

/// The result of [`Sinkhorn::solve`].
#[derive(Debug, Clone, PartialEq)]
pub struct SinkhornSolution {
    /// The source potentials f_1..f_n.
    pub f: Vec<f64>,
    /// The target potentials g_1..g_m.
    pub g: Vec<f64>,
    /// The regularisation eps the potentials solve for.
    pub epsilon: f64,
    /// <C, P>, the transport cost of the entropic plan (POT's `sinkhorn2` value).
    pub transport_cost: f64,
    /// <C, P> + eps KL(P | a b^T), the entropic cost of the plan.
    pub entropic_cost: f64,
    /// The dual value sum_i a_i f_i + sum_j b_j g_j - eps (sum_ij P_ij - sum_i a_i); equal to the
    /// entropic cost at convergence.
    pub dual_value: f64,
    /// Sinkhorn iterations done at the target eps (earlier scaling stages not counted).
    pub iterations: usize,
    /// Sinkhorn iterations over all scaling stages.
    pub total_iterations: usize,
    /// The final L1 error of the row marginals, relative to the mass.
    pub marginal_error: f64,
    /// Whether `marginal_error <= tolerance` was reached before `max_iterations`.
    pub converged: bool,
    /// Why the run stopped: `Converged` (the same as `converged`) or `IterationLimit`.
    pub stop_reason: StopReason,
}

impl SinkhornSolution {
    /// The value of the problem solved, the entropic cost T_eps = `entropic_cost`: the same
    /// accessor as [`ExactSolution::cost`](crate::ExactSolution::cost) and
    /// [`TransportPlan::cost`](kantorovich_core::TransportPlan::cost) of the entropic coupling.
    pub fn cost(&self) -> f64 {
        self.entropic_cost
    }
}

impl Sinkhorn {
    /// Sinkhorn at regularisation `epsilon` (absolute, in the units of the cost), tolerance 1e-9
    /// on the relative L1 marginal error, at most 10,000 iterations, epsilon-scaling by 0.5.
    pub fn new(epsilon: f64) -> Self {
        Self {
            epsilon,
            tolerance: 1e-9,
            max_iterations: 10_000,
            scaling_factor: Some(0.5),
            relaxation: true,
        }
    }
    /// Stop when sum_i |sum_j P_ij - a_i| <= tolerance * sum_i a_i.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }
    /// At most this many iterations at the target eps.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }
    /// Anneal eps by this factor in (0, 1) from max|C| to the target, or `None` to start at the
    /// target directly.
    pub fn scaling(mut self, factor: Option<f64>) -> Self {
        self.scaling_factor = factor;
        self
    }

    /// Over-relax the updates at the target eps (on by default): f <- (1 - omega) f + omega T(g),
    /// with omega in [1, 1.95] chosen from the convergence rate observed on plain iterations.
    /// Near the solution the error then shrinks at the rate omega - 1 instead of the plain rate
    /// r (e.g. 0.82 instead of 0.99 per iteration), which takes many times fewer iterations at
    /// small eps. Safeguarded: see the solver docs. `false` runs plain Sinkhorn.
    pub fn relaxation(mut self, on: bool) -> Self {
        self.relaxation = on;
        self
    }

    fn check(&self) -> Result<(), OtError> {
        let bad = |name: &'static str, reason: String| Err(OtError::Core(CoreError::InvalidParameter { name, reason }));
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return bad("epsilon", format!("{} is not a finite number > 0", self.epsilon));
        }
        if self.tolerance.is_nan() || self.tolerance < 0.0 {
            return bad("tolerance", format!("{} is not a number >= 0", self.tolerance));
        }
        if let Some(s) = self.scaling_factor {
            if !(s > 0.0 && s < 1.0) {
                return bad("scaling", format!("the factor {s} is not in (0, 1)"));
            }
        }
        Ok(())
    }

    /// Solves the entropic problem for weights `a` (rows), `b` (columns) and `cost`: a stored
    /// [`CostMatrix`](kantorovich_core::CostMatrix), a matrix-free [`LazyCost`](crate::LazyCost)
    /// or any other [`CostBackend`].
    ///
    /// Errors: the weight errors of [`NetworkSimplex::solve`](crate::NetworkSimplex::solve)
    /// (lengths, NaN, negative, zero totals, unequal masses), an invalid parameter, and
    /// [`OtError::NumericalBreakdown`] if a reduction returns NaN (a NaN cost in a custom
    /// back-end).
    pub fn solve<B: CostBackend + ?Sized>(&self, a: &[f64], b: &[f64], cost: &B) -> Result<SinkhornSolution, OtError> {
        self.run(a, b, cost, false, None)
    }

    /// As [`solve`](Sinkhorn::solve), starting from the potentials (f, g) instead of zero: a
    /// warm start from the solution of a nearby problem (the next eps, a coarser level of a
    /// multiscale solve, moved points). Usually with [`scaling`](Sinkhorn::scaling)`(None)`,
    /// since annealing from max|C| would discard most of what the start knows.
    ///
    /// Errors as `solve`, and with [`OtError::LengthMismatch`] or an invalid parameter if `f`
    /// (length n) or `g` (length m) has the wrong length or a non-finite entry.
    pub fn solve_from<B: CostBackend + ?Sized>(
        &self,
        a: &[f64],
        b: &[f64],
        cost: &B,
        f: &[f64],
        g: &[f64],
    ) -> Result<SinkhornSolution, OtError> {
        for (name, x, expected) in [("f", f, cost.rows()), ("g", g, cost.cols())] {
            if x.len() != expected {
                return Err(OtError::LengthMismatch {
                    name,
                    found: x.len(),
                    expected,
                });
            }
            if let Some(k) = x.iter().position(|v| !v.is_finite()) {
                return Err(CoreError::InvalidParameter {
                    name,
                    reason: format!("the starting potential {name}[{k}] is {}: give finite numbers", x[k]),
                }
                .into());
            }
        }
        self.run(a, b, cost, false, Some((f, g)))
    }

    /// The symmetric problem T_eps(mu, mu) for weights `a` and a square cost C(x_i, x_j)
    /// (symmetric: C_ij = C_ji). Its potentials are equal, f = g, and the averaged update
    /// f <- (f + T(f)) / 2, T the soft c-transform, converges in a few iterations where the
    /// alternating updates oscillate. Used by [`sinkhorn_divergence`](crate::sinkhorn_divergence).
    ///
    /// The symmetry is checked first (one pass over the costs, [`asymmetric_pair`]): a cost
    /// with |C_ij - C_ji| > 1e-12 max(|C_ij|, |C_ji|) + 1e-15 max|C| for some pair fails with
    /// [`OtError::NotSymmetric`], since the averaged update would then converge to the wrong
    /// problem. Errors as [`solve`](Sinkhorn::solve) otherwise.
    pub fn solve_symmetric<B: CostBackend + ?Sized>(&self, a: &[f64], cost: &B) -> Result<SinkhornSolution, OtError> {
        if let Some(error) = asymmetric_pair(cost) {
            return Err(error);
        }
        self.run(a, a, cost, true, None)
    }

    /// As [`solve_symmetric`](Sinkhorn::solve_symmetric) for a cost already known to be
    /// symmetric.
    pub(crate) fn solve_symmetric_unchecked<B: CostBackend + ?Sized>(
        &self,
        a: &[f64],
        cost: &B,
    ) -> Result<SinkhornSolution, OtError> {
        self.run(a, a, cost, true, None)
    }

    fn run<B: CostBackend + ?Sized>(
        &self,
        a: &[f64],
        b: &[f64],
        cost: &B,
        symmetric: bool,
        start: Option<(&[f64], &[f64])>,
    ) -> Result<SinkhornSolution, OtError> {
        self.check()?;
        let (n, m) = (cost.rows(), cost.cols());
        let (total_a, b) = balanced_marginals(a, b, n, m)?;
        // log weights; -inf for zero weights drops those atoms from every sum
        let log_a: Vec<f64> = a.iter().map(|x| x.ln()).collect();
        let log_b: Vec<f64> = b.iter().map(|x| x.ln()).collect();
        let (mut f, mut g) = match start {
            Some((f, g)) => (f.to_vec(), g.to_vec()),
            None => (vec![0.0; n], vec![0.0; m]),
        };
        let (mut u, mut v) = (vec![0.0; n], vec![0.0; m]);
        let (mut row_lse, mut col_lse) = (vec![0.0; n], vec![0.0; m]);

        let mut total_iterations = 0;
        // one pass over the costs (cached by the lazy back-end): max|C| for the schedule, and
        // a non-finite cost is reported by position before any iteration
        let max_abs = cost.max_abs();
        if !max_abs.is_finite() {
            return Err(first_non_finite(cost).unwrap_or(OtError::NumericalBreakdown {
                reason: format!("max |C_ij| is {max_abs}"),
            }));
        }
        let mut eps = match self.scaling_factor {
            Some(_) => max_abs.max(self.epsilon),
            None => self.epsilon,
        };
        if let Some(s) = self.scaling_factor {
            // each stage costs at least one pass: a factor next to 1 must not mean billions of them
            let stages = ((eps / self.epsilon).ln() / (1.0 / s).ln()).ceil();
            if stages.is_nan() || stages > MAX_STAGES as f64 {
                return Err(CoreError::InvalidParameter {
                    name: "scaling",
                    reason: format!(
                        "the factor {s} needs about {stages} epsilon stages from max|C| = {eps:e} down to eps = {:e}, \
                         more than {MAX_STAGES}: use a smaller factor (0.5 is the default)",
                        self.epsilon
                    ),
                }
                .into());
            }
        }
        loop {
            let last = eps <= self.epsilon;
            let (cap, tol) = if last {
                (self.max_iterations, self.tolerance)
            } else {
                // intermediate stages only need to be roughly converged
                (
                    self.max_iterations.min(STAGE_ITERATIONS),
                    self.tolerance.max(STAGE_TOLERANCE),
                )
            };
            let inv_eps = 1.0 / eps;
            let mut iterations = 0;
            // over-relaxation only at the target eps (the stages before it stop early anyway)
            let mut relax = Relaxation::new(last && !symmetric && self.relaxation);
            let (err, exact_columns) = loop {
                // Row pass: with P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps), row_lse_i is
                // log(sum_j P_ij / a_i): both the row marginal error and the f update.
                scaled(&mut u, &f, inv_eps, None);
                scaled(&mut v, &g, inv_eps, Some(&log_b));
                cost.row_log_sum_exp(&u, &v, inv_eps, &mut row_lse);
                let err = row_error(a, &row_lse) / total_a;
                if err.is_nan() {
                    return Err(OtError::NumericalBreakdown {
                        reason: "a Sinkhorn reduction returned NaN (is a cost NaN?)".into(),
                    });
                }
                // the columns are exact only after a plain (omega = 1) column update
                let exact_columns = iterations > 0 && relax.last_plain();
                if (err <= tol && exact_columns) || iterations == cap {
                    break (err, exact_columns);
                }
                let Some(omega) = relax.omega(err, tol, &mut f, &mut g) else {
                    // a checkpoint was restored: row_lse is stale, start the iteration again
                    iterations += 1;
                    continue;
                };
                if symmetric {
                    // f <- (f + T(f)) / 2 with T(f)_i = f_i - eps row_lse_i
                    f.iter_mut().zip(&row_lse).for_each(|(fi, l)| *fi -= 0.5 * eps * l);
                    g.copy_from_slice(&f);
                } else {
                    // f <- (1 - omega) f + omega T(g), T(g)_i = f_i - eps row_lse_i
                    f.iter_mut().zip(&row_lse).for_each(|(fi, l)| *fi -= omega * eps * l);
                    scaled(&mut u, &f, inv_eps, Some(&log_a));
                    scaled(&mut v, &g, inv_eps, None);
                    cost.col_log_sum_exp(&u, &v, inv_eps, &mut col_lse);
                    g.iter_mut().zip(&col_lse).for_each(|(gj, l)| *gj -= omega * eps * l);
                }
                iterations += 1;
            };
            total_iterations += iterations;
            if last {
                let solution = finish(
                    cost,
                    (a, &b),
                    &log_a,
                    &log_b,
                    f,
                    g,
                    total_a,
                    eps,
                    (err, exact_columns && !symmetric),
                );
                let values = [
                    ("entropic cost", solution.entropic_cost),
                    ("transport cost", solution.transport_cost),
                    ("dual value", solution.dual_value),
                ];
                if let Some((what, v)) = values.iter().find(|(_, v)| !v.is_finite()) {
                    return Err(OtError::NumericalBreakdown {
                        reason: format!(
                            "the {what} came out as {v} (eps = {:e}, total mass {total_a:e})",
                            self.epsilon
                        ),
                    });
                }
                return Ok(SinkhornSolution {
                    iterations,
                    total_iterations,
                    // (a run stopped by the cap right after a relaxed update has inexact columns)
                    converged: err <= self.tolerance && exact_columns,
                    stop_reason: if err <= self.tolerance && exact_columns {
                        StopReason::Converged
                    } else {
                        StopReason::IterationLimit
                    },
                    ..solution
                });
            }
            eps = (eps * self.scaling_factor.unwrap_or(0.0)).max(self.epsilon);
        }
    }

    /// The dense plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) of a solution, row-major, for
    /// the weights and cost it was solved with (b rescaled to the mass of a, as in `solve`).
    ///
    /// Errors with [`OtError::LengthMismatch`] if the sizes of `a`, `b`, `cost` and the solution
    /// disagree, or [`OtError::Core`] if the n x m plan cannot be allocated.
    pub fn plan<B: CostBackend + ?Sized>(
        solution: &SinkhornSolution,
        a: &[f64],
        b: &[f64],
        cost: &B,
    ) -> Result<Vec<f64>, OtError> {
        let (n, m) = (cost.rows(), cost.cols());
        for (name, found, expected) in [
            ("a", a.len(), n),
            ("b", b.len(), m),
            ("f", solution.f.len(), n),
            ("g", solution.g.len(), m),
        ] {
            if found != expected {
                return Err(OtError::LengthMismatch { name, found, expected });
            }
        }
        let scale = a.iter().sum::<f64>() / b.iter().sum::<f64>();
        let len = kantorovich_core::checked_size("entropic plan", n, m, 8)?;
        let mut p = try_vec_with_capacity("entropic plan", len)?;
        p.resize(len, 0.0);
        if m == 0 {
            return Ok(p);
        }
        let inv_eps = 1.0 / solution.epsilon;
        for (i, row) in p.chunks_mut(m).enumerate() {
            cost.fill_row(i, 0, row);
            for (j, x) in row.iter_mut().enumerate() {
                let w = a[i] * b[j] * scale;
                *x = if w > 0.0 {
                    w * ((solution.f[i] + solution.g[j] - *x) * inv_eps).exp()
                } else {
                    0.0
                };
            }
        }
        Ok(p)
    }
}

/// Over-relaxed Sinkhorn (Thibault et al. 2017; Lehmann et al. 2021): the updates
/// f <- (1 - omega) f + omega T(g) (and likewise g) with omega in [1, 2) converge at the rate
/// omega - 1 near the solution instead of the plain rate r, for the best omega = 2 / (1 +
/// sqrt(1 - r)). r is measured on plain iterations (the ratio of marginal errors over a window),
/// then omega is set from it. Safeguards: the potentials are checkpointed, and an error that
/// grows [`GROWTH_LIMIT`] times past the checkpoint, or is still rising after [`PATIENCE`]
/// iterations, restores it and returns to plain updates for good; once the error is below the
/// tolerance, plain updates finish the run so that the column marginals are exact when it
/// stops.
struct Relaxation {
    enabled: bool,
    omega: f64,
    plain_errors: Vec<f64>,
    relaxed_errors: Vec<f64>,
    checkpoint: Option<(Vec<f64>, Vec<f64>, f64)>,
    since_checkpoint: usize,
    peak: f64,
    last_omega: f64,
}

/// Plain iterations whose errors estimate the rate r.
const RATE_WINDOW: usize = 10;
/// Plain iterations before the estimate (skipping the fast start of a stage).
const RATE_WARMUP: usize = 10;
/// A relaxed error this many times the checkpoint's is divergence: restore, go plain.
const GROWTH_LIMIT: f64 = 1e3;
/// Relaxed iterations after which an error above the checkpoint's must be past its peak.
const PATIENCE: usize = 50;
/// Largest relaxation used.
const MAX_OMEGA: f64 = 1.95;

impl Relaxation {
    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            omega: 1.0,
            plain_errors: Vec::new(),
            relaxed_errors: Vec::new(),
            checkpoint: None,
            since_checkpoint: 0,
            peak: 0.0,
            last_omega: 1.0,
        }
    }

    /// Whether the last update was plain (omega = 1).
    fn last_plain(&self) -> bool {
        self.last_omega == 1.0
    }

    /// The omega of the next update, given the current error, or `None` after restoring a
    /// checkpoint into (f, g).
    fn omega(&mut self, err: f64, tol: f64, f: &mut [f64], g: &mut [f64]) -> Option<f64> {
        if !self.enabled {
            self.last_omega = 1.0;
            return Some(1.0);
        }
        if self.omega > 1.0 {
            let (_, _, best) = self.checkpoint.as_ref().expect("set with omega");
            let best = *best;
            self.since_checkpoint += 1;
            self.peak = self.peak.max(err);
            // SOR may first raise the error (its iteration matrix is not normal) before it
            // falls at the rate omega - 1: allow a large transient, but not divergence
            let diverging = err.is_nan() || err > GROWTH_LIMIT * best;
            // still at its peak after PATIENCE iterations: the transient is not passing
            let stalled = self.since_checkpoint > PATIENCE && err > best && err >= self.peak;
            if err <= tol {
                // finish with plain updates
                self.stop();
            } else if diverging || stalled {
                let (cf, cg, _) = self.checkpoint.take().expect("set with omega");
                f.copy_from_slice(&cf);
                g.copy_from_slice(&cg);
                self.stop();
                return None;
            } else {
                if err < 0.1 * best {
                    self.checkpoint = Some((f.to_vec(), g.to_vec(), err));
                    self.since_checkpoint = 0;
                }
                self.refine(err);
            }
        } else {
            self.plain_errors.push(err);
            let k = self.plain_errors.len();
            if k > RATE_WARMUP + RATE_WINDOW {
                let r = (err / self.plain_errors[k - 1 - RATE_WINDOW]).powf(1.0 / RATE_WINDOW as f64);
                // relax only where plain iterations are slow and still converging
                if r > 0.5 && r < 1.0 {
                    self.omega = best_omega(r);
                    self.checkpoint = Some((f.to_vec(), g.to_vec(), err));
                    self.since_checkpoint = 0;
                }
            }
        }
        self.last_omega = self.omega;
        Some(self.omega)
    }

    /// The early plain iterations often converge faster than the asymptotic rate, so omega
    /// starts too small. If the relaxed iterations converge at a rate lambda slower than
    /// omega - 1, the plain rate r behind it follows from the SOR eigenvalue relation
    /// (lambda + omega - 1)^2 = lambda omega^2 r, and omega is raised to best_omega(r).
    fn refine(&mut self, err: f64) {
        self.relaxed_errors.push(err);
        let k = self.relaxed_errors.len();
        if k <= RATE_WINDOW {
            return;
        }
        let lambda = (err / self.relaxed_errors[k - 1 - RATE_WINDOW]).powf(1.0 / RATE_WINDOW as f64);
        let w = self.omega;
        if lambda < 1.0 && lambda > 1.05 * (w - 1.0) {
            let r = ((lambda + w - 1.0).powi(2) / (lambda * w * w)).min(1.0);
            let better = best_omega(r);
            if better > w + 0.01 {
                self.omega = better;
                self.relaxed_errors.clear();
            }
        }
    }

    fn stop(&mut self) {
        self.enabled = false;
        self.omega = 1.0;
    }
}

/// The first pair (i, j) with |C_ij - C_ji| > 1e-12 max(|C_ij|, |C_ji|) + 1e-15 max|C|, as an
/// [`OtError::NotSymmetric`] (an invalid-parameter error for a cost that is not square); `None`
/// for a symmetric cost. Non-finite entries are left for the solve to report.
/// Compares row i with column i for every i, in parallel: one pass over the costs.
pub fn asymmetric_pair<B: CostBackend + ?Sized>(cost: &B) -> Option<OtError> {
    let n = cost.rows();
    if cost.cols() != n {
        return Some(
            CoreError::InvalidParameter {
                name: "cost",
                reason: format!("a {n} x {} cost is not square, so not symmetric", cost.cols()),
            }
            .into(),
        );
    }
    // round-off next to 0 is not asymmetry: a floor of 1e-15 max|C|
    let floor = 1e-15 * cost.max_abs();
    (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0.0; n], vec![0.0; n]),
            |(row, col), i| {
                cost.fill_row(i, 0, row);
                cost.fill_col(i, 0, col);
                row.iter().zip(col.iter()).enumerate().find_map(|(j, (&c_ij, &c_ji))| {
                    // equal entries (infinite ones included) pass; a non-finite cost is reported
                    // by the solve itself
                    let ok = c_ij == c_ji
                        || !(c_ij.is_finite() && c_ji.is_finite())
                        || (c_ij - c_ji).abs() <= 1e-12 * c_ij.abs().max(c_ji.abs()) + floor;
                    (!ok).then_some(OtError::NotSymmetric { i, j, c_ij, c_ji })
                })
            },
        )
        .find_first(Option::is_some)
        .flatten()
}

/// The SOR optimum 2 / (1 + sqrt(1 - r)) for a plain rate r, capped at [`MAX_OMEGA`].
fn best_omega(r: f64) -> f64 {
    (2.0 / (1.0 + (1.0 - r).sqrt())).min(MAX_OMEGA)
}

/// Iterations allowed at each intermediate eps of the scaling schedule.
const STAGE_ITERATIONS: usize = 100;
/// The most epsilon stages a run may take (a factor of 0.5 from 1e300 down to 1e-300 takes 2000).
const MAX_STAGES: usize = 10_000;
/// Marginal error at which an intermediate eps is left for the next one.
const STAGE_TOLERANCE: f64 = 1e-2;

/// out = x * inv_eps (+ shift).
fn scaled(out: &mut [f64], x: &[f64], inv_eps: f64, shift: Option<&[f64]>) {
    match shift {
        Some(s) => out
            .iter_mut()
            .zip(x)
            .zip(s)
            .for_each(|((o, x), s)| *o = x * inv_eps + s),
        None => out.iter_mut().zip(x).for_each(|(o, x)| *o = x * inv_eps),
    }
}

/// sum_i |sum_j P_ij - a_i| = sum_i a_i |exp(row_lse_i) - 1|.
fn row_error(a: &[f64], row_lse: &[f64]) -> f64 {
    // plain loops inside with_simd: the vectorised exp, one FMA per step (O(n) per iteration
    // matters once the kernel products are fast)
    let mut terms = vec![0.0; a.len()];
    crate::kernel::with_simd(
        #[inline(always)]
        || {
            for ((t, &ai), &l) in terms.iter_mut().zip(a).zip(row_lse) {
                // a_i = 0 adds nothing (and must not meet exp(l) = inf as 0 * inf)
                *t = if ai > 0.0 {
                    ai * (crate::kernel::exp(l) - 1.0).abs()
                } else {
                    0.0
                };
            }
        },
    );
    terms.iter().sum()
}

/// Primal and dual values of the final potentials (the iteration counts are filled in by the
/// caller).
#[allow(clippy::too_many_arguments)]
fn finish<B: CostBackend + ?Sized>(
    cost: &B,
    (a, b): (&[f64], &[f64]),
    log_a: &[f64],
    log_b: &[f64],
    mut f: Vec<f64>,
    mut g: Vec<f64>,
    total: f64,
    eps: f64,
    (marginal_error, exact_columns): (f64, bool),
) -> SinkhornSolution {
    let (n, m) = (cost.rows(), cost.cols());
    let inv_eps = 1.0 / eps;
    let mut u = vec![0.0; n];
    let mut v = vec![0.0; m];
    scaled(&mut u, &f, inv_eps, Some(log_a));
    scaled(&mut v, &g, inv_eps, Some(log_b));
    let (mut row_mass, mut row_cost) = (vec![0.0; n], vec![0.0; n]);
    cost.row_moments(&u, &v, inv_eps, &mut row_mass, &mut row_cost);
    // the column sums of P: b itself right after a plain column update (one pass saved)
    let col_mass: Vec<f64> = if exact_columns {
        b.to_vec()
    } else {
        let mut col_lse = vec![0.0; m];
        cost.col_log_sum_exp(&u, &v, inv_eps, &mut col_lse);
        col_lse.iter().map(|l| l.exp()).collect()
    };
    let transport: f64 = row_cost.iter().sum();
    let mass: f64 = row_mass.iter().sum();
    // sum_ij P_ij (f_i + g_j), from the row and column sums of P (zero-weight columns carry no
    // mass, whatever their potential)
    let pfg = dot(&f, &row_mass)
        + g.iter()
            .zip(&col_mass)
            .filter(|(_, c)| **c > 0.0)
            .map(|(gj, c)| gj * c)
            .sum::<f64>();
    // Atoms of zero weight carry no mass; their potentials are the (finite) soft c-transforms,
    // or zero for an atom that sees no mass at all.
    f.iter_mut().chain(g.iter_mut()).for_each(|x| {
        if !x.is_finite() {
            *x = 0.0;
        }
    });
    // sum_ij a_i b_j = total^2 (b is rescaled to the mass of a)
    let product_mass = total * total;
    let dual_value = dot(a, &f) + dot(b, &g) - eps * (mass - product_mass);
    // <C, P> + eps KL(P | a b^T) = sum P (f_i + g_j) - eps (sum P - sum a b^T)
    let entropic_cost = pfg - eps * (mass - product_mass);
    SinkhornSolution {
        f,
        g,
        epsilon: eps,
        transport_cost: transport,
        entropic_cost,
        dual_value,
        iterations: 0,
        total_iterations: 0,
        marginal_error,
        converged: false,
        stop_reason: StopReason::IterationLimit,
    }
}

fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain iterations at rate 0.99 switch relaxation on; a blow-up restores the checkpoint,
    /// and every later update is plain (so the run can end with exact columns).
    #[test]
    fn relaxation_starts_and_its_safeguard_restores() {
        let mut relax = Relaxation::new(true);
        let (mut f, mut g) = (vec![1.0, 2.0], vec![3.0]);
        let mut err = 1.0;
        let mut omega = 1.0;
        for _ in 0..=RATE_WARMUP + RATE_WINDOW {
            omega = relax.omega(err, 1e-12, &mut f, &mut g).unwrap();
            err *= 0.99;
        }
        assert!(omega > 1.5 && !relax.last_plain(), "omega {omega}");
        let checkpoint = (f.clone(), g.clone());
        f[0] = 100.0;
        assert_eq!(relax.omega(err * 2.0 * GROWTH_LIMIT, 1e-12, &mut f, &mut g), None);
        assert_eq!((f.clone(), g.clone()), checkpoint);
        assert_eq!(relax.omega(err, 1e-12, &mut f, &mut g), Some(1.0));
        assert!(relax.last_plain());
    }

    /// Below the tolerance the relaxed run finishes with plain updates.
    #[test]
    fn relaxation_ends_plain() {
        let mut relax = Relaxation::new(true);
        let (mut f, mut g) = (vec![0.0], vec![0.0]);
        let mut err = 1.0;
        for _ in 0..=RATE_WARMUP + RATE_WINDOW {
            relax.omega(err, 1e-12, &mut f, &mut g);
            err *= 0.99;
        }
        assert!(!relax.last_plain());
        assert_eq!(relax.omega(1e-13, 1e-12, &mut f, &mut g), Some(1.0));
        assert!(relax.last_plain());
    }
}
