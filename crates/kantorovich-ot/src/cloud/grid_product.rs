//! Fast kernel products for wide kernels: the Gibbs kernel of |x - y|^2 applied through a
//! regular grid, with a proven bound of the error.
//!
//! K(x, y) = exp(-|x - y|^2 / eps) = prod_t k(x_t - y_t), k(s) = exp(-s^2 / eps). With
//! Lagrange interpolation of degree R = 5 on a grid of spacing h along each axis (the point in
//! the middle cell of its 6 nodes), K is replaced by
//!
//! ```text
//! K~(x, y) = sum_{p, q} l_p(x) K(g_p, g_q) l_q(y),
//! ```
//!
//! so sum_j w_j K~(x_i, y_j) is: spread the weights to the grid (W_q = sum_j l_q(y_j) w_j),
//! apply the separable kernel on the grid (one matrix product per axis), and interpolate back.
//! That is O((n + m) 6^d + G^(d + 1)) per product instead of n m exponentials.
//!
//! **Error bound.** In one variable, interpolation of a smooth f at degree R errs by at most
//! max|f^(R+1)| / (R+1)! x omega h^(R+1), omega = max over the middle cell of prod_p |s - p|
//! (nodes at 0..5) = 3.5157; interpolating in x then in y, the 1-D kernel errs by at most
//! e1 = (1 + Lambda) e, Lambda the Lebesgue constant of the stencil, and the d-dimensional
//! product by d e1 (1 + e1)^(d - 1) (|k| <= 1). max|k^(6)| is found from the exact
//! derivative P(s) exp(-s^2 / eps) (P a polynomial) sampled finely, with a margin. A product
//! therefore errs by at most delta sum_j w_j, which each reduction turns into a relative bound
//! per row (`delta W / S_i`) that the solver adds to the marginal error it reports.
//!
//! **Moved rows.** The bound is absolute (relative to W), so a row whose sum is far below W
//! is not resolved. That is the rule, not the exception, when the two clouds lie apart (a
//! barycentre's iterate and its targets): the potentials then carry a large linear part and
//! the weights exp(g_j / eps) vary by hundreds of orders of magnitude. With the rows moved by
//! t (the difference of the clouds' means), C_ij = |x_i + t - y_j|^2 - alpha_i + beta_j with
//! alpha_i = 2 t.(x_i + t) - |t|^2 and beta_j = 2 t.y_j, so the products run between x + t and
//! y on weights tilted by exp(-beta_j / eps) (or exp(alpha_i / eps)), and the linear part
//! comes out as a factor per line.

use super::PointCloudCost;
use crate::kernel::{exp, with_simd};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use kantorovich_core::fastmath::ln;
use rayon::prelude::*;
use std::sync::Mutex;

/// Lagrange degree of the interpolation (6 nodes per axis).
const DEGREE: usize = 5;
const NODES: usize = DEGREE + 1;
/// max over s in [2, 3] of prod_{p = 0..5} |s - p| (at s = 2.5).
const OMEGA: f64 = 3.515625;
/// The most grid nodes along one axis (two dense G x G matrices per axis).
pub(crate) const MAX_NODES_PER_AXIS: usize = 1536;

/// Interpolation stencils of a set of points: per point and axis, the first node index and the
/// 6 Lagrange weights.
struct Stencils {
    base: Vec<u32>,
    weights: Vec<f64>,
}

/// The grid and the stencils of both clouds; the axis matrices of the current eps are cached.
pub(crate) struct GridProduct<'a> {
    cost: &'a PointCloudCost,
    dim: usize,
    shape: Vec<usize>,
    h: f64,
    lebesgue: f64,
    /// The rows sit at x_i + t on the grid.
    gauge: MovedGauge,
    x: Stencils,
    y: Stencils,
    axes: Mutex<Option<Axes>>,
    /// Per-row (rows) and per-column (cols) relative error bounds of the last reductions.
    pub row_bounds: Mutex<Vec<f64>>,
    pub col_bounds: Mutex<Vec<f64>>,
}

/// The 1-D matrices of one eps: k(s_p - s_q) and (s_p - s_q)^2 k(s_p - s_q), per axis, and the
/// absolute error bounds of the interpolated kernels.
struct Axes {
    inv_eps: f64,
    gibbs: Vec<Vec<f64>>,
    moment: Vec<Vec<f64>>,
    delta: f64,
    delta_moment: f64,
}

