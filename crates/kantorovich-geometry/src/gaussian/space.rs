//! The space of Gaussian distributions N(m, S) on R^d and its flat storage.

use super::linalg::cholesky;
use kantorovich_core::{CoreError, DiscreteMeasure, GroundSpace, VectorSpace};
use std::hash::Hasher;

/// Largest relative asymmetry accepted in a covariance: |S_ij - S_ji| <= 1e-10 sqrt(S_ii S_jj).
pub const SYMMETRY_TOLERANCE: f64 = 1e-10;

/// The space of Gaussian distributions N(m, S) on R^d: a mean m in R^d and a covariance S, a
/// symmetric positive definite d x d matrix.
///
/// A discrete measure on this space, sum_i a_i delta(N(m_i, S_i)), is a Gaussian mixture model
/// (GMM) with component weights a_i; with the cost [`BuresWasserstein`](super::BuresWasserstein)
/// (W2^2 between Gaussians), optimal transport between two such measures is the mixture distance
/// MW2 of Delon and Desolneux (2020), and the barycentre iterations G and H compute GMM
/// barycentres.
///
/// **Storage.** A list of n Gaussians is a [`GaussianPoints`]: one `Vec<f64>` holding, point
/// after point, d + 2 d^2 numbers: the mean m (d), the covariance S row by row (d^2), and its
/// lower Cholesky factor L (S = L L^T, row by row, zeros above the diagonal; d^2). The factor is
/// computed once, when the point is created, and serves every cost evaluation: tr((S1^1/2 S2
/// S1^1/2)^1/2) is the sum of the singular values of L2^T L1, so each cost needs one product of
/// triangular matrices and one eigenvalue computation instead of a square root per pair. Building
/// the factor also certifies that S is positive definite.
///
/// **Validation** (constructors [`points`](Gaussian::points), [`measure`](Gaussian::measure),
/// [`uniform`](Gaussian::uniform)): every entry finite, every diagonal entry S_ii > 0, S symmetric
/// up to [`SYMMETRY_TOLERANCE`] (|S_ij - S_ji| <= 1e-10 sqrt(S_ii S_jj); the stored covariance is
/// (S + S^T) / 2), and S positive definite to working precision: the Cholesky factorisation
/// succeeds with every pivot > d eps S_jj (eps the machine epsilon). A singular covariance is
/// rejected; regularise it first (S + t I with, e.g., t = 1e-9 tr(S) / d).
///
/// ```
/// use kantorovich_geometry::Gaussian;
/// let plane = Gaussian::new(2)?;
/// // a GMM with two components: N((0, 0), I) of weight 3/4 and N((1, 2), diag(4, 1)) of weight 1/4
/// let gmm = plane.measure(
///     &[0.0, 0.0, 1.0, 2.0],
///     &[1.0, 0.0, 0.0, 1.0, 4.0, 0.0, 0.0, 1.0],
///     vec![3.0, 1.0],
/// )?;
/// assert_eq!(gmm.point(1).mean(), &[1.0, 2.0]);
/// assert_eq!(gmm.point(1).cov(), &[4.0, 0.0, 0.0, 1.0]);
/// assert_eq!(gmm.weights(), &[0.75, 0.25]);
/// // not positive definite: a clear error, which point and why
/// let err = plane.uniform(&[0.0, 0.0], &[1.0, 2.0, 2.0, 1.0]).unwrap_err();
/// assert!(err.to_string().contains("point 0"));
/// # Ok::<(), kantorovich_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gaussian {
    dim: usize,
}

/// A list of Gaussians N(m_i, S_i) of one dimension d, stored contiguously (see [`Gaussian`]);
/// the storage of the space [`Gaussian`]. Built by [`Gaussian::points`] (which validates), or
/// grown point by point through [`GroundSpace::push`].
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianPoints {
    dim: usize,
    data: Vec<f64>,
}

/// A borrowed view of one Gaussian N(m, S) of a [`GaussianPoints`]: the [`GroundSpace::Point`] of
/// [`Gaussian`].
///
/// Two views compare equal when their means and covariances are equal (entry by entry).
#[derive(Debug, Clone, Copy)]
pub struct GaussianPoint<'a> {
    dim: usize,
    data: &'a [f64],
}

