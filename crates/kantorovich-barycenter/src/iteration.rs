//! The loop shared by the fixed-point iterations: evaluate V, record, stop or step.

use crate::{BarycenterError, BarycenterProblem, NextIterate};
use kantorovich_core::{
    BarycentricProjection, Coupling, DiscreteMeasure, GroundBarycenter, GroundSpace, StopReason, TransportPlan,
};
use std::time::{Duration, Instant};

/// What one iteration of a barycentre solver reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterationRecord {
    /// t: the record describes the iterate mu_t (t = 0 is the initial measure).
    pub iteration: usize,
    /// V(mu_t) = sum_k lambda_k T_{c_k}(mu_t, nu_k), with T_{c_k} the value the coupling solver
    /// reports: the exact transport cost for an exact solver, the entropic cost T_{c_k,eps} (so
    /// V_eps) for [`Sinkhorn`](kantorovich_ot::Sinkhorn).
    pub objective: f64,
    /// Number of atoms of positive weight of mu_t.
    pub support_size: usize,
    /// The mass dropped by truncation in the step mu_{t-1} -> mu_t, as a fraction of the mass of
    /// mu_{t-1} (see [`NextIterate::dropped_mass`]); 0 for mu_0 and for exact maps.
    pub dropped_mass: f64,
    /// Time since the solver started, when V(mu_t) was known.
    pub elapsed: Duration,
}

/// The outcome of a barycentre solver.
#[derive(Debug, Clone)]
pub struct BarycenterResult<X: GroundSpace> {
    /// The iterate of smallest objective found.
    pub measure: DiscreteMeasure<X>,
    /// Its objective V.
    pub objective: f64,
    /// Number of fixed-point steps taken (the iterate returned is mu_t for some t <= this).
    pub iterations: usize,
    /// Whether the stopping rule on V was met: |V(mu_{t-1}) - V(mu_t)| <= tolerance x
    /// |V(mu_{t-1})|. Equal to `stop_reason.is_converged()`.
    pub converged: bool,
    /// Why the run stopped: converged, V increased (the best iterate is returned, it is not a
    /// fixed point), or the iteration cap.
    pub stop_reason: StopReason,
    /// One record per evaluated iterate mu_0, mu_1, ...
    pub trace: Vec<IterationRecord>,
}

/// Stopping settings shared by the fixed-point solvers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stopping {
    pub max_iterations: usize,
    pub tolerance: f64,
    /// A step that drops more than this fraction of the mass fails the run.
    pub max_dropped_mass: f64,
}

impl Stopping {
    pub fn check(&self) -> Result<(), BarycenterError> {
        if !(0.0..=1.0).contains(&self.max_dropped_mass) {
            return Err(kantorovich_core::CoreError::InvalidParameter {
                name: "max_dropped_mass",
                reason: format!("{} is not a fraction of the mass in [0, 1]", self.max_dropped_mass),
            }
            .into());
        }
        if self.tolerance.is_nan() {
            return Err(kantorovich_core::CoreError::InvalidParameter {
                name: "tolerance",
                reason: "NaN is not a tolerance: use a number >= 0, or a negative one to run all iterations".into(),
            }
            .into());
        }
        Ok(())
    }
}

/// The stopping rule of the barycentre solvers, on the change from V(mu_{t-1}) = `previous` to
/// V(mu_t) = `current`, off for a negative tolerance: `ObjectiveIncreased` when V rose by more
/// than tolerance x |previous|, `Converged` when it moved by at most that, `None` otherwise.
pub(crate) fn stop_rule(tolerance: f64, previous: f64, current: f64) -> Option<StopReason> {
    if tolerance < 0.0 {
        return None;
    }
    let change = previous - current;
    let allowed = tolerance * previous.abs();
    if change < -allowed {
        Some(StopReason::ObjectiveIncreased)
    } else if change <= allowed {
        Some(StopReason::Converged)
    } else {
        None
    }
}

/// What the loop keeps of the couplings of an iterate: the plans, or (for maps that need no
/// more, from solvers that give them) their barycentric projections.
pub(crate) enum Couplings {
    Plans(Vec<TransportPlan>),
    Projections(Vec<BarycentricProjection>),
}

impl Couplings {
    /// The couplings' values T_k.
    fn costs(&self) -> Vec<f64> {
        match self {
            Couplings::Plans(p) => p.iter().map(TransportPlan::cost).collect(),
            Couplings::Projections(p) => p.iter().map(|p| p.cost).collect(),
        }
    }
}