impl<'a> GridProduct<'a> {
    /// The grid of spacing `h` covering the rows' points moved by `shift` (see the module
    /// docs) and the columns' points (with the stencils' margins), or `None` if an axis would
    /// need more than [`MAX_NODES_PER_AXIS`] nodes.
    pub fn new(cost: &'a PointCloudCost, h: f64, shift: &[f64]) -> Option<Self> {
        let (x, y) = cost.clouds();
        let dim = x.dim;
        let mut shape = Vec::with_capacity(dim);
        let mut origin = Vec::with_capacity(dim);
        for (k, t) in shift.iter().enumerate() {
            let lo = (x.lo[k] + t).min(y.lo[k]);
            let hi = (x.hi[k] + t).max(y.hi[k]);
            // nodes from lo - 3h to hi + 3h: every stencil (cell - 2 ..= cell + 3) fits
            // (a NaN or huge ratio saturates, and the grid is refused below)
            let cells = ((hi - lo) / h).floor() as usize;
            let nodes = cells.saturating_add(2 * NODES);
            if nodes > MAX_NODES_PER_AXIS || !(h > 0.0 && h.is_finite()) {
                return None;
            }
            shape.push(nodes);
            origin.push(lo - 3.0 * h);
        }
        let stencils = |c: &super::Cloud, moved: &[f64]| {
            let mut base = vec![0u32; c.len * dim];
            let mut weights = vec![0.0; c.len * dim * NODES];
            for i in 0..c.len {
                for k in 0..dim {
                    let s = (c.coord(i, k) + moved[k] - origin[k]) / h;
                    // the point lies in cell [b + 2, b + 3] of the nodes b..b + 5
                    let b = (s.floor() as usize).saturating_sub(2).min(shape[k] - NODES);
                    base[i * dim + k] = b as u32;
                    lagrange(
                        s - b as f64,
                        &mut weights[(i * dim + k) * NODES..(i * dim + k + 1) * NODES],
                    );
                }
            }
            Stencils { base, weights }
        };
        let (xs, ys) = (stencils(x, shift), stencils(y, &vec![0.0; dim]));
        let lebesgue = lebesgue_constant();
        Some(Self {
            cost,
            dim,
            shape,
            h,
            lebesgue,
            gauge: MovedGauge::new(cost, shift),
            x: xs,
            y: ys,
            axes: Mutex::new(None),
            row_bounds: Mutex::new(vec![0.0; x.len]),
            col_bounds: Mutex::new(vec![0.0; y.len]),
        })
    }

    /// The absolute error bound of the interpolated kernel (K <= 1) at `eps` for spacing `h`
    /// in dimension `dim`.
    pub fn kernel_error(h: f64, eps: f64, dim: usize) -> f64 {
        let e = derivative_max(&[1.0], eps) / 720.0 * OMEGA * h.powi(6);
        product_error((1.0 + lebesgue_constant()) * e, dim)
    }

    /// The most nodes along one axis.
    pub fn max_axis(&self) -> usize {
        self.shape.iter().copied().max().unwrap_or(0)
    }

    /// Total number of grid nodes.
    pub fn nodes(&self) -> usize {
        self.shape.iter().product()
    }

    fn with_axes<R>(&self, inv_eps: f64, f: impl FnOnce(&Axes) -> R) -> R {
        let mut guard = self.axes.lock().expect("not poisoned");
        if guard.as_ref().is_none_or(|a| a.inv_eps != inv_eps) {
            *guard = Some(self.build_axes(inv_eps));
        }
        f(guard.as_ref().expect("just built"))
    }

    fn build_axes(&self, inv_eps: f64) -> Axes {
        let eps = 1.0 / inv_eps;
        let h = self.h;
        let matrix = |g: usize, f: &dyn Fn(f64) -> f64| -> Vec<f64> {
            (0..g * g)
                .map(|t| {
                    let s = (t / g) as f64 - (t % g) as f64;
                    f(s * h)
                })
                .collect()
        };
        let gibbs = self
            .shape
            .iter()
            .map(|&g| matrix(g, &|s| (-s * s * inv_eps).exp()))
            .collect();
        let moment = self
            .shape
            .iter()
            .map(|&g| matrix(g, &|s| s * s * (-s * s * inv_eps).exp()))
            .collect();
        let one = (1.0 + self.lebesgue) * derivative_max(&[1.0], eps) / 720.0 * OMEGA * h.powi(6);
        let two = (1.0 + self.lebesgue) * derivative_max(&[0.0, 0.0, 1.0], eps) / 720.0 * OMEGA * h.powi(6);
        // (s^2 k(s) <= eps / e; the other axes' factors k <= 1)
        let d = self.dim as i32;
        let moment_one =
            two * (1.0 + one).powi(d - 1) + (eps / std::f64::consts::E + two) * ((1.0 + one).powi(d - 1) - 1.0);
        Axes {
            inv_eps,
            gibbs,
            moment,
            delta: product_error(one, self.dim),
            delta_moment: self.dim as f64 * moment_one,
        }
    }

