//! Ground spaces: where the atoms of a discrete measure live.

use crate::CoreError;
use std::fmt::Debug;
use std::hash::Hasher;

/// A ground space X: the set the atoms of a discrete measure are taken from, together with the
/// way a list of its points is stored.
///
/// A space decides its own storage so that generic code stays fast: vector spaces keep their
/// points contiguously (one `Vec<f64>` of length `n * d`), other spaces may use `Vec<T>`. Generic
/// algorithms only see a point through [`GroundSpace::Point`], a cheap copyable view (for
/// R^d, a `&[f64]` of length d), and every call is monomorphised.
///
/// A space value may carry parameters (the dimension d of R^d, say); it is cloned freely, so keep
/// it small.
pub trait GroundSpace: Clone + Debug + Send + Sync {
    /// A borrowed view of one point, e.g. `&[f64]` for R^d.
    type Point<'a>: Copy + PartialEq + Send + Sync;
    /// Storage of a list of points, e.g. a flat `Vec<f64>` for R^d.
    type Storage: Clone + Debug + Send + Sync;

    /// Number of points held in `points`.
    fn len(&self, points: &Self::Storage) -> usize;
    /// The `i`-th point of `points` (`i < self.len(points)`).
    fn point<'a>(&self, points: &'a Self::Storage, i: usize) -> Self::Point<'a>;
    /// An empty storage with room for `capacity` points.
    fn with_capacity(&self, capacity: usize) -> Self::Storage;
    /// Appends a copy of `p` at the end of `points`.
    fn push(&self, points: &mut Self::Storage, p: Self::Point<'_>);
    /// Checks that `points` is a valid list of points of this space (right dimension, finite
    /// coordinates, ...). Called when a measure is built, and by the barycentre iterations on
    /// the points every ground barycentre step produces (a failure there is reported as the
    /// ground barycentre's fault); the solvers otherwise trust it.
    fn validate(&self, points: &Self::Storage) -> Result<(), CoreError>;
    /// Feeds `p` to a hasher. Must agree with `==` on points: atoms that compare equal are
    /// treated as the same atom (the iteration G merges them).
    fn hash_point<H: Hasher>(&self, p: Self::Point<'_>, state: &mut H);

    /// The points as one row-major block of coordinates, (d, [x_11, .., x_1d, x_21, ..]), when
    /// the space stores them so and a cost's [`coordinate_form`](crate::Cost::coordinate_form)
    /// applies to these coordinates. Point-cloud solvers (fast kernels, multiscale) need it; the
    /// default, `None`, keeps a space on the generic solvers. Spaces that embed their points in
    /// R^d for other purposes (Gaussians as mean and covariance) should keep the default.
    fn flat_coordinates<'a>(&self, points: &'a Self::Storage) -> Option<(usize, &'a [f64])> {
        let _ = points;
        None
    }
}

/// A ground space that is (embedded in) a real vector space R^d: each point has `d` coordinates.
///
/// Needed by the barycentric projection ybar(x_i) = (1/a_i) sum_j pi_ij y_j of the iteration H:
/// a trait bound rather than a runtime check, so H only compiles for spaces where it makes sense.
pub trait VectorSpace: GroundSpace {
    /// The number of coordinates d of a point.
    fn dim(&self) -> usize;
    /// The coordinates of a point, a slice of length [`VectorSpace::dim`].
    fn coords<'a>(&self, p: Self::Point<'a>) -> &'a [f64];
    /// Appends the point with coordinates `coords` (length [`VectorSpace::dim`]) to `points`.
    fn push_coords(&self, points: &mut Self::Storage, coords: &[f64]);
}
