//! Projections onto circles: the non-linear generalised barycentre of Tanguy, Delon and Gozlan
//! (arXiv 2501.04016, section 5), where measure k is observed through the projection onto circle k.

use crate::squared_euclidean::squared_distance;
use crate::Euclidean;
use kantorovich_core::{CoreError, Cost, GroundBarycenter};

/// A circle of the plane with centre o and radius r > 0, and the projection onto it:
///
/// ```text
/// P(x) = o + r (x - o) / |x - o|      for x != o,
/// P(o) = o + r e_1                    (any point of the circle is nearest to the centre).
/// ```
///
/// As a [`Cost`] on R^2 x R^2 it is c(x, y) = |P(x) - y|^2: the squared distance from the
/// projection of x to y. Only the direction of x seen from o matters.
///
/// ```
/// use kantorovich_core::Cost;
/// use kantorovich_geometry::Circle;
/// let unit = Circle::new([0.0, 0.0], 1.0)?;
/// assert_eq!(unit.project(&[3.0, 0.0]), [1.0, 0.0]);
/// // P(0, 5) = (0, 1), at squared distance 4 from (0, -1)
/// assert_eq!(unit.cost(&[0.0, 5.0], &[0.0, -1.0]), 4.0);
/// # Ok::<(), kantorovich_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    centre: [f64; 2],
    radius: f64,
}

impl Circle {
    /// The circle of centre `centre` and radius `radius`; errors unless the centre is finite and
    /// the radius finite and positive.
    pub fn new(centre: [f64; 2], radius: f64) -> Result<Self, CoreError> {
        if !centre.iter().all(|c| c.is_finite()) {
            return Err(CoreError::InvalidParameter {
                name: "centre",
                reason: format!("{centre:?}: the centre of a circle must have finite coordinates"),
            });
        }
        if !(radius.is_finite() && radius > 0.0) {
            return Err(CoreError::InvalidParameter {
                name: "radius",
                reason: format!("{radius}: the radius of a circle must be finite and > 0"),
            });
        }
        Ok(Self { centre, radius })
    }

    /// The centre o.
    pub fn centre(&self) -> [f64; 2] {
        self.centre
    }

    /// The radius r.
    pub fn radius(&self) -> f64 {
        self.radius
    }

    /// P(x), the point of the circle nearest to x (o + r e_1 at the centre itself); NaN
    /// coordinates when x is not a point of the plane.
    #[inline]
    pub fn project(&self, x: &[f64]) -> [f64; 2] {
        if x.len() != 2 {
            // not a point of the plane: NaN, which the solvers report, rather than a panic
            return [f64::NAN; 2];
        }
        let (dx, dy) = (x[0] - self.centre[0], x[1] - self.centre[1]);
        // sqrt rather than hypot (several times slower), unless the squares overflow
        let mut norm = (dx * dx + dy * dy).sqrt();
        if norm == f64::INFINITY {
            norm = dx.hypot(dy);
        }
        if norm > 0.0 {
            let s = self.radius / norm;
            [self.centre[0] + s * dx, self.centre[1] + s * dy]
        } else {
            [self.centre[0] + self.radius, self.centre[1]]
        }
    }
}

fn check_plane(x_space: &Euclidean, y_space: &Euclidean) -> Result<(), CoreError> {
    for space in [x_space, y_space] {
        if space.dim() != 2 {
            return Err(CoreError::DimensionMismatch {
                expected: 2,
                found: space.dim(),
            });
        }
    }
    Ok(())
}

impl Cost<Euclidean, Euclidean> for Circle {
    #[inline]
    fn cost(&self, x: &[f64], y: &[f64]) -> f64 {
        squared_distance(&self.project(x), y)
    }
    fn check_spaces(&self, x_space: &Euclidean, y_space: &Euclidean) -> Result<(), CoreError> {
        check_plane(x_space, y_space)
    }
    #[inline]
    fn cost_to_many(&self, x: &[f64], _: &Euclidean, ys: &Vec<f64>, start: usize, out: &mut [f64]) {
        // project once per row
        let p = self.project(x);
        for (o, y) in out.iter_mut().zip(ys[2 * start..].chunks_exact(2)) {
            *o = (p[0] - y[0]) * (p[0] - y[0]) + (p[1] - y[1]) * (p[1] - y[1]);
        }
    }
}

