//! The minimisation behind [`PNorm`](super::PNorm)'s ground barycentre:
//!
//! ```text
//! f(x) = sum_k lambda_k phi(x - y_k),     phi(z) = |z|_p^q,     p >= 1, q >= 1,
//! ```
//!
//! a convex problem on R^d. Three solvers, each ending with a certified bound on f(x) - f*:
//!
//! - p = q: f separates over coordinates, f(x) = sum_t g_t(x_t) with
//!   g_t(s) = sum_k lambda_k |s - y_kt|^p, solved coordinate by coordinate: the weighted median
//!   for p = 1, the weighted mean for p = 2, a safeguarded Newton iteration on g_t' (bracketed,
//!   with bisection) otherwise. The bound is convexity: with s* in the bracket [l, u] and
//!   g_t'(s) > 0, g_t(s) - g_t(s*) <= g_t'(s) (s - s*) <= g_t'(s) (s - l) (symmetrically for
//!   g_t'(s) < 0).
//! - otherwise: damped Newton on a smoothed objective f_eta (|z_t| replaced by
//!   sqrt(z_t^2 + eta^2)), with eta driven to 0, and a duality gap for the exact f as the bound
//!   (see [`general`]).

use kantorovich_core::CoreError;

/// Settings of one solve.
#[derive(Debug, Clone, Copy)]
pub(super) struct Settings {
    pub p: f64,
    pub q: f64,
    /// Stop once the certified gap is <= tolerance * f(x).
    pub tolerance: f64,
    /// Newton iterations at most (per coordinate in the separable case).
    pub max_iterations: usize,
}

/// What a solve certifies about the point it wrote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Outcome {
    /// f(x) at the point written.
    pub objective: f64,
    /// A certified upper bound on f(x) - min f (up to rounding).
    pub gap: f64,
    /// Newton (or bisection) iterations used, summed over coordinates in the separable case.
    pub iterations: usize,
}

/// Runs `f` on a zeroed scratch slice of `len` values: on the stack when it is small, so that a
/// ground barycentre of a few points in low dimension allocates nothing.
#[inline]
pub(super) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    if len <= 64 {
        let mut buf = [0.0f64; 64];
        f(&mut buf[..len])
    } else if len <= 512 {
        let mut buf = [0.0f64; 512];
        f(&mut buf[..len])
    } else {
        let mut buf = vec![0.0f64; len];
        f(&mut buf)
    }
}

/// Minimises f for the points `ys` (all of dimension `x.len()`, finite) and the weights
/// `lambdas` (finite, >= 0, positive sum), writing the minimiser into `x`.
pub(super) fn solve(settings: &Settings, ys: &[&[f64]], lambdas: &[f64], x: &mut [f64]) -> Result<Outcome, CoreError> {
    let d = x.len();
    // One point (of positive weight), or all of them equal: that point, exactly.
    let first = lambdas
        .iter()
        .position(|&l| l > 0.0)
        .expect("a positive weight (checked by the caller)");
    let all_equal = ys.iter().zip(lambdas).all(|(y, &l)| l == 0.0 || *y == ys[first]);
    if all_equal {
        x.copy_from_slice(ys[first]);
        return Ok(Outcome {
            objective: 0.0,
            gap: 0.0,
            iterations: 0,
        });
    }
    if settings.p == settings.q {
        separable::solve(settings, ys, lambdas, x)
    } else {
        let k = ys.len();
        with_scratch(general::scratch_len(d, k), |scratch| {
            general::solve(settings, ys, lambdas, x, scratch)
        })
    }
}

/// f(x) = sum_k lambda_k |x - y_k|_p^q, with the p-norm computed without overflow or underflow
/// of the intermediate sum.
pub(super) fn objective(p: f64, q: f64, x: &[f64], ys: &[&[f64]], lambdas: &[f64]) -> f64 {
    if ys.len() != lambdas.len() {
        return f64::NAN;
    }
    ys.iter()
        .zip(lambdas)
        .filter(|(_, &l)| l > 0.0)
        .map(|(y, &l)| l * power_of_norm(p, q, x, y))
        .sum()
}

/// |x - y|_p^q, computed stably: for p not in {1, 2} and p != q the sum is taken over
/// (|x_t - y_t| / m)^p with m = max_t |x_t - y_t|, so that it neither overflows nor underflows.
#[inline]
pub(super) fn power_of_norm(p: f64, q: f64, x: &[f64], y: &[f64]) -> f64 {
    if x.len() != y.len() {
        return f64::NAN;
    }
    if p == 1.0 {
        let s: f64 = x.iter().zip(y).map(|(a, b)| (a - b).abs()).sum();
        pow_q(s, q)
    } else if p == 2.0 {
        let s: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
        if q == 2.0 {
            s
        } else if q == 1.0 {
            s.sqrt()
        } else {
            s.powf(0.5 * q)
        }
    } else if p == q {
        x.iter().zip(y).map(|(a, b)| (a - b).abs().powf(p)).sum()
    } else {
        let m = x.iter().zip(y).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        if m == 0.0 || !m.is_finite() {
            return if m == 0.0 { 0.0 } else { f64::INFINITY };
        }
        let inv = 1.0 / m;
        let sigma: f64 = x.iter().zip(y).map(|(a, b)| ((a - b).abs() * inv).powf(p)).sum();
        m.powf(q) * sigma.powf(q / p)
    }
}

#[inline]
fn pow_q(s: f64, q: f64) -> f64 {
    if q == 1.0 {
        s
    } else if q == 2.0 {
        s * s
    } else {
        s.powf(q)
    }
}

/// The p-norm of `w`, scaled by its largest entry so that nothing overflows (p in [1, inf]).
#[inline]
pub(super) fn norm(p: f64, w: &[f64]) -> f64 {
    if p == 2.0 {
        let m = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if m == 0.0 || !m.is_finite() {
            return m;
        }
        let inv = 1.0 / m;
        m * w.iter().map(|v| (v * inv) * (v * inv)).sum::<f64>().sqrt()
    } else if p == 1.0 {
        w.iter().map(|v| v.abs()).sum()
    } else if p == f64::INFINITY {
        w.iter().fold(0.0f64, |m, v| m.max(v.abs()))
    } else {
        let m = w.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if m == 0.0 || !m.is_finite() {
            return m;
        }
        let inv = 1.0 / m;
        m * w.iter().map(|v| (v.abs() * inv).powf(p)).sum::<f64>().powf(1.0 / p)
    }
}