/// Runs mu_{t+1} = step(mu_t, couplings of mu_t) from `init`.
///
/// Each iterate is evaluated once: its couplings give V(mu_t) and feed the step. The run stops
/// after `max_iterations` steps (`IterationLimit`), as soon as V rises by more than
/// tolerance * |V(mu_{t-1})| (`ObjectiveIncreased`), or when it moves by at most that
/// (`Converged`); the iterate of least V is returned. A step that drops more than `max_dropped_mass` fails the run.
/// With `projections`, the couplings are asked for their barycentric projections first, and
/// for plans only if the solver has no such path.
pub(crate) fn run<X, Y, B, S, F, O>(
    problem: &BarycenterProblem<X, Y, B>,
    solver: &S,
    stopping: Stopping,
    init: DiscreteMeasure<X>,
    projections: bool,
    mut step: F,
    mut observer: O,
) -> Result<BarycenterResult<X>, BarycenterError>
where
    X: GroundSpace,
    Y: GroundSpace,
    B: GroundBarycenter<X, Y>,
    S: Coupling<X, Y, B::Cost>,
    F: FnMut(&DiscreteMeasure<X>, &Couplings) -> Result<NextIterate<X>, BarycenterError>,
    O: FnMut(&IterationRecord),
{
    stopping.check()?;
    let start = Instant::now();
    let mut trace = Vec::new();
    let mut mu = init;
    let mut best: Option<(DiscreteMeasure<X>, f64)> = None;
    let mut stop_reason = StopReason::IterationLimit;
    let mut steps = 0;
    let mut previous: Option<Couplings> = None;
    let mut projections = projections;
    let mut dropped_mass = 0.0;
    loop {
        // The couplings of the previous iterate warm-start those of this one (H keeps the
        // weights, so they stay feasible; the solver ignores hints that do not fit).
        let mut couplings = None;
        if projections {
            let hints = match &previous {
                Some(Couplings::Projections(p)) => Some(p.as_slice()),
                _ => None,
            };
            match problem.projections_with_hints(&mu, solver, hints) {
                Some(result) => couplings = Some(Couplings::Projections(result.map_err(|e| e.at_iterate(steps))?)),
                // the solver has no such path: plans from now on
                None => projections = false,
            }
        }
        let couplings = match couplings {
            Some(c) => c,
            None => {
                let hints = match &previous {
                    Some(Couplings::Plans(p)) => Some(p.as_slice()),
                    _ => None,
                };
                let plans = problem
                    .couplings_with_hints(&mu, solver, hints)
                    .map_err(|e| e.at_iterate(steps))?;
                Couplings::Plans(plans)
            }
        };
        let objective: f64 = couplings
            .costs()
            .iter()
            .zip(problem.lambdas())
            .map(|(t, l)| l * t)
            .sum();
        if !objective.is_finite() {
            return Err(BarycenterError::NumericalBreakdown {
                reason: format!(
                    "V(mu_{steps}) = sum_k lambda_k T_k = {objective}: the costs times the weights lambda_k overflow f64"
                ),
            });
        }
        let record = IterationRecord {
            iteration: steps,
            objective,
            support_size: mu.support_size(),
            dropped_mass,
            elapsed: start.elapsed(),
        };
        observer(&record);
        trace.push(record);
        let best_value = best.as_ref().map(|(_, v)| *v);
        if best_value.is_none_or(|v| objective < v) {
            best = Some((mu.clone(), objective));
        }
        if let Some(v) = best_value {
            if let Some(reason) = stop_rule(stopping.tolerance, v, objective) {
                stop_reason = reason;
                break;
            }
        }
        if steps == stopping.max_iterations {
            break;
        }
        let next = step(&mu, &couplings).map_err(|e| e.at_step(steps + 1))?;
        if next.dropped_mass > stopping.max_dropped_mass {
            return Err(BarycenterError::TooMuchMassDropped {
                iteration: steps + 1,
                dropped: next.dropped_mass,
                limit: stopping.max_dropped_mass,
            });
        }
        mu = next.measure;
        dropped_mass = next.dropped_mass;
        previous = Some(couplings);
        steps += 1;
    }
    let (measure, objective) = best.expect("the initial measure is always evaluated");
    Ok(BarycenterResult {
        measure,
        objective,
        iterations: steps,
        converged: stop_reason.is_converged(),
        stop_reason,
        trace,
    })
}
