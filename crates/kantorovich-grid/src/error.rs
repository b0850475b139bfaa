//! The error type of `kantorovich-grid`.

use kantorovich_core::CoreError;

/// Everything that can go wrong when describing a grid or computing a convolutional barycentre.
///
/// Every variant says what was wrong and how to fix it. Nothing in this crate panics on user
/// input or changes the caller's data: it returns one of these instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GridError {
    /// The grid does not have 2 or 3 axes, or an axis has no points.
    #[error(
        "grid shape {shape:?} is not supported: give 2 axes (an image, rows x columns) or 3 axes \
         (a volume), each with at least one point"
    )]
    BadShape {
        /// The shape given.
        shape: Vec<usize>,
    },
    /// The number of spacings differs from the number of axes.
    #[error("{found} spacings for a grid with {expected} axes: give one spacing per axis")]
    SpacingCount {
        /// Number of spacings given.
        found: usize,
        /// Number of axes.
        expected: usize,
    },
    /// A spacing is not a positive finite number.
    #[error("the spacing of axis {axis} is {value}: spacings must be positive and finite")]
    BadSpacing {
        /// The axis.
        axis: usize,
        /// The spacing given.
        value: f64,
    },
    /// The regularisation eps is not a positive finite number.
    #[error("eps = {value}: the entropic regularisation must be positive and finite (try 1e-3 on the unit square)")]
    BadEpsilon {
        /// The value given.
        value: f64,
    },
    /// The stopping tolerance is negative or NaN.
    #[error("tolerance = {value}: the stopping tolerance must be >= 0 (0 runs all max_iterations)")]
    BadTolerance {
        /// The value given.
        value: f64,
    },
    /// No input image was given.
    #[error("no input images: a barycentre needs at least one input")]
    NoInputs,
    /// An input image does not have one mass per grid point.
    #[error(
        "input {input} has {found} masses but the grid has {expected} points: give one mass per grid \
         point, row-major (the last axis varies fastest)"
    )]
    InputLength {
        /// Which input.
        input: usize,
        /// Number of masses given.
        found: usize,
        /// Number of grid points.
        expected: usize,
    },
    /// A mass is NaN or infinite.
    #[error("input {input}, grid point {index}: mass {value} is not finite; masses must be finite numbers")]
    NonFiniteMass {
        /// Which input.
        input: usize,
        /// Grid point (row-major index).
        index: usize,
        /// The value.
        value: f64,
    },
    /// A mass is negative.
    #[error("input {input}, grid point {index}: mass {value} is negative; masses must be >= 0")]
    NegativeMass {
        /// Which input.
        input: usize,
        /// Grid point (row-major index).
        index: usize,
        /// The value.
        value: f64,
    },
    /// An input has zero total mass (or its total overflows).
    #[error("input {input} has total mass {total}: every input needs a positive, finite total mass")]
    BadInputMass {
        /// Which input.
        input: usize,
        /// Its total.
        total: f64,
    },
    /// The number of weights differs from the number of inputs.
    #[error("{found} weights for {expected} inputs: give one barycentre weight per input")]
    WeightCount {
        /// Number of weights given.
        found: usize,
        /// Number of inputs.
        expected: usize,
    },
    /// A weight is NaN or infinite.
    #[error("weight {index} is {value}: barycentre weights must be finite")]
    NonFiniteWeight {
        /// Position of the weight.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A weight is negative.
    #[error("weight {index} is {value}: barycentre weights must be >= 0")]
    NegativeWeight {
        /// Position of the weight.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The weights sum to zero (or overflow).
    #[error("the barycentre weights sum to {total}: give at least one positive weight")]
    BadWeightTotal {
        /// The sum.
        total: f64,
    },
    /// The iteration produced a zero, infinite or NaN value (eps too small for plain arithmetic
    /// on this grid, or costs that overflow).
    #[error(
        "the iteration broke down at iteration {iteration} ({what}) with eps = {eps}: \
         use Domain::Log or Domain::Auto, a larger eps, or a grid spacing closer to 1"
    )]
    Breakdown {
        /// Iteration at which it happened.
        iteration: usize,
        /// The regularisation.
        eps: f64,
        /// What went wrong.
        what: &'static str,
    },
    /// A buffer would be too large to allocate.
    #[error(transparent)]
    Core(#[from] CoreError),
}
