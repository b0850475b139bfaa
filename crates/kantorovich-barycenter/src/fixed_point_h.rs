//! The iteration H: barycentric projections of the couplings, pushed by the ground barycentre.

use crate::checked::{ground_barycenter, validate_barycenters};
use crate::fixed_point_g::check_plans;
use crate::{BarycenterError, BarycenterProblem, FixedPoint, FixedPointMap, NextIterate};
use kantorovich_core::{
    BarycentricProjection, CoreError, DiscreteMeasure, GroundBarycenter, GroundSpace, TransportPlan, VectorSpace,
};
use kantorovich_ot::NetworkSimplex;
use rayon::prelude::*;

/// The fixed-point iteration H (barycentric projections).
///
/// For mu = sum_i a_i delta(x_i) and optimal couplings pi^(k) of mu and nu_k, the barycentric
/// projection of x_i on nu_k is ybar_k(x_i) = (1/a_i) sum_j pi^(k)_ij y_kj (so Y must be a vector
/// space: a [`VectorSpace`] bound), and
///
/// ```text
/// H(mu) = sum_i a_i delta(B(ybar_1(x_i), .., ybar_K(x_i))).
/// ```
///
/// The weights a_i and the support size n stay as they are (atoms of zero weight are left in
/// place). With the squared Euclidean cost this is the free-support barycentre algorithm of
/// Cuturi and Doucet (2014), and V does not increase along H.
///
/// Settings and `solve` are those of [`FixedPoint`].
pub type FixedPointH<S = NetworkSimplex> = FixedPoint<Project, S>;

/// The map H of [`FixedPointH`]: barycentric projections pushed through the ground barycentre.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Project;

impl<X: GroundSpace, Y: VectorSpace, B: GroundBarycenter<X, Y>> FixedPointMap<X, Y, B> for Project {
    fn apply(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        mu: &DiscreteMeasure<X>,
        plans: &[TransportPlan],
    ) -> Result<NextIterate<X>, BarycenterError> {
        project(problem, mu, plans).map(NextIterate::exact)
    }

    fn needs_only_projections(&self) -> bool {
        true
    }

    fn apply_projected(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        mu: &DiscreteMeasure<X>,
        projections: &[BarycentricProjection],
    ) -> Result<NextIterate<X>, BarycenterError> {
        project_means(problem, mu, projections).map(NextIterate::exact)
    }
}

/// H(mu) from the couplings `plans` of `mu` (one per measure).
pub fn project<X, Y, B>(
    problem: &BarycenterProblem<X, Y, B>,
    mu: &DiscreteMeasure<X>,
    plans: &[TransportPlan],
) -> Result<DiscreteMeasure<X>, BarycenterError>
where
    X: GroundSpace,
    Y: VectorSpace,
    B: GroundBarycenter<X, Y>,
{
    let measures = problem.measures();
    check_plans(problem, mu, plans)?;
    push_forward(problem, mu, |k, i, coords| {
        let (cols, masses) = plans[k].row(i);
        let row_mass: f64 = masses.iter().sum();
        if row_mass <= 0.0 {
            return false;
        }
        let nu = &measures[k];
        for (&j, &m) in cols.iter().zip(masses) {
            let w = m / row_mass;
            let y = nu.space().coords(nu.point(j));
            coords.iter_mut().zip(y).for_each(|(c, &yt)| *c += w * yt);
        }
        true
    })
}

