//! Transport costs and dense cost matrices.

use crate::error::{checked_size, try_vec_with_capacity};
use crate::{CoreError, DiscreteMeasure, GroundSpace};
use rayon::prelude::*;

/// A transport cost c: X x Y -> R, the price of moving a unit of mass from x to y.
///
/// Implement it for a small (often zero-sized) type; generic solvers are monomorphised over it,
/// so a cost runs as fast as a hand-written loop. Costs must return finite values: the solvers
/// check this and report [`CoreError::NonFiniteCost`].
///
/// See the crate `kantorovich` for a complete custom cost with its ground barycentre.
pub trait Cost<X: GroundSpace, Y: GroundSpace = X>: Sync {
    /// The cost c(x, y).
    fn cost(&self, x: X::Point<'_>, y: Y::Point<'_>) -> f64;

    /// Checks that the cost can compare points of `x_space` with points of `y_space` (for
    /// instance that both have the same dimension). Solvers call it once before evaluating the
    /// cost; the default accepts every pair.
    fn check_spaces(&self, x_space: &X, y_space: &Y) -> Result<(), CoreError> {
        let _ = (x_space, y_space);
        Ok(())
    }

    /// `out[t] = c(x, y_{start + t})` for the points y_j of `ys` (in `y_space`): a row block of
    /// the cost matrix, the inner loop of matrix-free solvers. The default calls
    /// [`cost`](Cost::cost) per pair; a cost on a vector space can override it with a loop the
    /// compiler vectorises. Must agree with `cost` (up to rounding).
    #[inline]
    fn cost_to_many(&self, x: X::Point<'_>, y_space: &Y, ys: &Y::Storage, start: usize, out: &mut [f64]) {
        for (t, o) in out.iter_mut().enumerate() {
            *o = self.cost(x, y_space.point(ys, start + t));
        }
    }

    /// `out[t] = c(x_{start + t}, y)` for the points x_i of `xs` (in `x_space`): a column block of
    /// the cost matrix. As [`cost_to_many`](Cost::cost_to_many).
    #[inline]
    fn cost_from_many(&self, x_space: &X, xs: &X::Storage, start: usize, y: Y::Point<'_>, out: &mut [f64]) {
        for (t, o) in out.iter_mut().enumerate() {
            *o = self.cost(x_space.point(xs, start + t), y);
        }
    }

    /// The cost as a closed form of the points' flat coordinates
    /// ([`GroundSpace::flat_coordinates`]), when it has one that point-cloud solvers know: they
    /// then evaluate it in registers and bound it on boxes of points (the multiscale solvers).
    /// The default, `None`, keeps every solver on [`cost`](Cost::cost). A cost that answers
    /// `Some(form)` must equal `form` on the flat coordinates of both spaces (up to rounding).
    fn coordinate_form(&self) -> Option<CoordinateCost> {
        None
    }
}

/// A cost written in the coordinates of two points x, y of R^d, as fast point-cloud solvers
/// evaluate it (see [`Cost::coordinate_form`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum CoordinateCost {
    /// c(x, y) = |x - y|^2 = sum_t (x_t - y_t)^2.
    SquaredEuclidean,
    /// c(x, y) = |x - y|_p^q = (sum_t |x_t - y_t|^p)^(q / p), with p >= 1 and q > 0.
    PNormPower {
        /// The norm's p >= 1.
        p: f64,
        /// The power q > 0.
        q: f64,
    },
}

impl CoordinateCost {
    /// The cost between two coordinate vectors of equal length (NaN if the lengths differ).
    #[inline]
    pub fn eval(&self, x: &[f64], y: &[f64]) -> f64 {
        if x.len() != y.len() {
            return f64::NAN;
        }
        match *self {
            CoordinateCost::SquaredEuclidean => x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum(),
            CoordinateCost::PNormPower { p, q } => p_norm_power(p, q, x.iter().zip(y).map(|(a, b)| (a - b).abs())),
        }
    }

    /// The cost of a displacement whose coordinate t has absolute value `gaps[t]`. It increases
    /// with every gap, so the per-coordinate gaps between two boxes give a lower bound of the
    /// cost between any of their points, and the per-coordinate spans an upper bound.
    #[inline]
    pub fn of_gaps(&self, gaps: impl Iterator<Item = f64> + Clone) -> f64 {
        match *self {
            CoordinateCost::SquaredEuclidean => gaps.map(|g| g * g).sum(),
            CoordinateCost::PNormPower { p, q } => p_norm_power(p, q, gaps.map(f64::abs)),
        }
    }
}

/// (sum_t g_t^p)^(q / p) for gaps g_t >= 0, scaled by the largest gap when p is not 1, 2 or q
/// (so that g^p neither overflows nor underflows).
fn p_norm_power(p: f64, q: f64, gaps: impl Iterator<Item = f64> + Clone) -> f64 {
    if p == 1.0 {
        gaps.sum::<f64>().powf(q)
    } else if p == 2.0 {
        let s: f64 = gaps.map(|g| g * g).sum();
        if q == 2.0 {
            s
        } else {
            s.powf(0.5 * q)
        }
    } else if p == q {
        gaps.map(|g| g.powf(p)).sum()
    } else {
        let m = gaps.clone().fold(0.0f64, f64::max);
        if m == 0.0 || !m.is_finite() {
            return m;
        }
        let sigma: f64 = gaps.map(|g| (g / m).powf(p)).sum();
        m.powf(q) * sigma.powf(q / p)
    }
}