    /// Spreads `w` (one weight per point of `from`) onto the grid: one private grid per
    /// thread, summed.
    fn spread(&self, from: &Stencils, w: &[f64]) -> Vec<f64> {
        let nodes = self.nodes();
        let chunk = w.len().div_ceil(rayon::current_num_threads().max(1)).max(1);
        let parts: Vec<Vec<f64>> = w
            .par_chunks(chunk)
            .enumerate()
            .map(|(c, ws)| {
                let mut grid = vec![0.0; nodes];
                for (t, &wi) in ws.iter().enumerate() {
                    if wi != 0.0 {
                        self.for_stencil(from, c * chunk + t, |node, l| grid[node] += wi * l);
                    }
                }
                grid
            })
            .collect();
        let mut parts = parts.into_iter();
        let mut grid = parts.next().unwrap_or_else(|| vec![0.0; nodes]);
        for part in parts {
            grid.iter_mut().zip(part).for_each(|(g, p)| *g += p);
        }
        grid
    }

    /// Calls `f(node, weight)` for the 6^d nodes of point `i`'s stencil.
    #[inline]
    fn for_stencil(&self, st: &Stencils, i: usize, mut f: impl FnMut(usize, f64)) {
        let d = self.dim;
        let base = &st.base[i * d..(i + 1) * d];
        let w = &st.weights[i * d * NODES..(i + 1) * d * NODES];
        match d {
            1 => {
                for (a, &wa) in w.iter().enumerate() {
                    f(base[0] as usize + a, wa);
                }
            }
            2 => {
                let g1 = self.shape[1];
                for a in 0..NODES {
                    let row = (base[0] as usize + a) * g1 + base[1] as usize;
                    for b in 0..NODES {
                        f(row + b, w[a] * w[NODES + b]);
                    }
                }
            }
            _ => {
                let (g1, g2) = (self.shape[1], self.shape[2]);
                for a in 0..NODES {
                    for b in 0..NODES {
                        let row = ((base[0] as usize + a) * g1 + base[1] as usize + b) * g2 + base[2] as usize;
                        let wab = w[a] * w[NODES + b];
                        for c in 0..NODES {
                            f(row + c, wab * w[2 * NODES + c]);
                        }
                    }
                }
            }
        }
    }

    /// Applies the separable kernel whose axis matrices are `mats` to a grid.
    fn convolve(&self, grid: &[f64], mats: &[&Vec<f64>]) -> Vec<f64> {
        let mut src = grid.to_vec();
        let mut dst = vec![0.0; grid.len()];
        for (axis, m) in mats.iter().enumerate() {
            let g = self.shape[axis];
            let outer: usize = self.shape[..axis].iter().product();
            let inner: usize = self.shape[axis + 1..].iter().product();
            if inner == 1 {
                // rows are lines: dst = src M^T (M symmetric), in blocks of rows across threads
                let rows = outer.div_ceil(4 * rayon::current_num_threads()).max(1);
                dst.par_chunks_mut(rows * g)
                    .zip(src.par_chunks(rows * g))
                    .for_each(|(t, f)| {
                        let r = t.len() / g;
                        let lhs = MatRef::from_row_major_slice(f, r, g);
                        let rhs = MatRef::from_row_major_slice(m, g, g);
                        matmul(
                            MatMut::from_row_major_slice_mut(t, r, g),
                            Accum::Replace,
                            lhs,
                            rhs,
                            1.0,
                            Par::Seq,
                        );
                    });
            } else {
                dst.par_chunks_mut(g * inner)
                    .zip(src.par_chunks(g * inner))
                    .for_each(|(t, f)| {
                        let lhs = MatRef::from_row_major_slice(m, g, g);
                        let rhs = MatRef::from_row_major_slice(f, g, inner);
                        matmul(
                            MatMut::from_row_major_slice_mut(t, g, inner),
                            Accum::Replace,
                            lhs,
                            rhs,
                            1.0,
                            Par::Seq,
                        );
                    });
            }
            std::mem::swap(&mut src, &mut dst);
        }
        src
    }