impl Gaussian {
    /// The Gaussians on R^d; errors if `dim == 0`.
    pub fn new(dim: usize) -> Result<Self, CoreError> {
        if dim == 0 {
            return Err(CoreError::InvalidParameter {
                name: "dim",
                reason: "Gaussians live on R^d with d >= 1".into(),
            });
        }
        Ok(Self { dim })
    }

    /// The dimension d of the underlying R^d (not the number d + d^2 of coordinates of
    /// [`VectorSpace::dim`]).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Numbers stored per point: d (mean) + d^2 (covariance) + d^2 (Cholesky factor).
    pub(crate) fn stride(&self) -> usize {
        self.dim + 2 * self.dim * self.dim
    }

    /// The Gaussians N(m_i, S_i), i = 1..n, from the means given point after point in `means`
    /// (length n d) and the covariances given matrix after matrix, each row by row, in `covs`
    /// (length n d^2). The inputs are copied, never modified.
    ///
    /// Errors ([`CoreError::InvalidParameter`]) if the lengths do not fit d, and
    /// ([`CoreError::InvalidPoint`], naming the point) if a mean or covariance entry is not
    /// finite, or a covariance is not symmetric (up to [`SYMMETRY_TOLERANCE`]) or not positive
    /// definite.
    pub fn points(&self, means: &[f64], covs: &[f64]) -> Result<GaussianPoints, CoreError> {
        let d = self.dim;
        if means.len() % d != 0 {
            return Err(CoreError::InvalidParameter {
                name: "means",
                reason: format!(
                    "{} numbers is not a whole number of means of dimension {d}: give the means point after point",
                    means.len()
                ),
            });
        }
        let n = means.len() / d;
        if n.checked_mul(d * d) != Some(covs.len()) {
            return Err(CoreError::InvalidParameter {
                name: "covs",
                reason: format!(
                    "{} numbers for {n} means of dimension {d}: give n d^2 = {} numbers, each covariance row by row",
                    covs.len(),
                    n.saturating_mul(d * d)
                ),
            });
        }
        let mut points = GaussianPoints {
            dim: d,
            data: kantorovich_core::try_vec_with_capacity("Gaussian points", n.saturating_mul(self.stride()))?,
        };
        for i in 0..n {
            push_checked(
                &mut points,
                &means[i * d..(i + 1) * d],
                &covs[i * d * d..(i + 1) * d * d],
            )
            .map_err(|reason| CoreError::InvalidPoint { index: i, reason })?;
        }
        Ok(points)
    }

    /// The Gaussian mixture sum_i w_i / (sum_j w_j) delta(N(m_i, S_i)) (means and covariances as
    /// in [`points`](Gaussian::points)).
    pub fn measure(&self, means: &[f64], covs: &[f64], weights: Vec<f64>) -> Result<DiscreteMeasure<Self>, CoreError> {
        DiscreteMeasure::new(*self, self.points(means, covs)?, weights)
    }

    /// The Gaussian mixture with equal weights on the given components.
    pub fn uniform(&self, means: &[f64], covs: &[f64]) -> Result<DiscreteMeasure<Self>, CoreError> {
        DiscreteMeasure::uniform(*self, self.points(means, covs)?)
    }
}

