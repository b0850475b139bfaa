//! Multiscale entropic transport between point clouds: a coarse solve on clusters, potentials
//! carried to the points, and Sinkhorn on a truncated kernel whose left-out mass is bounded.

use super::grid_product::{mean_shift, GridProduct};
use super::sparse::SparseKernel;
use super::tree::ClusterTree;
use super::{Cloud, PointCloudCost};
use crate::network_simplex::balanced_marginals;
use crate::{CostBackend, OtError, Sinkhorn};
use kantorovich_core::{
    BarycentricProjection, CoreError, Cost, Coupling, DiscreteMeasure, GroundSpace, StopReason, TransportPlan,
};
use rayon::prelude::*;

/// Entropic optimal transport between two point clouds of R^d (costs in closed form: |x - y|^2
/// or |x - y|_p^q) at 10^5 to 10^6 points, with memory O((n + m) d) plus the ranges of the kept
/// kernel blocks.
///
/// It solves the same problem as [`Sinkhorn`] (T_eps with the plan P_ij = a_i b_j exp((f_i +
/// g_j - C_ij) / eps)) in three steps:
///
/// 1. **Clusters**: each cloud is split by a k-d tree (medians of the widest side) into leaves
///    of at most `leaf_size` points; a cut of the tree with at most `coarse_size` clusters,
///    each at its weighted mean with its mass, is the coarse problem, solved by `Sinkhorn`
///    with epsilon-scaling down to the target eps.
/// 2. **Extrapolation**: the coarse potentials give the fine ones by soft c-transforms,
///    f_i = -eps log sum_J B_J exp((g_J - c(x_i, ybar_J)) / eps), and likewise g_j.
/// 3. **Truncated Sinkhorn**: only pairs of leaves (I, J) whose entries can matter are kept:
///    with A_I, B_J the leaves' masses, F_I, G_J their largest potentials and L_IJ the cost
///    between their bounding boxes, a pair is dropped when exp((F_I + G_J - L_IJ) / eps) <=
///    `truncation`. Sinkhorn iterations (over-relaxed, from the extrapolated potentials) run on
///    the kept entries, with costs formed in registers, until the L1 error of the marginals of
///    the truncated plan is at most `tolerance` times the mass.
///
/// **Wide kernels: grid products.** When the kernel is wide (large eps, where truncation keeps
/// most entries) the solver takes another path for |x - y|^2 in dimension d <= 3: plain
/// [`Sinkhorn`] (with epsilon-scaling) whose kernel products go through a regular grid
/// (Lagrange interpolation of degree 5 onto the grid, the separable Gaussian applied there by
/// one matrix product per axis, interpolation back), with a proven bound of the error of each
/// product. The grid spacing is chosen so that this bound is a small share of the tolerance;
/// the path is taken when that grid fits (at most 2^22 nodes) and its work is below an
/// estimate of the truncated kernel's. The bound of what the products add to the marginal
/// error is reported ([`MultiscaleSolution::product_error`]) and counted in the convergence
/// test (`marginal_error + product_error <= tolerance`); if it does not fit, the truncated path
/// runs instead.
///
/// **What is certified.** After the iterations, the mass that the full plan of the final
/// potentials puts outside the kept entries is bounded by the same cluster bound, summed over
/// every dropped block ([`MultiscaleSolution::truncation_bound`]). If it exceeds a tenth of the
/// tolerance (the potentials moved since the blocks were chosen), the blocks are chosen again
/// and the iterations continue. So the plan of the returned potentials has marginal L1 error
/// at most `marginal_error + truncation_bound` on the full problem, and `dual_value` (the dual
/// objective minus eps times the bound) is a lower bound of T_eps up to rounding.
///
/// ```
/// use kantorovich_geometry::{Euclidean, SquaredEuclidean};
/// use kantorovich_ot::{entropic_cost, MultiscaleSinkhorn, Sinkhorn};
/// use kantorovich_testkit::cloud;
/// let plane = Euclidean::new(2)?;
/// let mu = plane.uniform(cloud(1, 2000, 2))?;
/// let nu = plane.uniform(cloud(2, 2000, 2))?;
/// let sol = MultiscaleSinkhorn::new(1e-3).solve(&mu, &nu, &SquaredEuclidean)?;
/// assert!(sol.converged && sol.marginal_error + sol.truncation_bound <= 1.1e-6);
/// let dense = entropic_cost(&Sinkhorn::new(1e-3).tolerance(1e-9), &mu, &nu, &SquaredEuclidean)?;
/// assert!((sol.entropic_cost - dense).abs() <= 1e-5 * dense);
/// assert!(sol.dual_value <= dense * (1.0 + 1e-9)); // a lower bound (up to dense's own error)
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MultiscaleSinkhorn {
    epsilon: f64,
    tolerance: f64,
    truncation: Option<f64>,
    leaf_size: usize,
    coarse_size: usize,
    max_iterations: usize,
    grid_products: bool,
}