    /// out_t = sum_s w_s K~(p_t, q_s) (and the moment kernel if `moment`) with w_s = exp(v_s -
    /// vmax): returns (per-point sums, vmax, sum of w).
    ///
    /// The weights are tilted (see the module docs): `line_factor(rows, t)` must be added to the
    /// log of each sum.
    fn product(&self, rows: bool, v: &[f64], inv_eps: f64, moment: bool) -> (Vec<f64>, Vec<f64>, f64, f64, f64) {
        let (to, from) = if rows { (&self.x, &self.y) } else { (&self.y, &self.x) };
        let tilted: Vec<f64>;
        let v = if self.moved() {
            tilted = if rows {
                v.iter().zip(&self.gauge.beta).map(|(v, b)| v - b * inv_eps).collect()
            } else {
                v.iter().zip(&self.gauge.alpha).map(|(v, a)| v + a * inv_eps).collect()
            };
            &tilted[..]
        } else {
            v
        };
        let vmax = v
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = if vmax.is_finite() {
            // (exp(-inf) = 0 for the atoms of zero weight)
            // a plain loop: a closure inside could compile outside with_simd's AVX build, where
            // mul_add is a library call
            let mut w = vec![0.0; v.len()];
            with_simd(
                #[inline(always)]
                || {
                    for (o, &x) in w.iter_mut().zip(v) {
                        *o = exp(x - vmax);
                    }
                },
            );
            w
        } else {
            vec![0.0; v.len()]
        };
        let total: f64 = w.iter().sum();
        let grid = self.spread(from, &w);
        self.with_axes(inv_eps, |axes| {
            let gather = |z: &[f64]| self.gather(to, z);
            let gibbs: Vec<&Vec<f64>> = axes.gibbs.iter().collect();
            let sums = gather(&self.convolve(&grid, &gibbs));
            let moments = if moment {
                // C K = sum over axes of (s^2 k) on that axis and k on the others
                let mut acc = vec![0.0; sums.len()];
                for k in 0..self.dim {
                    let mats: Vec<&Vec<f64>> = (0..self.dim)
                        .map(|a| if a == k { &axes.moment[a] } else { &axes.gibbs[a] })
                        .collect();
                    let part = gather(&self.convolve(&grid, &mats));
                    acc.iter_mut().zip(part).for_each(|(a, p)| *a += p);
                }
                acc
            } else {
                Vec::new()
            };
            (sums, moments, vmax, total * axes.delta, total * axes.delta_moment)
        })
    }

    /// Whether the rows are moved (a shift t != 0).
    fn moved(&self) -> bool {
        self.gauge.shift.iter().any(|&t| t != 0.0)
    }

    /// What the tilt of the weights takes out of the log of line `t`'s sum: alpha_t / eps for
    /// a row, -beta_t / eps for a column.
    #[inline]
    pub fn line_factor(&self, rows: bool, t: usize, inv_eps: f64) -> f64 {
        if !self.moved() {
            0.0
        } else if rows {
            self.gauge.alpha[t] * inv_eps
        } else {
            -self.gauge.beta[t] * inv_eps
        }
    }

    /// The tilt of the column weights for row products: -beta_j / eps (0 if not moved).
    pub fn column_tilt(&self, j: usize, inv_eps: f64) -> f64 {
        if self.moved() {
            -self.gauge.beta[j] * inv_eps
        } else {
            0.0
        }
    }

    /// Interpolates grid values `z` at the points of `to`.
    fn gather(&self, to: &Stencils, z: &[f64]) -> Vec<f64> {
        let len = to.base.len() / self.dim;
        (0..len)
            .into_par_iter()
            .map(|t| {
                let mut s = 0.0;
                self.for_stencil(to, t, |node, l| s += l * z[node]);
                s
            })
            .collect()
    }

