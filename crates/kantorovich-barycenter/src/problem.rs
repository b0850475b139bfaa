//! The barycentre problem: target measures, barycentre weights and a ground barycentre.

use crate::BarycenterError;
use kantorovich_core::{
    normalized_weights, BarycentricProjection, Cost, Coupling, DeltaCost, DiscreteMeasure, GroundBarycenter,
    GroundSpace, TransportPlan,
};
use rayon::prelude::*;

/// The barycentre problem: find a measure mu on X minimising
///
/// ```text
/// V(mu) = sum_k lambda_k T_{c_k}(mu, nu_k)
/// ```
///
/// where T_c is the optimal transport cost, nu_1..nu_K are discrete measures on Y, the costs
/// c_k: X x Y -> R come with their ground barycentre `ground` (see [`GroundBarycenter`]), and the
/// barycentre weights lambda_k are finite, >= 0 and not all zero. The weights are used as given
/// (not normalised): scaling them scales V.
#[derive(Debug, Clone)]
pub struct BarycenterProblem<X: GroundSpace, Y: GroundSpace, B> {
    space: X,
    measures: Vec<DiscreteMeasure<Y>>,
    lambdas: Vec<f64>,
    ground: B,
}

impl<X: GroundSpace, Y: GroundSpace, B: GroundBarycenter<X, Y>> BarycenterProblem<X, Y, B> {
    /// The problem of the barycentre in `space` of `measures` with weights `lambdas` for the
    /// costs of `ground`.
    ///
    /// Errors if there are no measures, the number of weights or of costs does not match, a
    /// weight is negative, NaN or infinite, or they are all zero, or a cost c_k cannot compare
    /// points of `space` with those of nu_k (e.g. dimensions differ).
    pub fn new(
        space: X,
        measures: Vec<DiscreteMeasure<Y>>,
        lambdas: Vec<f64>,
        ground: B,
    ) -> Result<Self, BarycenterError> {
        if measures.is_empty() {
            return Err(BarycenterError::NoMeasures);
        }
        if lambdas.len() != measures.len() {
            return Err(BarycenterError::WeightCount {
                measures: measures.len(),
                weights: lambdas.len(),
            });
        }
        if let Some(costs) = ground.num_costs() {
            if costs != measures.len() {
                return Err(BarycenterError::CostCount {
                    costs,
                    measures: measures.len(),
                });
            }
        }
        // Validation only: the weights are kept as given.
        normalized_weights(lambdas.clone())?;
        for (k, nu) in measures.iter().enumerate() {
            ground.cost_k(k).check_spaces(&space, nu.space())?;
        }
        Ok(Self {
            space,
            measures,
            lambdas,
            ground,
        })
    }

