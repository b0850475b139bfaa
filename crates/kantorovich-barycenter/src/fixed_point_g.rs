//! The iteration G: glue exact couplings along mu, push by the ground barycentre.

use crate::{BarycenterError, BarycenterProblem, FixedPoint, FixedPointMap};
use kantorovich_core::{DiscreteMeasure, GroundBarycenter, GroundSpace, TransportPlan};
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
/// The coupling solver is a parameter: [`NetworkSimplex`](kantorovich_ot::NetworkSimplex) (exact)
/// by default. Settings and `solve` are those of [`FixedPoint`]; G adds
/// [`max_support`](FixedPoint::max_support).
///
/// ```
/// use kantorovich_barycenter::{BarycenterProblem, FixedPointG};
/// use kantorovich_geometry::{Euclidean, SquaredEuclidean};
/// let line = Euclidean::new(1)?;
/// let nus = vec![line.uniform(vec![0.0, 1.0])?, line.uniform(vec![4.0, 5.0])?];
/// let problem = BarycenterProblem::new(line, nus, vec![0.5, 0.5], SquaredEuclidean)?;
/// let result = FixedPointG::default().solve(&problem, problem.default_init())?;
/// assert_eq!(result.measure.points(), &vec![2.0, 3.0]);
/// assert!((result.objective - 4.0).abs() < 1e-12); // 0.5 * 2^2 + 0.5 * 2^2
/// # Ok::<(), kantorovich_barycenter::BarycenterError>(())
/// ```
pub type FixedPointG<S = NetworkSimplex> = FixedPoint<Glue, S>;

/// The map G of [`FixedPointG`]: glue the couplings, push through the ground barycentre, merge
/// coincident atoms. At most `max_support` glued atoms (10^7 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glue {
    /// The largest number of glued atoms allowed before [`BarycenterError::SupportTooLarge`].
    pub max_support: usize,
}

impl Default for Glue {
    fn default() -> Self {
        Self {
            max_support: 10_000_000,
        }
    }
}

impl<S> FixedPoint<Glue, S> {
    /// Error out ([`BarycenterError::SupportTooLarge`]) rather than build a glued measure with
    /// more than this many atoms.
    pub fn max_support(mut self, atoms: usize) -> Self {
        self.map_mut().max_support = atoms;
        self
    }
}

impl<X: GroundSpace, Y: GroundSpace, B: GroundBarycenter<X, Y>> FixedPointMap<X, Y, B> for Glue {
    fn apply(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        mu: &DiscreteMeasure<X>,
        plans: &[TransportPlan],
    ) -> Result<DiscreteMeasure<X>, BarycenterError> {
        glue(problem, mu, plans, self.max_support)
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