/// H(mu) from the barycentric projections of its couplings (one per measure), as solvers
/// give them without forming the plans ([`Coupling::barycentric_projection`]). They are
/// checked first (sizes, and finite projections of the rows with mass): a solver that
/// returns wrong ones is named in the error.
///
/// [`Coupling::barycentric_projection`]: kantorovich_core::Coupling::barycentric_projection
pub fn project_means<X, Y, B>(
    problem: &BarycenterProblem<X, Y, B>,
    mu: &DiscreteMeasure<X>,
    projections: &[BarycentricProjection],
) -> Result<DiscreteMeasure<X>, BarycenterError>
where
    X: GroundSpace,
    Y: VectorSpace,
    B: GroundBarycenter<X, Y>,
{
    let n = mu.len();
    let measures = problem.measures().len();
    if projections.len() != measures {
        return Err(CoreError::InvalidParameter {
            name: "projections",
            reason: format!(
                "{} sets of projections for {measures} measures: give one per measure nu_k",
                projections.len()
            ),
        }
        .into());
    }
    for (k, (p, nu)) in projections.iter().zip(problem.measures()).enumerate() {
        let d = nu.space().dim();
        let bad = |reason: String| Err(BarycenterError::BadProjection { k, reason });
        if p.dim != d || p.means.len() != n * d || p.row_mass.len() != n {
            return bad(format!(
                "it has {} coordinates of means of dimension {} and {} row masses; {n} atoms of mu \
                 in dimension {d} need {} coordinates and {n} masses",
                p.means.len(),
                p.dim,
                p.row_mass.len(),
                n * d
            ));
        }
        if let Some(i) = (0..n).find(|&i| {
            let r = p.row_mass[i];
            !(r >= 0.0 && r.is_finite()) || (r > 0.0 && p.means[i * d..(i + 1) * d].iter().any(|c| !c.is_finite()))
        }) {
            return bad(format!(
                "row {i} has mass {} and projection {:?}: masses must be finite and >= 0, projections finite",
                p.row_mass[i],
                &p.means[i * d..(i + 1) * d]
            ));
        }
    }
    push_forward(problem, mu, |k, i, coords| {
        let p = &projections[k];
        if p.row_mass[i] <= 0.0 {
            return false;
        }
        coords.copy_from_slice(&p.means[i * p.dim..(i + 1) * p.dim]);
        true
    })
}

/// sum_i a_i delta(B(ybar_1(x_i), .., ybar_K(x_i))), with `project(k, i, coords)` writing
/// ybar_k(x_i) into zeroed `coords` and saying whether row i has mass (atoms of zero weight,
/// or with a row of zero mass, keep their point).
fn push_forward<X, Y, B>(
    problem: &BarycenterProblem<X, Y, B>,
    mu: &DiscreteMeasure<X>,
    project: impl Fn(usize, usize, &mut [f64]) -> bool + Sync,
) -> Result<DiscreteMeasure<X>, BarycenterError>
where
    X: GroundSpace,
    Y: VectorSpace,
    B: GroundBarycenter<X, Y>,
{
    let n = mu.len();
    let space = problem.space();
    let measures = problem.measures();
    let block = n.div_ceil(4 * rayon::current_num_threads()).max(1);
    let parts: Vec<X::Storage> = (0..n)
        .into_par_iter()
        .step_by(block)
        .map(|first| {
            let rows = first..(first + block).min(n);
            // Pass 1: ybar_k(x_i) for the rows of the block, as one list of points per k.
            let mut keep = vec![false; rows.len()];
            let mut coords = Vec::new();
            let projections: Vec<Y::Storage> = measures
                .iter()
                .enumerate()
                .map(|(k, nu)| {
                    let y_space = nu.space();
                    let mut storage = y_space.with_capacity(rows.len());
                    for (t, i) in rows.clone().enumerate() {
                        coords.clear();
                        coords.resize(y_space.dim(), 0.0);
                        if !(mu.weights()[i] > 0.0 && project(k, i, &mut coords)) {
                            keep[t] = true;
                        }
                        y_space.push_coords(&mut storage, &coords);
                    }
                    storage
                })
                .collect();
            // Pass 2: B(ybar_1(x_i), .., ybar_K(x_i)).
            let mut points = space.with_capacity(rows.len());
            let mut ys: Vec<Y::Point<'_>> = Vec::with_capacity(measures.len());
            for (t, i) in rows.enumerate() {
                if keep[t] {
                    space.push(&mut points, mu.point(i));
                    continue;
                }
                ys.clear();
                ys.extend(projections.iter().zip(measures).map(|(s, nu)| nu.space().point(s, t)));
                ground_barycenter(problem.ground(), space, &ys, problem.lambdas(), &mut points)?;
            }
            Ok(points)
        })
        // the first error in order, whichever task finished first
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Result<_, BarycenterError>>()?;
    let mut points = space.with_capacity(n);
    for p in &parts {
        for t in 0..space.len(p) {
            space.push(&mut points, space.point(p, t));
        }
    }
    validate_barycenters(space, &points)?;
    Ok(DiscreteMeasure::new(space.clone(), points, mu.weights().to_vec())?)
}
