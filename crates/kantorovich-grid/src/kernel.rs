//! The Gibbs kernel of the squared Euclidean cost on a grid, applied axis by axis.
//!
//! K(x, y) = exp(-|x - y|^2 / eps) = prod_a exp(-(x_a - y_a)^2 / eps), so K = K_0 (x) K_1 (x) K_2
//! and K w is one 1-D pass per axis. A pass along an axis of n points treats the data as
//! `outer x n x inner` (row-major) and maps w[o, y, i] to sum_y K_a[x, y] w[o, y, i]: a dense
//! n x n matrix product, which beats an FFT or a truncated stencil at these sizes because the
//! kernel is wide (at POT's eps = 0.004 on the unit square it is numerically non-zero over 40%
//! of each axis). The log-domain pass maps log-values f to log sum_y exp(f[y] - c_a[x, y]) with
//! c_a = (x_a - y_a)^2 / eps.

use crate::{Grid, GridError};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use kantorovich_core::fastmath::{exp, sum, with_simd};
use kantorovich_core::try_vec_with_capacity;
use rayon::prelude::*;

/// One axis of n points: its 1-D Gibbs matrix and its cost matrix over eps (both n x n, symmetric).
#[derive(Debug, Clone)]
struct AxisKernel {
    gibbs: Vec<f64>,
    cost_over_eps: Vec<f64>,
}

/// The separable Gibbs kernel of a grid at one eps.
#[derive(Debug, Clone)]
pub(crate) struct SeparableKernel {
    shape: Vec<usize>,
    axes: Vec<AxisKernel>,
}

/// The largest number of points along one axis: two 8192 x 8192 matrices take 1 GiB.
pub(crate) const MAX_AXIS: usize = 8192;

/// Rows per parallel task so that each pass has a few tasks per thread but each GEMM stays big.
fn rows_per_task(total_rows: usize) -> usize {
    let tasks = 4 * rayon::current_num_threads().max(1);
    total_rows.div_ceil(tasks).max(8)
}

impl SeparableKernel {
    pub(crate) fn new(grid: &Grid, eps: f64) -> Result<Self, GridError> {
        let mut axes = Vec::with_capacity(grid.ndim());
        for (&n, &h) in grid.shape().iter().zip(grid.spacing()) {
            // each axis stores two dense n x n matrices: a thin grid of 2 x 30,000 pixels would
            // need 14 GB for its long axis, so axes are capped instead of trusting overcommit
            if n > MAX_AXIS {
                return Err(kantorovich_core::CoreError::AllocationTooLarge {
                    what: "1-D kernel (grids are limited to 8192 points per axis)",
                    elements: 2 * (n as u128) * (n as u128),
                    element_bytes: 8,
                }
                .into());
            }
            let size = kantorovich_core::checked_size("1-D kernel", n, n, 8)?;
            let mut cost_over_eps = try_vec_with_capacity("1-D kernel", size)?;
            for x in 0..n {
                for y in 0..n {
                    let d = (x as f64 - y as f64) * h;
                    cost_over_eps.push(d * d / eps);
                }
            }
            let mut gibbs = try_vec_with_capacity("1-D kernel", size)?;
            gibbs.extend(cost_over_eps.iter().map(|c| (-c).exp()));
            axes.push(AxisKernel { gibbs, cost_over_eps });
        }
        Ok(Self {
            shape: grid.shape().to_vec(),
            axes,
        })
    }

    /// (outer, n, inner) of the pass along `axis` for `count` stacked grids.
    fn pass_dims(&self, axis: usize, count: usize) -> (usize, usize, usize) {
        let outer = count * self.shape[..axis].iter().product::<usize>();
        let inner = self.shape[axis + 1..].iter().product();
        (outer, self.shape[axis], inner)
    }

    /// dst = K src for `count` grids stacked in `src` (each `grid.len()` long); `tmp` is scratch
    /// of the same length. Scaling domain.
    pub(crate) fn apply(&self, src: &[f64], tmp: &mut [f64], dst: &mut [f64], count: usize) {
        self.run_passes(src, tmp, dst, count, |axis, from, to| {
            let (outer, n, inner) = self.pass_dims(axis, count);
            gibbs_pass(&self.axes[axis].gibbs, n, outer, inner, from, to);
        });
    }

