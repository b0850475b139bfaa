//! Point clouds in R^d with a cost in closed form: the fast Sinkhorn back-end
//! ([`PointCloudCost`]) and the multiscale solver built on it.

mod grid_product;
mod kernel;
mod multiscale;
mod projection;
mod sparse;
mod tree;

pub use multiscale::{ClusterBox, MultiscaleSinkhorn, MultiscaleSolution};

use crate::backend::{for_each_line, line_log_sum_exp};
use crate::kernel::{max_exponent, sum_exp_in_place, sum_exp_moment, trustworthy, with_simd, BLOCK};
use crate::{CostBackend, OtError};
use kantorovich_core::{CoordinateCost, CoreError, Cost, DiscreteMeasure, GroundSpace};
use kernel::{sq_max_exponent, sq_sum_exp, Soa};
use std::ops::Range;

/// Runs `$kernel::<D>(point i of $p, $args..)` inside `with_simd` for |x - y|^2 in dimension
/// D = 1..4 (the register kernels), and `$otherwise` for other forms and dimensions.
macro_rules! register_kernel {
    ($form:expr, $p:expr, $i:expr, $kernel:ident($($arg:expr),*), $otherwise:expr) => {
        match ($form, $p.dim) {
            (CoordinateCost::SquaredEuclidean, 1) => with_simd(#[inline(always)] || $kernel::<1>($p.point::<1>($i), $($arg),*)),
            (CoordinateCost::SquaredEuclidean, 2) => with_simd(#[inline(always)] || $kernel::<2>($p.point::<2>($i), $($arg),*)),
            (CoordinateCost::SquaredEuclidean, 3) => with_simd(#[inline(always)] || $kernel::<3>($p.point::<3>($i), $($arg),*)),
            (CoordinateCost::SquaredEuclidean, 4) => with_simd(#[inline(always)] || $kernel::<4>($p.point::<4>($i), $($arg),*)),
            _ => $otherwise,
        }
    };
}

/// One side of the problem: n points of R^d stored by coordinate, with their bounding box.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cloud {
    pub dim: usize,
    pub len: usize,
    /// coordinate k of point i at `soa[k * len + i]`
    pub soa: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

impl Cloud {
    /// From row-major coordinates (d per point); errors on a non-finite coordinate.
    pub fn from_rows(dim: usize, rows: &[f64], name: &'static str) -> Result<Self, OtError> {
        if dim == 0 || rows.len() % dim != 0 {
            return Err(CoreError::InvalidParameter {
                name,
                reason: format!("{} coordinates do not make points of dimension {dim}", rows.len()),
            }
            .into());
        }
        if let Some(k) = rows.iter().position(|c| !c.is_finite()) {
            return Err(CoreError::InvalidPoint {
                index: k / dim,
                reason: format!(
                    "coordinate {} of `{name}` is {}: coordinates must be finite",
                    k % dim,
                    rows[k]
                ),
            }
            .into());
        }
        let len = rows.len() / dim;
        let mut soa = vec![0.0; rows.len()];
        for (i, p) in rows.chunks_exact(dim).enumerate() {
            for (k, &c) in p.iter().enumerate() {
                soa[k * len + i] = c;
            }
        }
        Ok(Self::from_soa(dim, len, soa))
    }

    pub fn from_soa(dim: usize, len: usize, soa: Vec<f64>) -> Self {
        let (mut lo, mut hi) = (vec![f64::INFINITY; dim], vec![f64::NEG_INFINITY; dim]);
        for k in 0..dim {
            for &c in &soa[k * len..(k + 1) * len] {
                lo[k] = lo[k].min(c);
                hi[k] = hi[k].max(c);
            }
        }
        Self { dim, len, soa, lo, hi }
    }

    #[inline(always)]
    fn soa(&self) -> Soa<'_> {
        Soa {
            coords: &self.soa,
            stride: self.len,
        }
    }

    #[inline(always)]
    fn point<const D: usize>(&self, i: usize) -> [f64; D] {
        std::array::from_fn(|k| self.soa[k * self.len + i])
    }

    #[inline(always)]
    pub fn coord(&self, i: usize, k: usize) -> f64 {
        self.soa[k * self.len + i]
    }
}

/// The largest cost between two boxes: the form at the largest per-coordinate distances.
pub(crate) fn max_cost_between(form: &CoordinateCost, a: &Cloud, b: &Cloud) -> f64 {
    if a.len == 0 || b.len == 0 {
        return 0.0;
    }
    form.of_gaps((0..a.dim).map(|k| (a.hi[k] - b.lo[k]).max(b.hi[k] - a.lo[k])))
}

/// The Sinkhorn back-end for two point clouds of R^d and a cost in closed form
/// ([`CoordinateCost`]: |x - y|^2 or |x - y|_p^q): costs are formed from coordinates inside the
/// reductions, in registers, for |x - y|^2 in dimension d <= 4 (about 1 ns per kernel entry and
/// core on a CPU with AVX-512, see BENCHMARKS.md), and block by block otherwise. Memory is
/// O((n + m) d); no pass over all costs is made before the first iteration:
/// [`max_abs`](CostBackend::max_abs) is the cost between the far corners of the two bounding
/// boxes, an upper bound of max C_ij that epsilon-scaling starts from.
///
/// [`entropic_cost`](crate::entropic_cost) and [`sinkhorn_divergence`](crate::sinkhorn_divergence)
/// use it by themselves whenever the spaces give flat coordinates
/// ([`GroundSpace::flat_coordinates`]) and the cost its closed form
/// ([`Cost::coordinate_form`]), as `Euclidean` with `SquaredEuclidean` or `PNorm` do.
///
/// ```
/// use kantorovich_geometry::{Euclidean, SquaredEuclidean};
/// use kantorovich_ot::{PointCloudCost, Sinkhorn};
/// let plane = Euclidean::new(2)?;
/// let mu = plane.uniform(vec![0.0, 0.0, 1.0, 0.0])?;
/// let nu = plane.uniform(vec![0.0, 1.0, 1.0, 1.0])?;
/// let cost = PointCloudCost::new(&mu, &nu, &SquaredEuclidean)?.expect("R^2 with |x - y|^2");
/// let sol = Sinkhorn::new(1e-2).solve(mu.weights(), nu.weights(), &cost)?;
/// assert!((sol.transport_cost - 1.0).abs() < 1e-6); // each point moves up by 1
/// # Ok::<(), kantorovich_ot::OtError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PointCloudCost {
    form: CoordinateCost,
    x: Cloud,
    y: Cloud,
    max_bound: f64,
}

impl PointCloudCost {
    /// The back-end for the atoms of `mu` (rows) and `nu` (columns), or `None` when a space has
    /// no flat coordinates or the cost no closed form (use [`LazyCost`](crate::LazyCost) then).
    /// Errors if the cost rejects the spaces (dimension mismatch).
    pub fn new<X, Y, C>(mu: &DiscreteMeasure<X>, nu: &DiscreteMeasure<Y>, cost: &C) -> Result<Option<Self>, OtError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        C: Cost<X, Y> + ?Sized,
    {
        cost.check_spaces(mu.space(), nu.space())?;
        let (Some(form), Some((dx, xs)), Some((dy, ys))) = (
            cost.coordinate_form(),
            mu.space().flat_coordinates(mu.points()),
            nu.space().flat_coordinates(nu.points()),
        ) else {
            return Ok(None);
        };
        if dx != dy {
            return Err(CoreError::InvalidParameter {
                name: "nu",
                reason: format!("its points have {dy} coordinates and those of mu {dx}"),
            }
            .into());
        }
        Self::from_coordinates(dx, form, xs, ys).map(Some)
    }

    /// The back-end for points given by their coordinates, row-major (`x[i * dim + k]` is
    /// coordinate k of x_i), and a cost form. Errors on a dimension of 0, lengths that are not
    /// multiples of `dim`, non-finite coordinates, or an invalid form (p < 1 or q <= 0).
    pub fn from_coordinates(dim: usize, form: CoordinateCost, x: &[f64], y: &[f64]) -> Result<Self, OtError> {
        if let CoordinateCost::PNormPower { p, q } = form {
            if !(p >= 1.0 && p.is_finite() && q > 0.0 && q.is_finite()) {
                return Err(CoreError::InvalidParameter {
                    name: "form",
                    reason: format!("|x - y|_p^q needs finite p >= 1 and q > 0, not p = {p}, q = {q}"),
                }
                .into());
            }
        }
        let x = Cloud::from_rows(dim, x, "x")?;
        let y = Cloud::from_rows(dim, y, "y")?;
        Ok(Self::from_clouds(form, x, y))
    }

    pub(crate) fn from_clouds(form: CoordinateCost, x: Cloud, y: Cloud) -> Self {
        let max_bound = max_cost_between(&form, &x, &y);
        Self { form, x, y, max_bound }
    }

    /// The cost form.
    pub fn form(&self) -> CoordinateCost {
        self.form
    }

    /// The dimension d of the points.
    pub fn dim(&self) -> usize {
        self.x.dim
    }

    pub(crate) fn clouds(&self) -> (&Cloud, &Cloud) {
        (&self.x, &self.y)
    }

    /// The cost between x_i and y_j.
    pub fn cost(&self, i: usize, j: usize) -> f64 {
        let gaps = (0..self.x.dim).map(|k| self.x.coord(i, k) - self.y.coord(j, k));
        self.form.of_gaps(gaps)
    }

    /// (p, q) = (x, y) for rows, (y, x) for columns.
    #[inline(always)]
    fn sides(&self, rows: bool) -> (&Cloud, &Cloud) {
        if rows {
            (&self.x, &self.y)
        } else {
            (&self.y, &self.x)
        }
    }

    /// Writes c(p_i, q_t) for t in `start..start + out.len()`.
    #[inline(always)]
    fn fill(&self, rows: bool, i: usize, start: usize, out: &mut [f64]) {
        let (p, q) = self.sides(rows);
        match self.form {
            CoordinateCost::SquaredEuclidean => {
                out.iter_mut().for_each(|o| *o = 0.0);
                for k in 0..p.dim {
                    let pk = p.coord(i, k);
                    let axis = &q.soa[k * q.len + start..k * q.len + start + out.len()];
                    for (o, &c) in out.iter_mut().zip(axis) {
                        *o += (pk - c) * (pk - c);
                    }
                }
            }
            form => {
                for (t, o) in out.iter_mut().enumerate() {
                    *o = form.of_gaps((0..p.dim).map(|k| p.coord(i, k) - q.coord(start + t, k)));
                }
            }
        }
    }

    /// log sum over t in `ranges` of exp(shift + w_t - c(p_i, q_t) inv_eps), with (p, q) the
    /// rows and columns (`rows`) or the other way round: one unshifted pass, and a stable
    /// shifted one when the sum is out of the trustworthy range.
    #[inline]
    pub(crate) fn line_lse(
        &self,
        rows: bool,
        i: usize,
        shift: f64,
        w: &[f64],
        ranges: &[Range<usize>],
        inv_eps: f64,
    ) -> f64 {
        let (p, q) = self.sides(rows);
        register_kernel!(self.form, p, i, lse_fixed(shift, q.soa(), w, ranges, inv_eps), {
            if let [range] = ranges {
                let len = range.len();
                let w = &w[range.clone()];
                line_log_sum_exp(shift, w, inv_eps, len, |t0, c| self.fill(rows, i, range.start + t0, c))
            } else {
                // several ranges: the stable two-pass sum over all of them
                with_simd(
                    #[inline(always)]
                    || self.lse_blocks(rows, i, shift, w, ranges, inv_eps),
                )
            }
        })
    }

    /// The general path of [`line_lse`](Self::line_lse) over several ranges: costs block by
    /// block, shifted by the largest exponent.
    #[inline(always)]
    fn lse_blocks(&self, rows: bool, i: usize, shift: f64, w: &[f64], ranges: &[Range<usize>], inv_eps: f64) -> f64 {
        let mut buf = [0.0; BLOCK];
        let mut max = f64::NEG_INFINITY;
        self.for_blocks(rows, i, ranges, &mut buf, |t0, c| {
            max = max.max(max_exponent(&w[t0..t0 + c.len()], c, inv_eps));
        });
        if max == f64::NEG_INFINITY {
            return f64::NEG_INFINITY;
        }
        let mut s = 0.0;
        self.for_blocks(rows, i, ranges, &mut buf, |t0, c| {
            s += sum_exp_in_place(-max, &w[t0..t0 + c.len()], c, inv_eps);
        });
        shift + max + s.ln()
    }

    /// Calls `f(start, costs)` for blocks of at most [`BLOCK`] costs covering `ranges`.
    #[inline(always)]
    fn for_blocks(
        &self,
        rows: bool,
        i: usize,
        ranges: &[Range<usize>],
        buf: &mut [f64; BLOCK],
        mut f: impl FnMut(usize, &mut [f64]),
    ) {
        for r in ranges {
            for t0 in r.clone().step_by(BLOCK) {
                let c = &mut buf[..BLOCK.min(r.end - t0)];
                self.fill(rows, i, t0, c);
                f(t0, c);
            }
        }
    }

    /// (sum_t P_t, sum_t P_t c_t) over `ranges` with P_t = exp(shift + w_t - c(p_i, q_t) inv_eps),
    /// shifted by the largest exponent.
    #[inline]
    pub(crate) fn line_moments(
        &self,
        rows: bool,
        i: usize,
        shift: f64,
        w: &[f64],
        ranges: &[Range<usize>],
        inv_eps: f64,
    ) -> (f64, f64) {
        let (p, q) = self.sides(rows);
        register_kernel!(
            self.form,
            p,
            i,
            moments_fixed(shift, q.soa(), w, ranges, inv_eps),
            with_simd(
                #[inline(always)]
                || {
                    let mut buf = [0.0; BLOCK];
                    let mut max = f64::NEG_INFINITY;
                    self.for_blocks(rows, i, ranges, &mut buf, |t0, c| {
                        max = max.max(max_exponent(&w[t0..t0 + c.len()], c, inv_eps));
                    });
                    if max == f64::NEG_INFINITY {
                        return (0.0, 0.0);
                    }
                    let (mut s, mut sc) = (0.0, 0.0);
                    self.for_blocks(rows, i, ranges, &mut buf, |t0, c| {
                        let (a, b) = sum_exp_moment(-max, &w[t0..t0 + c.len()], c, inv_eps);
                        s += a;
                        sc += b;
                    });
                    let scale = (shift + max).exp();
                    (s * scale, sc * scale)
                },
            )
        )
    }
}

// Plain loops below, no closures: everything must inline into `with_simd`'s AVX build, where
// `mul_add` is one instruction (outside it, a library call).

/// The sums over `ranges` of the terms exp(shift + w_t - c_t inv_eps) (and, if `MOMENT`, of the
/// terms times c_t), as (l, s, sc) with the sums exp(l) s and exp(l) sc: one unshifted pass
/// where the terms are O(1) (potentials near a solution; l = 0), and a pass shifted by the
/// largest exponent otherwise (l = shift + max; -inf when every term is 0).
#[inline(always)]
fn sums_fixed<const D: usize, const MOMENT: bool>(
    p: [f64; D],
    shift: f64,
    q: Soa<'_>,
    w: &[f64],
    ranges: &[Range<usize>],
    inv_eps: f64,
) -> (f64, f64, f64) {
    let (mut s, mut sc) = (0.0, 0.0);
    for r in ranges {
        let (a, b) = sq_sum_exp::<D, MOMENT>(p, shift, q, w, r.clone(), inv_eps);
        s += a;
        sc += b;
    }
    if trustworthy(s) && sc.is_finite() {
        return (0.0, s, sc);
    }
    let mut max = f64::NEG_INFINITY;
    for r in ranges {
        max = max.max(sq_max_exponent::<D>(p, q, w, r.clone(), inv_eps));
    }
    if max == f64::NEG_INFINITY {
        return (f64::NEG_INFINITY, 0.0, 0.0);
    }
    let (mut s, mut sc) = (0.0, 0.0);
    for r in ranges {
        let (a, b) = sq_sum_exp::<D, MOMENT>(p, -max, q, w, r.clone(), inv_eps);
        s += a;
        sc += b;
    }
    (shift + max, s, sc)
}

#[inline(always)]
fn lse_fixed<const D: usize>(
    p: [f64; D],
    shift: f64,
    q: Soa<'_>,
    w: &[f64],
    ranges: &[Range<usize>],
    inv_eps: f64,
) -> f64 {
    let (l, s, _) = sums_fixed::<D, false>(p, shift, q, w, ranges, inv_eps);
    if l == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    l + s.ln()
}

#[inline(always)]
fn moments_fixed<const D: usize>(
    p: [f64; D],
    shift: f64,
    q: Soa<'_>,
    w: &[f64],
    ranges: &[Range<usize>],
    inv_eps: f64,
) -> (f64, f64) {
    let (l, s, sc) = sums_fixed::<D, true>(p, shift, q, w, ranges, inv_eps);
    let scale = l.exp();
    (s * scale, sc * scale)
}

impl CostBackend for PointCloudCost {
    fn rows(&self) -> usize {
        self.x.len
    }
    fn cols(&self) -> usize {
        self.y.len
    }
    fn fill_row(&self, i: usize, j0: usize, out: &mut [f64]) {
        self.fill(true, i, j0, out);
    }
    fn fill_col(&self, j: usize, i0: usize, out: &mut [f64]) {
        self.fill(false, j, i0, out);
    }
    /// An upper bound of max C_ij: the cost between the far corners of the bounding boxes.
    fn max_abs(&self) -> f64 {
        self.max_bound
    }
    fn row_log_sum_exp(&self, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        let whole = 0..self.y.len;
        let all = std::slice::from_ref(&whole);
        let line = |i: usize, o: &mut f64| *o = self.line_lse(true, i, u[i], v, all, inv_eps);
        for_each_line(self.x.len * self.y.len, out, line);
    }
    fn col_log_sum_exp(&self, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        let whole = 0..self.x.len;
        let all = std::slice::from_ref(&whole);
        let line = |j: usize, o: &mut f64| *o = self.line_lse(false, j, v[j], u, all, inv_eps);
        for_each_line(self.x.len * self.y.len, out, line);
    }
    fn row_moments(&self, u: &[f64], v: &[f64], inv_eps: f64, mass: &mut [f64], cost: &mut [f64]) {
        let whole = 0..self.y.len;
        let all = std::slice::from_ref(&whole);
        let mut pairs = vec![(0.0, 0.0); self.x.len];
        let line = |i: usize, o: &mut (f64, f64)| *o = self.line_moments(true, i, u[i], v, all, inv_eps);
        for_each_line(self.x.len * self.y.len, &mut pairs, line);
        for ((p, ms), cs) in pairs.into_iter().zip(mass.iter_mut()).zip(cost.iter_mut()) {
            (*ms, *cs) = p;
        }
    }
}