    /// The row products sum_j w_j K~(x_i + t, y_j) for weights `w >= 0` on the columns (tilt
    /// them with [`column_tilt`](Self::column_tilt), and add
    /// [`line_factor`](Self::line_factor) to the logs), with delta: each errs by at most
    /// delta sum_j w_j.
    pub fn apply_to_rows(&self, w: &[f64], inv_eps: f64) -> (Vec<f64>, f64) {
        let grid = self.spread(&self.y, w);
        self.with_axes(inv_eps, |axes| {
            let gibbs: Vec<&Vec<f64>> = axes.gibbs.iter().collect();
            (self.gather(&self.x, &self.convolve(&grid, &gibbs)), axes.delta)
        })
    }

    /// For each axis k, the row products N_ik = sum_j w_j (y_jk - lo_k) K~(x_i + t, y_j) of the
    /// weights times the columns' coordinates (shifted to be >= 0; see
    /// [`apply_to_rows`](Self::apply_to_rows)), each off by at most delta W (hi_k - lo_k).
    pub fn coordinate_products(&self, w: &[f64], inv_eps: f64) -> Vec<Vec<f64>> {
        let (_, y) = self.cost.clouds();
        (0..self.dim)
            .map(|k| {
                let wk: Vec<f64> = w
                    .iter()
                    .enumerate()
                    .map(|(j, &wj)| wj * (y.coord(j, k) - y.lo[k]))
                    .collect();
                self.apply_to_rows(&wk, inv_eps).0
            })
            .collect()
    }

    /// The log-sum-exp of lines (`rows` or columns): log sum_s exp(u_t + v_s - C_ts inv_eps),
    /// from the grid product where it resolves the sum to 1 part in 100 of itself, exactly
    /// otherwise; records the relative error bound of each line.
    fn lse(&self, rows: bool, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        let (sums, _, vmax, abs_err, _) = self.product(rows, v, inv_eps, false);
        // ln of the sums, vectorised (std's ln is a library call per line)
        let mut logs = vec![0.0; sums.len()];
        logs.par_chunks_mut(4096).zip(sums.par_chunks(4096)).for_each(|(l, s)| {
            with_simd(
                #[inline(always)]
                || {
                    for (o, &x) in l.iter_mut().zip(s) {
                        *o = ln(x);
                    }
                },
            )
        });
        let mut bounds = if rows {
            self.row_bounds.lock()
        } else {
            self.col_bounds.lock()
        }
        .expect("not poisoned");
        let other_len = v.len();
        let whole = 0..other_len;
        out.par_iter_mut()
            .zip(bounds.par_iter_mut())
            .enumerate()
            .for_each(|(t, (o, b))| {
                let s = sums[t];
                if !vmax.is_finite() {
                    *o = f64::NEG_INFINITY;
                    *b = 0.0;
                } else if s > 100.0 * abs_err {
                    *o = u[t] + self.line_factor(rows, t, inv_eps) + vmax + logs[t];
                    *b = abs_err / (s - abs_err);
                } else {
                    *o = self
                        .cost
                        .line_lse(rows, t, u[t], v, std::slice::from_ref(&whole), inv_eps);
                    *b = 0.0;
                }
            });
    }
}