/// The error for data whose costs overflow f64.
fn overflow(p: f64, q: f64) -> CoreError {
    CoreError::GroundBarycenter {
        reason: format!(
            "f(x) = sum_k lambda_k |x - y_k|_p^q overflows f64 (p = {p}, q = {q}): the points are too far apart \
             for this power; rescale the data"
        ),
    }
}

/// The separable case p = q, one coordinate at a time.
mod separable {
    use super::{overflow, with_scratch, Outcome, Settings};
    use kantorovich_core::CoreError;

    pub(super) fn solve(s: &Settings, ys: &[&[f64]], lambdas: &[f64], x: &mut [f64]) -> Result<Outcome, CoreError> {
        let p = s.p;
        let mut objective = 0.0;
        let mut gap = 0.0;
        let mut floor = 0.0;
        let mut iterations = 0;
        for t in 0..x.len() {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for (y, &l) in ys.iter().zip(lambdas) {
                if l > 0.0 {
                    lo = lo.min(y[t]);
                    hi = hi.max(y[t]);
                }
            }
            if lo == hi {
                x[t] = lo;
                continue;
            }
            let coordinate = if p == 1.0 {
                Coordinate {
                    value: weighted_median(ys, lambdas, t),
                    gap: 0.0,
                    floor: 0.0,
                    iterations: 0,
                }
            } else if p == 2.0 {
                mean(ys, lambdas, t, lo, hi)
            } else {
                newton(s, ys, lambdas, t, lo, hi)?
            };
            x[t] = coordinate.value;
            gap += coordinate.gap;
            floor += coordinate.floor;
            iterations += coordinate.iterations;
            objective += ys
                .iter()
                .zip(lambdas)
                .filter(|(_, &l)| l > 0.0)
                .map(|(y, &l)| l * (x[t] - y[t]).abs().powf(p))
                .sum::<f64>();
        }
        if !objective.is_finite() {
            return Err(overflow(p, p));
        }
        if gap.is_nan() || gap > s.tolerance * objective + floor {
            return Err(CoreError::GroundBarycenter {
                reason: format!(
                    "p-norm ground barycentre (p = q = {p}): certified gap {gap:e} above the tolerance {:e} x f = {:e}; \
                     raise the tolerance",
                    s.tolerance,
                    s.tolerance * objective
                ),
            });
        }
        Ok(Outcome {
            objective,
            gap,
            iterations,
        })
    }

    /// One coordinate of the minimiser with its certified gap and rounding floor (in the units
    /// of f).
    struct Coordinate {
        value: f64,
        gap: f64,
        floor: f64,
        iterations: usize,
    }

    /// A weighted median of the t-th coordinates: the smallest value v with
    /// sum_{y_kt <= v} lambda_k >= L / 2 (L = sum_k lambda_k). Every point of the median interval
    /// minimises sum_k lambda_k |s - y_kt|; this one is a data value, so that glued atoms merge.
    pub(super) fn weighted_median(ys: &[&[f64]], lambdas: &[f64], t: usize) -> f64 {
        let k = ys.len();
        with_scratch(2 * k, |buf| {
            // (value, weight) pairs of positive weight, sorted by value (insertion sort: K is small)
            let (values, weights) = buf.split_at_mut(k);
            let mut n = 0;
            let mut total = 0.0;
            for (y, &l) in ys.iter().zip(lambdas) {
                if l > 0.0 {
                    let v = y[t];
                    let mut i = n;
                    while i > 0 && values[i - 1] > v {
                        values[i] = values[i - 1];
                        weights[i] = weights[i - 1];
                        i -= 1;
                    }
                    values[i] = v;
                    weights[i] = l;
                    n += 1;
                    total += l;
                }
            }
            let mut mass = 0.0;
            for i in 0..n {
                mass += weights[i];
                if 2.0 * mass >= total {
                    return values[i];
                }
            }
            values[n - 1]
        })
    }

    /// The weighted mean of the t-th coordinates. g(s) = sum_k lambda_k (s - a_k)^2 is
    /// L (s - s*)^2 + g*, so the gap is exactly g'(s)^2 / (4 L) (rounding only).
    fn mean(ys: &[&[f64]], lambdas: &[f64], t: usize, lo: f64, hi: f64) -> Coordinate {
        let total: f64 = lambdas.iter().sum();
        let mut value = 0.0;
        for (y, &l) in ys.iter().zip(lambdas) {
            value += (l / total) * y[t];
        }
        let value = value.clamp(lo, hi);
        let slope: f64 = ys.iter().zip(lambdas).map(|(y, &l)| 2.0 * l * (value - y[t])).sum();
        // rounding floor: 4 eps (|centre| + half-width) times the local Lipschitz constant of g
        let lipschitz: f64 = ys
            .iter()
            .zip(lambdas)
            .map(|(y, &l)| 2.0 * l * (value - y[t]).abs())
            .sum();
        let magnitude = (0.5 * (lo + hi)).abs() + 0.5 * (hi - lo);
        Coordinate {
            value,
            gap: slope * slope / (4.0 * total),
            floor: 4.0 * f64::EPSILON * magnitude * lipschitz,
            iterations: 0,
        }
    }