/// The bounding box of a cluster ([`MultiscaleSinkhorn::clusters`]): the lowest and the highest
/// coordinate of its points on each axis.
pub type ClusterBox = (Vec<f64>, Vec<f64>);

/// The result of [`MultiscaleSinkhorn::solve`]. Potentials are in the order of the input points.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiscaleSolution {
    /// The source potentials f_1..f_n.
    pub f: Vec<f64>,
    /// The target potentials g_1..g_m.
    pub g: Vec<f64>,
    /// The regularisation eps.
    pub epsilon: f64,
    /// <C, P> over the kept entries of the plan.
    pub transport_cost: f64,
    /// <C, P> + eps KL(P | a b^T) of the truncated plan.
    pub entropic_cost: f64,
    /// sum_i a_i f_i + sum_j b_j g_j - eps (sum_ij P_ij - mass^2) for the full plan of (f, g),
    /// with the mass outside the kept entries replaced by its bound: a lower bound of T_eps
    /// (up to rounding).
    pub dual_value: f64,
    /// L1 error of the row marginals of the truncated plan, relative to the mass (the columns
    /// are exact after the last update).
    pub marginal_error: f64,
    /// A bound of the mass the full plan of (f, g) has outside the kept entries, relative to
    /// the mass.
    pub truncation_bound: f64,
    /// For a solve on grid products (wide kernels, see [`MultiscaleSinkhorn`]): a bound of the
    /// L1 marginal error, relative to the mass, that the approximate products add, so the full
    /// plan of (f, g) has marginal errors at most `marginal_error + product_error`; 0 for a
    /// solve on the truncated kernel.
    pub product_error: f64,
    /// Grid nodes of the kernel products (0 for a solve on the truncated kernel).
    pub grid_nodes: usize,
    /// Kernel entries kept (evaluated per iteration), out of n m (0 on grid products).
    pub kept_entries: usize,
    /// Sinkhorn iterations on the coarse problem (all its eps stages).
    pub coarse_iterations: usize,
    /// Sinkhorn iterations on the points.
    pub iterations: usize,
    /// How many times the kept blocks were chosen (every 50 iterations, and again while the
    /// bound of the mass left out is too large).
    pub truncations: usize,
    /// Whether `marginal_error <= tolerance` and `truncation_bound <= tolerance / 10` (on the
    /// truncated kernel), or `marginal_error + product_error <= tolerance` (on grid products).
    pub converged: bool,
    /// Why the run stopped: `Converged`, `IterationLimit`, or `TruncationBound` (the bound of
    /// the mass left out stayed above a tenth of the tolerance).
    pub stop_reason: StopReason,
}

/// How often the kept blocks may be chosen again after a converged run whose bound of the mass
/// left out is too large.
const MAX_TRUNCATIONS: usize = 6;
/// Iterations between two choices of the kept blocks.
const REFRESH: usize = 50;

