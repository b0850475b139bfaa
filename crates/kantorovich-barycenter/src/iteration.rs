//! The loop shared by the fixed-point iterations: evaluate V, record, stop or step.

use crate::{BarycenterError, BarycenterProblem, NextIterate};
use kantorovich_core::{Coupling, DiscreteMeasure, GroundBarycenter, GroundSpace, TransportPlan};
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
    /// Whether the stopping rule on V was met (otherwise the iteration cap stopped the run).
    pub converged: bool,
    /// One record per evaluated iterate mu_0, mu_1, ...
    pub trace: Vec<IterationRecord>,
}

/// Stopping settings shared by the fixed-point solvers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stopping {
    pub max_iterations: usize,
    pub tolerance: f64,
}

impl Stopping {
    pub fn check(&self) -> Result<(), BarycenterError> {
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

/// Runs mu_{t+1} = step(mu_t, couplings of mu_t) from `init`.
///
/// Each iterate is evaluated once: its couplings give V(mu_t) and feed the step. The run stops
/// after `max_iterations` steps, or as soon as V(mu_{t-1}) - V(mu_t) <= tolerance * |V(mu_{t-1})|
/// (which also covers an increase); the iterate of least V is returned.
pub(crate) fn run<X, Y, B, S, F, O>(
    problem: &BarycenterProblem<X, Y, B>,
    solver: &S,
    stopping: Stopping,
    init: DiscreteMeasure<X>,
    mut step: F,
    mut observer: O,
) -> Result<BarycenterResult<X>, BarycenterError>
where
    X: GroundSpace,
    Y: GroundSpace,
    B: GroundBarycenter<X, Y>,
    S: Coupling<X, Y, B::Cost>,
    F: FnMut(&DiscreteMeasure<X>, &[TransportPlan]) -> Result<NextIterate<X>, BarycenterError>,
    O: FnMut(&IterationRecord),
{
    stopping.check()?;
    let start = Instant::now();
    let mut trace = Vec::new();
    let mut mu = init;
    let mut best: Option<(DiscreteMeasure<X>, f64)> = None;
    let mut converged = false;
    let mut steps = 0;
    let mut previous_plans: Option<Vec<TransportPlan>> = None;
    let mut dropped_mass = 0.0;
    loop {
        // The couplings of the previous iterate warm-start those of this one (H keeps the
        // weights, so they stay feasible; the solver ignores hints that do not fit).
        let plans = problem.couplings_with_hints(&mu, solver, previous_plans.as_deref())?;
        let objective = problem.objective_of(&plans);
        let record = IterationRecord {
            iteration: steps,
            objective,
            support_size: mu.support_size(),
            dropped_mass,
            elapsed: start.elapsed(),
        };
        observer(&record);
        trace.push(record);
        let previous = best.as_ref().map(|(_, v)| *v);
        if previous.is_none_or(|v| objective < v) {
            best = Some((mu.clone(), objective));
        }
        if let Some(v) = previous {
            if v - objective <= stopping.tolerance * v.abs() {
                converged = true;
                break;
            }
        }
        if steps == stopping.max_iterations {
            break;
        }
        let next = step(&mu, &plans)?;
        mu = next.measure;
        dropped_mass = next.dropped_mass;
        previous_plans = Some(plans);
        steps += 1;
    }
    let (measure, objective) = best.expect("the initial measure is always evaluated");
    Ok(BarycenterResult {
        measure,
        objective,
        iterations: steps,
        converged,
        trace,
    })
}
