//! How Sinkhorn reads the cost: a stored matrix, or costs evaluated on the fly.

use crate::kernel::{exp, max_exponent, sum_exp, sum_exp_in_place, sum_exp_moment, trustworthy, with_simd, BLOCK};
use crate::OtError;
use kantorovich_core::{Cost, CostMatrix, DiscreteMeasure, GroundSpace};
use rayon::prelude::*;

/// Problems with fewer entries run on the calling thread: below this the rayon pool costs more
/// than the work.
pub(crate) const PARALLEL_ENTRIES: usize = 1 << 16;

/// The cost C (n x m) as the Sinkhorn solver sees it: the reductions of one iteration.
///
/// Two back-ends ship: [`CostMatrix`] (C stored, n m numbers) and [`LazyCost`] (C_ij = c(x_i, y_j)
/// evaluated inside the reductions, memory O(n + m)). A back-end supplies blocks of rows and
/// columns of C through [`fill_row`](CostBackend::fill_row) and
/// [`fill_col`](CostBackend::fill_col); the reductions have default implementations on top of
/// them (parallel over rows or columns with rayon) that a back-end may replace with faster ones.
///
/// The reductions compute, for vectors u (length n) and v (length m) and inv_eps = 1 / eps,
///
/// ```text
/// row i:     log sum_j exp(u_i + v_j - C_ij inv_eps)
/// column j:  log sum_i exp(u_i + v_j - C_ij inv_eps)
/// ```
///
/// Sinkhorn calls them with u, v carrying the current potentials, where the sums are close to
/// 1: they are first summed without a shift (one pass, vectorised) and any sum outside
/// [1e-250, 1e250] is recomputed with the stable shift by its largest exponent.
pub trait CostBackend: Sync {
    /// n, the number of rows (source atoms).
    fn rows(&self) -> usize;
    /// m, the number of columns (target atoms).
    fn cols(&self) -> usize;
    /// Writes C_{i, j0}, .., C_{i, j0 + out.len() - 1} into `out`.
    fn fill_row(&self, i: usize, j0: usize, out: &mut [f64]);
    /// Writes C_{i0, j}, .., C_{i0 + out.len() - 1, j} into `out`.
    fn fill_col(&self, j: usize, i0: usize, out: &mut [f64]);
    /// max_ij |C_ij|, the scale from which epsilon-scaling starts (NaN if a cost is NaN).
    fn max_abs(&self) -> f64 {
        scan_max_abs(self)
    }
    /// out_i = log sum_j exp(u_i + v_j - C_ij inv_eps) for every row i.
    fn row_log_sum_exp(&self, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        let len = self.cols();
        let line = |i: usize, o: &mut f64| {
            *o = line_log_sum_exp(
                u[i],
                v,
                inv_eps,
                len,
                #[inline(always)]
                |j0, c: &mut [f64]| self.fill_row(i, j0, c),
            );
        };
        for_each_line(self.rows() * len, out, line);
    }
    /// out_j = log sum_i exp(u_i + v_j - C_ij inv_eps) for every column j.
    fn col_log_sum_exp(&self, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        let len = self.rows();
        let line = |j: usize, o: &mut f64| {
            *o = line_log_sum_exp(
                v[j],
                u,
                inv_eps,
                len,
                #[inline(always)]
                |i0, c: &mut [f64]| self.fill_col(j, i0, c),
            );
        };
        for_each_line(self.cols() * len, out, line);
    }
    /// For every row i, with P_ij = exp(u_i + v_j - C_ij inv_eps): `mass[i]` = sum_j P_ij and
    /// `cost[i]` = sum_j P_ij C_ij, computed stably (shifted by the row's largest exponent).
    fn row_moments(&self, u: &[f64], v: &[f64], inv_eps: f64, mass: &mut [f64], cost: &mut [f64]) {
        let m = self.cols();
        let mut pairs: Vec<(f64, f64)> = vec![(0.0, 0.0); self.rows()];
        let line = |i: usize, o: &mut (f64, f64)| {
            with_simd(
                #[inline(always)]
                || {
                    *o = row_moments_line(self, i, u[i], v, inv_eps);
                },
            )
        };
        for_each_line(self.rows() * m, &mut pairs, line);
        for ((p, ms), cs) in pairs.into_iter().zip(mass.iter_mut()).zip(cost.iter_mut()) {
            (*ms, *cs) = p;
        }
    }
}

