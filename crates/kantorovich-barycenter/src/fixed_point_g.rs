//! The iteration G: glue exact couplings along mu, push by the ground barycentre.

use crate::iteration::{run, Stopping};
use crate::{BarycenterError, BarycenterProblem, BarycenterResult, IterationRecord};
use kantorovich_core::{Coupling, DiscreteMeasure, GroundBarycenter, GroundSpace, TransportPlan};
use kantorovich_ot::NetworkSimplex;
use rayon::prelude::*;

/// The fixed-point iteration G of Tanguy, Delon and Gozlan (arXiv 2501.04016).
///
/// For mu = sum_i a_i delta(x_i), take an optimal coupling pi^(k) of mu and nu_k for each k,
/// glue them along mu into the multi-marginal plan
///
/// ```text
/// gamma_{i, j_1..j_K} = prod_k pi^(k)_{i, j_k} / a_i^(K-1)
/// ```
///
/// and push it through the ground barycentre:
/// G(mu) = sum gamma_{i, j_1..j_K} delta(B(y_{1 j_1}, .., y_{K j_K})) over the non-zero terms,
/// with coincident atoms merged. With exact couplings, V decreases (Prop. 3.9 of the paper):
///
/// ```text
/// V(mu) >= V(G mu) + T_delta(mu, G mu),
/// ```
///
/// and a barycentre is a fixed point. The support of G(mu) has at most sum_i prod_k r_ik atoms,
/// r_ik the number of non-zeros of row i of pi^(k); with exact (basic) couplings it stays close
/// to n + sum_k m_k.
///
/// The coupling solver is a parameter: [`NetworkSimplex`] (exact) by default.
#[derive(Debug, Clone)]
pub struct FixedPointG<S = NetworkSimplex> {
    solver: S,
    stopping: Stopping,
    max_support: usize,
}

impl Default for FixedPointG<NetworkSimplex> {
    fn default() -> Self {
        Self::new(NetworkSimplex::default())
    }
}

impl<S> FixedPointG<S> {
    /// G with couplings from `solver`, at most 100 steps, tolerance 1e-9, and at most 10^7
    /// glued atoms.
    pub fn new(solver: S) -> Self {
        Self {
            solver,
            stopping: Stopping {
                max_iterations: 100,
                tolerance: 1e-9,
            },
            max_support: 10_000_000,
        }
    }
    /// Stop after this many applications of G.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.stopping.max_iterations = n;
        self
    }
    /// Stop once V(mu_{t-1}) - V(mu_t) <= tolerance * |V(mu_{t-1})|. A negative tolerance
    /// (e.g. `f64::NEG_INFINITY`) turns the rule off: exactly `max_iterations` steps are taken.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.stopping.tolerance = tolerance;
        self
    }
    /// Error out ([`BarycenterError::SupportTooLarge`]) rather than build a glued measure with
    /// more than this many atoms.
    pub fn max_support(mut self, atoms: usize) -> Self {
        self.max_support = atoms;
        self
    }
    /// The coupling solver.
    pub fn solver(&self) -> &S {
        &self.solver
    }

    /// Iterates G from `init` and returns the iterate of least V with the trace.
    pub fn solve<X, Y, B>(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        init: DiscreteMeasure<X>,
    ) -> Result<BarycenterResult<X>, BarycenterError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        B: GroundBarycenter<X, Y>,
        S: Coupling<X, Y, B::Cost>,
    {
        self.solve_observed(problem, init, |_| {})
    }

    /// As [`solve`](Self::solve), calling `observer` with the record of each iterate as soon as
    /// it is evaluated.
    pub fn solve_observed<X, Y, B>(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        init: DiscreteMeasure<X>,
        observer: impl FnMut(&IterationRecord),
    ) -> Result<BarycenterResult<X>, BarycenterError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        B: GroundBarycenter<X, Y>,
        S: Coupling<X, Y, B::Cost>,
    {
        let step = |mu: &DiscreteMeasure<X>, plans: &[TransportPlan]| glue(problem, mu, plans, self.max_support);
        run(problem, &self.solver, self.stopping, init, step, observer)
    }

    /// One application of G: mu -> G(mu), with couplings computed by the solver.
    pub fn step<X, Y, B>(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        mu: &DiscreteMeasure<X>,
    ) -> Result<DiscreteMeasure<X>, BarycenterError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        B: GroundBarycenter<X, Y>,
        S: Coupling<X, Y, B::Cost>,
    {
        let plans = problem.couplings(mu, &self.solver)?;
        glue(problem, mu, &plans, self.max_support)
    }
}

/// G(mu) from the couplings `plans` of `mu` (one per measure).
pub fn glue<X, Y, B>(
    problem: &BarycenterProblem<X, Y, B>,
    mu: &DiscreteMeasure<X>,
    plans: &[TransportPlan],
    max_support: usize,
) -> Result<DiscreteMeasure<X>, BarycenterError>
where
    X: GroundSpace,
    Y: GroundSpace,
    B: GroundBarycenter<X, Y>,
{
    let n = mu.len();
    // Count the glued atoms first, so an explosion is an error and not an abort.
    let mut atoms: u128 = 0;
    for i in 0..n {
        if mu.weights()[i] > 0.0 {
            atoms += plans.iter().map(|p| p.row(i).0.len() as u128).product::<u128>();
        }
    }
    if atoms > max_support as u128 {
        return Err(BarycenterError::SupportTooLarge {
            atoms,
            limit: max_support,
        });
    }
    let space = problem.space();
    let lambdas = problem.lambdas();
    let measures = problem.measures();
    let k_count = measures.len();
    // Each rayon task glues a block of rows into its own storage; blocks are then concatenated.
    let block = n.div_ceil(4 * rayon::current_num_threads()).max(1);
    let parts: Vec<(X::Storage, Vec<f64>)> = (0..n)
        .into_par_iter()
        .step_by(block)
        .map(|first| {
            let mut points = space.with_capacity(0);
            let mut weights = Vec::new();
            let mut ys: Vec<Y::Point<'_>> = Vec::with_capacity(k_count);
            let mut cursor = vec![0usize; k_count];
            for i in first..(first + block).min(n) {
                let a = mu.weights()[i];
                if a <= 0.0 || plans.iter().any(|p| p.row(i).0.is_empty()) {
                    continue;
                }
                // Odometer over (j_1, .., j_K) among the non-zeros of row i of each plan.
                cursor.iter_mut().for_each(|c| *c = 0);
                loop {
                    ys.clear();
                    let mut mass = a;
                    for (k, plan) in plans.iter().enumerate() {
                        let (cols, masses) = plan.row(i);
                        ys.push(measures[k].point(cols[cursor[k]]));
                        mass *= masses[cursor[k]] / a;
                    }
                    problem.ground().barycenter(space, &ys, lambdas, &mut points)?;
                    weights.push(mass);
                    let mut k = 0;
                    while k < k_count {
                        cursor[k] += 1;
                        if cursor[k] < plans[k].row(i).0.len() {
                            break;
                        }
                        cursor[k] = 0;
                        k += 1;
                    }
                    if k == k_count {
                        break;
                    }
                }
            }
            Ok((points, weights))
        })
        .collect::<Result<_, BarycenterError>>()?;
    let total: usize = parts.iter().map(|(_, w)| w.len()).sum();
    let mut points = space.with_capacity(total);
    let mut weights = Vec::with_capacity(total);
    for (p, w) in &parts {
        for t in 0..w.len() {
            space.push(&mut points, space.point(p, t));
        }
        weights.extend_from_slice(w);
    }
    Ok(DiscreteMeasure::new(space.clone(), points, weights)?.merged())
}