impl<X: GroundSpace, Y: GroundSpace, C: Cost<X, Y>> Cost<X, Y> for &C {
    #[inline]
    fn cost(&self, x: X::Point<'_>, y: Y::Point<'_>) -> f64 {
        (**self).cost(x, y)
    }
    fn check_spaces(&self, x_space: &X, y_space: &Y) -> Result<(), CoreError> {
        (**self).check_spaces(x_space, y_space)
    }
    #[inline]
    fn cost_to_many(&self, x: X::Point<'_>, y_space: &Y, ys: &Y::Storage, start: usize, out: &mut [f64]) {
        (**self).cost_to_many(x, y_space, ys, start, out)
    }
    #[inline]
    fn cost_from_many(&self, x_space: &X, xs: &X::Storage, start: usize, y: Y::Point<'_>, out: &mut [f64]) {
        (**self).cost_from_many(x_space, xs, start, y, out)
    }
    fn coordinate_form(&self) -> Option<CoordinateCost> {
        (**self).coordinate_form()
    }
}

/// A dense n x m cost matrix C_ij = c(x_i, y_j), stored row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct CostMatrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl CostMatrix {
    /// A cost matrix from its entries in row-major order (`data[i * cols + j] = C_ij`).
    ///
    /// Errors if `data.len() != rows * cols` or an entry is not finite.
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self, CoreError> {
        let len = checked_size("cost matrix", rows, cols, 8)?;
        if data.len() != len {
            return Err(CoreError::LengthMismatch {
                points: len,
                weights: data.len(),
            });
        }
        if let Some(k) = data.iter().position(|c| !c.is_finite()) {
            return Err(CoreError::NonFiniteCost {
                row: k / cols.max(1),
                col: k % cols.max(1),
                value: data[k],
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// C_ij = c(x_i, y_j) for the atoms x_i of `mu` and y_j of `nu`, computed in parallel
    /// (one rayon task per block of rows).
    ///
    /// Errors if the matrix cannot be allocated or a cost is not finite.
    pub fn between<X, Y, C>(mu: &DiscreteMeasure<X>, nu: &DiscreteMeasure<Y>, cost: &C) -> Result<Self, CoreError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        C: Cost<X, Y> + ?Sized,
    {
        Self::from_points(mu.space(), mu.points(), nu.space(), nu.points(), cost)
    }

    /// C_ij = c(x_i, y_j) for two lists of points, computed in parallel.
    pub fn from_points<X, Y, C>(
        x_space: &X,
        xs: &X::Storage,
        y_space: &Y,
        ys: &Y::Storage,
        cost: &C,
    ) -> Result<Self, CoreError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        C: Cost<X, Y> + ?Sized,
    {
        cost.check_spaces(x_space, y_space)?;
        let (rows, cols) = (x_space.len(xs), y_space.len(ys));
        let len = checked_size("cost matrix", rows, cols, 8)?;
        // Below this many entries the matrix is filled on the calling thread: handing the work
        // to the rayon pool costs more than it saves (a 200 x 200 matrix of squared Euclidean
        // costs in the plane takes about 0.1 ms either way on one core, twice that through the
        // pool inside another parallel loop).
        const SEQUENTIAL_ENTRIES: usize = 1 << 16;
        let mut data: Vec<f64> = try_vec_with_capacity("cost matrix", len)?;
        let ypts: Vec<Y::Point<'_>> = (0..cols).map(|j| y_space.point(ys, j)).collect();
        if len < SEQUENTIAL_ENTRIES {
            for i in 0..rows {
                let x = x_space.point(xs, i);
                data.extend(ypts.iter().map(|&y| cost.cost(x, y)));
            }
        } else {
            data.resize(len, 0.0);
            // Rows in chunks so that each task has a fair amount of work.
            let rows_per_task = (4096 / cols).max(1);
            data.par_chunks_mut(cols * rows_per_task)
                .enumerate()
                .for_each(|(t, chunk)| {
                    for (r, row) in chunk.chunks_mut(cols).enumerate() {
                        let x = x_space.point(xs, t * rows_per_task + r);
                        for (c, &y) in row.iter_mut().zip(&ypts) {
                            *c = cost.cost(x, y);
                        }
                    }
                });
        }
        // 0 x is 0 for a finite x and NaN otherwise: one vectorised pass in independent lanes,
        // then a search only if some entry is not finite.
        let mut lanes = [0.0f64; 8];
        let chunks = data.chunks_exact(8);
        let tail: f64 = chunks.remainder().iter().map(|c| 0.0 * c).sum();
        for chunk in chunks {
            for (lane, c) in lanes.iter_mut().zip(chunk) {
                *lane += 0.0 * c;
            }
        }
        if tail != 0.0 || lanes.iter().any(|lane| *lane != 0.0) {
            if let Some(k) = data.iter().position(|c| !c.is_finite()) {
                return Err(CoreError::NonFiniteCost {
                    row: k / cols,
                    col: k % cols,
                    value: data[k],
                });
            }
        }
        Ok(Self { rows, cols, data })
    }

    /// Number of rows n (atoms of the first measure).
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns m (atoms of the second measure).
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The entry C_ij.
    ///
    /// # Panics
    /// If `i >= rows` or `j >= cols`.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        assert!(i < self.rows && j < self.cols, "index out of bounds");
        self.data[i * self.cols + j]
    }
    /// Row i, the costs c(x_i, y_j) for all j.
    #[inline]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
    /// All entries in row-major order.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }
    /// The largest entry (0 for an empty matrix).
    pub fn max(&self) -> f64 {
        if self.data.is_empty() {
            return 0.0;
        }
        self.data.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }
}
