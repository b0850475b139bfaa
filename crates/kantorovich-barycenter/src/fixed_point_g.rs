//! The iteration G: glue couplings along mu, push by the ground barycentre; with entropic
//! couplings, G_eps, optionally with truncation of the glued measure.

use crate::checked::{ground_barycenter, validate_barycenters};
use crate::north_west::{glue_north_west, Gluing};
use crate::{BarycenterError, BarycenterProblem, FixedPoint, FixedPointMap, NextIterate};
use kantorovich_core::{CoreError, DiscreteMeasure, GroundBarycenter, GroundSpace, TransportPlan};
use kantorovich_ot::{NetworkSimplex, Sinkhorn};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

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
/// to n + sum_k m_k. [`gluing`](FixedPoint::gluing)([`Gluing::NorthWest`](crate::Gluing)) glues
/// each row by the North-West-corner rule instead: at most sum_i (sum_k r_ik - K + 1) atoms, and
/// the same decrease (any coupling of the plans along mu gives a valid gamma).
///
/// The coupling solver is a parameter: [`NetworkSimplex`](kantorovich_ot::NetworkSimplex) (exact)
/// by default; with [`Sinkhorn`](kantorovich_ot::Sinkhorn) it is the entropic iteration G_eps
/// ([`FixedPointGEps`]). Settings and `solve` are those of [`FixedPoint`]; G adds
/// [`max_support`](FixedPoint::max_support) and [`mass_threshold`](FixedPoint::mass_threshold).
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

/// The entropic iteration G_eps: the map G of [`FixedPointG`] on entropic couplings.
///
/// For mu = sum_i a_i delta(x_i), let P^k be the optimal plan of the entropic problem
///
/// ```text
/// T_{c_k,eps}(mu, nu_k) = min over couplings P of mu and nu_k of <c_k, P> + eps KL(P | mu x nu_k)
/// ```
///
/// (computed by [`Sinkhorn`]), glue them along mu as G does,
/// gamma_{i, j_1..j_K} = prod_k P^k_{i, j_k} / a_i^(K-1), and push gamma by the ground barycentre:
/// G_eps(mu) = sum gamma_{i, j_1..j_K} delta(B(y_{1 j_1}, .., y_{K j_K})). The objective recorded
/// in the trace is the one the couplings report, V_eps(mu) = sum_k lambda_k T_{c_k,eps}(mu, nu_k)
/// (lambda_k as given, like V).
///
/// **Decrease.** With exact gluing, gamma couples mu with G_eps(mu) and each nu_k, so the
/// ground barycentre inequality integrated against gamma gives, with V the unregularised
/// objective,
///
/// ```text
/// V_eps(mu) - eps sum_k lambda_k KL(P^k | mu x nu_k) = sum_k lambda_k <c_k, P^k>
///                                                  >= V(G_eps mu) + T_delta(mu, G_eps mu).
/// ```
///
/// The same inequality with V_eps(G_eps mu) on the right is false in general, since
/// T_{c,eps}(nu, nu) > 0: with K = 1 (so G_eps mu = nu_1), mu = delta(0),
/// nu_1 = (delta(-1) + delta(1)) / 2 and c = |x - y|^2, V_eps(mu) = 1 = T_delta(mu, G_eps mu).
/// What holds for V_eps is a decrease up to the entropy of the new couplings: the coupling of
/// G_eps mu and nu_k that gamma induces has KL(Q | G_eps mu x nu_k) <= log m_k (a mutual
/// information), so
///
/// ```text
/// V_eps(G_eps mu) + T_delta(mu, G_eps mu) <= V_eps(mu) + eps sum_k lambda_k log m_k.
/// ```
///
/// **Truncation.** Entropic plans are dense, so exact gluing has sum_i prod_k m_k atoms (and the
/// next step multiplies that again). [`mass_threshold`](FixedPoint::mass_threshold) tau drops
/// the glued atoms of mass < tau (relative to the mass of mu) and renormalises the rest; the
/// dropped fraction is reported in the trace ([`IterationRecord::dropped_mass`]). The inequalities
/// above then hold up to about 2 x (dropped mass) x (largest cost): the truncated gamma is within
/// 2 x (dropped mass) of the exact one in total variation.
///
/// ```
/// use kantorovich_barycenter::{BarycenterProblem, FixedPointGEps};
/// use kantorovich_geometry::{Euclidean, SquaredEuclidean};
/// use kantorovich_ot::Sinkhorn;
/// let line = Euclidean::new(1)?;
/// let nus = vec![line.uniform(vec![0.0, 1.0])?, line.uniform(vec![4.0, 5.0])?];
/// let problem = BarycenterProblem::new(line, nus, vec![0.5, 0.5], SquaredEuclidean)?;
/// let g_eps = FixedPointGEps::new(Sinkhorn::new(0.05)).mass_threshold(1e-9).max_iterations(5);
/// let result = g_eps.solve(&problem, problem.default_init())?;
/// // Near the exact barycentre {2, 3} (V* = 4): the entropic plans are almost permutations, of
/// // KL log 2, so V_eps = V* + eps log 2 up to exponentially small terms.
/// assert!((result.objective - (4.0 + 0.05 * 2f64.ln())).abs() < 1e-6);
/// let near = |x: f64| result.measure.iter().filter(|(p, _)| (p[0] - x).abs() < 1e-6).map(|(_, w)| w).sum::<f64>();
/// assert!(near(2.0) > 0.4999 && near(3.0) > 0.4999);
/// assert!(result.trace.iter().all(|r| r.dropped_mass < 1e-6));
/// # Ok::<(), kantorovich_barycenter::BarycenterError>(())
/// ```
///
/// Any entropic coupling serves: `FixedPointGEps::new(MultiscaleSinkhorn::new(eps))` glues the
/// sparse plans of [`MultiscaleSinkhorn`](kantorovich_ot::MultiscaleSinkhorn) for point clouds.
///
/// [`IterationRecord::dropped_mass`]: crate::IterationRecord::dropped_mass
pub type FixedPointGEps<S = Sinkhorn> = FixedPoint<Glue, S>;

