//! The error type of `kantorovich-ot`.

use kantorovich_core::CoreError;

/// Everything that can go wrong in an optimal-transport solve.
///
/// Every variant says what was wrong and how to fix it. The solvers of this crate never panic on
/// user input and never return a plan they have not verified: they return one of these instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OtError {
    /// A weight vector does not have one entry per row (or column) of the cost matrix.
    #[error(
        "`{name}` has {found} weights but the cost matrix has {expected} {}: \
         give exactly one weight per {} of the cost matrix",
        axis(name).0,
        axis(name).1
    )]
    LengthMismatch {
        /// Which vector (`"a"` or the potentials `"f"` for the rows, `"b"` or `"g"` for the columns).
        name: &'static str,
        /// Number of weights given.
        found: usize,
        /// Number of rows (for `a`) or columns (for `b`) of the cost matrix.
        expected: usize,
    },
    /// A weight is NaN or infinite.
    #[error("weight `{name}[{index}]` is {value}: weights must be finite numbers")]
    NonFiniteWeight {
        /// Which weight vector (`"a"` or `"b"`).
        name: &'static str,
        /// Position of the offending weight.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// A weight is negative.
    #[error("weight `{name}[{index}]` is {value}: weights must be >= 0")]
    NegativeWeight {
        /// Which weight vector (`"a"` or `"b"`).
        name: &'static str,
        /// Position of the offending weight.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// The weights of one side sum to zero, or their sum overflows.
    #[error(
        "the weights `{name}` sum to {total}: the total mass must be positive and finite \
         (give at least one positive weight, and rescale huge weights)"
    )]
    BadTotalMass {
        /// Which weight vector (`"a"` or `"b"`).
        name: &'static str,
        /// The sum of its weights.
        total: f64,
    },
    /// The two marginals do not carry the same mass.
    #[error(
        "the source weights sum to {source_total} but the target weights sum to {target_total}: \
         a transport plan needs equal total masses (relative difference at most {tolerance:e}); \
         normalise both weight vectors, e.g. divide each by its sum"
    )]
    MassMismatch {
        /// sum_i a_i.
        source_total: f64,
        /// sum_j b_j.
        target_total: f64,
        /// The largest relative difference |sum a - sum b| / max(sum a, sum b) accepted.
        tolerance: f64,
    },
    /// The solver reached its pivot cap before proving optimality.
    #[error(
        "no optimal plan after {iterations} pivots: the iteration cap was reached; \
         raise it with `max_iterations`"
    )]
    IterationLimit {
        /// The number of pivots performed (the cap).
        iterations: usize,
    },
    /// An iterative solver stopped at its iteration cap before reaching its tolerance, where the
    /// caller asked for a converged result (e.g. through the `Coupling` trait).
    #[error(
        "not converged after {iterations} iterations: the marginal error is {marginal_error:e}; \
         raise `max_iterations`, loosen `tolerance`, or use a larger epsilon"
    )]
    NotConverged {
        /// Iterations done at the target parameter.
        iterations: usize,
        /// The final relative L1 marginal error.
        marginal_error: f64,
    },
    /// The computed solution failed its final verification (marginals or dual feasibility),
    /// which points to a numerical breakdown; the plan is not returned.
    #[error(
        "numerical breakdown: {reason}; rescale the costs (e.g. to [0, 1]) and the weights \
         (to total mass 1) and retry"
    )]
    NumericalBreakdown {
        /// What the verification found.
        reason: String,
    },
    /// A symmetric solve ([`Sinkhorn::solve_symmetric`](crate::Sinkhorn::solve_symmetric)) was
    /// given a cost that is not square or not symmetric.
    #[error(
        "the cost is not symmetric: C[{i}][{j}] = {c_ij} but C[{j}][{i}] = {c_ji}; the symmetric \
         solver needs C_ij = C_ji (use Sinkhorn::solve with b = a instead)"
    )]
    NotSymmetric {
        /// Row of the first asymmetric pair found.
        i: usize,
        /// Column of that pair.
        j: usize,
        /// C_ij.
        c_ij: f64,
        /// C_ji.
        c_ji: f64,
    },
    /// Invalid input detected by `kantorovich-core` (measures, cost matrix, plan, allocation).
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// ("rows", "row") for the source side (`a`, or the potentials `f`), ("columns", "column") for
/// the target side (`b`, `g`).
fn axis(name: &str) -> (&'static str, &'static str) {
    if name == "a" || name == "f" {
        ("rows", "row")
    } else {
        ("columns", "column")
    }
}
