//! The Bures-Wasserstein cost: W2^2 between Gaussians.

use super::linalg::{gram, Workspace};
use super::{Gaussian, GaussianPoint};
use kantorovich_core::{CoreError, Cost};
use std::cell::RefCell;

/// The squared 2-Wasserstein distance between Gaussians, c(x, y) = W2^2(N(m1, S1), N(m2, S2)):
///
/// ```text
/// W2^2 = |m1 - m2|^2 + B^2(S1, S2),   B^2(S1, S2) = tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2)
/// ```
///
/// (B is the Bures distance between covariances). The settings of the struct only concern its
/// ground barycentre (see [`GroundBarycenter`](kantorovich_core::GroundBarycenter) for
/// `BuresWasserstein`); the cost itself has none.
///
/// **How it is computed.** tr((S1^1/2 S2 S1^1/2)^1/2) is the sum of the square roots of the
/// eigenvalues of S1 S2, which are those of the symmetric positive semi-definite matrix
/// N^T N with N = L2^T L1 (L_i the Cholesky factors kept with each point, S_i = L_i L_i^T):
///
/// - d = 1: W2^2 = (m1 - m2)^2 + (s1 - s2)^2 with s_i = S_i^1/2 (no cancellation);
/// - d = 2: for a 2 x 2 matrix M >= 0, tr M^1/2 = (tr M + 2 (det M)^1/2)^1/2, so
///   tr((S1^1/2 S2 S1^1/2)^1/2) = (tr(S1 S2) + 2 (det S1 det S2)^1/2)^1/2, with det S_i = prod of
///   the squared diagonal of L_i;
/// - d >= 3: the eigenvalues of N^T N by the symmetric QR algorithm (at most 30 d steps; if it
///   ever fails to converge, which we have not seen, the cost is NaN and the solvers report
///   [`CoreError::NonFiniteCost`]).
///
/// Rounding can make B^2 slightly negative for nearly equal covariances; it is clamped at 0, so
/// the cost is >= 0. Its absolute accuracy is a few ulps of tr S1 + tr S2 + |m1|^2 + |m2|^2.
/// Covariance entries beyond about 1e150 overflow the intermediate products: the cost is then NaN
/// (reported by the solvers as [`CoreError::NonFiniteCost`]), never a wrong finite value.
///
/// ```
/// use kantorovich_core::Cost;
/// use kantorovich_geometry::{BuresWasserstein, Gaussian};
/// let plane = Gaussian::new(2)?;
/// let pts = plane.points(&[0.0, 0.0, 3.0, 4.0], &[1.0, 0.0, 0.0, 1.0, 4.0, 0.0, 0.0, 9.0])?;
/// // commuting covariances: B^2 = |S1^1/2 - S2^1/2|_F^2 = (1 - 2)^2 + (1 - 3)^2 = 5
/// let c = BuresWasserstein::default().cost(pts.get(0), pts.get(1));
/// assert!((c - (25.0 + 5.0)).abs() < 1e-12);
/// # Ok::<(), kantorovich_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuresWasserstein {
    pub(crate) tolerance: f64,
    pub(crate) max_iterations: usize,
}

impl Default for BuresWasserstein {
    /// The cost, with the ground barycentre's defaults: tolerance 1e-10, at most 1000 iterations.
    fn default() -> Self {
        Self {
            tolerance: 1e-10,
            max_iterations: 1000,
        }
    }
}

impl BuresWasserstein {
    /// The same as [`BuresWasserstein::default`].
    pub fn new() -> Self {
        Self::default()
    }
}

thread_local! {
    static WORK: RefCell<(Workspace, Vec<f64>)> = RefCell::new((Workspace::default(), Vec::new()));
}

/// tr((S1^1/2 S2 S1^1/2)^1/2) from the Cholesky factors of S1 and S2 (d >= 3): the sum of the
/// singular values of N = L2^T L1, i.e. of the square roots of the eigenvalues of N^T N.
pub(crate) fn fidelity(l1: &[f64], l2: &[f64], d: usize, ws: &mut Workspace, buf: &mut Vec<f64>) -> f64 {
    buf.resize(2 * d * d, 0.0);
    let (n, m) = buf.split_at_mut(d * d);
    // N = L2^T L1: (L2^T)_it = L2_ti is zero unless t >= i, L1_tj is zero unless j <= t
    for i in 0..d {
        let row = &mut n[i * d..(i + 1) * d];
        row.iter_mut().for_each(|x| *x = 0.0);
        for t in i..d {
            let a = l2[t * d + i];
            row[..=t]
                .iter_mut()
                .zip(&l1[t * d..t * d + t + 1])
                .for_each(|(x, &b)| *x += a * b);
        }
    }
    gram(n, d, m);
    ws.trace_sqrt(m, d).unwrap_or(f64::NAN)
}

/// W2^2(x, y) for Gaussians of the same dimension (see [`BuresWasserstein`]).
/// NaN if the dimensions differ.
pub(crate) fn bures_wasserstein_squared(x: GaussianPoint<'_>, y: GaussianPoint<'_>) -> f64 {
    let d = x.dim();
    if y.dim() != d {
        return f64::NAN;
    }
    let means: f64 = x.mean().iter().zip(y.mean()).map(|(a, b)| (a - b) * (a - b)).sum();
    let (l1, l2) = (x.cholesky(), y.cholesky());
    let bures = match d {
        1 => (l1[0] - l2[0]) * (l1[0] - l2[0]),
        2 => {
            let (s1, s2) = (x.cov(), y.cov());
            let cross = s1[0] * s2[0] + 2.0 * s1[1] * s2[1] + s1[3] * s2[3]; // tr(S1 S2)
            let dets = l1[0] * l1[3] * l2[0] * l2[3]; // (det S1 det S2)^1/2
            let fid = (cross + 2.0 * dets).max(0.0).sqrt();
            x.trace() + y.trace() - 2.0 * fid
        }
        _ => {
            let fid = WORK.with(|w| {
                let (ws, buf) = &mut *w.borrow_mut();
                fidelity(l1, l2, d, ws, buf)
            });
            x.trace() + y.trace() - 2.0 * fid
        }
    };
    // NaN (a failed eigen-solve, or an overflow for entries beyond ~1e150) stays NaN, to be
    // reported as a non-finite cost rather than clamped
    if !bures.is_finite() {
        return f64::NAN;
    }
    means + bures.max(0.0)
}

impl Cost<Gaussian, Gaussian> for BuresWasserstein {
    #[inline]
    fn cost(&self, x: GaussianPoint<'_>, y: GaussianPoint<'_>) -> f64 {
        bures_wasserstein_squared(x, y)
    }
    fn check_spaces(&self, x_space: &Gaussian, y_space: &Gaussian) -> Result<(), CoreError> {
        if x_space.dim() == y_space.dim() {
            Ok(())
        } else {
            Err(CoreError::DimensionMismatch {
                expected: x_space.dim(),
                found: y_space.dim(),
            })
        }
    }
}
