//! Linear projection costs (generalised Wasserstein barycentres, Delon, Gozlan and Saint-Dizier
//! 2021): the barycentre lives in R^d, the k-th target measure in R^{d_k}, and they are compared
//! through a linear map P_k: R^d -> R^{d_k}.
//!
//! - [`LinearMap`]: P_k, a d_k x d matrix;
//! - [`ProjectedSquaredEuclidean`], c(x, y) = |P x - y|^2, with the ground barycentre
//!   [`LinearProjections`] (closed form);
//! - [`ProjectedEuclidean`], c(x, y) = |P x - y| (not squared), with the ground barycentre
//!   [`LinearProjectionsW1`] (a certified iterative solver).

mod map;
mod squared;
mod w1;

pub use map::LinearMap;
pub use squared::{LinearProjections, ProjectedSquaredEuclidean};
pub use w1::{LinearProjectionsW1, ProjectedEuclidean, W1Solution};

use crate::Euclidean;
use kantorovich_core::CoreError;
use map::{is_invertible, Cholesky};

/// Checks the maps of a family (at least one, all with the same input dimension) and returns
/// that dimension d.
fn check_maps(maps: &[LinearMap]) -> Result<usize, CoreError> {
    let Some(first) = maps.first() else {
        return Err(CoreError::InvalidParameter {
            name: "maps",
            reason: "no linear map given: give one map P_k per target measure".into(),
        });
    };
    let d = first.input_dim();
    if let Some((k, m)) = maps.iter().enumerate().find(|(_, m)| m.input_dim() != d) {
        return Err(CoreError::InvalidParameter {
            name: "maps",
            reason: format!(
                "map 0 starts from R^{d} but map {k} from R^{}: every map must start from the \
                 barycentre space R^d",
                m.input_dim()
            ),
        });
    }
    Ok(d)
}

/// The Gram matrix P^T P (d x d, row-major) of a map.
fn gram(map: &LinearMap) -> Vec<f64> {
    let d = map.input_dim();
    let mut g = vec![0.0; d * d];
    for row in map.entries().chunks_exact(d) {
        for i in 0..d {
            for j in 0..d {
                g[i * d + j] += row[i] * row[j];
            }
        }
    }
    g
}

/// Checks the arguments of a ground barycentre call: K points y_k in R^{d_k}, K weights that are
/// finite, >= 0 and not all 0, and (if given) a barycentre space R^d.
fn check_call<M: AsRef<LinearMap>>(
    maps: &[M],
    dim: usize,
    space: Option<&Euclidean>,
    ys: &[&[f64]],
    lambdas: &[f64],
) -> Result<(), CoreError> {
    if let Some(space) = space {
        if space.dim() != dim {
            return Err(CoreError::InvalidParameter {
                name: "space",
                reason: format!(
                    "the maps start from R^{dim}, so the barycentre is a point of R^{dim}, not of R^{}",
                    space.dim()
                ),
            });
        }
    }
    let k = maps.len();
    if ys.len() != k || lambdas.len() != k {
        return Err(CoreError::InvalidParameter {
            name: "ys",
            reason: format!(
                "{k} maps but {} points and {} weights: give one point y_k and one weight lambda_k per map",
                ys.len(),
                lambdas.len()
            ),
        });
    }
    for (j, (map, y)) in maps.iter().map(AsRef::as_ref).zip(ys).enumerate() {
        if y.len() != map.output_dim() {
            return Err(CoreError::InvalidParameter {
                name: "ys",
                reason: format!(
                    "map {j} goes to R^{}, so y_{j} must have {} coordinates, not {}",
                    map.output_dim(),
                    map.output_dim(),
                    y.len()
                ),
            });
        }
        if let Some(c) = y.iter().find(|c| !c.is_finite()) {
            return Err(CoreError::InvalidParameter {
                name: "ys",
                reason: format!("y_{j} has the coordinate {c}: coordinates must be finite"),
            });
        }
    }
    if let Some((j, l)) = lambdas.iter().enumerate().find(|(_, l)| !(l.is_finite() && **l >= 0.0)) {
        return Err(CoreError::InvalidParameter {
            name: "lambdas",
            reason: format!("lambda_{j} is {l}: barycentre weights must be finite and >= 0"),
        });
    }
    let total: f64 = lambdas.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return Err(CoreError::InvalidParameter {
            name: "lambdas",
            reason: "the barycentre weights are all 0 (or their sum overflows): give at least one positive weight"
                .into(),
        });
    }
    Ok(())
}

/// The error for a normal matrix sum_k w_k P_k^T P_k that is not positive definite.
fn singular_normal_matrix(dim: usize, what: &str) -> CoreError {
    CoreError::GroundBarycenter {
        reason: format!(
            "{what} is singular or nearly so (condition number above 10^12 once scaled to a unit \
             diagonal): the maps with positive weight do not jointly see every direction of R^{dim} \
             (some x != 0 has P_k x = 0, or nearly, for all of them), so the barycentre is not unique \
             (or not stable). Add a map that sees the missing directions, or give it a positive weight"
        ),
    }
}

/// Factors A = sum_k w_k P_k^T P_k (over the k with w_k > 0) from the Gram matrices. With
/// `check`, A must also pass [`is_invertible`] (a scaled condition number below 10^12); without,
/// only the factorisation must succeed (for matrices known to be invertible).
fn factor_normal_matrix(grams: &[Vec<f64>], weights: &[f64], dim: usize, check: bool) -> Result<Cholesky, CoreError> {
    let mut a = vec![0.0; dim * dim];
    for (g, &w) in grams.iter().zip(weights) {
        if w > 0.0 {
            a.iter_mut().zip(g).for_each(|(a, g)| *a += w * g);
        }
    }
    let singular = || singular_normal_matrix(dim, "sum_k lambda_k P_k^T P_k");
    if check && !is_invertible(&a, dim) {
        return Err(singular());
    }
    Cholesky::factor(a, dim).map_err(|_| singular())
}

/// `out` += sum_k w_k P_k^T y_k over the k with w_k > 0.
fn add_weighted_pullbacks<M: AsRef<LinearMap>>(maps: &[M], ys: &[&[f64]], weights: &[f64], out: &mut [f64]) {
    for ((map, y), &w) in maps.iter().map(AsRef::as_ref).zip(ys).zip(weights) {
        if w > 0.0 {
            let d = map.input_dim();
            for (row, &yi) in map.entries().chunks_exact(d).zip(y.iter()) {
                let c = w * yi;
                out.iter_mut().zip(row).for_each(|(o, p)| *o += c * p);
            }
        }
    }
}