impl MultiscaleSinkhorn {
    /// Regularisation `epsilon` (absolute); tolerance 1e-6 on the relative L1 marginal error,
    /// truncation 1e-3 x tolerance, leaves of 64 points, at most 2048 coarse clusters per cloud, at most
    /// 10,000 iterations on the points.
    pub fn new(epsilon: f64) -> Self {
        Self {
            epsilon,
            tolerance: 1e-6,
            truncation: None,
            leaf_size: 64,
            coarse_size: 2048,
            max_iterations: 10_000,
            grid_products: true,
        }
    }
    /// Stop when the truncated plan's L1 marginal error is at most `tolerance` times the mass.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }
    /// Drop a pair of clusters when its kernel bound exp((F_I + G_J - L_IJ) / eps) is at most
    /// this (in (0, 1)); smaller keeps more entries. The default is 1e-3 times the tolerance,
    /// so that what is dropped is far below what the tolerance allows.
    pub fn truncation(mut self, truncation: f64) -> Self {
        self.truncation = Some(truncation);
        self
    }

    fn threshold(&self) -> f64 {
        self.truncation.unwrap_or(1e-3 * self.tolerance)
    }
    /// At most this many points per leaf cluster.
    pub fn leaf_size(mut self, points: usize) -> Self {
        self.leaf_size = points;
        self
    }
    /// At most this many clusters per cloud in the coarse problem.
    pub fn coarse_size(mut self, clusters: usize) -> Self {
        self.coarse_size = clusters;
        self
    }
    /// Whether wide kernels may use grid products (on by default; `false` always truncates).
    pub fn grid_products(mut self, on: bool) -> Self {
        self.grid_products = on;
        self
    }
    /// At most this many Sinkhorn iterations on the points.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }

    fn check(&self) -> Result<(), OtError> {
        let bad = |name: &'static str, reason: String| Err(OtError::Core(CoreError::InvalidParameter { name, reason }));
        if !(self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return bad("epsilon", format!("{} is not a finite number > 0", self.epsilon));
        }
        if !(self.tolerance > 0.0 && self.tolerance.is_finite()) {
            return bad("tolerance", format!("{} is not a finite number > 0", self.tolerance));
        }
        if !(self.threshold() > 0.0 && self.threshold() < 1.0) {
            return bad("truncation", format!("{} is not in (0, 1)", self.threshold()));
        }
        if self.leaf_size == 0 || self.coarse_size == 0 {
            return bad(
                "leaf_size",
                "leaves and the coarse problem need at least one point".into(),
            );
        }
        Ok(())
    }

    /// Solves between two measures whose spaces give flat coordinates and whose cost has a
    /// closed form (`Euclidean` with `SquaredEuclidean` or `PNorm`); other inputs are an
    /// invalid-parameter error naming [`Sinkhorn`] as the solver to use. Weight errors as
    /// [`Sinkhorn::solve`].
    pub fn solve<X, Y, C>(
        &self,
        mu: &DiscreteMeasure<X>,
        nu: &DiscreteMeasure<Y>,
        cost: &C,
    ) -> Result<MultiscaleSolution, OtError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        C: Cost<X, Y> + ?Sized,
    {
        let cloud = require_cloud(mu, nu, cost)?;
        self.solve_cloud(mu.weights(), nu.weights(), &cloud)
    }

    /// Solves for weights `a` (rows), `b` (columns) on a [`PointCloudCost`].
    pub fn solve_cloud(&self, a: &[f64], b: &[f64], cost: &PointCloudCost) -> Result<MultiscaleSolution, OtError> {
        Ok(self.run(a, b, cost, None)?.0)
    }

    /// The plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps) of a converged solve, in compressed
    /// rows, with the entries whose factor exp((f_i + g_j - C_ij) / eps) is at most the
    /// truncation threshold left out (never n x m in memory: only the entries kept are
    /// visited). Its cost is the entropic cost. Errors with [`OtError::NotConverged`] if the
    /// solve did not converge, and as [`solve_cloud`](Self::solve_cloud).
    pub fn plan_cloud(
        &self,
        a: &[f64],
        b: &[f64],
        cost: &PointCloudCost,
    ) -> Result<(MultiscaleSolution, TransportPlan), OtError> {
        let (solution, path) = self.run(a, b, cost, None)?;
        let trees = match path {
            Path::Truncated(trees) => *trees,
            Path::Grid { b, .. } => self.trees(a, &b, cost),
        };
        if !solution.converged {
            return Err(OtError::NotConverged {
                iterations: solution.iterations,
                marginal_error: solution.marginal_error + solution.truncation_bound,
            });
        }
        let plan = sparse_plan(&trees, &solution, self.threshold())?;
        Ok((solution, plan))
    }