/// The ground barycentre of K circle projections: for weights lambda_k and y_k in R^2,
///
/// ```text
/// B(y_1, .., y_K) = argmin over x in D of F(x) = sum_k lambda_k |P_k(x) - y_k|^2,
/// ```
///
/// with P_k the projection onto circle k (see [`Circle`]) and D a closed box of the plane, the
/// search domain (by default the bounding box of the discs, enlarged by half its size on each
/// side). The domain is part of the problem: without it the infimum can lie at infinity (two
/// parallel rays from two centres towards their y_k never meet, and F tends to its infimum only
/// far away along them), so the barycentre lives in D and every iterate should start in D.
///
/// **Why it is non-convex.** Writing y_k - o_k = rho_k (cos phi_k, sin phi_k) and theta_k(x)
/// for the angle of x - o_k,
///
/// ```text
/// |P_k(x) - y_k|^2 = r_k^2 + rho_k^2 - 2 r_k rho_k cos(theta_k(x) - phi_k),
/// ```
///
/// so F is a sum of cosines of K different angle fields. It has several local minima in general
/// and jumps at each centre o_k (where theta_k is undefined).
///
/// **The search.** F is evaluated at the points where each term is smallest (on the ray from o_k
/// through y_k, including just beside o_k), at the pairwise intersections of these rays (where
/// two terms vanish together), and on a 24 x 24 grid of D; quasi-Newton descents (BFGS with a
/// backtracking line search, kept inside D) then start from the best distinct candidates
/// (`starts`, default 6, at least one grid cell apart so that they sit in different basins), and
/// the lowest value wins.
///
/// **delta = 0**, and the ground barycentre inequality
/// sum_k lambda_k c_k(x, y_k) >= sum_k lambda_k c_k(B(y), y_k) holds for x in D **only up to
/// finding the global minimiser**: the search is not certified. The tests compare B with a
/// 400 x 400 grid search on random small cases, where F(B) never exceeded the grid minimum, and
/// check V(G mu) <= V(mu) (to 1e-10 relative) on 3000 random problems. Where the infimum is only
/// approached at a centre o_k (from the direction of y_k), B is a point 1e-10 max(1, |o_k|) away
/// from o_k on that ray, and F(B) exceeds the infimum by about that distance times |grad F|.
///
/// ```
/// use kantorovich_core::GroundBarycenter;
/// use kantorovich_geometry::{Circle, CircleProjections, Euclidean};
/// let circles = vec![Circle::new([-2.0, 0.0], 1.0)?, Circle::new([2.0, 0.0], 1.0)?];
/// let ground = CircleProjections::new(circles)?;
/// // y_1 is seen from the left centre at 45 degrees, y_2 from the right one at 135 degrees:
/// // the rays meet at (0, 2), where both terms vanish
/// let s = std::f64::consts::FRAC_1_SQRT_2;
/// let mut out = Vec::new();
/// let plane = Euclidean::new(2)?;
/// ground.barycenter(&plane, &[&[-2.0 + s, s], &[2.0 - s, s]], &[0.5, 0.5], &mut out)?;
/// assert!((out[0] - 0.0).abs() < 1e-6 && (out[1] - 2.0).abs() < 1e-6);
/// # Ok::<(), kantorovich_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CircleProjections {
    circles: Vec<Circle>,
    domain: [f64; 4],
    starts: usize,
}

/// Grid points per side of the domain in the initial scan.
const GRID: usize = 24;
/// BFGS iterations per start at most.
const MAX_DESCENT: usize = 200;

impl CircleProjections {
    /// The barycentre of the projections onto `circles` (one circle per measure), searched in the
    /// default domain; errors if `circles` is empty.
    pub fn new(circles: Vec<Circle>) -> Result<Self, CoreError> {
        if circles.is_empty() {
            return Err(CoreError::InvalidParameter {
                name: "circles",
                reason: "no circles: give one circle per measure".into(),
            });
        }
        let mut bounds = [f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY];
        for c in &circles {
            let [ox, oy] = c.centre;
            bounds[0] = bounds[0].min(ox - c.radius);
            bounds[1] = bounds[1].max(ox + c.radius);
            bounds[2] = bounds[2].min(oy - c.radius);
            bounds[3] = bounds[3].max(oy + c.radius);
        }
        let (w, h) = (bounds[1] - bounds[0], bounds[3] - bounds[2]);
        let domain = [
            bounds[0] - w / 2.0,
            bounds[1] + w / 2.0,
            bounds[2] - h / 2.0,
            bounds[3] + h / 2.0,
        ];
        Ok(Self {
            circles,
            domain,
            starts: 6,
        })
    }

