//! Entropic optimal transport: log-domain Sinkhorn iterations with epsilon-scaling.

use crate::network_simplex::balanced_marginals;
use crate::OtError;
use kantorovich_core::{
    try_vec_with_capacity, CoreError, Cost, CostMatrix, Coupling, DiscreteMeasure, GroundSpace, TransportPlan,
};
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
/// `tolerance` times the mass. Every log-sum-exp is shifted by its maximum, so no exponential
/// overflows or underflows to a wrong answer, down to eps = 1e-4 max|C| and below.
///
/// **Epsilon-scaling** (on by default): eps is annealed geometrically, by `scaling_factor`, from
/// max|C| down to the target, with a few iterations at each intermediate value warm-starting the
/// potentials; this takes far fewer iterations than starting at a small eps.
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

    /// Solves the entropic problem for weights `a` (rows), `b` (columns) and `cost`.
    ///
    /// Errors: the weight errors of [`NetworkSimplex::solve`](crate::NetworkSimplex::solve)
    /// (lengths, NaN, negative, zero totals, unequal masses) and an invalid parameter.
    pub fn solve(&self, a: &[f64], b: &[f64], cost: &CostMatrix) -> Result<SinkhornSolution, OtError> {
        self.run(a, b, cost, false)
    }

    /// The symmetric problem T_eps(mu, mu) for weights `a` and a square cost matrix C(x_i, x_j)
    /// (symmetric: C_ij = C_ji). Its potentials are equal, f = g, and the averaged update
    /// f <- (f + T(f)) / 2, T the soft c-transform, converges in a few iterations where the
    /// alternating updates oscillate. Used by [`sinkhorn_divergence`].
    pub fn solve_symmetric(&self, a: &[f64], cost: &CostMatrix) -> Result<SinkhornSolution, OtError> {
        self.run(a, a, cost, true)
    }

    fn run(&self, a: &[f64], b: &[f64], cost: &CostMatrix, symmetric: bool) -> Result<SinkhornSolution, OtError> {
        self.check()?;
        let (n, m) = (cost.rows(), cost.cols());
        let (total_a, b) = balanced_marginals(a, b, cost)?;
        // log weights; -inf for zero weights drops those atoms from every sum
        let log_a: Vec<f64> = a.iter().map(|x| x.ln()).collect();
        let log_b: Vec<f64> = b.iter().map(|x| x.ln()).collect();
        let mut f = vec![0.0; n];
        let mut g = vec![0.0; m];
        let mut scratch = vec![0.0; m];

        let mut total_iterations = 0;
        let mut eps = match self.scaling_factor {
            Some(_) => cost.max().abs().max(self.epsilon),
            None => self.epsilon,
        };
        loop {
            let last = eps <= self.epsilon;
            let (cap, tol) = if last {
                (self.max_iterations, self.tolerance)
            } else {
                // intermediate stages only need to be roughly converged
                (self.max_iterations.min(100), self.tolerance.max(1e-3))
            };
            let mut iterations = 0;
            let mut err = f64::INFINITY;
            while iterations < cap {
                if symmetric {
                    // f <- (f + T(f)) / 2, with T(f)_i = -eps log sum_j a_j exp((f_j - C_ij) / eps)
                    update_rows(cost, &log_b, &f, eps, &mut g);
                    f.iter_mut().zip(&g).for_each(|(fi, ti)| *fi = 0.5 * (*fi + ti));
                    g.copy_from_slice(&f);
                } else {
                    update_rows(cost, &log_b, &g, eps, &mut f);
                    update_cols(cost, &log_a, &f, eps, &mut g, &mut scratch);
                }
                iterations += 1;
                if iterations % 5 == 0 || iterations == cap {
                    err = row_error(cost, a, &log_a, &log_b, &f, &g, eps) / total_a;
                    if err <= tol {
                        break;
                    }
                }
            }
            total_iterations += iterations;
            if last {
                if iterations == 0 {
                    err = row_error(cost, a, &log_a, &log_b, &f, &g, eps) / total_a;
                }
                return Ok(finish(
                    cost,
                    a,
                    &b,
                    &log_a,
                    &log_b,
                    f,
                    g,
                    eps,
                    iterations,
                    total_iterations,
                    err,
                    err <= self.tolerance,
                ));
            }
            eps = (eps * self.scaling_factor.unwrap_or(0.0)).max(self.epsilon);
        }
    }

    /// The dense plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) of a solution, row-major, for
    /// the weights and cost it was solved with (b rescaled to the mass of a, as in `solve`).
    ///
    /// Errors with [`OtError::LengthMismatch`] if the sizes of `a`, `b`, `cost` and the solution
    /// disagree, or [`OtError::Core`] if the n x m plan cannot be allocated.
    pub fn plan(solution: &SinkhornSolution, a: &[f64], b: &[f64], cost: &CostMatrix) -> Result<Vec<f64>, OtError> {
        for (name, found, expected) in [
            ("a", a.len(), cost.rows()),
            ("b", b.len(), cost.cols()),
            ("f", solution.f.len(), cost.rows()),
            ("g", solution.g.len(), cost.cols()),
        ] {
            if found != expected {
                return Err(OtError::LengthMismatch { name, found, expected });
            }
        }
        let scale = a.iter().sum::<f64>() / b.iter().sum::<f64>();
        let mut p = try_vec_with_capacity("entropic plan", cost.rows() * cost.cols())?;
        for (i, &ai) in a.iter().enumerate() {
            for (j, &c) in cost.row(i).iter().enumerate() {
                let w = ai * b[j] * scale;
                p.push(if w > 0.0 {
                    w * ((solution.f[i] + solution.g[j] - c) / solution.epsilon).exp()
                } else {
                    0.0
                });
            }
        }
        Ok(p)
    }
}