/// max_ij |C_ij| read block by block through `fill_row`, in parallel for large problems; NaN
/// propagates, so a NaN cost is noticed.
fn scan_max_abs<B: CostBackend + ?Sized>(backend: &B) -> f64 {
    let m = backend.cols();
    let row_max = |i: usize| {
        let mut buf = [0.0; BLOCK];
        let mut max: f64 = 0.0;
        for j0 in (0..m).step_by(BLOCK) {
            let c = &mut buf[..BLOCK.min(m - j0)];
            backend.fill_row(i, j0, c);
            max = c.iter().fold(max, |acc, x| nan_max(acc, x.abs()));
        }
        max
    };
    if backend.rows() * m < PARALLEL_ENTRIES {
        (0..backend.rows()).map(row_max).fold(0.0, nan_max)
    } else {
        (0..backend.rows()).into_par_iter().map(row_max).reduce(|| 0.0, nan_max)
    }
}

/// (sum_j P_ij, sum_j P_ij C_ij) for row i, with P_ij = exp(u_i + v_j - C_ij inv_eps).
#[inline(always)]
fn row_moments_line<B: CostBackend + ?Sized>(backend: &B, i: usize, ui: f64, v: &[f64], inv_eps: f64) -> (f64, f64) {
    let m = backend.cols();
    let mut buf = [0.0; BLOCK];
    let mut max = f64::NEG_INFINITY;
    for j0 in (0..m).step_by(BLOCK) {
        let c = &mut buf[..BLOCK.min(m - j0)];
        backend.fill_row(i, j0, c);
        max = max.max(max_exponent(&v[j0..j0 + c.len()], c, inv_eps));
    }
    if max == f64::NEG_INFINITY {
        return (0.0, 0.0);
    }
    let (mut s, mut sc) = (0.0, 0.0);
    for j0 in (0..m).step_by(BLOCK) {
        let c = &mut buf[..BLOCK.min(m - j0)];
        backend.fill_row(i, j0, c);
        let (a, b) = sum_exp_moment(-max, &v[j0..j0 + c.len()], c, inv_eps);
        s += a;
        sc += b;
    }
    let scale = (ui + max).exp();
    (s * scale, sc * scale)
}

/// Runs `line(k, &mut out[k])` for every k, in parallel when the problem has many entries.
pub(crate) fn for_each_line<T: Send>(entries: usize, out: &mut [T], line: impl Fn(usize, &mut T) + Sync) {
    if entries < PARALLEL_ENTRIES {
        out.iter_mut().enumerate().for_each(|(k, o)| line(k, o));
    } else {
        out.par_iter_mut().enumerate().for_each(|(k, o)| line(k, o));
    }
}

/// log sum_t exp(shift + w_t - c_t inv_eps) over one row or column of `len` costs, produced
/// block by block by `fill(start, out)`: one unshifted pass, and a stable two-pass fallback.
#[inline]
pub(crate) fn line_log_sum_exp(
    shift: f64,
    w: &[f64],
    inv_eps: f64,
    len: usize,
    fill: impl Fn(usize, &mut [f64]),
) -> f64 {
    with_simd(
        #[inline(always)]
        || line_log_sum_exp_body(shift, w, inv_eps, len, fill),
    )
}

#[inline(always)]
fn line_log_sum_exp_body(shift: f64, w: &[f64], inv_eps: f64, len: usize, fill: impl Fn(usize, &mut [f64])) -> f64 {
    let mut buf = [0.0; BLOCK];
    let mut s = 0.0;
    for t0 in (0..len).step_by(BLOCK) {
        let c = &mut buf[..BLOCK.min(len - t0)];
        fill(t0, c);
        s += sum_exp_in_place(shift, &w[t0..t0 + c.len()], c, inv_eps);
    }
    if trustworthy(s) {
        return s.ln();
    }
    let mut max = f64::NEG_INFINITY;
    for t0 in (0..len).step_by(BLOCK) {
        let c = &mut buf[..BLOCK.min(len - t0)];
        fill(t0, c);
        max = max.max(max_exponent(&w[t0..t0 + c.len()], c, inv_eps));
    }
    if max == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    let mut s = 0.0;
    for t0 in (0..len).step_by(BLOCK) {
        let c = &mut buf[..BLOCK.min(len - t0)];
        fill(t0, c);
        s += sum_exp_in_place(-max, &w[t0..t0 + c.len()], c, inv_eps);
    }
    shift + max + s.ln()
}