impl crate::CostBackend for GridProduct<'_> {
    fn rows(&self) -> usize {
        self.cost.rows()
    }
    fn cols(&self) -> usize {
        self.cost.cols()
    }
    fn fill_row(&self, i: usize, j0: usize, out: &mut [f64]) {
        self.cost.fill_row(i, j0, out);
    }
    fn fill_col(&self, j: usize, i0: usize, out: &mut [f64]) {
        self.cost.fill_col(j, i0, out);
    }
    fn max_abs(&self) -> f64 {
        self.cost.max_abs()
    }
    fn row_log_sum_exp(&self, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        self.lse(true, u, v, inv_eps, out);
    }
    fn col_log_sum_exp(&self, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        self.lse(false, v, u, inv_eps, out);
    }
    /// Moments from the grid product (the bound of their error is recorded as for the
    /// log-sum-exps; rows the product cannot resolve are computed exactly).
    /// With moved rows, sum_j P_ij C_ij = sum_j P_ij (C'_ij - alpha_i + beta_j), the last term
    /// from d more products (of the weights times y_jk - lo_k >= 0), each error bound counted.
    fn row_moments(&self, u: &[f64], v: &[f64], inv_eps: f64, mass: &mut [f64], cost: &mut [f64]) {
        let (sums, moments, vmax, abs_err, abs_err_moment) = self.product(true, v, inv_eps, true);
        let whole = 0..v.len();
        // sum_j w_j beta_j K'_ij = 2 sum_k t_k (lo_k S_i + N_ik), N_ik from the weights
        // w_j (y_jk - lo_k)
        let (_, y) = self.cost.clouds();
        let mut linear = vec![0.0; sums.len()];
        let mut linear_err = 0.0;
        if self.moved() && vmax.is_finite() {
            let w: Vec<f64> = v
                .iter()
                .enumerate()
                .map(|(j, &vj)| (vj + self.column_tilt(j, inv_eps) - vmax).exp())
                .collect();
            for (k, n) in self.coordinate_products(&w, inv_eps).into_iter().enumerate() {
                let t2 = 2.0 * self.gauge.shift[k];
                linear
                    .iter_mut()
                    .zip(n)
                    .zip(&sums)
                    .for_each(|((l, n), s)| *l += t2 * (y.lo[k] * s + n));
                // (N_ik errs by at most delta W span_k = abs_err span_k)
                linear_err += t2.abs() * (y.lo[k].abs() + (y.hi[k] - y.lo[k])) * abs_err;
            }
        }
        mass.par_iter_mut()
            .zip(cost.par_iter_mut())
            .enumerate()
            .for_each(|(i, (m, c))| {
                let alpha = if self.moved() { self.gauge.alpha[i] } else { 0.0 };
                let moment = moments[i] - alpha * sums[i] + linear[i];
                let moment_err = abs_err_moment + alpha.abs() * abs_err + linear_err;
                if !vmax.is_finite() {
                    (*m, *c) = (0.0, 0.0);
                } else if sums[i] > 100.0 * abs_err && moment > 100.0 * moment_err {
                    let scale = (u[i] + self.line_factor(true, i, inv_eps) + vmax).exp();
                    (*m, *c) = (scale * sums[i], scale * moment);
                } else {
                    (*m, *c) = self
                        .cost
                        .line_moments(true, i, u[i], v, std::slice::from_ref(&whole), inv_eps);
                }
            });
    }
}

/// The rows moved by t: C_ij = C'_ij - alpha_i + beta_j with C'_ij = |x_i + t - y_j|^2,
/// alpha_i = 2 t.(x_i + t) - |t|^2 and beta_j = 2 t.y_j. Potentials (f, g) of C are
/// (f + alpha, g - beta) for C' (the same plan): the gauge of the multiscale warm starts,
/// which does not change when the rows are translated.
pub(crate) struct MovedGauge {
    pub shift: Vec<f64>,
    pub alpha: Vec<f64>,
    pub beta: Vec<f64>,
}

impl MovedGauge {
    pub fn new(cost: &PointCloudCost, shift: &[f64]) -> Self {
        let (x, y) = cost.clouds();
        let tt: f64 = shift.iter().map(|t| t * t).sum();
        let alpha = (0..x.len)
            .map(|i| {
                shift
                    .iter()
                    .enumerate()
                    .map(|(k, t)| 2.0 * t * (x.coord(i, k) + t))
                    .sum::<f64>()
                    - tt
            })
            .collect();
        let beta = (0..y.len)
            .map(|j| shift.iter().enumerate().map(|(k, t)| 2.0 * t * y.coord(j, k)).sum())
            .collect();
        Self {
            shift: shift.to_vec(),
            alpha,
            beta,
        }
    }

    /// (f + alpha, g - beta).
    pub fn to_moved(&self, f: &[f64], g: &[f64]) -> (Vec<f64>, Vec<f64>) {
        (
            f.iter().zip(&self.alpha).map(|(f, a)| f + a).collect(),
            g.iter().zip(&self.beta).map(|(g, b)| g - b).collect(),
        )
    }

    /// (f - alpha, g + beta): potentials of C from those of C'.
    pub fn unmoved(&self, f: &[f64], g: &[f64]) -> (Vec<f64>, Vec<f64>) {
        (
            f.iter().zip(&self.alpha).map(|(f, a)| f - a).collect(),
            g.iter().zip(&self.beta).map(|(g, b)| g + b).collect(),
        )
    }
}

/// t = (weighted mean of the columns' points) - (weighted mean of the rows'): the shift that
/// moves the rows onto the columns (see the module docs).
pub(crate) fn mean_shift(cost: &PointCloudCost, a: &[f64], b: &[f64]) -> Vec<f64> {
    let (x, y) = cost.clouds();
    let mean = |c: &super::Cloud, w: &[f64], k: usize| {
        let total: f64 = w.iter().sum();
        (0..c.len).map(|i| w[i] * c.coord(i, k)).sum::<f64>() / total
    };
    (0..x.dim).map(|k| mean(y, b, k) - mean(x, a, k)).collect()
}