    /// Searches B in the box [x_min, x_max] x [y_min, y_max] instead; errors unless the bounds
    /// are finite with x_min < x_max and y_min < y_max.
    pub fn domain(mut self, x_min: f64, x_max: f64, y_min: f64, y_max: f64) -> Result<Self, CoreError> {
        let finite = [x_min, x_max, y_min, y_max].iter().all(|v| v.is_finite());
        if !(finite && x_min < x_max && y_min < y_max) {
            return Err(CoreError::InvalidParameter {
                name: "domain",
                reason: format!("[{x_min}, {x_max}] x [{y_min}, {y_max}]: the bounds must be finite with min < max"),
            });
        }
        self.domain = [x_min, x_max, y_min, y_max];
        Ok(self)
    }

    /// Runs the local descent from this many of the best candidates (at least 1; default 6).
    /// More starts make missing the global minimiser less likely and cost proportionally more.
    pub fn starts(mut self, starts: usize) -> Self {
        self.starts = starts.max(1);
        self
    }

    /// The circles, one per measure.
    pub fn circles(&self) -> &[Circle] {
        &self.circles
    }

    /// The search domain [x_min, x_max, y_min, y_max].
    pub fn search_domain(&self) -> [f64; 4] {
        self.domain
    }

    /// F(x) = sum_k lambda_k |P_k(x) - y_k|^2, the function B minimises.
    pub fn objective(&self, x: &[f64], ys: &[&[f64]], lambdas: &[f64]) -> f64 {
        if ys.len() != self.circles.len() || lambdas.len() != ys.len() {
            return f64::NAN;
        }
        self.circles
            .iter()
            .zip(ys)
            .zip(lambdas)
            .map(|((c, y), l)| l * c.cost(x, y))
            .sum()
    }

    fn clamp(&self, x: [f64; 2]) -> [f64; 2] {
        let [x0, x1, y0, y1] = self.domain;
        [x[0].clamp(x0, x1), x[1].clamp(y0, y1)]
    }

    /// F and its gradient at x. With u_k = (x - o_k) / |x - o_k| and e_k = y_k - o_k, the k-th
    /// term is r_k^2 + |e_k|^2 - 2 r_k <u_k, e_k>, and the gradient of <u_k, e_k> is
    /// (e_k - <u_k, e_k> u_k) / |x - o_k| (the part of e_k across u_k). At a centre the term is
    /// locally constant along no direction; its gradient is taken as 0 there.
    fn value_and_gradient(&self, x: [f64; 2], ys: &[&[f64]], lambdas: &[f64]) -> (f64, [f64; 2]) {
        let (mut f, mut g) = (0.0, [0.0, 0.0]);
        for ((c, y), &l) in self.circles.iter().zip(ys).zip(lambdas) {
            let p = c.project(&x);
            f += l * ((p[0] - y[0]).powi(2) + (p[1] - y[1]).powi(2));
            let (dx, dy) = (x[0] - c.centre[0], x[1] - c.centre[1]);
            let n = (dx * dx + dy * dy).sqrt();
            if n > 0.0 {
                let u = [dx / n, dy / n];
                let e = [y[0] - c.centre[0], y[1] - c.centre[1]];
                let ue = u[0] * e[0] + u[1] * e[1];
                let s = -2.0 * l * c.radius / n;
                g[0] += s * (e[0] - ue * u[0]);
                g[1] += s * (e[1] - ue * u[1]);
            }
        }
        (f, g)
    }