/// The map G of [`FixedPointG`]: glue the couplings, push through the ground barycentre, merge
/// coincident atoms.
///
/// Settings: at most `max_support` glued atoms (10^7 by default), a truncation threshold
/// `mass_threshold` (0 by default: exact gluing), and the `gluing` (product by default).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glue {
    /// The largest number of glued atoms allowed before [`BarycenterError::SupportTooLarge`].
    pub max_support: usize,
    /// tau in [0, 1): glued atoms of mass < tau * (mass of mu) are dropped and the rest
    /// renormalised to the mass of mu. 0 keeps every atom.
    pub mass_threshold: f64,
    /// How the couplings are glued along mu ([`Gluing::Product`] by default).
    pub gluing: Gluing,
}

impl Default for Glue {
    fn default() -> Self {
        Self {
            max_support: 10_000_000,
            mass_threshold: 0.0,
            gluing: Gluing::Product,
        }
    }
}

impl<S> FixedPoint<Glue, S> {
    /// Error out ([`BarycenterError::SupportTooLarge`]) rather than build a glued measure with
    /// more than this many atoms (counted before merging coincident ones, after truncation).
    pub fn max_support(mut self, atoms: usize) -> Self {
        self.map_mut().max_support = atoms;
        self
    }

    /// Truncate the glued measure: drop the glued atoms gamma_{i, j_1..j_K} of mass
    /// < tau * (mass of mu), renormalise the others to the mass of mu, and record the mass
    /// dropped in the trace. tau must be in [0, 1); 0 (the default) glues exactly.
    ///
    /// The enumeration of (j_1, .., j_K) is depth-first over k. The partial products
    /// a_i prod_{k in S} (P^k_{i j_k} / a_i) over a set S of the plans only shrink as factors are
    /// added (each is <= 1, up to the marginal error of the plans), so a branch whose partial
    /// mass is already below the threshold is cut whole, its mass counted as dropped without
    /// visiting it. Each row of each plan is visited in order of decreasing mass, so the loop
    /// over a row stops at its first entry below the threshold. At each depth the branches kept
    /// weigh >= tau (times the mass of mu) each and at most the mass of mu together, so at most
    /// K / tau branches are kept in all, each ended by at most one cut entry, and at most 1 / tau
    /// atoms are produced, whatever sum_i prod_k m_k; the rows are sorted once per step.
    pub fn mass_threshold(mut self, tau: f64) -> Self {
        self.map_mut().mass_threshold = tau;
        self
    }