    /// g(s) = sum_k lambda_k |s - a_k|^p for 1 < p != 2, by Newton's method on g' inside a
    /// bracket [l, u] with g'(l) <= 0 <= g'(u), falling back to bisection when a Newton step
    /// leaves the bracket or the bracket stops halving. Works on a_k normalised to [-1, 1].
    ///
    /// Two bounds on g(s) - g*, the smaller is used: convexity, g(s) - g* <= |g'(s)| times the
    /// distance from s to the end of the bracket on the side of s*; and strong convexity,
    /// g(s) - g* <= g'(s)^2 / (2 mu) with mu a lower bound on g'' over [-1, 1]:
    /// g'' = p (p - 1) sum_k lambda_k |s - a_k|^(p-2), and |s - a_k| <= 2, so
    /// mu = p (p - 1) L 2^(p-2) for p < 2; for p > 2 one of the extreme points a = -1, a = 1 is at
    /// distance >= 1 from s, so mu = p (p - 1) min(weight at -1, weight at 1).
    /// Stops when the bound is <= tolerance * g(s) + floor, floor = 4 ulp(x) |g|_Lip (the change
    /// of g over a few floating-point steps of the coordinate), or when the bracket is down to a
    /// few floats.
    fn newton(
        s: &Settings,
        ys: &[&[f64]],
        lambdas: &[f64],
        t: usize,
        lo: f64,
        hi: f64,
    ) -> Result<Coordinate, CoreError> {
        let p = s.p;
        let centre = 0.5 * (lo + hi);
        let half = 0.5 * (hi - lo);
        let inv = 1.0 / half;
        let a = |y: &&[f64]| (y[t] - centre) * inv;
        // g, g', g'' and the local Lipschitz constant sum_k lambda_k p |s - a_k|^(p-1) at s
        let eval = |s: f64| {
            let (mut g, mut g1, mut g2, mut lip) = (0.0, 0.0, 0.0, 0.0);
            for (y, &l) in ys.iter().zip(lambdas) {
                if l > 0.0 {
                    let diff = s - a(y);
                    let dist = diff.abs();
                    let pw = dist.powf(p - 1.0); // 0 at dist = 0, since p > 1
                    g += l * pw * dist;
                    g1 += l * p * pw.copysign(diff);
                    lip += l * p * pw;
                    if dist > 0.0 {
                        g2 += l * p * (p - 1.0) * pw / dist;
                    } else if p < 2.0 {
                        g2 = f64::INFINITY;
                    }
                }
            }
            (g, g1, g2, lip)
        };
        let total: f64 = lambdas.iter().sum();
        let mu = if p < 2.0 {
            p * (p - 1.0) * total * 2f64.powf(p - 2.0)
        } else {
            let at = |v: f64| -> f64 {
                ys.iter()
                    .zip(lambdas)
                    .filter(|(y, &l)| l > 0.0 && y[t] == v)
                    .map(|(_, &l)| l)
                    .sum()
            };
            p * (p - 1.0) * at(lo).min(at(hi))
        };
        // spacing of floating-point values near the coordinates, in normalised units
        let grid = 4.0 * f64::EPSILON * (centre.abs() + half) * inv;
        let mut x = ys.iter().zip(lambdas).map(|(y, &l)| (l / total) * a(y)).sum::<f64>();
        x = x.clamp(-1.0, 1.0);
        let (mut l, mut u) = (-1.0f64, 1.0f64);
        // bracket widths one and two iterations ago: Newton is trusted while the bracket halves
        let (mut width_1, mut width_2) = (f64::INFINITY, f64::INFINITY);
        let scale = half.powf(p); // g in original units = scale * g in normalised units
        let mut best = (x, f64::INFINITY, 0.0); // the iterate with the smallest bound, its floor
        for iteration in 1..=s.max_iterations {
            let (g, g1, g2, lip) = eval(x);
            let first_order = if g1 > 0.0 {
                u = x;
                g1 * (x - l)
            } else if g1 < 0.0 {
                l = x;
                -g1 * (u - x)
            } else {
                0.0
            };
            let bound = first_order.min(g1 * g1 / (2.0 * mu));
            if bound < best.1 {
                best = (x, bound, grid * lip);
            }
            if bound <= s.tolerance * g + grid * lip || u - l <= 4.0 * f64::EPSILON * l.abs().max(u.abs()) {
                return Ok(Coordinate {
                    value: centre + half * best.0,
                    gap: scale * best.1,
                    floor: scale * best.2,
                    iterations: iteration,
                });
            }
            let newton = x - g1 / g2;
            let halving = u - l <= 0.5 * width_2;
            width_2 = width_1;
            width_1 = u - l;
            x = if newton > l && newton < u && halving {
                newton
            } else {
                0.5 * (l + u)
            };
        }
        Err(CoreError::GroundBarycenter {
            reason: format!(
                "p-norm ground barycentre (p = q = {p}): coordinate {t} not certified after {} iterations \
                 (gap bound {:e}); raise max_iterations or the tolerance",
                s.max_iterations,
                scale * best.1
            ),
        })
    }
}

/// The general case p != q: smoothing, damped Newton and a duality gap.
///
/// **Smoothing.** With a_t(z) = sqrt(z_t^2 + eta^2), psi_eta(z) = |a(z)|_p^q is convex (|.|_p^q
/// is convex and non-decreasing in each |z_t|, composed with the convex a_t >= 0), smooth for
/// eta > 0, and decreases to phi as eta -> 0. Damped Newton (backtracking line search) minimises
/// f_eta(x) = sum_k lambda_k psi_eta(x - y_k); once the Newton decrement is small the iterate is
/// certified, and eta is divided by 10 when the certificate is not yet good enough.
///
/// **Certificate.** For any u_1..u_K with sum_k u_k = 0 and any x,
///
/// ```text
/// f(x) >= D(u) = - sum_k [ <u_k, y_k> + lambda_k phi*(u_k / lambda_k) ]      (Fenchel-Young)
/// ```
///
/// with phi*(w) = (q - 1) (|w|_p' / q)^(q / (q - 1)) for q > 1 (p' = p / (p - 1)), and phi*(w) = 0
/// on |w|_p' <= 1 (+inf outside) for q = 1. So f(xbar) - max D is a certified bound on
/// f(xbar) - f*. Dual points u_k = lambda_k w_k are built from (sub)gradients: the smoothed
/// gradients w_k = grad psi_eta(x - y_k) at the Newton iterate, and exact subgradients at each
/// primal candidate, corrected so that sum_k lambda_k w_k = 0 (the residual is absorbed by the
/// components where phi has a kink and its subdifferential leaves room, else spread uniformly),
/// and scaled into the unit ball of |.|_p' when q = 1. The primal candidates are the Newton
/// iterates and, where phi has kinks, the iterates snapped onto them (coordinates x_t = y_kt for
/// p = 1, data points x = y_k for q = 1): the minimiser often sits exactly on a kink, which
/// smoothing only approaches.
///
/// Newton runs in normalised coordinates (x - c) / S, c the centre of the bounding box of the
/// y_k and S its largest half-width, so that eta is relative to the spread of the data. The
/// candidates are held in original coordinates and their differences x - y_k taken there, so
/// the certificate is that of the point returned. Every iterate is clamped to the bounding box,
/// which holds a minimiser and where clamping never increases f or f_eta (both are
/// non-decreasing in each |x_t - y_kt|).
pub(super) mod general {
    use super::{norm, Outcome, Settings};
    use kantorovich_core::CoreError;

    /// Scratch values needed for dimension d and K points.
    pub(in super::super) fn scratch_len(d: usize, k: usize) -> usize {
        14 * d + 2 * d * d + k * d + k
    }

