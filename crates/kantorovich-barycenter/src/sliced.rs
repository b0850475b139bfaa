//! Sliced Wasserstein barycentres with free support (Rabin et al. 2011, Bonneel et al. 2015).

use crate::iteration::stop_rule;
use crate::{BarycenterError, BarycenterResult, IterationRecord};
use kantorovich_core::{normalized_weights, CoreError, DiscreteMeasure, StopReason, VectorSpace};
use kantorovich_ot::{sliced_directions, SortedLine};
use rayon::prelude::*;
use std::time::Instant;

/// The sliced Wasserstein barycentre of nu_1..nu_K in R^d with free support: the atoms x_1..x_n
/// of mu = sum_i a_i delta(x_i) move (their weights a_i stay) to minimise
///
/// ```text
/// F(mu) = sum_k lambda_k SW_2^2(mu, nu_k),
/// SW_2^2(mu, nu) = (1/L) sum_l W_2^2(theta_l # mu, theta_l # nu),
/// ```
///
/// with lambda normalised to sum 1 and the L unit directions theta_l of
/// [`sliced_directions`](kantorovich_ot::sliced_directions) (the same as
/// [`sliced_wasserstein`](kantorovich_ot::sliced_wasserstein) for the same seed, so F is what it
/// reports). Each iteration solves the K L one-dimensional problems exactly
/// ([`SortedLine::projection`](kantorovich_ot::SortedLine::projection), the targets' projections
/// sorted once: T_lk(x_i) is the barycentric
/// projection of the monotone plan from theta_l # mu to theta_l # nu_k) and moves every atom by
///
/// ```text
/// x_i <- x_i - step (1/L) sum_l theta_l sum_k lambda_k (<theta_l, x_i> - T_lk(x_i)),
/// ```
///
/// a gradient step on F preconditioned by 1 / (2 a_i). With the plans held fixed, F is a
/// quadratic Q in the atoms whose Hessian (so preconditioned) is M = (1/L) sum_l theta_l theta_l^T
/// <= I, so the step lowers Q by at least a_i (2 step - step^2) |r_i|^2 >= 0 for 0 < step < 2, and
/// F(new) <= Q(new) <= Q(old) = F(old): **F never increases** (to rounding). M is about I / d, so
/// each iteration removes about step / d of the remaining error: expect tens of iterations in
/// the plane. step = 1 (the default) is the fixed point of Bonneel et al.; on the line it reaches
/// the exact W_2 barycentre of measures with n uniform atoms in one step, the quantile average
/// F_mu^-1 = sum_k lambda_k F_k^-1.
///
/// F is not convex in the atoms: the iteration finds a stationary point, generally not the global
/// minimiser (which is itself not the W_2 barycentre in dimension >= 2). The run stops when an
/// iteration changes F by at most `tolerance` times F (or F = 0: converged), when F rises by more
/// than that (rounding aside it cannot), or after `max_iterations` steps; the result says which.
/// The directions are the same at every iteration (no resampling), so F is one fixed function and
/// the run is deterministic; the L 1-D problems of an iteration run in parallel.
///
/// A Radon barycentre (the continuous integral over all directions) is not implemented: take
/// many directions.
///
/// ```
/// use kantorovich_barycenter::SlicedBarycenter;
/// use kantorovich_geometry::Euclidean;
/// let line = Euclidean::new(1)?;
/// let nu = [line.uniform(vec![0.0, 1.0])?, line.uniform(vec![4.0, 9.0])?];
/// let result = SlicedBarycenter::default().solve(&nu, &[0.5, 0.5], line.uniform(vec![0.0, 0.0])?)?;
/// // on the line, the quantile average: (0 + 4) / 2 and (1 + 9) / 2
/// let mut x = result.measure.points().clone();
/// x.sort_by(f64::total_cmp);
/// assert!((x[0] - 2.0).abs() < 1e-12 && (x[1] - 5.0).abs() < 1e-12);
/// # Ok::<(), kantorovich_barycenter::BarycenterError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlicedBarycenter {
    directions: usize,
    seed: u64,
    step: f64,
    max_iterations: usize,
    tolerance: f64,
}

impl Default for SlicedBarycenter {
    /// 64 directions from seed 0, step 1, at most 500 iterations, tolerance 1e-9.
    fn default() -> Self {
        Self {
            directions: 64,
            seed: 0,
            step: 1.0,
            max_iterations: 500,
            tolerance: 1e-9,
        }
    }
}

