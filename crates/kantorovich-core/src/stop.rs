//! Why an iterative solver stopped.

use std::fmt;

/// Why an iterative solver stopped: every iterative result in kantorovich carries one, and its
/// `converged` flag is true exactly for [`StopReason::Converged`].
///
/// ```
/// use kantorovich_core::StopReason;
/// assert!(StopReason::Converged.is_converged());
/// assert!(!StopReason::ObjectiveIncreased.is_converged());
/// assert_eq!(StopReason::IterationLimit.to_string(), "the iteration cap was reached before the stopping rule was met");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// The stopping rule was met: the change of the objective (or the marginal error) fell
    /// below the tolerance, or the objective reached its lower bound 0.
    Converged,
    /// The objective went up from one iterate to the next, which an exact fixed-point map never
    /// does: a sign of truncation, inexact couplings or a ground barycentre that is not exact.
    /// The best iterate is returned; it is not a fixed point.
    ObjectiveIncreased,
    /// The iteration cap was reached before the stopping rule was met.
    IterationLimit,
    /// A truncated solver met its tolerance on the entries it keeps, but the bound of the mass
    /// it leaves out stayed too large after choosing the kept entries again as often as
    /// allowed (use a smaller truncation threshold).
    TruncationBound,
}

impl StopReason {
    /// Whether the run converged (the stopping rule was met).
    pub fn is_converged(self) -> bool {
        self == StopReason::Converged
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::Converged => "converged within the tolerance",
            StopReason::ObjectiveIncreased => "the objective increased",
            StopReason::IterationLimit => "the iteration cap was reached before the stopping rule was met",
            StopReason::TruncationBound => {
                "the bound of the mass left out by truncation stayed above what the tolerance allows"
            }
        })
    }
}