    /// The clusters this solver builds on the points of `mu`: the bounding boxes (lo, hi) of
    /// the nodes of a cut of its k-d tree with at most `count` clusters, the largest split
    /// first (the coarse problem's cut for `count` = `coarse_size`; a count at or above the
    /// number of leaves gives the leaves, of at most `leaf_size` points). For pictures and
    /// diagnostics. Errors if `mu`'s space has no flat coordinates.
    pub fn clusters<X: GroundSpace>(&self, mu: &DiscreteMeasure<X>, count: usize) -> Result<Vec<ClusterBox>, OtError> {
        let (d, rows) = mu
            .space()
            .flat_coordinates(mu.points())
            .ok_or_else(|| CoreError::InvalidParameter {
                name: "mu",
                reason: "its space gives no flat coordinates (GroundSpace::flat_coordinates), so it has no clusters"
                    .into(),
            })?;
        let tree = ClusterTree::build(&Cloud::from_rows(d, rows, "mu")?, mu.weights(), self.leaf_size.max(1));
        Ok(tree
            .cut(count.max(1))
            .into_iter()
            .map(|id| {
                let (lo, hi) = tree.node_box(id);
                (lo.to_vec(), hi.to_vec())
            })
            .collect())
    }

    /// The cluster trees of the points, and the points in tree order (`b` balanced).
    pub(super) fn trees(&self, a: &[f64], b: &[f64], cost: &PointCloudCost) -> Trees {
        let (x, y) = cost.clouds();
        let tx = ClusterTree::build(x, a, self.leaf_size);
        let ty = ClusterTree::build(y, b, self.leaf_size);
        let sorted = PointCloudCost::from_clouds(cost.form(), tx.cloud.clone(), ty.cloud.clone());
        Trees { x: tx, y: ty, sorted }
    }

    /// The truncation threshold of the kept entries.
    pub(super) fn entry_threshold(&self) -> f64 {
        self.threshold()
    }