    /// Projected BFGS from x0 inside the domain; returns the point reached and its value.
    ///
    /// A coordinate at a bound whose gradient points out of the domain is held fixed (the active
    /// set), the quasi-Newton model only sees the free coordinates, and it restarts whenever the
    /// active set changes. A step is accepted on sufficient decrease (Armijo, backtracking).
    fn descend(&self, x0: [f64; 2], ys: &[&[f64]], lambdas: &[f64]) -> ([f64; 2], f64) {
        let [lo0, hi0, lo1, hi1] = self.domain;
        let (lo, hi) = ([lo0, lo1], [hi0, hi1]);
        let scale = (hi0 - lo0).max(hi1 - lo1);
        let mut x = x0;
        let (mut f, mut g) = self.value_and_gradient(x, ys, lambdas);
        // inverse Hessian model, symmetric 2x2 as [h00, h01, h11]; None until the first step
        let mut h: Option<[f64; 3]> = None;
        let mut active_before = [false, false];
        for _ in 0..MAX_DESCENT {
            let active = [0, 1].map(|i| (x[i] <= lo[i] && g[i] > 0.0) || (x[i] >= hi[i] && g[i] < 0.0));
            if active != active_before {
                h = None;
                active_before = active;
            }
            let free = [0, 1].map(|i| if active[i] { 0.0 } else { 1.0 });
            let pg = [g[0] * free[0], g[1] * free[1]];
            let pg_norm = pg[0].hypot(pg[1]);
            if pg_norm == 0.0 || !pg_norm.is_finite() {
                break;
            }
            let mut d = match h {
                Some(h) => [
                    -free[0] * (h[0] * pg[0] + h[1] * pg[1]),
                    -free[1] * (h[1] * pg[0] + h[2] * pg[1]),
                ],
                None => [-pg[0], -pg[1]],
            };
            if d[0] * pg[0] + d[1] * pg[1] >= 0.0 {
                h = None;
                d = [-pg[0], -pg[1]];
            }
            // the first trial step stays within a tenth of the domain
            let mut t = (0.1 * scale / d[0].hypot(d[1])).min(1.0);
            let mut accepted = None;
            for _ in 0..80 {
                let trial = self.clamp([x[0] + t * d[0], x[1] + t * d[1]]);
                let s = [trial[0] - x[0], trial[1] - x[1]];
                let predicted = s[0] * g[0] + s[1] * g[1];
                let (ft, gt) = self.value_and_gradient(trial, ys, lambdas);
                if ft < f && ft <= f + 1e-4 * predicted {
                    accepted = Some((trial, ft, gt, s));
                    break;
                }
                t *= 0.5;
            }
            let Some((xn, fn_, gn, s)) = accepted else { break };
            let y = [(gn[0] - g[0]) * free[0], (gn[1] - g[1]) * free[1]];
            let sy = s[0] * y[0] + s[1] * y[1];
            let df = f - fn_;
            (x, f, g) = (xn, fn_, gn);
            if sy > 0.0 {
                let yy = y[0] * y[0] + y[1] * y[1];
                // first step: scale the identity by s.y / y.y (Shanno's choice)
                let mut m = h.unwrap_or([sy / yy, 0.0, sy / yy]);
                // H <- (I - rho s y^T) H (I - rho y s^T) + rho s s^T
                let rho = 1.0 / sy;
                let hy = [m[0] * y[0] + m[1] * y[1], m[1] * y[0] + m[2] * y[1]];
                let c = rho * rho * (y[0] * hy[0] + y[1] * hy[1]) + rho;
                m[0] += c * s[0] * s[0] - 2.0 * rho * hy[0] * s[0];
                m[1] += c * s[0] * s[1] - rho * (hy[0] * s[1] + hy[1] * s[0]);
                m[2] += c * s[1] * s[1] - 2.0 * rho * hy[1] * s[1];
                h = Some(m);
            } else {
                h = None;
            }
            if df <= 1e-16 * f.abs() && s[0].hypot(s[1]) <= 1e-15 * scale {
                break;
            }
        }
        (x, f)
    }
}

impl GroundBarycenter<Euclidean, Euclidean> for CircleProjections {
    type Cost = Circle;

    fn cost_k(&self, k: usize) -> &Circle {
        &self.circles[k]
    }

    fn num_costs(&self) -> Option<usize> {
        Some(self.circles.len())
    }

