//! The Euclidean space R^d.

use kantorovich_core::{CoreError, DiscreteMeasure, GroundSpace, VectorSpace};
use std::hash::Hasher;

/// The Euclidean space R^d. A list of n points is one `Vec<f64>` of length n * d holding the
/// coordinates point after point (x_1 then x_2, ...), and a point is a `&[f64]` of length d.
///
/// ```
/// use kantorovich_geometry::Euclidean;
/// let plane = Euclidean::new(2)?;
/// // three points of R^2: (0, 0), (1, 0), (0, 1)
/// let mu = plane.measure(vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0], vec![2.0, 1.0, 1.0])?;
/// assert_eq!(mu.point(1), &[1.0, 0.0]);
/// assert_eq!(mu.weights(), &[0.5, 0.25, 0.25]); // weights are normalised
/// # Ok::<(), kantorovich_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Euclidean {
    dim: usize,
}

impl Euclidean {
    /// R^d; errors if `dim == 0`.
    pub fn new(dim: usize) -> Result<Self, CoreError> {
        if dim == 0 {
            return Err(CoreError::InvalidParameter {
                name: "dim",
                reason: "the dimension of R^d must be at least 1".into(),
            });
        }
        Ok(Self { dim })
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The measure sum_i w_i / (sum w) delta(x_i) with the coordinates of the points given
    /// point after point in `coords` (length n * d).
    pub fn measure(&self, coords: Vec<f64>, weights: Vec<f64>) -> Result<DiscreteMeasure<Self>, CoreError> {
        DiscreteMeasure::new(*self, coords, weights)
    }

    /// The uniform measure on the points given point after point in `coords` (length n * d).
    pub fn uniform(&self, coords: Vec<f64>) -> Result<DiscreteMeasure<Self>, CoreError> {
        DiscreteMeasure::uniform(*self, coords)
    }
}

impl GroundSpace for Euclidean {
    type Point<'a> = &'a [f64];
    type Storage = Vec<f64>;

    #[inline]
    fn len(&self, points: &Vec<f64>) -> usize {
        points.len() / self.dim
    }
    #[inline]
    fn point<'a>(&self, points: &'a Vec<f64>, i: usize) -> &'a [f64] {
        &points[i * self.dim..(i + 1) * self.dim]
    }
    fn with_capacity(&self, capacity: usize) -> Vec<f64> {
        Vec::with_capacity(capacity.saturating_mul(self.dim))
    }
    #[inline]
    fn push(&self, points: &mut Vec<f64>, p: &[f64]) {
        points.extend_from_slice(p);
    }
    fn validate(&self, points: &Vec<f64>) -> Result<(), CoreError> {
        if points.len() % self.dim != 0 {
            return Err(CoreError::InvalidParameter {
                name: "coords",
                reason: format!(
                    "{} coordinates is not a multiple of d = {}: give d coordinates per point, one point after another",
                    points.len(),
                    self.dim
                ),
            });
        }
        if let Some(k) = points.iter().position(|c| !c.is_finite()) {
            return Err(CoreError::InvalidPoint {
                index: k / self.dim,
                reason: format!(
                    "coordinate {} is {}: coordinates must be finite",
                    k % self.dim,
                    points[k]
                ),
            });
        }
        Ok(())
    }
    fn hash_point<H: Hasher>(&self, p: &[f64], state: &mut H) {
        for &c in p {
            // +0.0 turns -0.0 into 0.0, so that equal coordinates hash equally
            state.write_u64((c + 0.0).to_bits());
        }
    }
    fn flat_coordinates<'a>(&self, points: &'a Vec<f64>) -> Option<(usize, &'a [f64])> {
        Some((self.dim, points))
    }
}

impl VectorSpace for Euclidean {
    #[inline]
    fn dim(&self) -> usize {
        self.dim
    }
    #[inline]
    fn coords<'a>(&self, p: Self::Point<'a>) -> &'a [f64] {
        p
    }
    #[inline]
    fn push_coords(&self, points: &mut Vec<f64>, coords: &[f64]) {
        points.extend_from_slice(coords);
    }
}