/// f_i = -eps log sum_j exp(log b_j + (g_j - C_ij) / eps), stabilised by the row maximum.
fn update_rows(cost: &CostMatrix, log_b: &[f64], g: &[f64], eps: f64, f: &mut [f64]) {
    let update = |(i, fi): (usize, &mut f64)| {
        let row = cost.row(i);
        let z = |j: usize| log_b[j] + (g[j] - row[j]) / eps;
        let max = (0..row.len()).map(z).fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = (0..row.len()).map(|j| (z(j) - max).exp()).sum();
        *fi = -eps * (max + sum.ln());
    };
    // below this size the rayon pool costs more than the work
    if cost.rows() * cost.cols() < PARALLEL_ENTRIES {
        f.iter_mut().enumerate().for_each(update);
    } else {
        f.par_iter_mut().enumerate().for_each(update);
    }
}

/// Matrices with fewer entries are processed on the calling thread.
const PARALLEL_ENTRIES: usize = 1 << 16;

/// g_j = -eps log sum_i exp(log a_i + (f_i - C_ij) / eps), row by row with one running maximum
/// per column (two passes over the row-major matrix).
fn update_cols(cost: &CostMatrix, log_a: &[f64], f: &[f64], eps: f64, g: &mut [f64], max: &mut [f64]) {
    max.iter_mut().for_each(|x| *x = f64::NEG_INFINITY);
    for i in 0..cost.rows() {
        let shift = log_a[i] + f[i] / eps;
        for (mj, &c) in max.iter_mut().zip(cost.row(i)) {
            *mj = mj.max(shift - c / eps);
        }
    }
    g.iter_mut().for_each(|x| *x = 0.0);
    for i in 0..cost.rows() {
        let shift = log_a[i] + f[i] / eps;
        if shift == f64::NEG_INFINITY {
            continue;
        }
        for ((s, &mj), &c) in g.iter_mut().zip(max.iter()).zip(cost.row(i)) {
            *s += (shift - c / eps - mj).exp();
        }
    }
    for (gj, &mj) in g.iter_mut().zip(max.iter()) {
        *gj = -eps * (mj + gj.ln());
    }
}

