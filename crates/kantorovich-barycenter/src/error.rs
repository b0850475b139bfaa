//! The error type of `kantorovich-barycenter`.

use kantorovich_core::CoreError;

fn iterate_prefix(iteration: &Option<usize>) -> String {
    iteration
        .map(|t| format!("from the iterate mu_{t} "))
        .unwrap_or_default()
}

fn step_suffix(iteration: &Option<usize>) -> String {
    iteration.map(|t| format!(" in step {t}")).unwrap_or_default()
}

impl BarycenterError {
    /// The error with the iterate mu_t whose couplings failed, where the error has room for it.
    pub(crate) fn at_iterate(self, t: usize) -> Self {
        match self {
            BarycenterError::Coupling {
                k,
                iteration: None,
                source,
            } => BarycenterError::Coupling {
                k,
                iteration: Some(t),
                source,
            },
            other => other,
        }
    }

    /// The error with the fixed-point step it happened in, where the error has room for it.
    pub(crate) fn at_step(self, step: usize) -> Self {
        match self {
            BarycenterError::GroundBarycenter {
                iteration: None,
                problem,
            } => BarycenterError::GroundBarycenter {
                iteration: Some(step),
                problem,
            },
            other => other,
        }
    }
}

/// Everything that can go wrong when setting up or running a barycentre iteration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BarycenterError {
    /// The problem was given no target measures.
    #[error("no target measures: a barycentre problem needs at least one measure nu_k")]
    NoMeasures,
    /// The number of barycentre weights differs from the number of measures.
    #[error("{measures} measures but {weights} barycentre weights: give one weight lambda_k per measure")]
    WeightCount {
        /// Number of measures K.
        measures: usize,
        /// Number of weights given.
        weights: usize,
    },
    /// The ground barycentre has a fixed number of costs that differs from the number of measures.
    #[error("the ground barycentre defines {costs} costs c_k but {measures} measures were given")]
    CostCount {
        /// Number of costs of the family.
        costs: usize,
        /// Number of measures K.
        measures: usize,
    },
    /// Solving the transport problem between the iterate and the measure `k` failed (a cost
    /// that is not finite names its pair of atoms in `source`).
    #[error("optimal transport {}to measure {k} failed: {source}", iterate_prefix(iteration))]
    Coupling {
        /// Index of the target measure.
        k: usize,
        /// The iterate mu_t (t = 0: the start) of a fixed-point run whose coupling failed, when
        /// known.
        iteration: Option<usize>,
        /// The solver's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A coupling solver returned barycentric projections that do not fit the problem
    /// ([`Coupling::barycentric_projection`](kantorovich_core::Coupling::barycentric_projection)
    /// of a user's solver, say): wrong sizes, or masses and projections that are not finite.
    #[error("the coupling solver's barycentric projections to measure {k} are wrong: {reason}")]
    BadProjection {
        /// Index of the target measure.
        k: usize,
        /// What was wrong.
        reason: String,
    },
    /// The glued measure of G would have more atoms than allowed.
    #[error(
        "the glued measure would have {atoms} atoms or more, above the limit of {limit}; \
         raise `max_support`, use fewer / smaller measures, or (entropic couplings) raise `mass_threshold`"
    )]
    SupportTooLarge {
        /// Number of glued atoms requested: exact without truncation; with truncation, the
        /// number produced when the enumeration stopped (a lower bound).
        atoms: u128,
        /// The configured limit.
        limit: usize,
    },
    /// Truncating the glued measure of G dropped every atom.
    #[error(
        "every glued atom has mass below the truncation threshold (mass_threshold = {tau} times the mass of mu); \
         lower `mass_threshold`"
    )]
    AllMassTruncated {
        /// The threshold tau that was used.
        tau: f64,
    },
    /// A linear program would have more variables than allowed.
    #[error(
        "the linear program would have {variables} variables, above the limit of {limit}; \
         the LP solvers are ground truths for small instances: use fewer or smaller measures, \
         raise `max_variables`, or use an iterative solver (Ibp, FixedPointG)"
    )]
    LpTooLarge {
        /// Number of variables the LP needs.
        variables: u128,
        /// The configured limit.
        limit: usize,
    },
    /// The LP solver failed (it reports the problem infeasible or unbounded, which the
    /// barycentre LPs never are in exact arithmetic, or gave up).
    #[error("the LP solver failed: {reason}")]
    Lp {
        /// The solver's message.
        reason: String,
    },
    /// The LP solver returned a solution whose optimality could not be certified: the duality
    /// gap to its dual solution is above
    /// [`LP_CERTIFICATE_TOLERANCE`](crate::LP_CERTIFICATE_TOLERANCE) of the value.
    #[error(
        "the LP solution could not be certified optimal: value {value:e}, duality gap {gap:e} \
         (costs spanning too many decades for the LP solver's floating point); rescale or \
         coarsen the costs, or use an iterative solver (FixedPointG, Ibp)"
    )]
    LpNotCertified {
        /// The LP's value.
        value: f64,
        /// The certified bound on value - optimum.
        gap: f64,
    },
    /// The ground barycentre (user code, or a shipped one) misbehaved: it returned an error,
    /// appended other than exactly one point, or produced an invalid point (NaN, wrong
    /// dimension).
    #[error(
        "the ground barycentre (GroundBarycenter::barycenter) {problem}{}; check its implementation",
        step_suffix(iteration)
    )]
    GroundBarycenter {
        /// The fixed-point step (1 for mu_0 -> mu_1) during which it happened, when known.
        iteration: Option<usize>,
        /// What went wrong.
        problem: String,
    },
    /// A truncated step dropped more mass than
    /// [`max_dropped_mass`](crate::FixedPoint::max_dropped_mass) allows.
    #[error(
        "step {iteration} dropped {dropped:e} of the mass, more than the limit {limit:e}: lower \
         mass_threshold, raise max_support, or raise max_dropped_mass"
    )]
    TooMuchMassDropped {
        /// The step (1 for mu_0 -> mu_1).
        iteration: usize,
        /// The fraction of the mass it dropped.
        dropped: f64,
        /// The configured limit.
        limit: f64,
    },
    /// An iterative solver's arithmetic broke down (a non-finite result); nothing is returned.
    #[error("numerical breakdown: {reason}; rescale the costs (e.g. to [0, 1]) or raise eps")]
    NumericalBreakdown {
        /// What went wrong.
        reason: String,
    },
    /// Invalid weights, points or parameters.
    #[error(transparent)]
    Core(#[from] CoreError),
}
