//! Fixed-support barycentres: the support x_1..x_n is given, the weights a are the unknown.

mod ibp;
mod kernel;
mod lp;

pub use ibp::{Ibp, IbpRecord, IbpSolution};
pub use lp::{FixedSupportLp, FixedSupportSolution, DEFAULT_MAX_LP_VARIABLES, MAX_LP_VARIABLES};

use crate::{BarycenterError, BarycenterProblem};
use kantorovich_core::{normalized_weights, CoreError, CostMatrix, GroundBarycenter, GroundSpace};
use kantorovich_ot::NetworkSimplex;
use rayon::prelude::*;

/// The fixed-support barycentre problem: weights a on a given support x_1..x_n minimising
///
/// ```text
/// V(a) = sum_k lambda_k T_{C_k}(a, b_k),   T_C(a, b) = min { <C, P> : P >= 0, P 1 = a, P^T 1 = b },
/// ```
///
/// over the simplex (a >= 0, sum_i a_i = 1). Target k is a histogram b_k of m_k entries on its
/// own support (the supports need not be shared, nor have the same size), and C_k is the n x m_k
/// matrix C_k(i, j) = c_k(x_i, y_kj). Unlike the free-support problem of [`BarycenterProblem`],
/// the support is not optimised: V(a) is at least the free-support optimum V*, with equality
/// when the support contains an optimal free support.
///
/// The targets are validated and normalised to sum 1 (as [`DiscreteMeasure`] does); the
/// barycentre weights lambda_k are validated (finite, >= 0, positive total) and used as given,
/// as in [`BarycenterProblem`]: scaling them scales V and leaves the minimisers unchanged.
///
/// [`DiscreteMeasure`]: kantorovich_core::DiscreteMeasure
#[derive(Debug, Clone)]
pub struct FixedSupportProblem {
    costs: Vec<CostMatrix>,
    targets: Vec<Vec<f64>>,
    lambdas: Vec<f64>,
}

impl FixedSupportProblem {
    /// The problem with cost matrices C_k (n x m_k, all with the same number n of rows), target
    /// histograms b_k (m_k entries, normalised here) and barycentre weights lambda_k.
    ///
    /// Errors if there are no targets, the numbers of costs, targets and weights differ, the
    /// matrices do not all have n rows, a target does not have m_k entries, or a target or the
    /// weights are invalid (NaN, infinite, negative, zero total).
    ///
    /// ```
    /// use kantorovich_barycenter::FixedSupportProblem;
    /// use kantorovich_core::CostMatrix;
    /// // support {0, 1, 2} on the line, targets delta(0) and delta(2), squared distance
    /// let c0 = CostMatrix::new(3, 1, vec![0.0, 1.0, 4.0])?;
    /// let c2 = CostMatrix::new(3, 1, vec![4.0, 1.0, 0.0])?;
    /// let problem = FixedSupportProblem::new(vec![c0, c2], vec![vec![1.0], vec![1.0]], vec![0.5, 0.5])?;
    /// assert_eq!(problem.objective(&[0.0, 1.0, 0.0])?, 1.0); // all mass at the midpoint
    /// # Ok::<(), kantorovich_barycenter::BarycenterError>(())
    /// ```
    pub fn new(costs: Vec<CostMatrix>, targets: Vec<Vec<f64>>, lambdas: Vec<f64>) -> Result<Self, BarycenterError> {
        if targets.is_empty() {
            return Err(BarycenterError::NoMeasures);
        }
        if lambdas.len() != targets.len() {
            return Err(BarycenterError::WeightCount {
                measures: targets.len(),
                weights: lambdas.len(),
            });
        }
        if costs.len() != targets.len() {
            return Err(BarycenterError::CostCount {
                costs: costs.len(),
                measures: targets.len(),
            });
        }
        normalized_weights(lambdas.clone())?;
        let n = costs[0].rows();
        if n == 0 {
            return Err(CoreError::EmptyMeasure.into());
        }
        let mut normalised = Vec::with_capacity(targets.len());
        for (k, (cost, b)) in costs.iter().zip(targets).enumerate() {
            if cost.rows() != n {
                return Err(CoreError::InvalidParameter {
                    name: "costs",
                    reason: format!(
                        "cost matrix {k} has {} rows but cost matrix 0 has {n}: every C_k has one row per support point",
                        cost.rows()
                    ),
                }
                .into());
            }
            if cost.cols() != b.len() {
                return Err(CoreError::InvalidParameter {
                    name: "targets",
                    reason: format!(
                        "target {k} has {} weights but cost matrix {k} has {} columns: give one weight per column",
                        b.len(),
                        cost.cols()
                    ),
                }
                .into());
            }
            if b.is_empty() {
                return Err(CoreError::EmptyMeasure.into());
            }
            normalised.push(normalized_weights(b)?);
        }
        Ok(Self {
            costs,
            targets: normalised,
            lambdas,
        })
    }