/// The stored matrix: rows are read in place, and the column reductions stream through the
/// rows (row-major order), one block of columns per rayon task.
impl CostBackend for CostMatrix {
    fn rows(&self) -> usize {
        CostMatrix::rows(self)
    }
    fn cols(&self) -> usize {
        CostMatrix::cols(self)
    }
    fn fill_row(&self, i: usize, j0: usize, out: &mut [f64]) {
        out.copy_from_slice(&self.row(i)[j0..j0 + out.len()]);
    }
    fn fill_col(&self, j: usize, i0: usize, out: &mut [f64]) {
        for (t, o) in out.iter_mut().enumerate() {
            *o = self.get(i0 + t, j);
        }
    }
    fn max_abs(&self) -> f64 {
        self.as_slice().iter().fold(0.0, |acc, x| acc.max(x.abs()))
    }
    fn row_log_sum_exp(&self, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        let line = |i: usize, o: &mut f64| {
            let s = with_simd(
                #[inline(always)]
                || sum_exp(u[i], v, self.row(i), inv_eps),
            );
            *o = if trustworthy(s) {
                s.ln()
            } else {
                line_log_sum_exp(u[i], v, inv_eps, v.len(), |j0, c| self.fill_row(i, j0, c))
            };
        };
        for_each_line(self.as_slice().len(), out, line);
    }
    fn col_log_sum_exp(&self, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        let n = CostMatrix::rows(self);
        let block = |(b, o): (usize, &mut [f64])| {
            let j0 = b * BLOCK;
            let vb = &v[j0..j0 + o.len()];
            o.iter_mut().for_each(|x| *x = 0.0);
            with_simd(
                #[inline(always)]
                || {
                    for (i, &ui) in u.iter().enumerate() {
                        let c = &self.row(i)[j0..j0 + o.len()];
                        for ((s, &vj), &cij) in o.iter_mut().zip(vb).zip(c) {
                            *s += exp(ui + vj - cij * inv_eps);
                        }
                    }
                },
            );
            for (t, s) in o.iter_mut().enumerate() {
                *s = if trustworthy(*s) {
                    s.ln()
                } else {
                    let j = j0 + t;
                    line_log_sum_exp(v[j], u, inv_eps, n, |i0, c| self.fill_col(j, i0, c))
                };
            }
        };
        if self.as_slice().len() < PARALLEL_ENTRIES {
            out.chunks_mut(BLOCK).enumerate().for_each(block);
        } else {
            out.par_chunks_mut(BLOCK).enumerate().for_each(block);
        }
    }
}

/// The matrix-free back-end: C_ij = c(x_i, y_j) is evaluated where a reduction needs it, block
/// by block, so memory stays O(n + m) (one block of 256 costs per thread) and n = m = 10^5 runs
/// in a few megabytes. Each Sinkhorn iteration evaluates the cost 2 n m times; for cheap costs
/// (|x - y|^2 in low dimension) this is about as fast as reading a stored matrix, and it is the
/// only option once n m numbers do not fit in memory.
///
/// ```
/// use kantorovich_geometry::{Euclidean, SquaredEuclidean};
/// use kantorovich_ot::{LazyCost, Sinkhorn};
/// let plane = Euclidean::new(2)?;
/// let mu = plane.uniform(vec![0.0, 0.0, 1.0, 0.0])?;
/// let nu = plane.uniform(vec![0.0, 1.0, 1.0, 1.0])?;
/// let cost = LazyCost::new(&mu, &nu, &SquaredEuclidean)?;
/// let sol = Sinkhorn::new(1e-2).solve(mu.weights(), nu.weights(), &cost)?;
/// assert!((sol.transport_cost - 1.0).abs() < 1e-6); // each point moves up by 1
/// # Ok::<(), kantorovich_ot::OtError>(())
/// ```
pub struct LazyCost<'a, X: GroundSpace, Y: GroundSpace, C: ?Sized> {
    x_space: &'a X,
    x_points: &'a X::Storage,
    y_space: &'a Y,
    y_points: &'a Y::Storage,
    cost: &'a C,
    rows: usize,
    cols: usize,
    /// max |C_ij|, found by one pass over all costs the first time a solver asks for it.
    max_abs: std::sync::OnceLock<f64>,
}