    /// First smoothing parameter (normalised units) where f has kinks (p = 1 or q = 1), and where
    /// it is differentiable (then smoothing only guards against the unbounded curvature of
    /// |z_t|^p at z_t = 0 for p < 2 and of |z|^q at z = 0 for q < 2; the exact-subgradient
    /// certificate does not depend on eta).
    const ETA_START: f64 = 1e-2;
    const ETA_START_SMOOTH: f64 = 1e-4;
    /// Factor applied to eta when the certificate at the current eta is not good enough.
    const ETA_FACTOR: f64 = 0.1;
    /// The smallest eta (normalised units): keeps eta^(p - 2) and 1 / eta finite.
    const ETA_MIN: f64 = 1e-100;
    /// Sufficient decrease of the line search: f_eta(x + t dx) <= f_eta(x) - ARMIJO t dec. A
    /// large constant (rather than the usual 1e-4) makes the search halve the steps that jump
    /// across a near-tie z_kt ~ 0 where |z|^p (p < 2) has unbounded curvature and Newton steps
    /// overshoot (on |z|^1.5 a full step goes from z to -z).
    const ARMIJO: f64 = 0.25;

    /// The data in the form the solver reads it.
    struct Problem<'a> {
        p: f64,
        q: f64,
        ys: &'a [&'a [f64]],
        lambdas: &'a [f64],
        total: f64,
        centre: &'a [f64],
        inv_scale: f64,
        /// 4 d^(1/p) times the spacing of floating-point coordinates near the data, in normalised
        /// units: times the local Lipschitz constant of f, the rounding floor of the gap.
        grid: f64,
    }

    impl Problem<'_> {
        /// The t-th coordinate of y_k in normalised coordinates.
        #[inline]
        fn yhat(&self, k: usize, t: usize) -> f64 {
            (self.ys[k][t] - self.centre[t]) * self.inv_scale
        }
    }

    /// Splits `buf` into consecutive slices of the given lengths.
    fn split<'b, const N: usize>(mut buf: &'b mut [f64], lens: [usize; N]) -> [&'b mut [f64]; N] {
        let mut out: [&'b mut [f64]; N] = std::array::from_fn(|_| &mut [][..]);
        for (slot, len) in out.iter_mut().zip(lens) {
            let (head, tail) = std::mem::take(&mut buf).split_at_mut(len);
            *slot = head;
            buf = tail;
        }
        out
    }

    /// The best primal value so far (with its rounding floor) and the best lower bound.
    struct Bounds {
        /// min f over the candidates (normalised units)
        f: f64,
        /// the change of f over a few units in the last place of the coordinates, at that candidate
        floor: f64,
        /// max D over the dual points
        lower: f64,
    }

    impl Bounds {
        /// Certified: f - lower <= tolerance f + floor.
        fn done(&self, tolerance: f64) -> bool {
            self.f.is_finite() && self.f - self.lower <= tolerance * self.f + self.floor
        }
    }

    /// Working vectors of length d.
    struct Vectors<'b> {
        z: &'b mut [f64],
        b: &'b mut [f64],
        resid: &'b mut [f64],
        cap: &'b mut [f64],
        /// one value per point
        scales: &'b mut [f64],
    }

    pub(in super::super) fn solve(
        s: &Settings,
        ys: &[&[f64]],
        lambdas: &[f64],
        out: &mut [f64],
        scratch: &mut [f64],
    ) -> Result<Outcome, CoreError> {
        let d = out.len();
        let kd = ys.len() * d;
        let [centre, lo, hi, xi, grad, dir, trial, cand, best, spare, z, b, resid, cap, hess, chol, w, scales] = split(
            scratch,
            [d, d, d, d, d, d, d, d, d, d, d, d, d, d, d * d, d * d, kd, ys.len()],
        );
        let mut vecs = Vectors {
            z,
            b,
            resid,
            cap,
            scales,
        };
        // bounding box of the points of positive weight
        lo.fill(f64::INFINITY);
        hi.fill(f64::NEG_INFINITY);
        for (y, &l) in ys.iter().zip(lambdas) {
            if l > 0.0 {
                for t in 0..d {
                    lo[t] = lo[t].min(y[t]);
                    hi[t] = hi[t].max(y[t]);
                }
            }
        }
        let mut half = 0.0f64;
        for t in 0..d {
            centre[t] = 0.5 * (lo[t] + hi[t]);
            half = half.max(0.5 * (hi[t] - lo[t]));
        }
        let inv_scale = 1.0 / half;
        let total: f64 = lambdas.iter().sum();
        let magnitude = centre.iter().fold(0.0f64, |m, c| m.max(c.abs())) + half;
        let grid = 4.0 * (d as f64).powf(1.0 / s.p) * f64::EPSILON * magnitude * inv_scale;
        let pb = Problem {
            p: s.p,
            q: s.q,
            ys,
            lambdas,
            total,
            centre,
            inv_scale,
            grid,
        };
        for t in 0..d {
            lo[t] = (lo[t] - pb.centre[t]) * inv_scale;
            hi[t] = (hi[t] - pb.centre[t]) * inv_scale;
        }
        // start at the weighted mean
        xi.fill(0.0);
        for (k, &l) in lambdas.iter().enumerate() {
            if l > 0.0 {
                for (t, x) in xi.iter_mut().enumerate() {
                    *x += (l / total) * pb.yhat(k, t);
                }
            }
        }
        clamp(xi, lo, hi);

        let mut eta = if s.p > 1.0 && s.q > 1.0 {
            ETA_START_SMOOTH
        } else {
            ETA_START
        };
        let mut bounds = Bounds {
            f: f64::INFINITY,
            floor: 0.0,
            lower: f64::NEG_INFINITY,
        };
        let mut iterations = 0;
        let mut certified_here = false;
        while iterations < s.max_iterations && !bounds.done(s.tolerance) {
            iterations += 1;
            let f_eta = smoothed(&pb, xi, eta, grad, Some(hess), &mut vecs);
            let decrement = newton_direction(hess, chol, grad, dir);
            // Certify once near the minimiser of f_eta; right after a certification that fell short,
            // take the Newton step anyway (if it still decreases f_eta): the certificate at a
            // point improves with the point, even below the threshold.
            let near_centre = !certified_here && 0.5 * decrement <= 1e-2 * eta * f_eta + 1e-3 * s.tolerance * f_eta;
            certified_here = false;
            let mut moved = false;
            if !near_centre {
                // backtracking line search on f_eta, along dir, inside the box
                let mut step = 1.0;
                for _ in 0..60 {
                    for t in 0..d {
                        trial[t] = (xi[t] + step * dir[t]).clamp(lo[t], hi[t]);
                    }
                    let f_trial = smoothed(&pb, trial, eta, spare, None, &mut vecs);
                    if f_trial <= f_eta - ARMIJO * step * decrement {
                        if f_trial < f_eta {
                            xi.copy_from_slice(trial);
                            moved = true;
                        }
                        break;
                    }
                    step *= 0.5;
                }
            }
            if moved {
                continue;
            }
            // Near the minimiser of f_eta (or stuck): certify the iterate and its snapped versions.
            bounds.lower = bounds.lower.max(smoothed_dual(&pb, xi, eta, dir, w, &mut vecs));
            // the Newton point, clamped, as a primal candidate
            for t in 0..d {
                cand[t] = pb.centre[t] + half * (xi[t] + dir[t]).clamp(lo[t], hi[t]);
            }
            consider(&pb, cand, false, best, &mut bounds, w, hess, chol, spare, &mut vecs);
            let at = |cand: &mut [f64]| {
                for t in 0..d {
                    cand[t] = pb.centre[t] + half * xi[t];
                }
            };
            at(cand);
            consider(&pb, cand, false, best, &mut bounds, w, hess, chol, spare, &mut vecs);
            if pb.p < 2.0 && snap_coordinates(&pb, cand, 100.0 * eta * half) {
                consider(&pb, cand, true, best, &mut bounds, w, hess, chol, spare, &mut vecs);
            }
            if pb.q < 2.0 {
                at(cand);
                if snap_to_point(&pb, cand, &mut vecs) {
                    consider(&pb, cand, true, best, &mut bounds, w, hess, chol, spare, &mut vecs);
                }
            }
            certified_here = true;
            if eta <= ETA_MIN {
                break;
            }
            eta = (eta * ETA_FACTOR).max(ETA_MIN);
        }
        if !bounds.done(s.tolerance) {
            return Err(CoreError::GroundBarycenter {
                reason: format!(
                    "p-norm ground barycentre (p = {}, q = {}): certified relative gap {:e} above the tolerance \
                     {:e} after {iterations} Newton iterations; raise max_iterations or the tolerance",
                    s.p,
                    s.q,
                    (bounds.f - bounds.lower) / bounds.f,
                    s.tolerance
                ),
            });
        }
        out.copy_from_slice(best);
        let scale = half.powf(s.q);
        if !(scale * bounds.f).is_finite() {
            return Err(super::overflow(s.p, s.q));
        }
        Ok(Outcome {
            objective: scale * bounds.f,
            gap: scale * (bounds.f - bounds.lower).max(0.0),
            iterations,
        })
    }

    #[inline]
    fn clamp(x: &mut [f64], lo: &[f64], hi: &[f64]) {
        for ((x, &lo), &hi) in x.iter_mut().zip(lo).zip(hi) {
            *x = x.clamp(lo, hi);
        }
    }

    /// One term psi_eta(z_k), z_k = x - y_k (normalised): writes z_k into `z` and B_t into `bb`,
    /// returns (psi, c, kappa) where, with a_t = sqrt(z_t^2 + eta^2), m = max_t a_t,
    /// b_t = a_t / m, B_t = b_t^(p - 2) and sigma = sum_t b_t^p (in [1, d]: no overflow),
    ///
    /// psi = m^q sigma^(q/p),   grad psi = c B_t z_t,   c = q psi / (m^2 sigma),
    /// Hess psi = c diag(B_t ((p - 1) z_t^2 + eta^2) / a_t^2) + kappa (B z)(B z)',
    /// kappa = c (q - p) / (sigma m^2).
    #[inline]
    fn term(pb: &Problem<'_>, k: usize, x: &[f64], eta2: f64, z: &mut [f64], bb: &mut [f64]) -> (f64, f64, f64) {
        let (p, q) = (pb.p, pb.q);
        let d = x.len();
        let mut m = 0.0f64;
        for t in 0..d {
            z[t] = x[t] - pb.yhat(k, t);
            bb[t] = (z[t] * z[t] + eta2).sqrt();
            m = m.max(bb[t]);
        }
        let inv_m = 1.0 / m;
        let mut sigma = 0.0;
        for b in bb.iter_mut() {
            let ratio = *b * inv_m;
            let big_b = if p == 2.0 {
                1.0
            } else if p == 1.0 {
                1.0 / ratio
            } else {
                ratio.powf(p - 2.0)
            };
            sigma += ratio * ratio * big_b;
            *b = big_b;
        }
        let psi = if p == 2.0 && q == 2.0 {
            m * m * sigma
        } else {
            m.powf(q) * sigma.powf(q / p)
        };
        let c = q * psi / (m * m * sigma);
        (psi, c, c * (q - p) / (sigma * m * m))
    }

    /// f_eta(x) in normalised coordinates, its gradient into `grad`, and optionally its Hessian
    /// (d x d, row major); see [`term`].
    fn smoothed(
        pb: &Problem<'_>,
        x: &[f64],
        eta: f64,
        grad: &mut [f64],
        mut hess: Option<&mut [f64]>,
        vecs: &mut Vectors<'_>,
    ) -> f64 {
        let d = x.len();
        let eta2 = eta * eta;
        let (z, bb) = (&mut *vecs.z, &mut *vecs.b);
        grad.fill(0.0);
        if let Some(h) = hess.as_deref_mut() {
            h.fill(0.0);
        }
        let mut value = 0.0;
        for (k, &l) in pb.lambdas.iter().enumerate() {
            if l <= 0.0 {
                continue;
            }
            let (psi, c, kappa) = term(pb, k, x, eta2, z, bb);
            value += l * psi;
            for t in 0..d {
                grad[t] += l * c * bb[t] * z[t];
            }
            if let Some(h) = hess.as_deref_mut() {
                for r in 0..d {
                    let zr = l * kappa * bb[r] * z[r];
                    for col in 0..d {
                        h[r * d + col] += zr * bb[col] * z[col];
                    }
                    let a2 = z[r] * z[r] + eta2;
                    h[r * d + r] += l * c * bb[r] * (((pb.p - 1.0) * z[r] * z[r] + eta2) / a2);
                }
            }
        }
        value
    }

    /// Solves (H + mu I) dir = -grad by Cholesky, mu growing from 1e-14 max_t H_tt until the
    /// factorisation succeeds, and returns the Newton decrement grad' dir' = grad' (H + mu I)^-1 grad.
    fn newton_direction(hess: &[f64], chol: &mut [f64], grad: &[f64], dir: &mut [f64]) -> f64 {
        let d = grad.len();
        let max_diag = (0..d).fold(0.0f64, |m, t| m.max(hess[t * d + t]));
        let mut mu = 1e-14 * max_diag + f64::MIN_POSITIVE;
        for _ in 0..40 {
            chol.copy_from_slice(hess);
            for t in 0..d {
                chol[t * d + t] += mu;
            }
            if cholesky(chol, d) {
                // forward then backward substitution: L L' dir = -grad
                for r in 0..d {
                    let mut s = -grad[r];
                    for c in 0..r {
                        s -= chol[r * d + c] * dir[c];
                    }
                    dir[r] = s / chol[r * d + r];
                }
                for r in (0..d).rev() {
                    let mut s = dir[r];
                    for c in r + 1..d {
                        s -= chol[c * d + r] * dir[c];
                    }
                    dir[r] = s / chol[r * d + r];
                }
                return -grad.iter().zip(dir.iter()).map(|(g, s)| g * s).sum::<f64>();
            }
            mu = if mu < 1e-8 * max_diag {
                1e-8 * max_diag
            } else {
                100.0 * mu
            };
        }
        // not even a regularised factorisation (NaN input): steepest descent, scaled
        let scale = 1.0 / max_diag.max(1.0);
        for (s, g) in dir.iter_mut().zip(grad) {
            *s = -scale * g;
        }
        scale * grad.iter().map(|g| g * g).sum::<f64>()
    }

    /// In-place Cholesky factorisation of the symmetric d x d matrix `a` (lower triangle used and
    /// overwritten by L); false unless it is positive definite.
    fn cholesky(a: &mut [f64], d: usize) -> bool {
        for j in 0..d {
            let mut s = a[j * d + j];
            for c in 0..j {
                s -= a[j * d + c] * a[j * d + c];
            }
            if s.is_nan() || s <= 0.0 {
                return false;
            }
            let l = s.sqrt();
            a[j * d + j] = l;
            for r in j + 1..d {
                let mut s = a[r * d + j];
                for c in 0..j {
                    s -= a[r * d + c] * a[j * d + c];
                }
                a[r * d + j] = s / l;
            }
        }
        true
    }

    /// phi*(w) for q > 1: (q - 1) (|w|_p' / q)^(q / (q - 1)).
    #[inline]
    fn conjugate(p: f64, q: f64, w: &[f64]) -> f64 {
        let n = norm(dual_exponent(p), w);
        (q - 1.0) * (n / q).powf(q / (q - 1.0))
    }

    /// p' = p / (p - 1), with 1' = infinity.
    #[inline]
    fn dual_exponent(p: f64) -> f64 {
        if p == 1.0 {
            f64::INFINITY
        } else if p == 2.0 {
            2.0
        } else {
            p / (p - 1.0)
        }
    }

    /// D(u) for u_k = lambda_k w_k, w given (K x d) with sum_k lambda_k w_k = 0; for q = 1 first
    /// scales w into the unit ball of |.|_p' if needed.
    fn dual_value(pb: &Problem<'_>, w: &mut [f64]) -> f64 {
        let d = pb.centre.len();
        if pb.q == 1.0 {
            let pd = dual_exponent(pb.p);
            let largest = w.chunks_exact(d).fold(0.0f64, |m, wk| m.max(norm(pd, wk)));
            if largest > 1.0 {
                let inv = 1.0 / largest;
                w.iter_mut().for_each(|x| *x *= inv);
            }
        }
        let mut value = 0.0;
        for (k, &l) in pb.lambdas.iter().enumerate() {
            if l > 0.0 {
                let wk = &w[k * d..(k + 1) * d];
                let inner: f64 = (0..d).map(|t| wk[t] * pb.yhat(k, t)).sum();
                let conj = if pb.q == 1.0 { 0.0 } else { conjugate(pb.p, pb.q, wk) };
                value -= l * (inner + conj);
            }
        }
        value
    }

    /// The lower bound from the smoothed problem at the iterate x with Newton step dx: the
    /// gradients linearised at x + dx, w_k = grad psi_eta(z_k) + Hess psi_eta(z_k) dx, which sum
    /// (with weights lambda_k) to grad f_eta(x) + Hess f_eta(x) dx = 0 up to the regularisation
    /// and rounding (the rest is spread uniformly). Spreading the whole residual uniformly
    /// instead would cost a first-order term where phi* is curved or has kinks; this choice
    /// minimises the second-order cost sum_k lambda_k (1/2) D_k' Hess psi(z_k)^-1 D_k of the
    /// corrections D_k.
    fn smoothed_dual(pb: &Problem<'_>, x: &[f64], eta: f64, dx: &[f64], w: &mut [f64], vecs: &mut Vectors<'_>) -> f64 {
        let d = x.len();
        let eta2 = eta * eta;
        let Vectors { z, b: bb, resid, .. } = vecs;
        resid.fill(0.0);
        for (k, &l) in pb.lambdas.iter().enumerate() {
            let wk = &mut w[k * d..(k + 1) * d];
            if l <= 0.0 {
                wk.fill(0.0);
                continue;
            }
            let (_, c, kappa) = term(pb, k, x, eta2, z, bb);
            let along: f64 = (0..d).map(|t| bb[t] * z[t] * dx[t]).sum();
            for t in 0..d {
                let a2 = z[t] * z[t] + eta2;
                let diag = c * bb[t] * (((pb.p - 1.0) * z[t] * z[t] + eta2) / a2);
                wk[t] = c * bb[t] * z[t] + diag * dx[t] + kappa * bb[t] * z[t] * along;
                resid[t] += l * wk[t];
            }
        }
        for (k, &l) in pb.lambdas.iter().enumerate() {
            if l > 0.0 {
                for t in 0..d {
                    w[k * d + t] -= resid[t] / pb.total;
                }
            }
        }
        dual_value(pb, w)
    }

    /// Evaluates f at `cand` (original coordinates), keeps it in `best` if it is the best point so
    /// far (or ties with it and is `snapped` onto a kink), and raises the lower bound with a dual point built from exact subgradients at `cand`.
    ///
    /// w_k starts as the gradient of phi at z_k = (cand - y_k) / S, with sign(0) = 0 where phi has
    /// a kink (a subgradient). The residual r = sum_k lambda_k w_k is then removed where it costs
    /// least:
    /// - q < 2 and cand = y_k for some k: by those k. There phi has a kink (q = 1: its
    ///   subdifferential at 0 is the unit ball of |.|_p') or unbounded curvature (1 < q < 2:
    ///   phi* grows like |w|^(q/(q-1)), faster than quadratically), so a minimiser there, or
    ///   extremely close, is certified;
    /// - otherwise, on the coordinates without a tie, by the linearised gradients at the Newton
    ///   point: w_k += Hess phi(z_k) dx with (sum_k lambda_k Hess phi(z_k)) dx = -r on those
    ///   coordinates (the second-order-optimal correction, see [`smoothed_dual`]);
    /// - p < 2, on the coordinates t with ties cand_t = y_kt: by the tied k, in proportion to
    ///   lambda_k c_k (c_k = q phi(z_k) / (m_k sigma_k), the scale of grad phi(z_k)). For p = 1
    ///   the subdifferential of |z|_1^q allows any w_kt in [-c_k, c_k]; for 1 < p < 2 the
    ///   curvature of |z_t|^p is unbounded at 0 and the dual norm grows slowly in that component;
    /// - what rounding leaves, uniformly: w_k -= r / L.
    #[allow(clippy::too_many_arguments)]
    fn consider(
        pb: &Problem<'_>,
        cand: &[f64],
        snapped: bool,
        best: &mut [f64],
        bounds: &mut Bounds,
        w: &mut [f64],
        matrix: &mut [f64],
        factor: &mut [f64],
        dx: &mut [f64],
        vecs: &mut Vectors<'_>,
    ) {
        let (p, q) = (pb.p, pb.q);
        let d = cand.len();
        let Vectors {
            z,
            b: bz,
            resid,
            cap,
            scales,
        } = vecs;
        resid.fill(0.0);
        cap.fill(0.0);
        let mut f = 0.0;
        let mut lipschitz = 0.0; // sum_k lambda_k q |z_k|_p^(q-1), the local Lipschitz constant of f
        let mut at_point = 0.0; // total weight of the k with cand = y_k (q < 2)
                                // pass 1: f, exact subgradients, residual, ties
        for (k, &l) in pb.lambdas.iter().enumerate() {
            let wk = &mut w[k * d..(k + 1) * d];
            scales[k] = 0.0;
            if l <= 0.0 {
                wk.fill(0.0);
                continue;
            }
            let m = differences(pb, k, cand, z);
            if m == 0.0 {
                wk.fill(0.0);
                if q < 2.0 {
                    at_point += l;
                }
                continue;
            }
            let inv_m = 1.0 / m;
            let mut sigma = 0.0;
            for t in 0..d {
                let b = z[t].abs() * inv_m;
                // b^(p - 1) sign(z_t), 0 where z_t = 0
                let g = if b == 0.0 {
                    0.0
                } else if p == 1.0 {
                    1.0
                } else if p == 2.0 {
                    b
                } else {
                    b.powf(p - 1.0)
                };
                sigma += g * b;
                wk[t] = g.copysign(z[t]);
            }
            let phi = if p == 2.0 && q == 2.0 {
                m * m * sigma
            } else {
                m.powf(q) * sigma.powf(q / p)
            };
            f += l * phi;
            let n = if p == 2.0 {
                m * sigma.sqrt()
            } else if p == 1.0 {
                m * sigma
            } else {
                m * sigma.powf(1.0 / p)
            };
            lipschitz += l * q * phi / n;
            let c = q * phi / (m * sigma);
            scales[k] = c;
            for t in 0..d {
                wk[t] *= c;
                resid[t] += l * wk[t];
                if p < 2.0 && z[t] == 0.0 {
                    cap[t] += l * c;
                }
            }
        }
        // A candidate on a kink (a data point for q < 2, or x_t = y_kt for p < 2; snapped there or
        // not) wins ties up to rounding in f: it is where the minimiser sits when it sits on a kink, and exact data values merge
        // in G. The gap is then computed with its own f.
        let on_kink = snapped || at_point > 0.0 || cap.iter().any(|&c| c > 0.0);
        let rounding = 4.0 * (pb.ys.len() + 1) as f64 * f64::EPSILON;
        if f < bounds.f || (on_kink && f <= bounds.f * (1.0 + rounding)) {
            bounds.f = f;
            bounds.floor = pb.grid * lipschitz;
            best.copy_from_slice(cand);
        }
        if at_point > 0.0 {
            for (k, &l) in pb.lambdas.iter().enumerate() {
                if l > 0.0 && cand == pb.ys[k] {
                    for t in 0..d {
                        w[k * d + t] -= resid[t] / at_point;
                    }
                }
            }
        } else {
            // pass 2: the Hessian of f on the untied coordinates U = {t: cap_t = 0}, compacted
            // (see `hessian_parts`), and the Newton correction on U.
            let n = cap.iter().filter(|&&c| c == 0.0).count();
            if n > 0 {
                matrix[..n * n].fill(0.0);
                for (k, &l) in pb.lambdas.iter().enumerate() {
                    if l <= 0.0 || scales[k] == 0.0 {
                        continue;
                    }
                    let kappa = hessian_parts(pb, k, cand, scales[k], z, bz);
                    let mut r = 0;
                    for t in 0..d {
                        if cap[t] != 0.0 {
                            continue;
                        }
                        let mut col = 0;
                        for s in 0..d {
                            if cap[s] != 0.0 {
                                continue;
                            }
                            matrix[r * n + col] += l * kappa * bz[t] * bz[s];
                            col += 1;
                        }
                        matrix[r * n + r] += l * z[t];
                        r += 1;
                    }
                }
                // right-hand side -r_U into dx (compacted)
                let mut r = 0;
                for t in 0..d {
                    if cap[t] == 0.0 {
                        dx[r] = -resid[t];
                        r += 1;
                    }
                }
                if solve_regularised(&matrix[..n * n], &mut factor[..n * n], &mut dx[..n]) {
                    // expand dx to all coordinates (0 on the tied ones)
                    let mut r = n;
                    for t in (0..d).rev() {
                        if cap[t] == 0.0 {
                            r -= 1;
                            dx[t] = dx[r];
                        } else {
                            dx[t] = 0.0;
                        }
                    }
                    for (k, &l) in pb.lambdas.iter().enumerate() {
                        if l <= 0.0 || scales[k] == 0.0 {
                            continue;
                        }
                        let kappa = hessian_parts(pb, k, cand, scales[k], z, bz);
                        let along: f64 = (0..d).map(|t| bz[t] * dx[t]).sum();
                        for t in 0..d {
                            // z now holds the diagonal entries h_t (0 on ties)
                            w[k * d + t] += z[t] * dx[t] + kappa * bz[t] * along;
                        }
                    }
                }
            }
            // pass 3: what is left, into the ties or uniformly
            resid.fill(0.0);
            for (k, &l) in pb.lambdas.iter().enumerate() {
                if l > 0.0 {
                    for t in 0..d {
                        resid[t] += l * w[k * d + t];
                    }
                }
            }
            for (k, &l) in pb.lambdas.iter().enumerate() {
                if l <= 0.0 {
                    continue;
                }
                let y = pb.ys[k];
                for t in 0..d {
                    if cap[t] > 0.0 {
                        if cand[t] == y[t] {
                            w[k * d + t] -= resid[t] * scales[k] / cap[t];
                        }
                    } else {
                        w[k * d + t] -= resid[t] / pb.total;
                    }
                }
            }
        }
        bounds.lower = bounds.lower.max(dual_value(pb, w));
    }

    /// z = (x - y_k) / S (normalised differences, taken in original coordinates); returns
    /// max_t |z_t|.
    #[inline]
    fn differences(pb: &Problem<'_>, k: usize, x: &[f64], z: &mut [f64]) -> f64 {
        let mut m = 0.0f64;
        for (t, zt) in z.iter_mut().enumerate() {
            *zt = (x[t] - pb.ys[k][t]) * pb.inv_scale;
            m = m.max(zt.abs());
        }
        m
    }

    /// The exact Hessian of phi at z_k = (x - y_k) / S (z_k != 0), in the form
    /// Hess phi = diag(h) + kappa u u': writes h into `h` and u into `u` (both 0 on the
    /// coordinates where z_kt = 0 and p < 2, where the curvature is unbounded), returns kappa.
    /// With b_t = |z_t| / m, B_t = b_t^(p-2), c the gradient scale (grad phi = c
    /// b_t^(p-1) sign z_t): h_t = c (p - 1) B_t / m, u_t = B_t z_t / m,
    /// kappa = c (q - p) / (sigma m) with sigma = sum_t b_t^p.
    fn hessian_parts(pb: &Problem<'_>, k: usize, x: &[f64], c: f64, h: &mut [f64], u: &mut [f64]) -> f64 {
        let (p, q) = (pb.p, pb.q);
        let m = differences(pb, k, x, h);
        let inv_m = 1.0 / m;
        let mut sigma = 0.0;
        for t in 0..h.len() {
            let zt = h[t];
            let b = zt.abs() * inv_m;
            if b == 0.0 {
                // p < 2: unbounded curvature (a tie, handled by absorption); p >= 2: B_t z_t = 0
                // and (p - 1) B_t = 0 for p > 2, 1 for p = 2
                h[t] = if p == 2.0 { c * inv_m } else { 0.0 };
                u[t] = 0.0;
                continue;
            }
            let big_b = if p == 2.0 {
                1.0
            } else if p == 1.0 {
                1.0 / b
            } else {
                b.powf(p - 2.0)
            };
            sigma += b * b * big_b;
            h[t] = c * (p - 1.0) * big_b * inv_m;
            u[t] = big_b * zt * inv_m;
        }
        c * (q - p) / (sigma * m)
    }

    /// Solves (A + mu I) x = rhs (A symmetric, n x n in `a`, rhs in `x`), mu growing from
    /// 1e-14 max_t A_tt until the Cholesky factorisation succeeds; false if it never does.
    fn solve_regularised(a: &[f64], factor: &mut [f64], x: &mut [f64]) -> bool {
        let n = x.len();
        let max_diag = (0..n).fold(0.0f64, |m, t| m.max(a[t * n + t]));
        let mut mu = 1e-14 * max_diag + f64::MIN_POSITIVE;
        for _ in 0..40 {
            factor.copy_from_slice(a);
            for t in 0..n {
                factor[t * n + t] += mu;
            }
            if cholesky(factor, n) {
                for r in 0..n {
                    let mut s = x[r];
                    for c in 0..r {
                        s -= factor[r * n + c] * x[c];
                    }
                    x[r] = s / factor[r * n + r];
                }
                for r in (0..n).rev() {
                    let mut s = x[r];
                    for c in r + 1..n {
                        s -= factor[c * n + r] * x[c];
                    }
                    x[r] = s / factor[r * n + r];
                }
                return true;
            }
            mu = if mu < 1e-8 * max_diag {
                1e-8 * max_diag
            } else {
                100.0 * mu
            };
        }
        false
    }

    /// p < 2: moves each coordinate of `cand` onto the nearest y_kt if it is within `radius`
    /// (original units); true if something moved.
    fn snap_coordinates(pb: &Problem<'_>, cand: &mut [f64], radius: f64) -> bool {
        let mut moved = false;
        for (t, x) in cand.iter_mut().enumerate() {
            let mut nearest = *x;
            let mut dist = f64::INFINITY;
            for (y, &l) in pb.ys.iter().zip(pb.lambdas) {
                if l > 0.0 && (*x - y[t]).abs() < dist {
                    dist = (*x - y[t]).abs();
                    nearest = y[t];
                }
            }
            if dist <= radius && nearest != *x {
                *x = nearest;
                moved = true;
            }
        }
        moved
    }

    /// q < 2: moves `cand` onto the nearest y_k (in |.|_p) unless it is there already; true if it
    /// moved. (Only a candidate: kept if it does better.)
    fn snap_to_point(pb: &Problem<'_>, cand: &mut [f64], vecs: &mut Vectors<'_>) -> bool {
        let z = &mut *vecs.z;
        let mut nearest = None;
        let mut dist = f64::INFINITY;
        for k in 0..pb.ys.len() {
            if pb.lambdas[k] > 0.0 {
                differences(pb, k, cand, z);
                let n = norm(pb.p, z);
                if n < dist {
                    dist = n;
                    nearest = Some(k);
                }
            }
        }
        match nearest {
            Some(k) if dist > 0.0 => {
                cand.copy_from_slice(pb.ys[k]);
                true
            }
            _ => false,
        }
    }
}
