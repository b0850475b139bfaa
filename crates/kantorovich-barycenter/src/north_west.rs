//! The North-West-corner gluing of G: the K conditional distributions of each row coupled
//! monotonically, so a row glues to at most sum_k s_k(i) - K + 1 atoms instead of prod_k s_k(i).

use crate::checked::ground_barycenter;
use crate::fixed_point_g::assemble_glued;
use crate::{BarycenterError, BarycenterProblem, NextIterate};
use kantorovich_core::{DiscreteMeasure, GroundBarycenter, GroundSpace, TransportPlan};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How G glues the K couplings pi^(1)..pi^(K) of mu along mu: row i of each plan (the
/// conditional distribution of nu_k given x_i, times a_i) is coupled with the others' rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Gluing {
    /// gamma_{i, j_1..j_K} = prod_k pi^(k)_{i j_k} / a_i^(K-1): the rows independent given
    /// x_i; prod_k s_k(i) atoms per row (s_k(i) the non-zeros of row i of pi^(k)).
    #[default]
    Product,
    /// The North-West-corner rule, row by row: with each row rescaled to mass a_i and its
    /// entries in column order, the K cumulative distributions on [0, a_i] are merged, and
    /// each interval between consecutive breakpoints is one glued atom (the column of each
    /// plan whose interval contains it). This is a coupling of the K rows (each keeps its
    /// masses) with at most sum_k s_k(i) - K + 1 atoms per row, the gluing of POT's
    /// `free_support_barycenter_generic_costs(method="true_fixed_point")`. With basic (exact)
    /// plans the support of G(mu) is at most n + sum_k m_k - K.
    NorthWest,
}

/// G(mu) with the North-West-corner gluing (see [`Gluing::NorthWest`]), truncated at `tau`
/// (glued atoms of mass < tau x (mass of mu) dropped), at most `max_support` atoms.
pub(crate) fn glue_north_west<X, Y, B>(
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
    let n = mu.len();
    let a_all = mu.weights();
    let k_count = plans.len();
    // at most sum_k s_k(i) - K + 1 atoms per row; with truncation, the atoms kept are counted
    // as they are made instead
    let bound: u128 = (0..n)
        .filter(|&i| a_all[i] > 0.0)
        .map(|i| {
            let entries: u128 = plans.iter().map(|p| p.row(i).0.len() as u128).sum();
            (entries + 1).saturating_sub(k_count as u128)
        })
        .fold(0u128, u128::saturating_add);
    if tau == 0.0 && bound > max_support as u128 {
        return Err(BarycenterError::SupportTooLarge {
            atoms: bound,
            limit: max_support,
        });
    }
    let mass: f64 = a_all.iter().sum();
    let threshold = tau * mass;
    let space = problem.space();
    let measures = problem.measures();
    let produced = AtomicUsize::new(0);
    let block = n.div_ceil(4 * rayon::current_num_threads()).max(1);
    let parts: Vec<(X::Storage, Vec<f64>, f64)> = (0..n)
        .into_par_iter()
        .step_by(block)
        .map(|first| {
            let mut points = space.with_capacity(0);
            let mut weights = Vec::new();
            let mut dropped = 0.0;
            // per plan: the cumulative masses of the row, rescaled to end at a_i exactly
            let mut cumulative: Vec<Vec<f64>> = vec![Vec::new(); k_count];
            let mut cursor = vec![0usize; k_count];
            let mut ys: Vec<Y::Point<'_>> = Vec::with_capacity(k_count);
            // with truncation, the atoms made since the last count go to the shared count
            let mut counted = 0usize;
            let count = |made: usize, counted: &mut usize| -> Result<(), BarycenterError> {
                if tau > 0.0 && made > *counted {
                    let total = produced.fetch_add(made - *counted, Ordering::Relaxed) + made - *counted;
                    *counted = made;
                    if total > max_support {
                        return Err(BarycenterError::SupportTooLarge {
                            atoms: total as u128,
                            limit: max_support,
                        });
                    }
                }
                Ok(())
            };
            for (i, &a) in a_all.iter().enumerate().take((first + block).min(n)).skip(first) {
                count(weights.len(), &mut counted)?;
                if a <= 0.0 {
                    continue;
                }
                let mut served = true;
                for (k, plan) in plans.iter().enumerate() {
                    let masses = plan.row(i).1;
                    let total: f64 = masses.iter().sum();
                    let cum = &mut cumulative[k];
                    cum.clear();
                    // (a NaN total counts as no mass)
                    if total.is_nan() || total <= 0.0 {
                        served = false;
                        continue;
                    }
                    let mut running = 0.0;
                    for &m in masses {
                        running += m;
                        cum.push(running / total * a);
                    }
                    *cum.last_mut().expect("a row of positive mass") = a;
                }
                if !served {
                    // a row some plan does not serve glues to nothing: its mass is lost
                    dropped += a;
                    continue;
                }
                cursor.iter_mut().for_each(|c| *c = 0);
                let mut position = 0.0;
                // every cumulative list ends at a exactly: once one runs out, the rest of the
                // others' entries (zero masses at a) glue to nothing
                while (0..k_count).all(|k| cursor[k] < cumulative[k].len()) {
                    let next = (0..k_count)
                        .map(|k| cumulative[k][cursor[k]])
                        .fold(f64::INFINITY, f64::min);
                    let atom = next - position;
                    if atom > 0.0 {
                        if atom < threshold {
                            dropped += atom;
                        } else {
                            ys.clear();
                            for (k, plan) in plans.iter().enumerate() {
                                ys.push(measures[k].point(plan.row(i).0[cursor[k]]));
                            }
                            ground_barycenter(problem.ground(), space, &ys, problem.lambdas(), &mut points)?;
                            weights.push(atom);
                        }
                    }
                    position = next;
                    for k in 0..k_count {
                        if cumulative[k][cursor[k]] == next {
                            cursor[k] += 1;
                        }
                    }
                }
            }
            count(weights.len(), &mut counted)?;
            Ok((points, weights, dropped))
        })
        // the first error in order, whichever task finished first
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, BarycenterError>>()?;
    assemble_glued(space, &parts, mass, tau)
}