    /// dst = log(K exp(src)) for `count` stacked grids of log-values (entries may be -inf);
    /// `tmp` and `aux` are scratch of the same length.
    pub(crate) fn apply_log(&self, src: &[f64], tmp: &mut [f64], dst: &mut [f64], aux: &mut [f64], count: usize) {
        self.run_passes(src, tmp, dst, count, |axis, from, to| {
            let (outer, n, inner) = self.pass_dims(axis, count);
            log_pass(&self.axes[axis].cost_over_eps, n, outer, inner, from, to, aux);
        });
    }

    /// Runs the passes from the last axis to the first, alternating between `tmp` and `dst` so
    /// that the last one writes `dst`.
    fn run_passes(
        &self,
        src: &[f64],
        tmp: &mut [f64],
        dst: &mut [f64],
        count: usize,
        mut pass: impl FnMut(usize, &[f64], &mut [f64]),
    ) {
        let len = count * self.shape.iter().product::<usize>();
        let (src, tmp, dst) = (&src[..len], &mut tmp[..len], &mut dst[..len]);
        let ndim = self.shape.len();
        for (step, axis) in (0..ndim).rev().enumerate() {
            let into_dst = (ndim - 1 - step) % 2 == 0;
            match (step, into_dst) {
                (0, true) => pass(axis, src, dst),
                (0, false) => pass(axis, src, tmp),
                (_, true) => pass(axis, tmp, dst),
                (_, false) => pass(axis, dst, tmp),
            }
        }
    }
}

/// to[o, x, i] = sum_y k[x, y] from[o, y, i] with k symmetric, as matrix products.
///
/// Only the range of y where `from` has non-zeros enters the products: the scalings u_k vanish
/// off the inputs' supports, and skipping exact zeros changes nothing but the work.
fn gibbs_pass(k: &[f64], n: usize, outer: usize, inner: usize, from: &[f64], to: &mut [f64]) {
    if inner == 1 {
        // rows of `from` are the lines: to = from K^T = from K
        let rows = rows_per_task(outer);
        to.par_chunks_mut(rows * n)
            .zip(from.par_chunks(rows * n))
            .for_each(|(t, f)| {
                let r = t.len() / n;
                let (y0, y1) = nonzero_range(f.chunks(n).map(|line| nonzero_range(line.iter().map(|v| *v != 0.0))));
                if y0 >= y1 {
                    t.fill(0.0);
                    return;
                }
                let lhs = MatRef::from_row_major_slice_with_stride(&f[y0..(r - 1) * n + y1], r, y1 - y0, n);
                let rhs = MatRef::from_row_major_slice(&k[y0 * n..y1 * n], y1 - y0, n);
                matmul(
                    MatMut::from_row_major_slice_mut(t, r, n),
                    Accum::Replace,
                    lhs,
                    rhs,
                    1.0,
                    Par::Seq,
                );
            });
    } else {
        // each outer block is an n x inner matrix: to_o = K from_o, split by rows of K
        let rows = rows_per_task(outer * n).min(n);
        to.par_chunks_mut(n * inner)
            .zip(from.par_chunks(n * inner))
            .for_each(|(t, f)| {
                let (y0, y1) = nonzero_range(f.chunks(inner).map(|line| line.iter().any(|v| *v != 0.0)));
                if y0 >= y1 {
                    t.fill(0.0);
                    return;
                }
                let block = MatRef::from_row_major_slice(&f[y0 * inner..y1 * inner], y1 - y0, inner);
                t.par_chunks_mut(rows * inner).enumerate().for_each(|(c, t_rows)| {
                    let (r, x0) = (t_rows.len() / inner, c * rows);
                    let lhs =
                        MatRef::from_row_major_slice_with_stride(&k[x0 * n + y0..(x0 + r - 1) * n + y1], r, y1 - y0, n);
                    let dst = MatMut::from_row_major_slice_mut(t_rows, r, inner);
                    matmul(dst, Accum::Replace, lhs, block, 1.0, Par::Seq);
                });
            });
    }
}