    /// How the couplings are glued along mu: [`Gluing::Product`] (the default) or
    /// [`Gluing::NorthWest`] (at most sum_k s_k(i) - K + 1 atoms per row instead of
    /// prod_k s_k(i): the gluing that keeps G_eps on sparse plans sparse).
    pub fn gluing(mut self, gluing: Gluing) -> Self {
        self.map_mut().gluing = gluing;
        self
    }
}

impl<X: GroundSpace, Y: GroundSpace, B: GroundBarycenter<X, Y>> FixedPointMap<X, Y, B> for Glue {
    fn apply(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        mu: &DiscreteMeasure<X>,
        plans: &[TransportPlan],
    ) -> Result<NextIterate<X>, BarycenterError> {
        match self.gluing {
            Gluing::Product => glue_truncated(problem, mu, plans, self.max_support, self.mass_threshold),
            Gluing::NorthWest => {
                check_tau(self.mass_threshold)?;
                check_plans(problem, mu, plans)?;
                glue_north_west(problem, mu, plans, self.max_support, self.mass_threshold)
            }
        }
    }
}

/// G(mu) from the couplings `plans` of `mu` (one per measure), glued exactly; errors with
/// [`BarycenterError::SupportTooLarge`] beyond `max_support` glued atoms.
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
    Ok(glue_truncated(problem, mu, plans, max_support, 0.0)?.measure)
}

/// Checks that the truncation threshold is in [0, 1).
fn check_tau(tau: f64) -> Result<(), BarycenterError> {
    if !(0.0..1.0).contains(&tau) {
        return Err(CoreError::InvalidParameter {
            name: "mass_threshold",
            reason: format!("{tau} is not in [0, 1): use 0 for exact gluing, or a small fraction such as 1e-6"),
        }
        .into());
    }
    Ok(())
}

/// Checks that there is one plan per measure, of shape len(mu) x len(nu_k).
pub(crate) fn check_plans<X: GroundSpace, Y: GroundSpace, B: GroundBarycenter<X, Y>>(
    problem: &BarycenterProblem<X, Y, B>,
    mu: &DiscreteMeasure<X>,
    plans: &[TransportPlan],
) -> Result<(), BarycenterError> {
    let measures = problem.measures();
    let bad = |reason: String| Err(CoreError::InvalidParameter { name: "plans", reason }.into());
    if plans.len() != measures.len() {
        return bad(format!(
            "{} couplings for {} measures: give one coupling of mu and nu_k per measure",
            plans.len(),
            measures.len()
        ));
    }
    for (k, (plan, nu)) in plans.iter().zip(measures).enumerate() {
        if plan.rows() != mu.len() || plan.cols() != nu.len() {
            return bad(format!(
                "coupling {k} is {} x {} but mu has {} atoms and nu_{k} has {}",
                plan.rows(),
                plan.cols(),
                mu.len(),
                nu.len()
            ));
        }
    }
    Ok(())
}

/// Glued atoms each rayon task counts before adding them to the shared count (so the check
/// against `max_support` touches the shared counter rarely).
const COUNT_BATCH: usize = 1024;