/// Lagrange weights of the nodes 0..5 at s (in [2, 3] for interior points).
fn lagrange(s: f64, out: &mut [f64]) {
    for (p, o) in out.iter_mut().enumerate() {
        let mut l = 1.0;
        for q in 0..NODES {
            if q != p {
                l *= (s - q as f64) / (p as f64 - q as f64);
            }
        }
        *o = l;
    }
}

/// max over s in [2, 3] of sum_p |l_p(s)|, sampled (with a margin).
fn lebesgue_constant() -> f64 {
    let mut w = [0.0; NODES];
    let mut max: f64 = 0.0;
    for t in 0..=1000 {
        lagrange(2.0 + t as f64 / 1000.0, &mut w);
        max = max.max(w.iter().map(|x| x.abs()).sum());
    }
    max * 1.01
}

/// The error of interpolating a d-fold product of factors bounded by 1, each within e1.
fn product_error(e1: f64, dim: usize) -> f64 {
    dim as f64 * e1 * (1.0 + e1).powi(dim as i32 - 1)
}

/// max over s of |d^6/ds^6 (P(s) exp(-s^2 / eps))| for the polynomial P (coefficients, lowest
/// first): the derivative is Q(s) exp(-s^2 / eps) with Q from D(P) = P' - (2 s / eps) P,
/// maximised on a fine sampling of |s| <= 12 sqrt(eps) (beyond, the factor exp(-144) makes it
/// negligible), with a 5 % margin.
fn derivative_max(p: &[f64], eps: f64) -> f64 {
    let mut q = p.to_vec();
    for _ in 0..NODES {
        let mut next = vec![0.0; q.len() + 1];
        for (k, &c) in q.iter().enumerate() {
            if k > 0 {
                next[k - 1] += k as f64 * c;
            }
            next[k + 1] -= 2.0 / eps * c;
        }
        q = next;
    }
    let reach = 12.0 * eps.sqrt();
    let mut max: f64 = 0.0;
    let samples = 20_000;
    for t in 0..=samples {
        let s = -reach + 2.0 * reach * t as f64 / samples as f64;
        let value = q.iter().rev().fold(0.0, |acc, c| acc * s + c) * (-s * s / eps).exp();
        if !value.is_finite() {
            // overflowing coefficients (eps near the underflow range): no usable bound
            return f64::INFINITY;
        }
        max = max.max(value.abs());
    }
    max * 1.05
}

#[cfg(test)]
mod tests {
    use super::*;
    use kantorovich_core::CoordinateCost;

    /// The interpolated kernel stays within its bound of the exact one, entry by entry, and
    /// the bound is not vacuous.
    #[test]
    fn kernel_error_bound_holds() {
        for (d, eps, h) in [
            (1usize, 0.01, 0.01),
            (2, 0.02, 0.02),
            (2, 0.002, 0.004),
            (3, 0.05, 0.03),
        ] {
            let n = 40;
            let mut state = 7u64 + d as u64;
            let mut rnd = || {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64
            };
            let x: Vec<f64> = (0..n * d).map(|_| rnd() * 0.3).collect();
            let y: Vec<f64> = (0..n * d).map(|_| rnd() * 0.3).collect();
            let cost = PointCloudCost::from_coordinates(d, CoordinateCost::SquaredEuclidean, &x, &y).unwrap();
            let grid = GridProduct::new(&cost, h, &[0.0; 3][..cost.dim()]).unwrap();
            let bound = GridProduct::kernel_error(h, eps, d);
            let mut worst: f64 = 0.0;
            for j in 0..n {
                // the product against the unit weight at y_j gives K~(x_i, y_j) for every i
                let mut v = vec![f64::NEG_INFINITY; n];
                v[j] = 0.0;
                let (sums, moments, _, err, err_m) = grid.product(true, &v, 1.0 / eps, true);
                for i in 0..n {
                    let c = cost.cost(i, j);
                    let k = (-c / eps).exp();
                    worst = worst.max((sums[i] - k).abs());
                    assert!((sums[i] - k).abs() <= err, "d {d}: {} vs {k}, bound {err:e}", sums[i]);
                    assert!(
                        (moments[i] - c * k).abs() <= err_m,
                        "d {d}: moment {} vs {}, bound {err_m:e}",
                        moments[i],
                        c * k
                    );
                }
            }
            assert!(
                bound < 1e-2 && worst <= bound,
                "d {d}: worst {worst:e}, bound {bound:e}"
            );
        }
    }
}

