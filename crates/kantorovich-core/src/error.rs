//! The error type of `kantorovich-core`.

/// Everything that can go wrong when building the core objects (measures, cost matrices,
/// transport plans) from user input.
///
/// Every variant says what was wrong and, where it helps, how to fix it. No constructor of this
/// crate panics on user input: it returns one of these instead and leaves the caller's data as it
/// was.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A measure was given no atoms.
    #[error("empty measure: a discrete measure needs at least one atom")]
    EmptyMeasure,
    /// The number of weights and the number of points differ.
    #[error("{points} points but {weights} weights: give exactly one weight per point")]
    LengthMismatch {
        /// Number of points.
        points: usize,
        /// Number of weights.
        weights: usize,
    },
    /// A weight is NaN or infinite.
    #[error("weight {index} is {value}: weights must be finite")]
    NonFiniteWeight {
        /// Position of the offending weight.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// A weight is negative.
    #[error("weight {index} is {value}: weights must be >= 0")]
    NegativeWeight {
        /// Position of the offending weight.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// All weights are zero (or the total overflows).
    #[error("the weights sum to {total}: the total mass must be positive and finite")]
    BadTotalMass {
        /// The sum of the weights.
        total: f64,
    },
    /// Points of the wrong dimension.
    #[error("dimension mismatch: expected {expected}, found {found}")]
    DimensionMismatch {
        /// Dimension the space expects.
        expected: usize,
        /// Dimension that was given.
        found: usize,
    },
    /// A point is not a valid point of its space (NaN coordinate, non-SPD matrix, ...).
    #[error("point {index} is invalid: {reason}")]
    InvalidPoint {
        /// Position of the offending point.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A cost evaluated to NaN or infinity.
    #[error("cost c(x_{row}, y_{col}) = {value}: costs must be finite")]
    NonFiniteCost {
        /// Index of the point of the first measure.
        row: usize,
        /// Index of the point of the second measure.
        col: usize,
        /// The value the cost returned.
        value: f64,
    },
    /// A parameter is out of its valid range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Name of the parameter.
        name: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A requested allocation is too large to be made.
    #[error(
        "allocation too large: {what} needs {elements} elements of {element_bytes} bytes; \
         use smaller measures or a solver that does not store it"
    )]
    AllocationTooLarge {
        /// What was to be allocated.
        what: &'static str,
        /// Number of elements requested.
        elements: u128,
        /// Size of one element in bytes.
        element_bytes: usize,
    },
    /// A ground barycentre could not be computed.
    #[error("ground barycentre failed: {reason}")]
    GroundBarycenter {
        /// Why it failed.
        reason: String,
    },
}

/// Reserves room for `elements` values of type `T` in a new vector, or reports
/// [`CoreError::AllocationTooLarge`] instead of aborting the process.
pub fn try_vec_with_capacity<T>(what: &'static str, elements: usize) -> Result<Vec<T>, CoreError> {
    let mut v = Vec::new();
    v.try_reserve_exact(elements)
        .map_err(|_| CoreError::AllocationTooLarge {
            what,
            elements: elements as u128,
            element_bytes: std::mem::size_of::<T>(),
        })?;
    Ok(v)
}

/// `a * b` as a `usize`, or [`CoreError::AllocationTooLarge`] when the product overflows.
pub fn checked_size(what: &'static str, a: usize, b: usize, element_bytes: usize) -> Result<usize, CoreError> {
    a.checked_mul(b)
        .filter(|n| {
            n.checked_mul(element_bytes.max(1))
                .is_some_and(|bytes| bytes <= isize::MAX as usize)
        })
        .ok_or(CoreError::AllocationTooLarge {
            what,
            elements: a as u128 * b as u128,
            element_bytes,
        })
}