impl<X: GroundSpace, Y: GroundSpace, C: ?Sized> std::fmt::Debug for LazyCost<'_, X, Y, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyCost")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("max_abs", &self.max_abs.get())
            .finish_non_exhaustive()
    }
}

impl<'a, X: GroundSpace, Y: GroundSpace, C: Cost<X, Y> + ?Sized> LazyCost<'a, X, Y, C> {
    /// The costs between the atoms of `mu` (rows) and `nu` (columns).
    ///
    /// O(1): no cost is evaluated here. max|C| (which epsilon-scaling starts from) is found by
    /// one parallel pass the first time a solver asks for it, and a solve fails with
    /// [`CoreError::NonFiniteCost`](kantorovich_core::CoreError::NonFiniteCost) if a cost is not
    /// finite. Errors if the cost rejects the spaces (dimension mismatch).
    pub fn new(mu: &'a DiscreteMeasure<X>, nu: &'a DiscreteMeasure<Y>, cost: &'a C) -> Result<Self, OtError> {
        Self::from_points(mu.space(), mu.points(), nu.space(), nu.points(), cost)
    }

    /// As [`new`](Self::new), from two lists of points.
    pub fn from_points(
        x_space: &'a X,
        x_points: &'a X::Storage,
        y_space: &'a Y,
        y_points: &'a Y::Storage,
        cost: &'a C,
    ) -> Result<Self, OtError> {
        cost.check_spaces(x_space, y_space)?;
        Ok(Self {
            x_space,
            x_points,
            y_space,
            y_points,
            cost,
            rows: x_space.len(x_points),
            cols: y_space.len(y_points),
            max_abs: std::sync::OnceLock::new(),
        })
    }
}

/// The first entry of `cost` that is not finite, as [`CoreError::NonFiniteCost`]
/// (kantorovich_core::CoreError::NonFiniteCost), row by row; `None` if all are finite. For error
/// messages: it reads every row.
pub(crate) fn first_non_finite<B: CostBackend + ?Sized>(cost: &B) -> Option<OtError> {
    let mut row = vec![0.0; cost.cols()];
    for i in 0..cost.rows() {
        cost.fill_row(i, 0, &mut row);
        if let Some(j) = row.iter().position(|c| !c.is_finite()) {
            return Some(
                kantorovich_core::CoreError::NonFiniteCost {
                    row: i,
                    col: j,
                    value: row[j],
                }
                .into(),
            );
        }
    }
    None
}

impl<X: GroundSpace, Y: GroundSpace, C: Cost<X, Y> + ?Sized> CostBackend for LazyCost<'_, X, Y, C> {
    fn rows(&self) -> usize {
        self.rows
    }
    fn cols(&self) -> usize {
        self.cols
    }
    // always inlined, so that the cost is evaluated inside the vectorised reductions
    #[inline(always)]
    fn fill_row(&self, i: usize, j0: usize, out: &mut [f64]) {
        let x = self.x_space.point(self.x_points, i);
        self.cost.cost_to_many(x, self.y_space, self.y_points, j0, out);
    }
    #[inline(always)]
    fn fill_col(&self, j: usize, i0: usize, out: &mut [f64]) {
        let y = self.y_space.point(self.y_points, j);
        self.cost.cost_from_many(self.x_space, self.x_points, i0, y, out);
    }
    fn max_abs(&self) -> f64 {
        *self.max_abs.get_or_init(|| scan_max_abs(self))
    }
}

/// max that propagates NaN (so a NaN cost is noticed).
fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}