    fn barycenter(
        &self,
        space: &Euclidean,
        ys: &[&[f64]],
        lambdas: &[f64],
        out: &mut Vec<f64>,
    ) -> Result<(), CoreError> {
        if space.dim() != 2 {
            return Err(CoreError::DimensionMismatch {
                expected: 2,
                found: space.dim(),
            });
        }
        if ys.len() != self.circles.len() || lambdas.len() != self.circles.len() {
            return Err(CoreError::GroundBarycenter {
                reason: format!(
                    "{} circles but {} points and {} weights: give one point and one weight per circle",
                    self.circles.len(),
                    ys.len(),
                    lambdas.len()
                ),
            });
        }
        if let Some(y) = ys.iter().find(|y| y.len() != 2) {
            return Err(CoreError::DimensionMismatch {
                expected: 2,
                found: y.len(),
            });
        }
        let [x0, x1, y0, y1] = self.domain;
        let scale = (x1 - x0).max(y1 - y0);
        // Candidates: (value, point).
        let mut candidates: Vec<(f64, [f64; 2])> = Vec::with_capacity(GRID * GRID + 8 * ys.len() * ys.len());
        let push = |p: [f64; 2], candidates: &mut Vec<(f64, [f64; 2])>| {
            let p = self.clamp(p);
            candidates.push((self.objective(&p, ys, lambdas), p));
        };
        let rays: Vec<Option<([f64; 2], [f64; 2])>> = self
            .circles
            .iter()
            .zip(ys)
            .map(|(c, y)| {
                let e = [y[0] - c.centre[0], y[1] - c.centre[1]];
                let n = e[0].hypot(e[1]);
                (n > 0.0).then(|| (c.centre, [e[0] / n, e[1] / n]))
            })
            .collect();
        for (o, u) in rays.iter().flatten() {
            // Just beside the centre: where term k is smallest and the others are as at o_k. The
            // offset balances the first-order change of the other terms against the rounding of
            // the direction u_k in o_k + t u_k.
            let t = 1e-10 * o[0].abs().max(o[1].abs()).max(1.0);
            push([o[0] + t * u[0], o[1] + t * u[1]], &mut candidates);
            for t in [1e-3, 0.05, 0.25, 0.5, 1.0] {
                push([o[0] + t * scale * u[0], o[1] + t * scale * u[1]], &mut candidates);
            }
        }
        for (a, ra) in rays.iter().enumerate() {
            for rb in &rays[a + 1..] {
                if let (Some((oa, ua)), Some((ob, ub))) = (ra, rb) {
                    // oa + s ua = ob + t ub, solved by Cramer's rule
                    let det = ua[0] * (-ub[1]) - ua[1] * (-ub[0]);
                    if det.abs() > 1e-12 {
                        let (bx, by) = (ob[0] - oa[0], ob[1] - oa[1]);
                        let s = (bx * (-ub[1]) - by * (-ub[0])) / det;
                        let t = (ua[0] * by - ua[1] * bx) / det;
                        if s >= 0.0 && t >= 0.0 {
                            push([oa[0] + s * ua[0], oa[1] + s * ua[1]], &mut candidates);
                        }
                    }
                }
            }
        }
        for i in 0..GRID {
            for j in 0..GRID {
                let px = x0 + (x1 - x0) * (i as f64 + 0.5) / GRID as f64;
                let py = y0 + (y1 - y0) * (j as f64 + 0.5) / GRID as f64;
                push([px, py], &mut candidates);
            }
        }
        candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut best: Option<([f64; 2], f64)> = None;
        let mut started: Vec<[f64; 2]> = Vec::with_capacity(self.starts);
        let separation = scale / GRID as f64;
        for &(_, p) in &candidates {
            if started.len() == self.starts {
                break;
            }
            if started.iter().any(|q| (q[0] - p[0]).hypot(q[1] - p[1]) < separation) {
                continue;
            }
            started.push(p);
            let (x, f) = self.descend(p, ys, lambdas);
            if best.is_none_or(|(_, fb)| f < fb) {
                best = Some((x, f));
            }
        }
        match best {
            Some((x, f)) if f.is_finite() => {
                out.extend_from_slice(&x);
                Ok(())
            }
            _ => Err(CoreError::GroundBarycenter {
                reason: "the circle-projection objective is not finite: check that the points and \
                         weights are finite"
                    .into(),
            }),
        }
    }

    /// delta = 0: B is a (global, up to the search) minimiser and nothing stronger is claimed.
    fn delta(&self, _x: &[f64], _xbar: &[f64], _lambdas: &[f64]) -> f64 {
        0.0
    }
}
