//! Fixed-point solvers mu_{t+1} = M(mu_t): the settings and the loop shared by G and H.

use crate::iteration::Couplings;
use crate::iteration::{run, Stopping};
use crate::{BarycenterError, BarycenterProblem, BarycenterResult, IterationRecord};
use kantorovich_core::{
    BarycentricProjection, Coupling, DiscreteMeasure, GroundBarycenter, GroundSpace, TransportPlan,
};
use kantorovich_ot::NetworkSimplex;

/// One step mu -> M(mu) of a barycentre iteration, computed from optimal couplings
/// pi^(1)..pi^(K) of mu and the target measures. [`Glue`](crate::Glue) (the map G) and [`Project`](crate::Project)
/// (the map H) are the two shipped; a new map plugs into [`FixedPoint`] the same way.
pub trait FixedPointMap<X: GroundSpace, Y: GroundSpace, B: GroundBarycenter<X, Y>>: Sync {
    /// M(mu), given the couplings `plans[k]` of `mu` and nu_k, with the mass the step dropped
    /// (0 for a map that keeps all of it).
    fn apply(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        mu: &DiscreteMeasure<X>,
        plans: &[TransportPlan],
    ) -> Result<NextIterate<X>, BarycenterError>;

    /// Whether M needs nothing of the couplings but their barycentric projections (as H), so
    /// that a solver that gives them without the plans
    /// ([`Coupling::barycentric_projection`]) may skip the plans; such a map implements
    /// [`apply_projected`](Self::apply_projected). The default is false.
    fn needs_only_projections(&self) -> bool {
        false
    }

    /// M(mu) from the barycentric projections of the couplings of `mu` (one per measure), for
    /// maps whose [`needs_only_projections`](Self::needs_only_projections) is true. The default
    /// is an invalid-parameter error.
    fn apply_projected(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        mu: &DiscreteMeasure<X>,
        projections: &[BarycentricProjection],
    ) -> Result<NextIterate<X>, BarycenterError> {
        let _ = (problem, mu, projections);
        Err(kantorovich_core::CoreError::InvalidParameter {
            name: "map",
            reason: "this fixed-point map needs the transport plans, not only their barycentric projections".into(),
        }
        .into())
    }
}

/// What a [`FixedPointMap`] step returns: the next iterate M(mu) and the mass it dropped.
#[derive(Debug, Clone)]
pub struct NextIterate<X: GroundSpace> {
    /// M(mu), a probability measure.
    pub measure: DiscreteMeasure<X>,
    /// The mass the step removed before renormalising, as a fraction of the mass of mu: the total
    /// weight of the glued atoms that [`mass_threshold`](FixedPoint::mass_threshold) cut off.
    /// 0 for the exact maps (G without truncation, H).
    pub dropped_mass: f64,
}

impl<X: GroundSpace> NextIterate<X> {
    /// A step that dropped no mass.
    pub fn exact(measure: DiscreteMeasure<X>) -> Self {
        Self {
            measure,
            dropped_mass: 0.0,
        }
    }
}

/// A barycentre solver iterating a map M from a starting measure: mu_{t+1} = M(mu_t), with the
/// couplings of each iterate computed by the solver `S` ([`NetworkSimplex`], exact, by default).
///
/// Each iterate is evaluated once: its couplings give V(mu_t) (recorded in the trace) and feed
/// the next step. For a map that needs only barycentric projections (H), a solver that gives
/// them without the plans ([`Coupling::barycentric_projection`]) is asked for those instead,
/// each solve warm-started by the previous iterate's. The run stops after `max_iterations` steps, as soon as V rises by more than
/// tolerance * |V(mu_{t-1})|, or when it moves by at most that; the iterate of least V is
/// returned and
/// [`BarycenterResult::stop_reason`] says which rule stopped the run (`converged` is true only
/// for the last).
///
/// Use it through [`FixedPointG`](crate::FixedPointG) and [`FixedPointH`](crate::FixedPointH).
#[derive(Debug, Clone)]
pub struct FixedPoint<M, S = NetworkSimplex> {
    map: M,
    solver: S,
    stopping: Stopping,
}

impl<M: Default> Default for FixedPoint<M, NetworkSimplex> {
    fn default() -> Self {
        Self::new(NetworkSimplex::default())
    }
}