/// Smallest half-open range [first, last + 1) holding every `true` (or every non-empty range
/// when given ranges); empty (first >= last) when there is none.
fn nonzero_range<I: IntoIterator>(items: I) -> (usize, usize)
where
    I::Item: Into<Span>,
{
    let (mut lo, mut hi) = (usize::MAX, 0);
    for (i, item) in items.into_iter().enumerate() {
        match item.into() {
            Span::Flag(true) => {
                lo = lo.min(i);
                hi = i + 1;
            }
            Span::Range(a, b) if a < b => {
                lo = lo.min(a);
                hi = hi.max(b);
            }
            _ => {}
        }
    }
    (lo, hi)
}

enum Span {
    Flag(bool),
    Range(usize, usize),
}

impl From<bool> for Span {
    fn from(b: bool) -> Self {
        Span::Flag(b)
    }
}

impl From<(usize, usize)> for Span {
    fn from((a, b): (usize, usize)) -> Self {
        Span::Range(a, b)
    }
}

/// to[o, x, i] = log sum_y exp(from[o, y, i] - c[x, y]), shifted by the largest term so that
/// nothing overflows or underflows; a line of -inf stays -inf.
fn log_pass(c: &[f64], n: usize, outer: usize, inner: usize, from: &[f64], to: &mut [f64], aux: &mut [f64]) {
    if inner == 1 {
        let rows = rows_per_task(outer);
        to.par_chunks_mut(rows * n)
            .zip(from.par_chunks(rows * n))
            .for_each(|(t, f)| {
                with_simd(
                    #[inline(always)]
                    || log_lines(c, n, t, f),
                )
            });
    } else {
        let aux = &mut aux[..to.len()];
        // output rows (o, x) of length `inner`: max in `to`, sum of exponentials in `aux`
        to.par_chunks_mut(inner)
            .zip(aux.par_chunks_mut(inner))
            .enumerate()
            .for_each(|(row, (m, s))| {
                with_simd(
                    #[inline(always)]
                    || log_row(c, n, inner, from, row, m, s),
                )
            });
    }
}

/// The log-sum-exp of each line of `f` (length n) against each row of c, into `t`.
#[inline(always)]
fn log_lines(c: &[f64], n: usize, t: &mut [f64], f: &[f64]) {
    for (t_line, f_line) in t.chunks_mut(n).zip(f.chunks(n)) {
        for (x, out) in t_line.iter_mut().enumerate() {
            let c_x = &c[x * n..(x + 1) * n];
            let m = f_line
                .iter()
                .zip(c_x)
                .map(|(fy, cy)| fy - cy)
                .fold(f64::NEG_INFINITY, f64::max);
            *out = if m == f64::NEG_INFINITY {
                m
            } else {
                // terms into a block buffer, then a vectorised sum (a running sum would not vectorise)
                let mut buf = [0.0f64; 256];
                let mut total = 0.0;
                for (fb, cb) in f_line.chunks(256).zip(c_x.chunks(256)) {
                    let terms = &mut buf[..fb.len()];
                    for ((t, fy), cy) in terms.iter_mut().zip(fb).zip(cb) {
                        *t = exp(fy - cy - m);
                    }
                    total += sum(terms);
                }
                m + total.ln()
            };
        }
    }
}

/// Output row `row` = (o, x) of a pass with `inner` > 1: the maxima in `m`, then the sums of
/// exponentials in `s`, then m + ln s in `m`.
#[inline(always)]
fn log_row(c: &[f64], n: usize, inner: usize, from: &[f64], row: usize, m: &mut [f64], s: &mut [f64]) {
    let (o, x) = (row / n, row % n);
    let block = &from[o * n * inner..(o + 1) * n * inner];
    let c_x = &c[x * n..(x + 1) * n];
    m.fill(f64::NEG_INFINITY);
    for (f_y, &cy) in block.chunks(inner).zip(c_x) {
        for (mj, fj) in m.iter_mut().zip(f_y) {
            *mj = mj.max(fj - cy);
        }
    }
    s.fill(0.0);
    for (f_y, &cy) in block.chunks(inner).zip(c_x) {
        for ((sj, fj), mj) in s.iter_mut().zip(f_y).zip(m.iter()) {
            *sj += exp(fj - cy - mj);
        }
    }
    for (mj, sj) in m.iter_mut().zip(s.iter()) {
        if *mj != f64::NEG_INFINITY {
            *mj += sj.ln();
        }
    }
}