    /// The solve, and the path it took. `warm`, potentials (f, g) of a nearby problem in the
    /// input order, replaces the coarse solve and the epsilon-scaling when it fits (lengths,
    /// finite entries).
    pub(super) fn run(
        &self,
        a: &[f64],
        b: &[f64],
        cost: &PointCloudCost,
        warm: Option<(&[f64], &[f64])>,
    ) -> Result<(MultiscaleSolution, Path), OtError> {
        self.check()?;
        let (n, m) = (cost.rows(), cost.cols());
        let (total, b) = balanced_marginals(a, b, n, m)?;
        let eps = self.epsilon;
        let warm = warm.filter(|(f, g)| f.len() == n && g.len() == m && f.iter().chain(*g).all(|v| v.is_finite()));
        if let Some((solution, h)) = self.solve_on_grid(a, &b, total, cost, warm)? {
            return Ok((solution, Path::Grid { h, b }));
        }
        let Trees { x: tx, y: ty, sorted } = self.trees(a, &b, cost);
        let (mut f, mut g, coarse_iterations) = match warm {
            Some((f, g)) => (
                tx.order.iter().map(|&o| f[o]).collect(),
                ty.order.iter().map(|&o| g[o]).collect(),
                0,
            ),
            None => self.coarse_start(cost.form(), &tx, &ty)?,
        };

        // 3. truncated Sinkhorn, choosing the blocks again while the bound is too large
        let mut iterations = 0;
        let mut truncations = 0;
        let mut rechosen_for_bound = 0;
        loop {
            let kernel = SparseKernel::build(&sorted, (&tx, &ty), (&f, &g), eps, self.threshold());
            truncations += 1;
            // the blocks are chosen again every REFRESH iterations: from a poor start, the
            // potentials move far and the blocks that matter move with them
            let solver = Sinkhorn::new(eps)
                .tolerance(self.tolerance)
                .scaling(None)
                .max_iterations(REFRESH.min(self.max_iterations - iterations));
            let solution = solver.solve_from(&tx.weights, &ty.weights, &kernel, &f, &g)?;
            iterations += solution.iterations;
            if let Some(v) = solution.f.iter().chain(&solution.g).find(|v| !v.is_finite()) {
                return Err(OtError::NumericalBreakdown {
                    reason: format!("a potential of the truncated Sinkhorn iterations came out as {v}"),
                });
            }
            let bound = kernel.dropped_bound((&tx, &ty), (&solution.f, &solution.g), eps, self.threshold()) / total;
            let small = bound <= 0.1 * self.tolerance;
            if solution.converged && !small {
                rechosen_for_bound += 1;
            }
            let out_of_iterations = iterations >= self.max_iterations;
            if (solution.converged && small) || out_of_iterations || rechosen_for_bound == MAX_TRUNCATIONS {
                let converged = solution.converged && small;
                let unsort = |sorted: &[f64], order: &[usize]| {
                    let mut out = vec![0.0; sorted.len()];
                    order.iter().zip(sorted).for_each(|(&o, &v)| out[o] = v);
                    out
                };
                let solution = MultiscaleSolution {
                    f: unsort(&solution.f, &tx.order),
                    g: unsort(&solution.g, &ty.order),
                    epsilon: eps,
                    transport_cost: solution.transport_cost,
                    entropic_cost: solution.entropic_cost,
                    dual_value: solution.dual_value - eps * bound * total,
                    marginal_error: solution.marginal_error,
                    truncation_bound: bound,
                    product_error: 0.0,
                    grid_nodes: 0,
                    kept_entries: kernel.entries,
                    coarse_iterations,
                    iterations,
                    truncations,
                    converged,
                    stop_reason: if converged {
                        StopReason::Converged
                    } else if solution.converged && !out_of_iterations {
                        StopReason::TruncationBound
                    } else {
                        StopReason::IterationLimit
                    },
                };
                return Ok((solution, Path::Truncated(Box::new(Trees { x: tx, y: ty, sorted }))));
            }
            f = solution.f;
            g = solution.g;
        }
    }
}

impl MultiscaleSinkhorn {
    /// Steps 1 and 2: the coarse solve and the potentials extrapolated to the points (tree
    /// order), with the coarse iterations.
    fn coarse_start(
        &self,
        form: kantorovich_core::CoordinateCost,
        tx: &ClusterTree,
        ty: &ClusterTree,
    ) -> Result<(Vec<f64>, Vec<f64>, usize), OtError> {
        let eps = self.epsilon;
        let (n, m) = (tx.weights.len(), ty.weights.len());
        // 1. the coarse problem
        let (cx, ca) = coarse(tx, self.coarse_size);
        let (cy, cb) = coarse(ty, self.coarse_size);
        let coarse_cost = PointCloudCost::from_clouds(form, cx.clone(), cy.clone());
        let coarse_solver = Sinkhorn::new(eps)
            .tolerance(self.tolerance.max(1e-4))
            .max_iterations(1000);
        let coarse_solution = coarse_solver.solve(&ca, &cb, &coarse_cost)?;

        // 2. extrapolation: soft c-transforms of the coarse potentials against the points
        let inv_eps = 1.0 / eps;
        let mut f = vec![0.0; n];
        let to_coarse_y = PointCloudCost::from_clouds(form, tx.cloud.clone(), cy);
        to_coarse_y.row_log_sum_exp(
            &vec![0.0; n],
            &log_weights(&coarse_solution.g, &cb, inv_eps),
            inv_eps,
            &mut f,
        );
        let mut g = vec![0.0; m];
        let from_coarse_x = PointCloudCost::from_clouds(form, cx, ty.cloud.clone());
        from_coarse_x.col_log_sum_exp(
            &log_weights(&coarse_solution.f, &ca, inv_eps),
            &vec![0.0; m],
            inv_eps,
            &mut g,
        );
        for p in f.iter_mut().chain(g.iter_mut()) {
            *p = if p.is_finite() { -eps * *p } else { 0.0 };
        }
        Ok((f, g, coarse_solution.total_iterations))
    }
}