#[cfg(test)]
mod solve_tests {
    use super::*;
    use crate::{CostBackend, Sinkhorn};
    use kantorovich_core::CoordinateCost;

    /// Sinkhorn on grid products against Sinkhorn on the exact kernel, on random small
    /// problems including zero weights, equal points, collinear points and single points: the
    /// same T_eps within the products' bound, and the recorded row bounds cover the true row
    /// errors of the plan of the potentials.
    #[test]
    #[allow(clippy::needless_range_loop)]
    fn sinkhorn_on_grid_products_matches_the_exact_kernel() {
        let mut state = 99u64;
        let mut rnd = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for case in 0..12 {
            // (3-D runs at the solver level, tests/multiscale.rs)
            let d = 1 + case % 2;
            let (n, m) = (1 + (rnd() * 200.0) as usize, 1 + (rnd() * 200.0) as usize);
            let mut x: Vec<f64> = (0..n * d).map(|_| rnd()).collect();
            let y: Vec<f64> = (0..m * d).map(|_| rnd() * 0.8 + 0.1).collect();
            match case % 4 {
                0 => x.iter_mut().for_each(|c| *c = 0.5), // all equal
                1 => x
                    .chunks_mut(d)
                    .for_each(|p| p.iter_mut().skip(1).for_each(|c| *c = 0.3)), // collinear
                _ => {}
            }
            let mut a: Vec<f64> = (0..n).map(|_| 0.1 + rnd()).collect();
            let mut b: Vec<f64> = (0..m).map(|_| 0.1 + rnd()).collect();
            if n > 1 {
                a[0] = 0.0;
            }
            if m > 2 {
                b[m / 2] = 0.0;
            }
            let ratio = a.iter().sum::<f64>() / b.iter().sum::<f64>();
            b.iter_mut().for_each(|w| *w *= ratio);
            let cost = PointCloudCost::from_coordinates(d, CoordinateCost::SquaredEuclidean, &x, &y).unwrap();
            let eps = 0.02 + 0.1 * rnd();
            // products accurate to about 1e-8, and a tolerance well above that: Sinkhorn on an
            // approximate kernel stalls at the level of its error
            let h = (eps * 3e-4f64).sqrt().max(0.002);
            let grid = GridProduct::new(&cost, h, &[0.0; 3][..cost.dim()]).unwrap();
            let solver = Sinkhorn::new(eps).tolerance(1e-6).max_iterations(20_000);
            let approx = solver.solve(&a, &b, &grid).unwrap();
            let exact = solver.solve(&a, &b, &cost).unwrap();
            assert!(
                approx.converged && exact.converged,
                "case {case}: approx {} ({:e}, {} it) exact {} ({:e})",
                approx.converged,
                approx.marginal_error,
                approx.iterations,
                exact.converged,
                exact.marginal_error
            );
            // (a row far from the mass can have a large relative bound: what counts is the sum
            // weighted by a, below)
            let bounds = grid.row_bounds.lock().unwrap().clone();
            let scale = a.iter().sum::<f64>() * (d as f64 + eps);
            assert!(
                (approx.entropic_cost - exact.entropic_cost).abs() <= 1e-6 * scale,
                "case {case}: {} vs {}",
                approx.entropic_cost,
                exact.entropic_cost
            );
            // true row sums of the plan of the grid potentials
            let total: f64 = a.iter().sum();
            let mut row_err = 0.0;
            for i in 0..n {
                let s: f64 = (0..m)
                    .map(|j| b[j] * ((approx.f[i] + approx.g[j] - cost.cost(i, j)) / eps).exp())
                    .sum();
                row_err += (a[i] * s - a[i]).abs();
            }
            let certified: f64 = approx.marginal_error + a.iter().zip(&bounds).map(|(w, b)| w * b).sum::<f64>() / total;
            assert!(
                row_err / total <= certified * 1.001 + 1e-13,
                "case {case}: {:e} > {certified:e}",
                row_err / total
            );
            assert!(certified < 1e-3, "case {case}: certified {certified:e}");
            assert_eq!(grid.rows(), n);
        }
    }
}
