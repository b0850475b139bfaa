//! The cost |P x - y|^2 and its closed-form ground barycentre.

use super::map::Cholesky;
use super::{add_weighted_pullbacks, check_call, check_maps, factor_normal_matrix, gram, LinearMap};
use crate::Euclidean;
use kantorovich_core::{CoreError, Cost, GroundBarycenter};
use std::sync::OnceLock;

/// The cost c(x, y) = |P x - y|^2 = sum_i ((P x)_i - y_i)^2 between x in R^d and y in R^{d_k},
/// for a linear map P: R^d -> R^{d_k} ([`LinearMap`]): the squared distance between y and what
/// P shows of x.
///
/// With the ground barycentre [`LinearProjections`] (one such cost per target measure), the
/// barycentre problem is the generalised Wasserstein barycentre of Delon, Gozlan and
/// Saint-Dizier (2021): measures seen through different projections, a barycentre in R^d.
///
/// ```
/// use kantorovich_core::Cost;
/// use kantorovich_geometry::{Euclidean, LinearMap, ProjectedSquaredEuclidean};
/// let cost = ProjectedSquaredEuclidean::new(LinearMap::coordinates(3, &[0, 1])?);
/// // P x = (1, 2), so c = (1 - 4)^2 + (2 - 6)^2
/// assert_eq!(cost.cost(&[1.0, 2.0, 3.0], &[4.0, 6.0]), 25.0);
/// // x must be in R^3 and y in R^2
/// assert!(cost.check_spaces(&Euclidean::new(3)?, &Euclidean::new(2)?).is_ok());
/// assert!(cost.check_spaces(&Euclidean::new(2)?, &Euclidean::new(2)?).is_err());
/// # Ok::<(), kantorovich_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedSquaredEuclidean {
    map: LinearMap,
}

impl ProjectedSquaredEuclidean {
    /// The cost |P x - y|^2 for P = `map`.
    pub fn new(map: LinearMap) -> Self {
        Self { map }
    }

    /// The map P.
    pub fn map(&self) -> &LinearMap {
        &self.map
    }
}

impl AsRef<LinearMap> for ProjectedSquaredEuclidean {
    fn as_ref(&self) -> &LinearMap {
        &self.map
    }
}

impl Cost<Euclidean, Euclidean> for ProjectedSquaredEuclidean {
    #[inline]
    fn cost(&self, x: &[f64], y: &[f64]) -> f64 {
        self.map.squared_residual(x, y)
    }
    /// Errors unless x_space = R^d and y_space = R^{d_k} for P: R^d -> R^{d_k}.
    fn check_spaces(&self, x_space: &Euclidean, y_space: &Euclidean) -> Result<(), CoreError> {
        check_projection_spaces(&self.map, "|P x - y|^2", x_space, y_space)
    }
    #[inline]
    fn cost_to_many(&self, x: &[f64], _: &Euclidean, ys: &Vec<f64>, start: usize, out: &mut [f64]) {
        self.map.squared_residuals_to_many(x, ys, start, out);
    }
}

/// The check_spaces of both projection costs: x in R^d, y in R^{d_k}, with errors that say which
/// side is wrong and what to do.
pub(super) fn check_projection_spaces(
    map: &LinearMap,
    formula: &str,
    x_space: &Euclidean,
    y_space: &Euclidean,
) -> Result<(), CoreError> {
    let (d, dk) = (map.input_dim(), map.output_dim());
    if x_space.dim() != d {
        return Err(CoreError::InvalidParameter {
            name: "x_space",
            reason: format!(
                "the cost {formula} with P: R^{d} -> R^{dk} compares points x of R^{d} (the barycentre \
                 space) with points y of R^{dk}, but x is in R^{}. The barycentre and the starting \
                 measure must be on R^{d}; a target measure (on R^{dk}) is not a valid start: lift one \
                 with LinearMap::lift, or give a measure on R^{d}",
                x_space.dim()
            ),
        });
    }
    if y_space.dim() != dk {
        return Err(CoreError::InvalidParameter {
            name: "y_space",
            reason: format!(
                "the cost {formula} with P: R^{d} -> R^{dk} compares points x of R^{d} with points y \
                 of R^{dk} (the target measure), but the target measure is on R^{}",
                y_space.dim()
            ),
        });
    }
    Ok(())
}