/// Checks (m, S), then appends m, (S + S^T) / 2 and its Cholesky factor; on error `points` is left
/// as it was and the reason is returned.
pub(crate) fn push_checked(points: &mut GaussianPoints, mean: &[f64], cov: &[f64]) -> Result<(), String> {
    let d = points.dim;
    if let Some(t) = mean.iter().position(|x| !x.is_finite()) {
        return Err(format!("mean coordinate {t} is {}: means must be finite", mean[t]));
    }
    if let Some(k) = cov.iter().position(|x| !x.is_finite()) {
        return Err(format!(
            "covariance entry ({}, {}) is {}: covariances must be finite",
            k / d,
            k % d,
            cov[k]
        ));
    }
    for i in 0..d {
        let sii = cov[i * d + i];
        if sii <= 0.0 {
            return Err(format!(
                "covariance entry ({i}, {i}) is {sii}: a covariance must be positive definite, so its \
                 diagonal must be > 0"
            ));
        }
    }
    for i in 0..d {
        for j in 0..i {
            let (a, b) = (cov[i * d + j], cov[j * d + i]);
            let bound = SYMMETRY_TOLERANCE * (cov[i * d + i] * cov[j * d + j]).sqrt();
            if (a - b).abs() > bound {
                return Err(format!(
                    "covariance is not symmetric: entry ({i}, {j}) is {a} but ({j}, {i}) is {b}, more \
                     apart than 1e-10 sqrt(S_ii S_jj) = {bound:e}; pass (S + S^T) / 2 if the asymmetry is \
                     rounding"
                ));
            }
        }
    }
    let start = points.data.len();
    points.data.extend_from_slice(mean);
    points.data.extend_from_slice(cov);
    points.data.resize(start + d + 2 * d * d, 0.0);
    let (_, rest) = points.data[start..].split_at_mut(d);
    let (s, l) = rest.split_at_mut(d * d);
    super::linalg::symmetrize(s, d);
    if let Err((j, pivot)) = cholesky(s, d, l) {
        points.data.truncate(start);
        return Err(format!(
            "covariance is not positive definite to working precision: the Cholesky pivot {j} is {pivot:e} \
             (it must be > {d} eps S_jj). A covariance must be symmetric positive definite; if it is \
             singular or nearly so, regularise it, e.g. S + t I with t = 1e-9 tr(S) / d"
        ));
    }
    Ok(())
}

impl GaussianPoints {
    /// The dimension d of the Gaussians.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// The number of Gaussians.
    pub fn len(&self) -> usize {
        self.data.len() / (self.dim + 2 * self.dim * self.dim)
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// The i-th Gaussian.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn get(&self, i: usize) -> GaussianPoint<'_> {
        let stride = self.dim + 2 * self.dim * self.dim;
        GaussianPoint {
            dim: self.dim,
            data: &self.data[i * stride..(i + 1) * stride],
        }
    }
    /// The Gaussians in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = GaussianPoint<'_>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

impl<'a> GaussianPoint<'a> {
    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// The mean m (length d).
    pub fn mean(&self) -> &'a [f64] {
        &self.data[..self.dim]
    }
    /// The covariance S, row by row (length d^2; exactly symmetric).
    pub fn cov(&self) -> &'a [f64] {
        &self.data[self.dim..self.dim + self.dim * self.dim]
    }
    /// The lower Cholesky factor L of the covariance (S = L L^T), row by row, zeros above the
    /// diagonal (length d^2).
    pub fn cholesky(&self) -> &'a [f64] {
        &self.data[self.dim + self.dim * self.dim..]
    }
    /// The coordinates (m, S) as one slice: the mean, then the covariance row by row
    /// (length d + d^2; see [`VectorSpace`] for [`Gaussian`]).
    pub fn coords(&self) -> &'a [f64] {
        &self.data[..self.dim + self.dim * self.dim]
    }
    /// tr(S).
    pub fn trace(&self) -> f64 {
        let (d, s) = (self.dim, self.cov());
        (0..d).map(|i| s[i * d + i]).sum()
    }
}

impl PartialEq for GaussianPoint<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.dim == other.dim && self.coords() == other.coords()
    }
}

impl GroundSpace for Gaussian {
    type Point<'a> = GaussianPoint<'a>;
    type Storage = GaussianPoints;