impl SlicedBarycenter {
    /// Use L = `directions` directions (at least 1; the Monte Carlo error of SW is about 1/sqrt(L)).
    pub fn directions(mut self, directions: usize) -> Self {
        self.directions = directions;
        self
    }
    /// Draw the directions from `seed`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// The step size, in (0, 2) (F decreases for every such step; 1 by default).
    pub fn step(mut self, step: f64) -> Self {
        self.step = step;
        self
    }
    /// Stop after this many steps at most.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }
    /// Stop when an iteration lowers F by at most `tolerance` times F (>= 0).
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Runs the iteration from `init` (its atoms move, its weights are kept) towards the sliced
    /// barycentre of `measures` with weights `lambdas`.
    ///
    /// The result holds the iterate of least F (the last one, as F does not increase), F there,
    /// and one [`IterationRecord`] per evaluated iterate (objective F(mu_t), support n, dropped
    /// mass 0).
    ///
    /// Errors if there are no measures, the number of weights differs from the number of
    /// measures, a weight is negative or not finite or all are zero, the dimensions differ, the
    /// parameters are out of range (directions 0, step outside (0, 2), tolerance negative or
    /// NaN), or a 1-D problem fails.
    pub fn solve<X: VectorSpace>(
        &self,
        measures: &[DiscreteMeasure<X>],
        lambdas: &[f64],
        init: DiscreteMeasure<X>,
    ) -> Result<BarycenterResult<X>, BarycenterError> {
        self.check()?;
        if measures.is_empty() {
            return Err(BarycenterError::NoMeasures);
        }
        if lambdas.len() != measures.len() {
            return Err(BarycenterError::WeightCount {
                measures: measures.len(),
                weights: lambdas.len(),
            });
        }
        let lambdas = normalized_weights(lambdas.to_vec())?;
        let space = init.space().clone();
        let d = space.dim();
        if let Some(nu) = measures.iter().find(|nu| nu.space().dim() != d) {
            return Err(CoreError::DimensionMismatch {
                expected: d,
                found: nu.space().dim(),
            }
            .into());
        }
        let thetas = sliced_directions(d, self.directions, self.seed).map_err(|e| match e {
            kantorovich_ot::OtError::Core(c) => BarycenterError::Core(c),
            other => coupling_error(0, other),
        })?;
        // the targets' projections do not change: computed and sorted once
        let targets: Vec<Vec<SortedLine>> = thetas
            .par_chunks(d)
            .map(|theta| {
                measures
                    .iter()
                    .enumerate()
                    .map(|(k, nu)| SortedLine::new(&project(nu, theta), nu.weights()).map_err(|e| coupling_error(k, e)))
                    .collect::<Result<Vec<_>, _>>()
            })
            // the first error in order, whichever task finished first
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<_, _>>()?;
        let weights = init.weights().to_vec();
        let mut points = Vec::with_capacity(weights.len() * d);
        for (p, _) in init.iter() {
            points.extend_from_slice(space.coords(p));
        }
        let start = Instant::now();
        let mut trace = Vec::new();
        let mut best: Option<(f64, Vec<f64>)> = None;
        let mut stop_reason = StopReason::IterationLimit;
        let mut previous = f64::INFINITY;
        let mut iterations = 0;
        loop {
            let (objective, descent) = self.evaluate(&points, &weights, d, &thetas, &targets, &lambdas)?;
            trace.push(IterationRecord {
                iteration: iterations,
                objective,
                support_size: weights.len(),
                dropped_mass: 0.0,
                elapsed: start.elapsed(),
            });
            if best.as_ref().is_none_or(|(f, _)| objective < *f) {
                best = Some((objective, points.clone()));
            }
            // F >= 0: reaching 0 is the optimum
            if objective == 0.0 {
                stop_reason = StopReason::Converged;
                break;
            }
            if let Some(reason) = (iterations > 0)
                .then(|| stop_rule(self.tolerance, previous, objective))
                .flatten()
            {
                stop_reason = reason;
                break;
            }
            if iterations == self.max_iterations {
                break;
            }
            for (x, g) in points.iter_mut().zip(&descent) {
                *x -= self.step * g;
            }
            previous = objective;
            iterations += 1;
        }
        let (objective, points) = best.expect("at least one iterate is evaluated");
        let mut storage = space.with_capacity(weights.len());
        for p in points.chunks(d) {
            space.push_coords(&mut storage, p);
        }
        Ok(BarycenterResult {
            measure: DiscreteMeasure::new(space, storage, weights)?,
            objective,
            iterations,
            converged: stop_reason.is_converged(),
            stop_reason,
            trace,
        })
    }

