//! Barycentric projections of a multiscale solve without its plan: what the iteration H needs
//! at 10^5 points, where the plan of a wide kernel has billions of entries.
//!
//! For the plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps), the row mass is
//! r_i = sum_j P_ij and the projection ybar_i = (1 / r_i) sum_j P_ij y_j: d + 1 kernel products
//! with the weights w_j = b_j exp(g_j / eps) and w_j y_j, so each path computes them as it
//! computes its Sinkhorn products (grid products, or the kept blocks of the truncated kernel).

use super::grid_product::{mean_shift, GridProduct, MovedGauge};
use super::multiscale::{log_weights, MultiscaleSinkhorn, MultiscaleSolution, Path, Trees};
use super::sparse::SparseKernel;
use super::PointCloudCost;
use crate::kernel::{max_exponent, sum_exp_in_place, with_simd, BLOCK};
use crate::{CostBackend, OtError};
use kantorovich_core::{BarycentricProjection, CoordinateCost};
use rayon::prelude::*;
use std::ops::Range;

impl PointCloudCost {
    /// For row i: writes (1 / s) sum_t e_t y_t to `mean` and returns s = sum_t e_t, with
    /// e_t = exp(shift + w_t - C_it inv_eps) over `ranges` (zeros and 0 when every e_t is 0).
    fn row_mean(
        &self,
        i: usize,
        shift: f64,
        w: &[f64],
        ranges: &[Range<usize>],
        inv_eps: f64,
        mean: &mut [f64],
    ) -> f64 {
        let (_, q) = self.clouds();
        with_simd(
            #[inline(always)]
            || {
                let mut buf = [0.0; BLOCK];
                let mut max = f64::NEG_INFINITY;
                self.for_blocks(true, i, ranges, &mut buf, |t0, c| {
                    max = max.max(max_exponent(&w[t0..t0 + c.len()], c, inv_eps));
                });
                mean.iter_mut().for_each(|m| *m = 0.0);
                if max == f64::NEG_INFINITY {
                    return 0.0;
                }
                let mut s = 0.0;
                self.for_blocks(true, i, ranges, &mut buf, |t0, c| {
                    s += sum_exp_in_place(-max, &w[t0..t0 + c.len()], c, inv_eps);
                    for (k, m) in mean.iter_mut().enumerate() {
                        let axis = &q.soa[k * q.len + t0..k * q.len + t0 + c.len()];
                        let mut acc = 0.0;
                        for (e, y) in c.iter().zip(axis) {
                            acc += e * y;
                        }
                        *m += acc;
                    }
                });
                mean.iter_mut().for_each(|m| *m /= s);
                (shift + max).exp() * s
            },
        )
    }
}

impl MultiscaleSinkhorn {
    /// The barycentric projections of the plan of a converged solve, never forming the plan:
    /// r_i = sum_j P_ij and ybar_i = (1 / r_i) sum_j P_ij y_j (see [`BarycentricProjection`]),
    /// with the solution. On grid products the sums come from the same grid as the solve's,
    /// and [`error`](BarycentricProjection::error) bounds what its approximation changes; on
    /// the truncated kernel they run over the kept entries, and the error bounds what the
    /// entries left out (at most the certified bound of their mass) could change. Errors with
    /// [`OtError::NotConverged`] if the solve did not converge, and as
    /// [`solve_cloud`](Self::solve_cloud).
    pub fn project_cloud(
        &self,
        a: &[f64],
        b: &[f64],
        cost: &PointCloudCost,
    ) -> Result<(MultiscaleSolution, BarycentricProjection), OtError> {
        self.project_cloud_from(a, b, cost, None)
    }

    /// As [`project_cloud`](Self::project_cloud), warm-started from the potentials (f, g) of
    /// a nearby problem (the previous iterate of a barycentre iteration: moved rows, the same
    /// columns), which replace the coarse solve and the epsilon-scaling; ignored unless they
    /// fit (lengths n and m, finite entries). A warm-started solve that does not converge is
    /// run again cold, so the result's guarantees are those of a cold start.
    pub fn project_cloud_from(
        &self,
        a: &[f64],
        b: &[f64],
        cost: &PointCloudCost,
        warm: Option<(&[f64], &[f64])>,
    ) -> Result<(MultiscaleSolution, BarycentricProjection), OtError> {
        let (n, m) = (cost.rows(), cost.cols());
        let fits = a.len() == n && b.len() == m;
        // the moved gauge is exact for |x - y|^2 only; other forms keep the potentials as they are
        let shift = if fits && cost.form() == CoordinateCost::SquaredEuclidean {
            mean_shift(cost, a, b)
        } else {
            vec![0.0; cost.dim()]
        };
        let gauge = MovedGauge::new(cost, &shift);
        let start = warm
            .filter(|(f, g)| fits && f.len() == n && g.len() == m)
            .map(|(f, g)| gauge.unmoved(f, g));
        let mut outcome = self.run(a, b, cost, start.as_ref().map(|(f, g)| (&f[..], &g[..])));
        if start.is_some() && !matches!(&outcome, Ok((s, _)) if s.converged) {
            // a start too far from this problem (without the coarse solve and the scaling the
            // iterations may run out): solve it cold
            outcome = self.run(a, b, cost, None);
        }
        let (solution, path) = outcome?;
        if !solution.converged {
            return Err(OtError::NotConverged {
                iterations: solution.iterations,
                marginal_error: solution.marginal_error + solution.truncation_bound + solution.product_error,
            });
        }
        let mut projection = match path {
            Path::Grid { h, b } => grid_projection(cost, h, a, &b, &solution),
            Path::Truncated(trees) => truncated_projection(&trees, &solution, self.entry_threshold()),
        };
        projection.warm_start = Some(gauge.to_moved(&solution.f, &solution.g));
        Ok((solution, projection))
    }
}