/// sum_i |sum_j P_ij - a_i|.
fn row_error(cost: &CostMatrix, a: &[f64], log_a: &[f64], log_b: &[f64], f: &[f64], g: &[f64], eps: f64) -> f64 {
    let row_error = |i: usize| -> f64 {
        if a[i] <= 0.0 {
            return 0.0;
        }
        let row = cost.row(i);
        let s: f64 = (0..row.len())
            .map(|j| (log_a[i] + log_b[j] + (f[i] + g[j] - row[j]) / eps).exp())
            .sum();
        (s - a[i]).abs()
    };
    if cost.rows() * cost.cols() < PARALLEL_ENTRIES {
        (0..cost.rows()).map(row_error).sum()
    } else {
        (0..cost.rows()).into_par_iter().map(row_error).sum()
    }
}

#[allow(clippy::too_many_arguments)]
fn finish(
    cost: &CostMatrix,
    a: &[f64],
    b: &[f64],
    log_a: &[f64],
    log_b: &[f64],
    mut f: Vec<f64>,
    mut g: Vec<f64>,
    eps: f64,
    iterations: usize,
    total_iterations: usize,
    marginal_error: f64,
    converged: bool,
) -> SinkhornSolution {
    // One pass for <C, P>, sum P and sum P (f_i + g_j).
    let (mut transport, mut mass, mut pfg) = (0.0, 0.0, 0.0);
    for i in 0..cost.rows() {
        for (j, &c) in cost.row(i).iter().enumerate() {
            let p = (log_a[i] + log_b[j] + (f[i] + g[j] - c) / eps).exp();
            transport += p * c;
            mass += p;
            pfg += p * (f[i] + g[j]);
        }
    }
    // Atoms of zero weight carry no mass; give them the finite soft c-transform values
    // (the formulas above already do: their potentials are finite), and zero for lone atoms.
    f.iter_mut().chain(g.iter_mut()).for_each(|x| {
        if !x.is_finite() {
            *x = 0.0;
        }
    });
    let total: f64 = a.iter().sum();
    let dual_value = dot(a, &f) + dot(b, &g) - eps * (mass - total);
    // <C, P> + eps KL(P | a b^T) = sum P (f_i + g_j) - eps (sum P - sum a b^T)
    let entropic_cost = pfg - eps * (mass - total * b.iter().sum::<f64>());
    SinkhornSolution {
        f,
        g,
        epsilon: eps,
        transport_cost: transport,
        entropic_cost,
        dual_value,
        iterations,
        total_iterations,
        marginal_error,
        converged,
    }
}

fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

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

/// The entropic cost T_eps(mu, nu) = <C, P> + eps KL(P | mu x nu) between two measures, with the
/// solver's settings (its eps, tolerance and scaling). Errors if the run does not converge.
pub fn entropic_cost<X, Y, C>(
    solver: &Sinkhorn,
    mu: &DiscreteMeasure<X>,
    nu: &DiscreteMeasure<Y>,
    cost: &C,
) -> Result<f64, OtError>
where
    X: GroundSpace,
    Y: GroundSpace,
    C: Cost<X, Y> + ?Sized,
{
    let matrix = CostMatrix::between(mu, nu, cost)?;
    Ok(require_converged(solver.solve(mu.weights(), nu.weights(), &matrix)?)?.entropic_cost)
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
/// zero only when mu = nu (Feydy et al. 2019).
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
pub fn sinkhorn_divergence<S, C>(
    solver: &Sinkhorn,
    mu: &DiscreteMeasure<S>,
    nu: &DiscreteMeasure<S>,
    cost: &C,
) -> Result<f64, OtError>
where
    S: GroundSpace,
    C: Cost<S, S> + ?Sized,
{
    let cross = entropic_cost(solver, mu, nu, cost)?;
    let self_cost = |m: &DiscreteMeasure<S>| -> Result<f64, OtError> {
        let matrix = CostMatrix::between(m, m, cost)?;
        Ok(require_converged(solver.solve_symmetric(m.weights(), &matrix)?)?.entropic_cost)
    };
    Ok(cross - 0.5 * (self_cost(mu)? + self_cost(nu)?))
}