    /// The barycentre space X.
    pub fn space(&self) -> &X {
        &self.space
    }
    /// The target measures nu_1..nu_K.
    pub fn measures(&self) -> &[DiscreteMeasure<Y>] {
        &self.measures
    }
    /// The barycentre weights lambda_1..lambda_K.
    pub fn lambdas(&self) -> &[f64] {
        &self.lambdas
    }
    /// The ground barycentre (and so the costs c_k).
    pub fn ground(&self) -> &B {
        &self.ground
    }
    /// The function delta of the ground barycentre as a cost on X x X, for T_delta(mu, G mu).
    pub fn delta_cost(&self) -> DeltaCost<'_, B, Y> {
        DeltaCost::new(&self.ground, &self.lambdas)
    }

    /// One coupling pi^(k) between `mu` and each nu_k for the cost c_k, computed in parallel
    /// over k.
    pub fn couplings<S>(&self, mu: &DiscreteMeasure<X>, solver: &S) -> Result<Vec<TransportPlan>, BarycenterError>
    where
        S: Coupling<X, Y, B::Cost>,
    {
        self.couplings_with_hints(mu, solver, None)
    }

    /// As [`couplings`](Self::couplings), passing `hints[k]` (couplings of a previous iterate)
    /// to the solver as warm starts (see [`Coupling::couple_with_hint`]).
    pub fn couplings_with_hints<S>(
        &self,
        mu: &DiscreteMeasure<X>,
        solver: &S,
        hints: Option<&[TransportPlan]>,
    ) -> Result<Vec<TransportPlan>, BarycenterError>
    where
        S: Coupling<X, Y, B::Cost>,
    {
        self.measures
            .par_iter()
            .enumerate()
            .map(|(k, nu)| {
                let cost = self.ground.cost_k(k);
                match hints.and_then(|h| h.get(k)) {
                    Some(hint) => solver.couple_with_hint(mu, nu, cost, hint),
                    None => solver.couple(mu, nu, cost),
                }
                .map_err(|e| BarycenterError::Coupling {
                    k,
                    iteration: None,
                    source: Box::new(e),
                })
            })
            // all results first, then the first error in order of k: collecting into a Result
            // in parallel would report whichever failure finished first
            .collect::<Vec<_>>()
            .into_iter()
            .collect()
    }

    /// The barycentric projections of the couplings of `mu` and each nu_k, from a solver that
    /// gives them without the plans ([`Coupling::barycentric_projection`]; `hints[k]`, the
    /// projections of a previous iterate, may warm-start it), computed in parallel over k;
    /// `None` if the solver has no such path.
    pub fn projections_with_hints<S>(
        &self,
        mu: &DiscreteMeasure<X>,
        solver: &S,
        hints: Option<&[BarycentricProjection]>,
    ) -> Option<Result<Vec<BarycentricProjection>, BarycenterError>>
    where
        S: Coupling<X, Y, B::Cost>,
    {
        let answers: Vec<_> = self
            .measures
            .par_iter()
            .enumerate()
            .map(|(k, nu)| {
                let hint = hints.and_then(|h| h.get(k));
                solver
                    .barycentric_projection(mu, nu, self.ground.cost_k(k), hint)
                    .map(|r| {
                        let p = r.map_err(|e| BarycenterError::Coupling {
                            k,
                            iteration: None,
                            source: Box::new(e),
                        })?;
                        // (the means are checked where they are used, against the space of nu_k)
                        if p.cost.is_nan() {
                            return Err(BarycenterError::BadProjection {
                                k,
                                reason: "the coupling's value is NaN".into(),
                            });
                        }
                        Ok(p)
                    })
            })
            .collect();
        // the first error in order of k, even where another k has no such path
        let mut projections = Vec::with_capacity(answers.len());
        let mut complete = true;
        for answer in answers {
            match answer {
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(p)) => projections.push(p),
                None => complete = false,
            }
        }
        complete.then_some(Ok(projections))
    }

    /// V(mu) = sum_k lambda_k <c_k, pi^(k)> for the couplings `plans` of `mu` (one per measure).
    pub fn objective_of(&self, plans: &[TransportPlan]) -> f64 {
        plans.iter().zip(&self.lambdas).map(|(p, l)| l * p.cost()).sum()
    }

    /// V(mu) = sum_k lambda_k T_{c_k}(mu, nu_k), with the transport costs computed by `solver`
    /// (an exact solver gives the exact objective).
    pub fn objective<S>(&self, mu: &DiscreteMeasure<X>, solver: &S) -> Result<f64, BarycenterError>
    where
        S: Coupling<X, Y, B::Cost>,
    {
        Ok(self.objective_of(&self.couplings(mu, solver)?))
    }
}

impl<S: GroundSpace, B: GroundBarycenter<S, S>> BarycenterProblem<S, S, B> {
    /// The default starting measure when the barycentre lives in the same space as the
    /// measures: the measure nu_k of largest weight lambda_k (the first one on ties).
    ///
    /// Only meaningful when the targets are measures on the barycentre space X. When X and the
    /// targets' space have the same type but not the same parameters (linear projections
    /// R^d -> R^{d_k}, say: targets in R^{d_k}, barycentre in R^d), the measure returned is not a
    /// measure on X, and the first coupling of a solve errors (the cost's `check_spaces` says
    /// why); prefer [`try_default_init`](Self::try_default_init), which reports it at once, and
    /// build the start on X yourself (for linear projections, by lifting a target:
    /// `LinearMap::lift` in `kantorovich-geometry`).
    pub fn default_init(&self) -> DiscreteMeasure<S> {
        self.measures[self.heaviest()].clone()
    }

    /// As [`default_init`](Self::default_init), but checked: the measure nu_k of largest weight
    /// if every cost c_j accepts it as a measure on X (`check_spaces` of c_j between its space
    /// and that of nu_j), and otherwise an error saying that the targets do not live in the
    /// barycentre space, so that the start must be built there.
    pub fn try_default_init(&self) -> Result<DiscreteMeasure<S>, BarycenterError> {
        let best = self.heaviest();
        let start = &self.measures[best];
        for (k, nu) in self.measures.iter().enumerate() {
            if let Err(e) = self.ground.cost_k(k).check_spaces(start.space(), nu.space()) {
                return Err(kantorovich_core::CoreError::InvalidParameter {
                    name: "init",
                    reason: format!(
                        "no default starting measure: the default start is the target nu_{best} (the \
                         one of largest weight), but it is not a measure on the barycentre space, as \
                         cost c_{k} reports: {e}. Build a starting measure on the barycentre space \
                         (for linear projections, lift a target with LinearMap::lift)"
                    ),
                }
                .into());
            }
        }
        Ok(start.clone())
    }

    /// The index of the largest lambda_k (the first one on ties).
    fn heaviest(&self) -> usize {
        let mut best = 0;
        for (k, &l) in self.lambdas.iter().enumerate() {
            if l > self.lambdas[best] {
                best = k;
            }
        }
        best
    }
}