/// The projection from its rows (r_i, bound of row i's error), means already written.
fn assemble(
    solution: &MultiscaleSolution,
    dim: usize,
    means: Vec<f64>,
    rows: Vec<(f64, f64)>,
    extra: f64,
) -> BarycentricProjection {
    let total: f64 = rows.iter().map(|r| r.0).sum();
    let weighted: f64 = rows.iter().map(|(r, e)| r * e).sum();
    BarycentricProjection {
        cost: solution.entropic_cost,
        dim,
        means,
        row_mass: rows.iter().map(|r| r.0).collect(),
        error: if total > 0.0 { (weighted + extra) / total } else { 0.0 },
        warm_start: None,
    }
}

/// Projections through the grid of spacing `h`: with the products S_i = sum_j w_j K~_ij and
/// N_ik = sum_j w_j (y_jk - lo_k) K~_ij, each off by at most delta W (times the span of axis
/// k for N), ybar_ik = lo_k + N_ik / S_i errs by at most 2 delta W span / S_i. Rows the grid
/// does not resolve (S_i <= 100 delta W) are summed exactly.
fn grid_projection(
    cost: &PointCloudCost,
    h: f64,
    a: &[f64],
    b: &[f64],
    solution: &MultiscaleSolution,
) -> BarycentricProjection {
    let grid = GridProduct::new(cost, h, &mean_shift(cost, a, b)).expect("the grid of the solve fits");
    let inv_eps = 1.0 / solution.epsilon;
    let (_, y) = cost.clouds();
    let (m, d) = (y.len, y.dim);
    let v = log_weights(&solution.g, b, inv_eps);
    // the weights tilted for the grid's moved rows
    let tilted: Vec<f64> = v
        .iter()
        .enumerate()
        .map(|(j, v)| v + grid.column_tilt(j, inv_eps))
        .collect();
    let vmax = tilted.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = tilted.iter().map(|&x| (x - vmax).exp()).collect();
    let total: f64 = w.iter().sum();
    let (sums, delta) = grid.apply_to_rows(&w, inv_eps);
    let moments = grid.coordinate_products(&w, inv_eps);
    let abs = delta * total;
    let span = (0..d).map(|k| y.hi[k] - y.lo[k]).fold(0.0, f64::max);
    let whole = 0..m;
    let mut means = vec![0.0; a.len() * d];
    let rows: Vec<(f64, f64)> = means
        .par_chunks_mut(d)
        .enumerate()
        .map(|(i, mean)| {
            if a[i] == 0.0 {
                return (0.0, 0.0);
            }
            let shift = a[i].ln() + solution.f[i] * inv_eps;
            if sums[i] > 100.0 * abs {
                for (k, out) in mean.iter_mut().enumerate() {
                    *out = y.lo[k] + moments[k][i] / sums[i];
                }
                let factor = grid.line_factor(true, i, inv_eps);
                ((shift + factor + vmax).exp() * sums[i], 2.0 * abs * span / sums[i])
            } else {
                (
                    cost.row_mean(i, shift, &v, std::slice::from_ref(&whole), inv_eps, mean),
                    0.0,
                )
            }
        })
        .collect();
    assemble(solution, d, means, rows, 0.0)
}

/// Projections over the blocks kept for the final potentials: if the entries left out hold
/// mass D_i in row i (K_i kept), ybar_i moves by at most span D_i / K_i, so the r-weighted
/// error is at most span sum_i D_i / sum_i K_i, with sum_i D_i bounded by the clusters.
fn truncated_projection(trees: &Trees, solution: &MultiscaleSolution, threshold: f64) -> BarycentricProjection {
    let Trees { x: tx, y: ty, sorted } = trees;
    let eps = solution.epsilon;
    let inv_eps = 1.0 / eps;
    let f: Vec<f64> = tx.order.iter().map(|&o| solution.f[o]).collect();
    let g: Vec<f64> = ty.order.iter().map(|&o| solution.g[o]).collect();
    let kernel = SparseKernel::build(sorted, (tx, ty), (&f, &g), eps, threshold);
    let dropped = kernel.dropped_bound((tx, ty), (&f, &g), eps, threshold);
    let v = log_weights(&g, &ty.weights, inv_eps);
    let d = tx.dim();
    let n = f.len();
    let mut sorted_means = vec![0.0; n * d];
    let sorted_rows: Vec<(f64, f64)> = sorted_means
        .par_chunks_mut(d)
        .enumerate()
        .map(|(t, mean)| {
            if tx.weights[t] == 0.0 {
                return (0.0, 0.0);
            }
            let shift = tx.weights[t].ln() + f[t] * inv_eps;
            (
                sorted.row_mean(t, shift, &v, kernel.ranges_of_row(t), inv_eps, mean),
                0.0,
            )
        })
        .collect();
    let mut means = vec![0.0; n * d];
    let mut rows = vec![(0.0, 0.0); n];
    for (t, &i) in tx.order.iter().enumerate() {
        means[i * d..(i + 1) * d].copy_from_slice(&sorted_means[t * d..(t + 1) * d]);
        rows[i] = sorted_rows[t];
    }
    let (_, y) = sorted.clouds();
    let span = (0..d).map(|k| y.hi[k] - y.lo[k]).fold(0.0, f64::max);
    assemble(solution, d, means, rows, span * dropped)
}