    #[inline]
    fn len(&self, points: &GaussianPoints) -> usize {
        points.data.len() / self.stride()
    }
    #[inline]
    fn point<'a>(&self, points: &'a GaussianPoints, i: usize) -> GaussianPoint<'a> {
        let stride = self.stride();
        GaussianPoint {
            dim: self.dim,
            data: &points.data[i * stride..(i + 1) * stride],
        }
    }
    fn with_capacity(&self, capacity: usize) -> GaussianPoints {
        GaussianPoints {
            dim: self.dim,
            data: Vec::with_capacity(capacity.saturating_mul(self.stride())),
        }
    }
    /// Appends a copy of `p` (with its Cholesky factor). `p` must have the dimension of the
    /// space; a point of another dimension is appended as an invalid point, which
    /// [`validate`](GroundSpace::validate) then reports.
    fn push(&self, points: &mut GaussianPoints, p: GaussianPoint<'_>) {
        if p.dim == self.dim {
            points.data.extend_from_slice(p.data);
        } else {
            points.data.extend(std::iter::repeat_n(f64::NAN, self.stride()));
        }
    }
    /// Checks that the storage holds Gaussians of dimension d whose covariances passed the checks
    /// of [`Gaussian::points`] (storages are only built through them; a covariance appended by
    /// [`VectorSpace::push_coords`] that failed them is reported here).
    fn validate(&self, points: &GaussianPoints) -> Result<(), CoreError> {
        if points.dim != self.dim {
            return Err(CoreError::DimensionMismatch {
                expected: self.dim,
                found: points.dim,
            });
        }
        let d = self.dim;
        for (index, p) in points.data.chunks(self.stride()).enumerate() {
            if p.len() != self.stride() {
                return Err(CoreError::InvalidPoint {
                    index,
                    reason: "incomplete point in the storage".into(),
                });
            }
            let l = &p[d + d * d..];
            if (0..d).any(|i| !(l[i * d + i] > 0.0 && l[i * d + i].is_finite())) {
                return Err(CoreError::InvalidPoint {
                    index,
                    reason: "the covariance is not symmetric positive definite (or an entry is not finite); \
                             a covariance must be symmetric positive definite"
                        .into(),
                });
            }
        }
        Ok(())
    }
    fn hash_point<H: Hasher>(&self, p: GaussianPoint<'_>, state: &mut H) {
        for &c in p.coords() {
            // +0.0 turns -0.0 into 0.0, so that equal coordinates hash equally
            state.write_u64((c + 0.0).to_bits());
        }
    }
}

/// The Gaussian space as a subset of the vector space R^(d + d^2) of pairs (m, S), with
/// coordinates m then S row by row, so that the iteration H
/// (`FixedPointH` of kantorovich-barycenter) applies to Gaussian mixtures.
///
/// The barycentric projection of H then averages means and covariances linearly: component i of
/// the iterate is sent to sum_j (pi_ij / a_i) (m_j, S_j), a convex combination of symmetric positive
/// definite matrices, which is symmetric positive definite (and exactly symmetric in floating
/// point). This is a heuristic on the Gaussian space: W2^2(x, N(m, S)) is convex in (m, S) (the
/// trace of the matrix square root is concave), so Jensen's inequality goes the wrong way for the
/// decrease argument of H, and V can increase along H: for nu = (N(0, 1) + N(0, 100)) / 2 on R
/// and mu = N(0, 5.5^2), V(mu) = 20.25 but H(mu) = N(0, 50.5) has V = 22.83. The iteration G has
/// the guarantee.
///
/// Note that [`VectorSpace::dim`] is the number of coordinates d + d^2, while the inherent
/// [`Gaussian::dim`] is d.
impl VectorSpace for Gaussian {
    #[inline]
    fn dim(&self) -> usize {
        self.dim + self.dim * self.dim
    }
    #[inline]
    fn coords<'a>(&self, p: Self::Point<'a>) -> &'a [f64] {
        p.coords()
    }
    /// Appends N(m, S) for coords = (m, S). Coordinates that fail the checks of
    /// [`Gaussian::points`] are appended as an invalid point, which
    /// [`validate`](GroundSpace::validate) (and so any measure built on the storage) reports, and
    /// which the ground barycentre rejects.
    fn push_coords(&self, points: &mut GaussianPoints, coords: &[f64]) {
        let d = self.dim;
        if coords.len() != d + d * d || push_checked(points, &coords[..d], &coords[d..]).is_err() {
            points.data.extend(std::iter::repeat_n(f64::NAN, self.stride()));
        }
    }
}