/// The ground barycentre of the costs c_k(x, y) = |P_k x - y|^2, k = 1..K, for linear maps
/// P_k: R^d -> R^{d_k} (one cost per target measure: target k lives in R^{d_k}, the
/// barycentre in R^d).
///
/// With weights lambda_k, let A = sum_k lambda_k P_k^T P_k (a d x d symmetric matrix) and
/// b = sum_k lambda_k P_k^T y_k. The energy sum_k lambda_k |P_k x - y_k|^2 is a quadratic with
/// gradient 2 (A x - b), so
///
/// ```text
/// B(y_1, .., y_K) = xbar = A^{-1} b = (sum_k lambda_k P_k^T P_k)^{-1} sum_k lambda_k P_k^T y_k,
/// delta(x, xbar)  = (x - xbar)^T A (x - xbar) = sum_k lambda_k |P_k (x - xbar)|^2,
/// ```
///
/// and the ground barycentre inequality is an equality. Proof: write
/// P_k x - y_k = P_k (x - xbar) + (P_k xbar - y_k) and expand the square:
///
/// ```text
/// sum_k lambda_k |P_k x - y_k|^2 = sum_k lambda_k |P_k (x - xbar)|^2
///                                + 2 <x - xbar, sum_k lambda_k P_k^T (P_k xbar - y_k)>
///                                + sum_k lambda_k |P_k xbar - y_k|^2;
/// ```
///
/// the middle term is 2 <x - xbar, A xbar - b> = 0. So delta is the largest valid choice, and
/// the iteration G decreases V by at least T_delta(mu, G mu) with this quadratic delta. With
/// every P_k the identity of R^d this is [`SquaredEuclidean`](crate::SquaredEuclidean):
/// A = (sum_k lambda_k) I.
///
/// A must be invertible: the maps of positive weight must jointly see every direction
/// (no x != 0 with P_k x = 0 for all of them). [`new`](Self::new) checks this for the whole
/// family (A with every lambda_k = 1) and [`barycenter`](GroundBarycenter::barycenter) for the
/// weights it is given. A counts as singular when, scaled to a unit diagonal, its smallest
/// eigenvalue is at most 1e-12 times its largest (a condition number above 10^12, where the
/// closed form would be dominated by rounding); that is an error
/// ([`CoreError::GroundBarycenter`]), not a panic.
///
/// **Cost.** A depends on the weights: it is checked and factored (Cholesky) on the first call to
/// `barycenter` and kept for those weights (the same slice on every call of a barycentre
/// iteration), so each later call costs one right-hand side b (O(sum_k d_k d)) and two triangular
/// solves (O(d^2)). Calls with other weights are correct too, each factorising its own A
/// (O(sum_k d_k d^2 + d^3)).
///
/// ```
/// use kantorovich_core::GroundBarycenter;
/// use kantorovich_geometry::{Euclidean, LinearMap, LinearProjections};
/// let space = Euclidean::new(2)?;
/// // the x-axis and the y-axis of the plane, seen separately
/// let family = LinearProjections::new(vec![
///     LinearMap::coordinates(2, &[0])?,
///     LinearMap::coordinates(2, &[1])?,
/// ])?;
/// let mut xbar = Vec::new();
/// family.barycenter(&space, &[&[3.0], &[-1.0]], &[1.0, 1.0], &mut xbar)?;
/// assert_eq!(xbar, vec![3.0, -1.0]);
/// // delta(x, xbar) = |x_1 - 3|^2 + |x_2 + 1|^2 here
/// assert_eq!(family.delta(&[4.0, 1.0], &xbar, &[1.0, 1.0]), 5.0);
/// // one axis alone does not determine a point of the plane
/// assert!(LinearProjections::new(vec![LinearMap::coordinates(2, &[0])?]).is_err());
/// # Ok::<(), kantorovich_core::CoreError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LinearProjections {
    costs: Vec<ProjectedSquaredEuclidean>,
    dim: usize,
    grams: Vec<Vec<f64>>,
    /// The weights of the first `barycenter` call and the Cholesky factor of their A.
    factor: OnceLock<(Vec<f64>, Cholesky)>,
}

