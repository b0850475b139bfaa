//! The sliced Wasserstein distance: one-dimensional transport along random directions.

use crate::one_d::ot_1d_log_wp;
use crate::OtError;
use kantorovich_core::{CoreError, DiscreteMeasure, VectorSpace};
use rayon::prelude::*;

/// The sliced Wasserstein distance of order p between two measures of the same vector space:
///
/// ```text
/// SW_p(mu, nu) = ( (1/L) sum_l W_p^p(theta_l # mu, theta_l # nu) )^(1/p),
/// ```
///
/// with theta_l # mu the measure of the projections <theta_l, x_i> and L = `directions` unit
/// vectors drawn uniformly on the sphere (normalised Gaussian vectors) from `seed`: the same seed
/// gives the same directions, hence the same value, bit for bit (the directions run in parallel,
/// their terms are summed in order). Each W_p^p is exact (the monotone plan of
/// [`ot_1d`](crate::ot_1d), optimal for every p >= 1) and computed in logarithms, scaled by the
/// largest displacement, so that |t|^p neither underflows for large p (p = 2000 works) nor
/// overflows. This is the Monte Carlo estimate of the
/// integral over the sphere, with a standard error of order 1/sqrt(L). Since projections are
/// 1-Lipschitz, SW_p <= W_p.
///
/// Errors unless p >= 1 and finite, `directions` >= 1, and the two spaces have the same dimension;
/// weights as in [`ot_1d`](crate::ot_1d).
///
/// ```
/// use kantorovich_core::DiscreteMeasure;
/// use kantorovich_geometry::Euclidean;
/// use kantorovich_ot::sliced_wasserstein;
/// let plane = Euclidean::new(2)?;
/// let mu = plane.uniform(vec![0.0, 0.0, 1.0, 0.0])?;
/// let nu = plane.uniform(vec![0.0, 0.0, 1.0, 0.0])?;
/// assert_eq!(sliced_wasserstein(&mu, &nu, 2.0, 50, 7)?, 0.0);
/// # Ok::<(), kantorovich_ot::OtError>(())
/// ```
pub fn sliced_wasserstein<X: VectorSpace>(
    mu: &DiscreteMeasure<X>,
    nu: &DiscreteMeasure<X>,
    p: f64,
    directions: usize,
    seed: u64,
) -> Result<f64, OtError> {
    if !(p.is_finite() && p >= 1.0) {
        return Err(CoreError::InvalidParameter {
            name: "p",
            reason: format!("{p}: the order of a Wasserstein distance must be finite and >= 1"),
        }
        .into());
    }
    if directions == 0 {
        return Err(CoreError::InvalidParameter {
            name: "directions",
            reason: "0 directions: take at least 1 (the error of the estimate is about 1/sqrt(directions))".into(),
        }
        .into());
    }
    let d = mu.space().dim();
    if nu.space().dim() != d {
        return Err(CoreError::DimensionMismatch {
            expected: d,
            found: nu.space().dim(),
        }
        .into());
    }
    // ln W_p^p per direction (no underflow of |t|^p for large p, no overflow), in the order of
    // the directions, then summed in that order: the same seed gives the same bits whatever
    // the threads do.
    let logs: Vec<f64> = (0..directions)
        .into_par_iter()
        .map(|l| {
            let theta = direction(seed, l, d);
            let project = |m: &DiscreteMeasure<X>| -> Vec<f64> {
                m.iter()
                    .map(|(x, _)| m.space().coords(x).iter().zip(&theta).map(|(a, b)| a * b).sum())
                    .collect()
            };
            ot_1d_log_wp(&project(mu), mu.weights(), &project(nu), nu.weights(), p)
        })
        // the first error in order, whichever task finished first
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, OtError>>()?;
    if let Some(bad) = logs.iter().find(|x| x.is_nan()) {
        return Err(OtError::NumericalBreakdown {
            reason: format!("a projected W_p^p came out as {bad}"),
        });
    }
    // SW_p = ((1/L) sum_l exp(s_l))^(1/p), by a shifted log-sum-exp
    let top = logs.iter().fold(f64::NEG_INFINITY, |s, &x| s.max(x));
    if top == f64::NEG_INFINITY {
        return Ok(0.0);
    }
    let sum: f64 = logs.iter().map(|&x| (x - top).exp()).sum();
    let value = ((top + (sum / directions as f64).ln()) / p).exp();
    if !value.is_finite() {
        return Err(OtError::NumericalBreakdown {
            reason: format!("SW_p = {value}: the points are too far apart for f64"),
        });
    }
    Ok(value)
}

/// The `count` unit directions of R^d that [`sliced_wasserstein`] draws for `seed`, flat
/// (direction after direction, `count * d` numbers): normalised Gaussian vectors, so uniform on
/// the sphere. Direction l depends only on (seed, l), so the first directions of a longer list
/// are the directions of a shorter one.
///
/// Errors if `d == 0` or `count * d` numbers cannot be allocated.
pub fn sliced_directions(d: usize, count: usize, seed: u64) -> Result<Vec<f64>, OtError> {
    if d == 0 {
        return Err(CoreError::InvalidParameter {
            name: "d",
            reason: "directions of R^0: the dimension must be at least 1".into(),
        }
        .into());
    }
    let len = kantorovich_core::checked_size("sliced directions", count, d, std::mem::size_of::<f64>())?;
    let mut out = kantorovich_core::try_vec_with_capacity("sliced directions", len)?;
    for l in 0..count {
        out.extend(direction(seed, l, d));
    }
    Ok(out)
}

/// The l-th direction for `seed`: a normalised vector of d standard Gaussians (Box-Muller on a
/// splitmix64 stream seeded by (seed, l)), so each direction is independent of the thread that
/// draws it.
fn direction(seed: u64, l: usize, d: usize) -> Vec<f64> {
    let mut state = seed ^ (l as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        // uniform in (0, 1]: never 0, so the logarithm below is finite
        ((z ^ (z >> 31)) >> 11) as f64 * (1.0 / (1u64 << 53) as f64) + f64::EPSILON / 2.0
    };
    loop {
        let mut theta: Vec<f64> = (0..d)
            .map(|_| (-2.0 * next().ln()).sqrt() * (std::f64::consts::TAU * next()).cos())
            .collect();
        let norm = theta.iter().map(|t| t * t).sum::<f64>().sqrt();
        if norm > 1e-12 {
            theta.iter_mut().for_each(|t| *t /= norm);
            return theta;
        }
    }
}
