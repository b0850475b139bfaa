//! The squared Euclidean cost and its ground barycentre.

use crate::Euclidean;
use kantorovich_core::{CoordinateCost, CoreError, Cost, GroundBarycenter};

/// The squared Euclidean cost c(x, y) = |x - y|^2 = sum_t (x_t - y_t)^2 on R^d.
///
/// As a [`GroundBarycenter`] (the same cost for every measure), with weights lambda_k and
/// L = sum_k lambda_k:
///
/// - B(y_1, .., y_K) = (1/L) sum_k lambda_k y_k, the weighted mean;
/// - delta(x, xbar) = L |x - xbar|^2, and the ground barycentre inequality is an equality:
///   sum_k lambda_k |x - y_k|^2 = sum_k lambda_k |xbar - y_k|^2 + L |x - xbar|^2
///   (expand |x - y_k|^2 = |x - xbar|^2 + 2 <x - xbar, xbar - y_k> + |xbar - y_k|^2 and use
///   sum_k lambda_k (xbar - y_k) = 0).
///
/// ```
/// use kantorovich_core::{Cost, GroundBarycenter};
/// use kantorovich_geometry::{Euclidean, SquaredEuclidean};
/// let plane = Euclidean::new(2)?;
/// assert_eq!(SquaredEuclidean.cost(&[0.0, 0.0], &[3.0, 4.0]), 25.0);
/// let mut out = Vec::new();
/// SquaredEuclidean.barycenter(&plane, &[&[0.0, 0.0], &[3.0, 6.0]], &[2.0, 1.0], &mut out)?;
/// assert_eq!(out, vec![1.0, 2.0]);
/// # Ok::<(), kantorovich_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SquaredEuclidean;

impl Cost<Euclidean, Euclidean> for SquaredEuclidean {
    #[inline]
    fn cost(&self, x: &[f64], y: &[f64]) -> f64 {
        squared_distance(x, y)
    }
    fn check_spaces(&self, x_space: &Euclidean, y_space: &Euclidean) -> Result<(), CoreError> {
        same_dimension(x_space, y_space)
    }
    #[inline(always)]
    fn cost_to_many(&self, x: &[f64], _: &Euclidean, ys: &Vec<f64>, start: usize, out: &mut [f64]) {
        distances_to_many(x, ys, start, out);
    }
    #[inline(always)]
    fn cost_from_many(&self, _: &Euclidean, xs: &Vec<f64>, start: usize, y: &[f64], out: &mut [f64]) {
        // |x - y|^2 is symmetric
        distances_to_many(y, xs, start, out);
    }
    fn coordinate_form(&self) -> Option<CoordinateCost> {
        Some(CoordinateCost::SquaredEuclidean)
    }
}

/// `out[t]` = |x - p_{start + t}|^2 for the points p of a flat coordinate list, with the
/// dimension a compile-time constant for d <= 4 so that the loop over points vectorises.
#[inline(always)]
fn distances_to_many(x: &[f64], points: &[f64], start: usize, out: &mut [f64]) {
    let d = x.len();
    let block = &points[start * d..(start + out.len()) * d];
    match d {
        1 => fixed::<1>(x, block, out),
        2 => fixed::<2>(x, block, out),
        3 => fixed::<3>(x, block, out),
        4 => fixed::<4>(x, block, out),
        _ => {
            for (o, p) in out.iter_mut().zip(block.chunks_exact(d)) {
                *o = squared_distance(x, p);
            }
        }
    }
}

#[inline(always)]
fn fixed<const D: usize>(x: &[f64], block: &[f64], out: &mut [f64]) {
    let x: &[f64; D] = x.try_into().expect("dimension checked by the caller");
    for (o, p) in out.iter_mut().zip(block.chunks_exact(D)) {
        let p: &[f64; D] = p.try_into().expect("chunks of D");
        // same order of operations as `squared_distance`, so both give identical values
        let mut s = 0.0;
        for t in 0..D {
            s += (x[t] - p[t]) * (x[t] - p[t]);
        }
        *o = s;
    }
}

/// Errors unless both spaces have the same dimension.
pub(crate) fn same_dimension(x_space: &Euclidean, y_space: &Euclidean) -> Result<(), CoreError> {
    if x_space.dim() == y_space.dim() {
        Ok(())
    } else {
        Err(CoreError::DimensionMismatch {
            expected: x_space.dim(),
            found: y_space.dim(),
        })
    }
}

/// |x - y|^2, written so that the compiler vectorises it.
#[inline]
pub(crate) fn squared_distance(x: &[f64], y: &[f64]) -> f64 {
    // points of different dimensions have no distance: NaN, which every solver reports, rather
    // than the distance of the common coordinates
    if x.len() != y.len() {
        return f64::NAN;
    }
    x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
}

impl GroundBarycenter<Euclidean, Euclidean> for SquaredEuclidean {
    type Cost = Self;

    fn cost_k(&self, _k: usize) -> &Self {
        self
    }

    fn barycenter(
        &self,
        space: &Euclidean,
        ys: &[&[f64]],
        lambdas: &[f64],
        out: &mut Vec<f64>,
    ) -> Result<(), CoreError> {
        if let Some(y) = ys.iter().find(|y| y.len() != space.dim()) {
            return Err(CoreError::DimensionMismatch {
                expected: space.dim(),
                found: y.len(),
            });
        }
        let total: f64 = lambdas.iter().sum();
        let start = out.len();
        out.resize(start + space.dim(), 0.0);
        let xbar = &mut out[start..];
        for (y, &l) in ys.iter().zip(lambdas) {
            let w = l / total;
            xbar.iter_mut().zip(y.iter()).for_each(|(x, &yt)| *x += w * yt);
        }
        Ok(())
    }

    fn delta(&self, x: &[f64], xbar: &[f64], lambdas: &[f64]) -> f64 {
        lambdas.iter().sum::<f64>() * squared_distance(x, xbar)
    }
}