/// The log-weights pot_t / eps + log(w_t) of a line's terms (-inf where w_t = 0).
pub(super) fn log_weights(pot: &[f64], w: &[f64], inv_eps: f64) -> Vec<f64> {
    pot.iter()
        .zip(w)
        .map(|(p, w)| {
            if *w > 0.0 {
                p * inv_eps + w.ln()
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect()
}

/// The clusters of a cut of the tree with at most `count` nodes: their weighted means and masses.
fn coarse(tree: &ClusterTree, count: usize) -> (Cloud, Vec<f64>) {
    let cut = tree.cut(count);
    let d = tree.dim();
    let mut soa = vec![0.0; cut.len() * d];
    let mut point = vec![0.0; d];
    for (t, &id) in cut.iter().enumerate() {
        tree.centroid(id, &mut point);
        for k in 0..d {
            soa[k * cut.len() + t] = point[k];
        }
    }
    let masses = cut.iter().map(|&id| tree.mass[id]).collect();
    (Cloud::from_soa(d, cut.len(), soa), masses)
}

impl MultiscaleSinkhorn {
    /// The grid path for wide kernels: `Sinkhorn` (with epsilon-scaling) on grid products of
    /// the kernel, when the cost is |x - y|^2 in dimension d <= 3, a grid fine enough for the
    /// tolerance fits, and its work is below an estimate of the truncated kernel's. `None`
    /// when it does not apply or its certified error misses the tolerance (the truncated path
    /// runs then).
    fn solve_on_grid(
        &self,
        a: &[f64],
        b: &[f64],
        total: f64,
        cost: &PointCloudCost,
        warm: Option<(&[f64], &[f64])>,
    ) -> Result<Option<(MultiscaleSolution, f64)>, OtError> {
        let (n, m, d) = (cost.rows(), cost.cols(), cost.dim());
        if !self.grid_products
            || cost.form() != kantorovich_core::CoordinateCost::SquaredEuclidean
            || d > 3
            || n.saturating_mul(m) < GRID_MIN_ENTRIES
        {
            return Ok(None);
        }
        let eps = self.epsilon;
        let (x, y) = cost.clouds();
        let shift = mean_shift(cost, a, b);
        let volume: f64 = (0..d)
            .map(|k| ((x.hi[k] + shift[k]).max(y.hi[k]) - (x.lo[k] + shift[k]).min(y.lo[k])).max(eps.sqrt()))
            .product();
        // S_i / sum_j w_j is about the kernel's mass over the box: aim the kernel error at a
        // twentieth of the tolerance relative to it
        let share = ((std::f64::consts::PI * eps).powf(0.5 * d as f64) / volume).min(1.0);
        let target = 0.05 * self.tolerance * share;
        let h0 = eps.sqrt();
        let error0 = GridProduct::kernel_error(h0, eps, d);
        if !(error0 > 0.0 && error0.is_finite() && target > 0.0) {
            // eps or the points' extent beyond what the bound can be computed for
            return Ok(None);
        }
        let h = h0 * (target / error0).powf(1.0 / 6.0);
        let Some(grid) = GridProduct::new(cost, h, &shift) else {
            return Ok(None);
        };
        let stencil = 6f64.powi(d as i32);
        let grid_work = 4.0 * (n + m) as f64 * stencil + 2.0 * d as f64 * grid.nodes() as f64 * grid.max_axis() as f64;
        let theta = (1.0 / self.threshold()).ln();
        let kept = ((std::f64::consts::PI * theta * eps).powf(0.5 * d as f64) / volume).min(1.0);
        if grid.nodes() > GRID_MAX_NODES || grid_work > 40.0 * n as f64 * m as f64 * kept {
            return Ok(None);
        }
        let solver = Sinkhorn::new(eps)
            .tolerance(0.5 * self.tolerance)
            .max_iterations(self.max_iterations);
        let solution = match warm {
            Some((f, g)) => solver.scaling(None).solve_from(a, b, &grid, f, g)?,
            None => solver.solve(a, b, &grid)?,
        };
        let row_bounds = grid.row_bounds.lock().expect("not poisoned");
        let col_bounds = grid.col_bounds.lock().expect("not poisoned");
        let rows: f64 = a.iter().zip(row_bounds.iter()).map(|(w, d)| w * d).sum::<f64>() / total;
        let cols: f64 = b.iter().zip(col_bounds.iter()).map(|(w, d)| w * d).sum::<f64>() / total;
        let product_error = rows.max(cols) * (1.0 + solution.marginal_error);
        let converged = solution.converged && solution.marginal_error + product_error <= self.tolerance;
        if !converged && solution.converged {
            // the products were too coarse for this problem: the truncated kernel takes over
            return Ok(None);
        }
        let max_bound = row_bounds.iter().copied().fold(0.0, f64::max);
        let solution = MultiscaleSolution {
            epsilon: eps,
            transport_cost: solution.transport_cost,
            entropic_cost: solution.entropic_cost,
            // the plan's mass is known to within max_i bound_i of itself
            dual_value: solution.dual_value - eps * max_bound * total * (1.0 + solution.marginal_error),
            marginal_error: solution.marginal_error,
            truncation_bound: 0.0,
            product_error,
            grid_nodes: grid.nodes(),
            kept_entries: 0,
            coarse_iterations: solution.total_iterations - solution.iterations,
            iterations: solution.iterations,
            truncations: 0,
            converged,
            stop_reason: if converged {
                StopReason::Converged
            } else {
                StopReason::IterationLimit
            },
            f: solution.f,
            g: solution.g,
        };
        Ok(Some((solution, h)))
    }
}

/// Problems with fewer entries never take the grid path.
const GRID_MIN_ENTRIES: usize = 1 << 22;
/// The most grid nodes of the grid path (about 32 MB per grid array).
const GRID_MAX_NODES: usize = 1 << 22;

/// The cluster trees of a solve and the points in tree order, for building its plan.
pub(super) struct Trees {
    pub x: ClusterTree,
    pub y: ClusterTree,
    pub sorted: PointCloudCost,
}

/// The path a solve took: grid products of spacing `h` (with the balanced column weights),
/// or the truncated kernel on these trees.
pub(super) enum Path {
    Grid { h: f64, b: Vec<f64> },
    Truncated(Box<Trees>),
}

/// The plan of `solution` on the blocks kept for its potentials, entries with a factor
/// exp((f_i + g_j - C_ij) / eps) above `threshold`, rows and columns in the input order.
fn sparse_plan(trees: &Trees, solution: &MultiscaleSolution, threshold: f64) -> Result<TransportPlan, OtError> {
    let Trees { x: tx, y: ty, sorted } = trees;
    let eps = solution.epsilon;
    let f: Vec<f64> = tx.order.iter().map(|&o| solution.f[o]).collect();
    let g: Vec<f64> = ty.order.iter().map(|&o| solution.g[o]).collect();
    let kernel = SparseKernel::build(sorted, (tx, ty), (&f, &g), eps, threshold);
    let log_t = threshold.ln();
    // rows in tree order, each (input column, mass) sorted by column
    let rows: Vec<Vec<(usize, f64)>> = (0..f.len())
        .into_par_iter()
        .map(|i| {
            let mut out = Vec::new();
            const BLOCK: usize = crate::kernel::BLOCK;
            let mut buf = [0.0; BLOCK];
            if tx.weights[i] > 0.0 {
                for r in kernel.ranges_of_row(i) {
                    for j0 in r.clone().step_by(BLOCK) {
                        let c = &mut buf[..BLOCK.min(r.end - j0)];
                        sorted.fill_row(i, j0, c);
                        for (t, &cij) in c.iter().enumerate() {
                            let j = j0 + t;
                            let x = (f[i] + g[j] - cij) / eps;
                            let p = tx.weights[i] * ty.weights[j] * x.exp();
                            if x > log_t && p > 0.0 {
                                out.push((ty.order[j], p));
                            }
                        }
                    }
                }
            }
            out.sort_unstable_by_key(|e| e.0);
            out
        })
        .collect();
    let n = f.len();
    let mut by_input = vec![0usize; n];
    tx.order.iter().enumerate().for_each(|(t, &o)| by_input[o] = t);
    let mut row_start = Vec::with_capacity(n + 1);
    row_start.push(0);
    let total: usize = rows.iter().map(Vec::len).sum();
    let (mut col_index, mut mass) = (Vec::with_capacity(total), Vec::with_capacity(total));
    for &t in &by_input {
        for &(j, p) in &rows[t] {
            col_index.push(j);
            mass.push(p);
        }
        row_start.push(col_index.len());
    }
    Ok(TransportPlan::from_csr(
        n,
        g.len(),
        row_start,
        col_index,
        mass,
        solution.entropic_cost,
    )?)
}

/// The multiscale entropic coupling, for measures whose spaces give flat coordinates and whose
/// cost has a closed form (others are an error naming [`Sinkhorn`]): the plan of
/// [`MultiscaleSinkhorn::plan_cloud`], sparse, with [`TransportPlan::cost`] the entropic cost
/// T_eps, as [`Sinkhorn`]'s coupling. A run that does not converge is an error
/// ([`OtError::NotConverged`]).
impl<X, Y, C> Coupling<X, Y, C> for MultiscaleSinkhorn
where
    X: GroundSpace,
    Y: GroundSpace,
    C: Cost<X, Y> + ?Sized,
{
    type Error = OtError;

    fn couple(&self, mu: &DiscreteMeasure<X>, nu: &DiscreteMeasure<Y>, cost: &C) -> Result<TransportPlan, OtError> {
        let cloud = require_cloud(mu, nu, cost)?;
        Ok(self.plan_cloud(mu.weights(), nu.weights(), &cloud)?.1)
    }

    /// The projections of [`MultiscaleSinkhorn::project_cloud`]: the plan is never formed, so
    /// the iteration H runs at 10^5 points. The potentials of `hint` warm-start the solve
    /// ([`MultiscaleSinkhorn::project_cloud_from`]).
    fn barycentric_projection(
        &self,
        mu: &DiscreteMeasure<X>,
        nu: &DiscreteMeasure<Y>,
        cost: &C,
        hint: Option<&BarycentricProjection>,
    ) -> Option<Result<BarycentricProjection, OtError>> {
        let warm = hint.and_then(|h| h.warm_start.as_ref()).map(|(f, g)| (&f[..], &g[..]));
        let projection = require_cloud(mu, nu, cost)
            .and_then(|cloud| Ok(self.project_cloud_from(mu.weights(), nu.weights(), &cloud, warm)?.1));
        Some(projection)
    }
}

/// T_eps of the multiscale solve (converged, else [`OtError::NotConverged`] with the certified
/// marginal error), for [`entropic_cost`](crate::entropic_cost) and
/// [`sinkhorn_divergence`](crate::sinkhorn_divergence).
impl crate::EntropicSolver for MultiscaleSinkhorn {
    fn entropic_cost<X, Y, C>(&self, mu: &DiscreteMeasure<X>, nu: &DiscreteMeasure<Y>, cost: &C) -> Result<f64, OtError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        C: Cost<X, Y> + ?Sized,
    {
        let solution = self.solve(mu, nu, cost)?;
        if !solution.converged {
            return Err(OtError::NotConverged {
                iterations: solution.iterations,
                marginal_error: solution.marginal_error + solution.truncation_bound + solution.product_error,
            });
        }
        Ok(solution.entropic_cost)
    }
}

/// The point cloud of two measures, or the error that names the solver to use instead.
pub(super) fn require_cloud<X, Y, C>(
    mu: &DiscreteMeasure<X>,
    nu: &DiscreteMeasure<Y>,
    cost: &C,
) -> Result<PointCloudCost, OtError>
where
    X: GroundSpace,
    Y: GroundSpace,
    C: Cost<X, Y> + ?Sized,
{
    PointCloudCost::new(mu, nu, cost)?.ok_or_else(|| {
        CoreError::InvalidParameter {
            name: "cost",
            reason: "the multiscale solver needs points with flat coordinates and a cost in closed form \
                     (Cost::coordinate_form); use Sinkhorn for other spaces and costs"
                .into(),
        }
        .into()
    })
}