    /// F at the atoms `points` and the descent direction D_i = (1/L) sum_l theta_l sum_k lambda_k
    /// (<theta_l, x_i> - T_lk(x_i)), flat like `points`.
    fn evaluate(
        &self,
        points: &[f64],
        weights: &[f64],
        d: usize,
        thetas: &[f64],
        targets: &[Vec<SortedLine>],
        lambdas: &[f64],
    ) -> Result<(f64, Vec<f64>), BarycenterError> {
        let n = weights.len();
        let one = |theta: &[f64], projected: &[SortedLine]| -> Result<(f64, Vec<f64>), BarycenterError> {
            let x: Vec<f64> = points.chunks(d).map(|p| dot(p, theta)).collect();
            // sum_k lambda_k (x_i - T_k(x_i)) along theta
            let mut shift = vec![0.0; n];
            let mut cost = 0.0;
            for (k, line) in projected.iter().enumerate() {
                let (moved, w2) = line.projection(&x, weights).map_err(|e| coupling_error(k, e))?;
                cost += lambdas[k] * w2;
                for ((s, &xi), &ti) in shift.iter_mut().zip(&x).zip(&moved) {
                    *s += lambdas[k] * (xi - ti);
                }
            }
            Ok((cost, shift))
        };
        // A fixed split of the directions into blocks, each summed in order, then the blocks in
        // order: the same bits whatever the number of threads (rayon's reduce would not be).
        let count = thetas.len() / d;
        let per_block = count.div_ceil(SUM_BLOCKS).max(1);
        let blocks: Vec<(f64, Vec<f64>)> = (0..count.div_ceil(per_block))
            .into_par_iter()
            .map(|b| -> Result<(f64, Vec<f64>), BarycenterError> {
                let mut cost = 0.0;
                let mut g = vec![0.0; n * d];
                for l in b * per_block..((b + 1) * per_block).min(count) {
                    let theta = &thetas[l * d..(l + 1) * d];
                    let (c, shift) = one(theta, &targets[l])?;
                    cost += c;
                    for (gi, &s) in g.chunks_mut(d).zip(&shift) {
                        for (g, &t) in gi.iter_mut().zip(theta) {
                            *g += s * t;
                        }
                    }
                }
                Ok((cost, g))
            })
            // the first error in order, whichever task finished first
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<_, _>>()?;
        let mut total = 0.0;
        let mut descent = vec![0.0; n * d];
        for (c, g) in blocks {
            total += c;
            descent.iter_mut().zip(&g).for_each(|(a, b)| *a += b);
        }
        let l = self.directions as f64;
        Ok((total / l, descent.into_iter().map(|g| g / l).collect()))
    }

    fn check(&self) -> Result<(), BarycenterError> {
        let bad = |name: &'static str, reason: String| Err(CoreError::InvalidParameter { name, reason }.into());
        if self.directions == 0 {
            return bad(
                "directions",
                "0 directions: take at least 1 (SW's error is about 1/sqrt(directions))".into(),
            );
        }
        if !(self.step > 0.0 && self.step < 2.0) {
            return bad(
                "step",
                format!("{}: the step must lie in (0, 2), where F cannot increase", self.step),
            );
        }
        if self.tolerance.is_nan() || self.tolerance < 0.0 {
            return bad(
                "tolerance",
                format!("{}: the tolerance must be a number >= 0", self.tolerance),
            );
        }
        Ok(())
    }
}

/// Blocks of directions summed separately (a fixed number, for bit-for-bit reproducibility).
const SUM_BLOCKS: usize = 16;

fn dot(p: &[f64], theta: &[f64]) -> f64 {
    p.iter().zip(theta).map(|(a, b)| a * b).sum()
}

/// <theta, y_j> for the atoms of `nu`.
fn project<X: VectorSpace>(nu: &DiscreteMeasure<X>, theta: &[f64]) -> Vec<f64> {
    nu.iter().map(|(p, _)| dot(nu.space().coords(p), theta)).collect()
}

fn coupling_error(k: usize, e: kantorovich_ot::OtError) -> BarycenterError {
    BarycenterError::Coupling {
        k,
        iteration: None,
        source: Box::new(e),
    }
}