/// G(mu) glued with the truncation threshold `tau` (see [`FixedPoint::mass_threshold`]).
fn glue_truncated<X, Y, B>(
    problem: &BarycenterProblem<X, Y, B>,
    mu: &DiscreteMeasure<X>,
    plans: &[TransportPlan],
    max_support: usize,
    tau: f64,
) -> Result<NextIterate<X>, BarycenterError>
where
    X: GroundSpace,
    Y: GroundSpace,
    B: GroundBarycenter<X, Y>,
{
    check_tau(tau)?;
    check_plans(problem, mu, plans)?;
    let n = mu.len();
    let a_all = mu.weights();
    let truncating = tau > 0.0;
    if !truncating {
        // Count the glued atoms first, so an explosion is an error and not an abort; the count
        // saturates (10 dense rows of 10^4 entries make 10^40 atoms, past u128).
        let mut atoms: u128 = 0;
        for (i, &a) in a_all.iter().enumerate() {
            if a > 0.0 {
                let row = plans
                    .iter()
                    .try_fold(1u128, |acc, p| acc.checked_mul(p.row(i).0.len() as u128))
                    .unwrap_or(u128::MAX);
                atoms = atoms.saturating_add(row);
            }
        }
        if atoms > max_support as u128 {
            return Err(BarycenterError::SupportTooLarge {
                atoms,
                limit: max_support,
            });
        }
    }
    let mass: f64 = a_all.iter().sum();
    let threshold = tau * mass;
    let too_many = |atoms: usize| BarycenterError::SupportTooLarge {
        atoms: atoms as u128,
        limit: max_support,
    };
    // Atoms produced so far by all tasks (truncation only: the exact count was checked above).
    let produced = AtomicUsize::new(0);
    let space = problem.space();
    let lambdas = problem.lambdas();
    let measures = problem.measures();
    let k_count = measures.len();
    // Each rayon task glues a block of rows into its own storage; blocks are then concatenated.
    let block = n.div_ceil(4 * rayon::current_num_threads()).max(1);
    let parts: Vec<(X::Storage, Vec<f64>, f64)> = (0..n)
        .into_par_iter()
        .step_by(block)
        .map(|first| {
            let mut points = space.with_capacity(0);
            let mut weights = Vec::new();
            let mut dropped = 0.0;
            let mut pending = 0usize;
            // Scratch reused across the rows of the block. The enumeration is depth-first over
            // levels d = 0..K, level d choosing j_k for k = K - 1 - d, so that k = 1 varies
            // fastest (the order of the exact gluing).
            let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); k_count]; // row i of plan k
            let mut tails: Vec<Vec<f64>> = vec![Vec::new(); k_count]; // tails[k][c] = sum of rows[k][c..]
            let mut below = vec![1.0; k_count + 1]; // below[d] = prod over levels >= d of (row sum / a_i)
            let mut partial = vec![0.0; k_count + 1]; // partial[d] = a_i prod over levels < d of (P / a_i)
            let mut cursor = vec![0usize; k_count];
            let mut ys: Vec<Y::Point<'_>> = Vec::with_capacity(k_count);
            let end = (first + block).min(n);
            for (i, &a) in a_all.iter().enumerate().take(end).skip(first) {
                if a <= 0.0 {
                    continue;
                }
                if plans.iter().any(|p| p.row(i).0.is_empty()) {
                    // a row some plan does not serve glues to nothing: its mass is lost
                    dropped += a;
                    continue;
                }
                for (k, plan) in plans.iter().enumerate() {
                    let (cols, masses) = plan.row(i);
                    let row = &mut rows[k];
                    row.clear();
                    row.extend(cols.iter().copied().zip(masses.iter().copied()));
                    if truncating {
                        // decreasing mass, so the first entry below the threshold ends the row
                        row.sort_unstable_by(|x, y| y.1.total_cmp(&x.1));
                        let tail = &mut tails[k];
                        tail.clear();
                        tail.resize(row.len() + 1, 0.0);
                        for c in (0..row.len()).rev() {
                            tail[c] = tail[c + 1] + row[c].1;
                        }
                    }
                }
                if truncating {
                    for d in (0..k_count).rev() {
                        below[d] = below[d + 1] * (tails[k_count - 1 - d][0] / a);
                    }
                }
                partial[0] = a;
                cursor[0] = 0;
                let mut d = 0;
                loop {
                    let k = k_count - 1 - d;
                    let c = cursor[d];
                    if c == rows[k].len() {
                        if d == 0 {
                            break;
                        }
                        d -= 1;
                        cursor[d] += 1;
                        continue;
                    }
                    let p = partial[d] * (rows[k][c].1 / a);
                    if p < threshold {
                        // Only when truncating (p >= 0 = threshold otherwise). This entry and
                        // the later ones of the row (smaller) start subtrees whose atoms all
                        // weigh less than p: drop them whole, with their total mass.
                        dropped += partial[d] * (tails[k][c] / a) * below[d + 1];
                        cursor[d] = rows[k].len();
                        continue;
                    }
                    if d + 1 < k_count {
                        partial[d + 1] = p;
                        d += 1;
                        cursor[d] = 0;
                        continue;
                    }
                    // A leaf: the atom (i, j_1..j_K). Its mass is multiplied out in the order
                    // k = 1..K, as the exact gluing always did, so tau = 0 reproduces it bit
                    // for bit.
                    let mut atom = a;
                    for (k, row) in rows.iter().enumerate() {
                        atom *= row[cursor[k_count - 1 - k]].1 / a;
                    }
                    if atom < threshold {
                        dropped += atom;
                    } else {
                        if truncating {
                            pending += 1;
                            if pending == COUNT_BATCH {
                                let total = produced.fetch_add(pending, Ordering::Relaxed) + pending;
                                pending = 0;
                                if total > max_support {
                                    return Err(too_many(total));
                                }
                            }
                        }
                        ys.clear();
                        for (k, row) in rows.iter().enumerate() {
                            ys.push(measures[k].point(row[cursor[k_count - 1 - k]].0));
                        }
                        ground_barycenter(problem.ground(), space, &ys, lambdas, &mut points)?;
                        weights.push(atom);
                    }
                    cursor[d] += 1;
                }
            }
            if pending > 0 {
                let total = produced.fetch_add(pending, Ordering::Relaxed) + pending;
                if total > max_support {
                    return Err(too_many(total));
                }
            }
            Ok((points, weights, dropped))
        })
        // the first error in order, whichever task finished first
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, BarycenterError>>()?;
    assemble_glued(space, &parts, mass, tau)
}

/// The glued measure from what the blocks of rows made (points, weights, mass dropped), with
/// coincident atoms merged and the dropped fraction of `mass`; `AllMassTruncated` if a
/// truncation at `tau` kept nothing.
pub(crate) fn assemble_glued<X: GroundSpace>(
    space: &X,
    parts: &[(X::Storage, Vec<f64>, f64)],
    mass: f64,
    tau: f64,
) -> Result<NextIterate<X>, BarycenterError> {
    let total: usize = parts.iter().map(|(_, w, _)| w.len()).sum();
    if total == 0 && tau > 0.0 {
        return Err(BarycenterError::AllMassTruncated { tau });
    }
    let mut points = space.with_capacity(total);
    let mut weights = Vec::with_capacity(total);
    let mut dropped = 0.0;
    for (p, w, lost) in parts {
        for t in 0..w.len() {
            space.push(&mut points, space.point(p, t));
        }
        weights.extend_from_slice(w);
        dropped += lost;
    }
    validate_barycenters(space, &points)?;
    Ok(NextIterate {
        measure: DiscreteMeasure::new(space.clone(), points, weights)?.merged(),
        dropped_mass: dropped / mass,
    })
}