impl LinearProjections {
    /// The family c_k(x, y) = |P_k x - y|^2 for the maps P_k = `maps[k]`, one per target measure.
    ///
    /// Errors if `maps` is empty, the maps do not all start from the same R^d, or
    /// sum_k P_k^T P_k is singular (the maps together miss a direction of R^d).
    pub fn new(maps: Vec<LinearMap>) -> Result<Self, CoreError> {
        let dim = check_maps(&maps)?;
        let grams: Vec<Vec<f64>> = maps.iter().map(gram).collect();
        factor_normal_matrix(&grams, &vec![1.0; maps.len()], dim, true)?;
        Ok(Self {
            costs: maps.into_iter().map(ProjectedSquaredEuclidean::new).collect(),
            dim,
            grams,
            factor: OnceLock::new(),
        })
    }

    /// The dimension d of the barycentre space R^d.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The costs c_k, one per target measure.
    pub fn costs(&self) -> &[ProjectedSquaredEuclidean] {
        &self.costs
    }
}

impl GroundBarycenter<Euclidean, Euclidean> for LinearProjections {
    type Cost = ProjectedSquaredEuclidean;

    /// The cost c_k(x, y) = |P_k x - y|^2.
    ///
    /// # Panics
    /// If `k >= K` (the trait only calls it with k < K).
    fn cost_k(&self, k: usize) -> &ProjectedSquaredEuclidean {
        &self.costs[k]
    }

    /// K, one cost per target measure.
    fn num_costs(&self) -> Option<usize> {
        Some(self.costs.len())
    }

    /// Appends xbar = (sum_k lambda_k P_k^T P_k)^{-1} sum_k lambda_k P_k^T y_k to `out`.
    ///
    /// Errors (leaving `out` as it was) if `space` is not R^d, y_k is not a finite point of
    /// R^{d_k}, the numbers of points and weights are not K, a weight is negative or not finite,
    /// they are all 0, or A is singular for these weights.
    fn barycenter(
        &self,
        space: &Euclidean,
        ys: &[&[f64]],
        lambdas: &[f64],
        out: &mut Vec<f64>,
    ) -> Result<(), CoreError> {
        check_call(&self.costs, self.dim, Some(space), ys, lambdas)?;
        let start = out.len();
        out.resize(start + self.dim, 0.0);
        add_weighted_pullbacks(&self.costs, ys, lambdas, &mut out[start..]);
        match self.factor.get() {
            Some((cached, factor)) if cached.as_slice() == lambdas => factor.solve_in_place(&mut out[start..]),
            _ => {
                let factor = match factor_normal_matrix(&self.grams, lambdas, self.dim, true) {
                    Ok(f) => f,
                    Err(e) => {
                        out.truncate(start);
                        return Err(e);
                    }
                };
                factor.solve_in_place(&mut out[start..]);
                // keep the first weights seen (a no-op once set)
                let _ = self.factor.set((lambdas.to_vec(), factor));
            }
        }
        Ok(())
    }

    /// delta(x, xbar) = sum_k lambda_k |P_k (x - xbar)|^2 = (x - xbar)^T A (x - xbar).
    fn delta(&self, x: &[f64], xbar: &[f64], lambdas: &[f64]) -> f64 {
        self.costs
            .iter()
            .zip(lambdas)
            .map(|(c, l)| {
                let d = self.dim;
                let s: f64 = c
                    .map()
                    .entries()
                    .chunks_exact(d)
                    .map(|row| {
                        let v: f64 = row.iter().zip(x.iter().zip(xbar)).map(|(p, (a, b))| p * (a - b)).sum();
                        v * v
                    })
                    .sum();
                l * s
            })
            .sum()
    }
}