    /// The problem on the support `support` (points of the barycentre space X) for the targets,
    /// weights and costs of `problem`: C_k(i, j) = c_k(x_i, y_kj), computed in parallel.
    ///
    /// Errors if the support is empty or invalid for X, or a cost is not finite.
    pub fn on_support<X, Y, B>(
        problem: &BarycenterProblem<X, Y, B>,
        support: &X::Storage,
    ) -> Result<Self, BarycenterError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        B: GroundBarycenter<X, Y>,
    {
        let space = problem.space();
        space.validate(support)?;
        if space.len(support) == 0 {
            return Err(CoreError::EmptyMeasure.into());
        }
        let costs = problem
            .measures()
            .iter()
            .enumerate()
            .map(|(k, nu)| CostMatrix::from_points(space, support, nu.space(), nu.points(), problem.ground().cost_k(k)))
            .collect::<Result<Vec<_>, _>>()?;
        let targets = problem.measures().iter().map(|nu| nu.weights().to_vec()).collect();
        Self::new(costs, targets, problem.lambdas().to_vec())
    }

    /// The number n of support points.
    pub fn support_size(&self) -> usize {
        self.costs[0].rows()
    }
    /// The number K of targets.
    pub fn num_targets(&self) -> usize {
        self.targets.len()
    }
    /// The cost matrices C_1..C_K (n x m_k).
    pub fn costs(&self) -> &[CostMatrix] {
        &self.costs
    }
    /// The target histograms b_1..b_K (each sums to 1).
    pub fn targets(&self) -> &[Vec<f64>] {
        &self.targets
    }
    /// The barycentre weights lambda_1..lambda_K, as given.
    pub fn lambdas(&self) -> &[f64] {
        &self.lambdas
    }

    /// V(a) = sum_k lambda_k T_{C_k}(a, b_k), each transport cost exact (network simplex, in
    /// parallel over k). `a` is validated and normalised to sum 1.
    pub fn objective(&self, a: &[f64]) -> Result<f64, BarycenterError> {
        Ok(self
            .exact_plans(a)?
            .iter()
            .zip(&self.lambdas)
            .map(|(p, l)| l * p.cost())
            .sum())
    }

    /// Optimal plans of T_{C_k}(a, b_k), k = 1..K, by the network simplex (a normalised).
    pub(crate) fn exact_plans(&self, a: &[f64]) -> Result<Vec<kantorovich_core::TransportPlan>, BarycenterError> {
        if a.len() != self.support_size() {
            return Err(CoreError::LengthMismatch {
                points: self.support_size(),
                weights: a.len(),
            }
            .into());
        }
        let a = normalized_weights(a.to_vec())?;
        let solver = NetworkSimplex::default();
        self.costs
            .par_iter()
            .zip(&self.targets)
            .enumerate()
            .map(|(k, (cost, b))| {
                solver
                    .solve(&a, b, cost)
                    .map(|s| s.plan)
                    .map_err(|e| BarycenterError::Coupling {
                        k,
                        iteration: None,
                        source: Box::new(e),
                    })
            })
            .collect()
    }
}