impl<M, S> FixedPoint<M, S> {
    /// The iteration with couplings from `solver`, at most 100 steps and tolerance 1e-9.
    pub fn new(solver: S) -> Self
    where
        M: Default,
    {
        Self {
            map: M::default(),
            solver,
            stopping: Stopping {
                max_iterations: 100,
                tolerance: 1e-9,
                max_dropped_mass: 1.0,
            },
        }
    }
    /// Stop after this many steps.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.stopping.max_iterations = n;
        self
    }
    /// Stop once |V(mu_{t-1}) - V(mu_t)| <= tolerance * |V(mu_{t-1})| (converged), or V rose by
    /// more than that (objective increased). A negative tolerance (e.g. `f64::NEG_INFINITY`)
    /// turns the rule off: exactly `max_iterations` steps are taken.
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.stopping.tolerance = tolerance;
        self
    }
    /// Fail the run ([`BarycenterError::TooMuchMassDropped`]) when a step drops more than this
    /// fraction of the mass (truncated gluing, see [`mass_threshold`](Self::mass_threshold));
    /// 1, the default, never fails. The bound must be in [0, 1].
    pub fn max_dropped_mass(mut self, fraction: f64) -> Self {
        self.stopping.max_dropped_mass = fraction;
        self
    }
    /// The coupling solver.
    pub fn solver(&self) -> &S {
        &self.solver
    }
    /// The map M.
    pub fn map(&self) -> &M {
        &self.map
    }
    pub(crate) fn map_mut(&mut self) -> &mut M {
        &mut self.map
    }

    /// Iterates M from `init` and returns the iterate of least V with the trace.
    pub fn solve<X, Y, B>(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        init: DiscreteMeasure<X>,
    ) -> Result<BarycenterResult<X>, BarycenterError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        B: GroundBarycenter<X, Y>,
        M: FixedPointMap<X, Y, B>,
        S: Coupling<X, Y, B::Cost>,
    {
        self.solve_observed(problem, init, |_| {})
    }

    /// As [`solve`](Self::solve), calling `observer` with the record of each iterate as soon as
    /// it is evaluated.
    pub fn solve_observed<X, Y, B>(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        init: DiscreteMeasure<X>,
        observer: impl FnMut(&IterationRecord),
    ) -> Result<BarycenterResult<X>, BarycenterError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        B: GroundBarycenter<X, Y>,
        M: FixedPointMap<X, Y, B>,
        S: Coupling<X, Y, B::Cost>,
    {
        let step = |mu: &DiscreteMeasure<X>, couplings: &Couplings| match couplings {
            Couplings::Plans(plans) => self.map.apply(problem, mu, plans),
            Couplings::Projections(projections) => self.map.apply_projected(problem, mu, projections),
        };
        let projections = self.map.needs_only_projections();
        run(problem, &self.solver, self.stopping, init, projections, step, observer)
    }

    /// One step mu -> M(mu), with the couplings of `mu` computed by the solver.
    pub fn step<X, Y, B>(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        mu: &DiscreteMeasure<X>,
    ) -> Result<DiscreteMeasure<X>, BarycenterError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        B: GroundBarycenter<X, Y>,
        M: FixedPointMap<X, Y, B>,
        S: Coupling<X, Y, B::Cost>,
    {
        Ok(self.next_iterate(problem, mu)?.measure)
    }

    /// As [`step`](Self::step), also returning the mass the step dropped (see [`NextIterate`]).
    pub fn next_iterate<X, Y, B>(
        &self,
        problem: &BarycenterProblem<X, Y, B>,
        mu: &DiscreteMeasure<X>,
    ) -> Result<NextIterate<X>, BarycenterError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        B: GroundBarycenter<X, Y>,
        M: FixedPointMap<X, Y, B>,
        S: Coupling<X, Y, B::Cost>,
    {
        if self.map.needs_only_projections() {
            if let Some(projections) = problem.projections_with_hints(mu, &self.solver, None) {
                return self.map.apply_projected(problem, mu, &projections?);
            }
        }
        let plans = problem.couplings(mu, &self.solver)?;
        self.map.apply(problem, mu, &plans)
    }
}
