//! Linear maps P: R^d -> R^{d_k}, stored as d_k x d matrices.

use crate::Euclidean;
use kantorovich_core::{checked_size, try_vec_with_capacity, CoreError, DiscreteMeasure};

/// A linear map P: R^d -> R^{d_k}, the d_k x d matrix (P_ij) stored row after row:
/// (P x)_i = sum_j P_ij x_j.
///
/// d is the *input* dimension (the barycentre lives in R^d) and d_k the *output* dimension (the
/// k-th target measure lives in R^{d_k}). Entries are finite; every constructor checks it.
///
/// ```
/// use kantorovich_geometry::LinearMap;
/// // the projection of R^3 onto the (x, z) plane, as an explicit 2 x 3 matrix ...
/// let xz = LinearMap::new(2, 3, vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0])?;
/// assert_eq!(xz.apply(&[1.0, 2.0, 3.0])?, vec![1.0, 3.0]);
/// // ... or by the coordinates it keeps
/// assert_eq!(LinearMap::coordinates(3, &[0, 2])?, xz);
/// # Ok::<(), kantorovich_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinearMap {
    rows: usize,
    cols: usize,
    entries: Vec<f64>,
}

impl LinearMap {
    /// The map R^`input_dim` -> R^`output_dim` with matrix `entries` given row after row
    /// (`entries[i * input_dim + j]` = P_ij, `output_dim * input_dim` of them).
    ///
    /// Errors if a dimension is 0, the number of entries is not `output_dim * input_dim`, or an
    /// entry is NaN or infinite.
    pub fn new(output_dim: usize, input_dim: usize, entries: Vec<f64>) -> Result<Self, CoreError> {
        if output_dim == 0 || input_dim == 0 {
            return Err(CoreError::InvalidParameter {
                name: "entries",
                reason: format!("a linear map R^{input_dim} -> R^{output_dim} needs both dimensions >= 1"),
            });
        }
        let expected = output_dim.checked_mul(input_dim);
        if expected != Some(entries.len()) {
            return Err(CoreError::InvalidParameter {
                name: "entries",
                reason: format!(
                    "a {output_dim} x {input_dim} matrix (R^{input_dim} -> R^{output_dim}) has \
                     {output_dim} * {input_dim} entries, but {} were given (row after row)",
                    entries.len()
                ),
            });
        }
        if let Some(k) = entries.iter().position(|e| !e.is_finite()) {
            return Err(CoreError::InvalidParameter {
                name: "entries",
                reason: format!(
                    "entry ({}, {}) is {}: the entries of a linear map must be finite",
                    k / input_dim,
                    k % input_dim,
                    entries[k]
                ),
            });
        }
        Ok(Self {
            rows: output_dim,
            cols: input_dim,
            entries,
        })
    }

    /// The identity of R^`dim`.
    pub fn identity(dim: usize) -> Result<Self, CoreError> {
        let mut entries = vec![0.0; dim.saturating_mul(dim)];
        for i in 0..dim {
            entries[i * dim + i] = 1.0;
        }
        Self::new(dim, dim, entries)
    }

    /// The coordinate projection x -> (x_{c_1}, .., x_{c_m}) of R^`input_dim` onto the coordinates
    /// `coords` = [c_1, .., c_m] (0-based, in that order): row i of the matrix is the basis vector
    /// e_{c_i}. `LinearMap::coordinates(3, &[0, 1])` is the projection of R^3 onto the (x, y) plane.
    ///
    /// Errors if `coords` is empty or a coordinate is >= `input_dim`.
    pub fn coordinates(input_dim: usize, coords: &[usize]) -> Result<Self, CoreError> {
        if let Some(&c) = coords.iter().find(|&&c| c >= input_dim) {
            return Err(CoreError::InvalidParameter {
                name: "coords",
                reason: format!("coordinate {c} does not exist in R^{input_dim}: use 0..{input_dim}"),
            });
        }
        let len = checked_size("projection matrix", coords.len(), input_dim, std::mem::size_of::<f64>())?;
        let mut entries = try_vec_with_capacity("projection matrix", len)?;
        entries.resize(len, 0.0);
        for (i, &c) in coords.iter().enumerate() {
            entries[i * input_dim + c] = 1.0;
        }
        Self::new(coords.len(), input_dim, entries)
    }

    /// The input dimension d (number of columns).
    pub fn input_dim(&self) -> usize {
        self.cols
    }

    /// The output dimension d_k (number of rows).
    pub fn output_dim(&self) -> usize {
        self.rows
    }

    /// The entries P_ij, row after row.
    pub fn entries(&self) -> &[f64] {
        &self.entries
    }

    /// The Frobenius norm |P|_F = (sum_ij P_ij^2)^(1/2), an upper bound of |P x| / |x|.
    pub fn frobenius_norm(&self) -> f64 {
        self.entries.iter().map(|e| e * e).sum::<f64>().sqrt()
    }

    /// P x, for x of length [`input_dim`](Self::input_dim).
    ///
    /// Errors if `x` has the wrong length.
    pub fn apply(&self, x: &[f64]) -> Result<Vec<f64>, CoreError> {
        if x.len() != self.cols {
            return Err(CoreError::DimensionMismatch {
                expected: self.cols,
                found: x.len(),
            });
        }
        let mut out = vec![0.0; self.rows];
        self.apply_into(x, &mut out);
        Ok(out)
    }

    /// `out` = P x (lengths trusted: x has d entries, out d_k).
    #[inline]
    pub(crate) fn apply_into(&self, x: &[f64], out: &mut [f64]) {
        for (o, row) in out.iter_mut().zip(self.entries.chunks_exact(self.cols)) {
            *o = row.iter().zip(x).map(|(p, v)| p * v).sum();
        }
    }

    /// |P x - y|^2, computed as P x first, then the squared distance to y; NaN when x is not in
    /// R^d or y not in R^{d_k}.
    #[inline]
    pub(crate) fn squared_residual(&self, x: &[f64], y: &[f64]) -> f64 {
        if x.len() != self.cols || y.len() != self.rows {
            return f64::NAN;
        }
        self.entries
            .chunks_exact(self.cols)
            .zip(y)
            .map(|(row, yi)| {
                let r = row.iter().zip(x).map(|(p, v)| p * v).sum::<f64>() - yi;
                r * r
            })
            .sum()
    }

    /// `out[t]` = |P x - y_{start + t}|^2 for the points y of a flat list in R^{d_k}: P x is
    /// computed once. Gives the same values as [`squared_residual`](Self::squared_residual).
    #[inline]
    pub(crate) fn squared_residuals_to_many(&self, x: &[f64], ys: &[f64], start: usize, out: &mut [f64]) {
        const STACK: usize = 8;
        let dk = self.rows;
        let block = &ys[start * dk..(start + out.len()) * dk];
        if dk > STACK {
            for (o, y) in out.iter_mut().zip(block.chunks_exact(dk)) {
                *o = self.squared_residual(x, y);
            }
            return;
        }
        let mut buffer = [0.0; STACK];
        let px = &mut buffer[..dk];
        self.apply_into(x, px);
        for (o, y) in out.iter_mut().zip(block.chunks_exact(dk)) {
            *o = px.iter().zip(y).map(|(p, yi)| (p - yi) * (p - yi)).sum();
        }
    }

    /// The image measure P # mu = sum_i a_i delta(P x_i) of a measure mu on R^d: the measure on
    /// R^{d_k} one observes through P.
    ///
    /// Errors if mu is not on R^d (d = [`input_dim`](Self::input_dim)).
    pub fn image(&self, mu: &DiscreteMeasure<Euclidean>) -> Result<DiscreteMeasure<Euclidean>, CoreError> {
        self.check_input_space(mu.space().dim(), "mu")?;
        let mut points = vec![0.0; mu.len() * self.rows];
        for (i, out) in points.chunks_exact_mut(self.rows).enumerate() {
            self.apply_into(mu.point(i), out);
        }
        DiscreteMeasure::new(Euclidean::new(self.rows)?, points, mu.weights().to_vec())
    }

    /// The lift P^+ # nu = sum_j b_j delta(P^+ y_j) of a measure nu on R^{d_k} to R^d, with P^+ the
    /// Moore-Penrose pseudo-inverse: P^+ y is the point x of least norm among the minimisers of
    /// |P x - y|. When P has full row rank, P P^+ y = y, so P # (P^+ # nu) = nu.
    ///
    /// This is the way to start a barycentre iteration whose targets live in R^{d_k} and the
    /// barycentre in R^d (see [`LinearProjections`](crate::LinearProjections)): the targets are
    /// not measures on R^d, so `BarycenterProblem::default_init` does not apply, but the lift of
    /// one of them is. Singular values of P below d_k d eps_mach times the largest are treated as
    /// 0.
    ///
    /// ```
    /// use kantorovich_geometry::{Euclidean, LinearMap};
    /// let xy = LinearMap::coordinates(3, &[0, 1])?;
    /// let nu = Euclidean::new(2)?.uniform(vec![1.0, 2.0, 3.0, 4.0])?;
    /// let lifted = xy.lift(&nu)?; // in R^3, on the plane z = 0
    /// assert_eq!(lifted.points(), &vec![1.0, 2.0, 0.0, 3.0, 4.0, 0.0]);
    /// assert_eq!(xy.image(&lifted)?.points(), nu.points());
    /// # Ok::<(), kantorovich_core::CoreError>(())
    /// ```
    ///
    /// Errors if nu is not on R^{d_k} or P is zero.
    pub fn lift(&self, nu: &DiscreteMeasure<Euclidean>) -> Result<DiscreteMeasure<Euclidean>, CoreError> {
        if nu.space().dim() != self.rows {
            return Err(CoreError::InvalidParameter {
                name: "nu",
                reason: format!(
                    "the map goes from R^{} to R^{}, so the measure to lift must be on R^{}, not R^{}",
                    self.cols,
                    self.rows,
                    self.rows,
                    nu.space().dim()
                ),
            });
        }
        let pinv = self.pseudo_inverse()?;
        let map = LinearMap {
            rows: self.cols,
            cols: self.rows,
            entries: pinv,
        };
        let mut points = vec![0.0; nu.len() * self.cols];
        for (j, out) in points.chunks_exact_mut(self.cols).enumerate() {
            map.apply_into(nu.point(j), out);
        }
        DiscreteMeasure::new(Euclidean::new(self.cols)?, points, nu.weights().to_vec())
    }

    /// The pseudo-inverse P^+ (d x d_k, row-major) from a singular value decomposition.
    fn pseudo_inverse(&self) -> Result<Vec<f64>, CoreError> {
        let p = nalgebra::DMatrix::from_row_slice(self.rows, self.cols, &self.entries);
        let svd = p.svd(true, true);
        let largest = svd.singular_values.iter().copied().fold(0.0, f64::max);
        if largest == 0.0 {
            return Err(CoreError::InvalidParameter {
                name: "map",
                reason: "the map is zero: it has no pseudo-inverse to lift a measure with".into(),
            });
        }
        let cutoff = (self.rows * self.cols) as f64 * f64::EPSILON * largest;
        let pinv = svd.pseudo_inverse(cutoff).map_err(|e| CoreError::InvalidParameter {
            name: "map",
            reason: format!("pseudo-inverse failed: {e}"),
        })?;
        // nalgebra stores column-major: copy out row by row
        let mut entries = Vec::with_capacity(self.rows * self.cols);
        for i in 0..self.cols {
            for j in 0..self.rows {
                entries.push(pinv[(i, j)]);
            }
        }
        if entries.iter().any(|e| !e.is_finite()) {
            return Err(CoreError::InvalidParameter {
                name: "map",
                reason: "the pseudo-inverse of the map is not finite".into(),
            });
        }
        Ok(entries)
    }

    /// Errors unless `dim` is the input dimension d; `what` names the offending argument.
    pub(crate) fn check_input_space(&self, dim: usize, what: &'static str) -> Result<(), CoreError> {
        if dim == self.cols {
            Ok(())
        } else {
            Err(CoreError::InvalidParameter {
                name: what,
                reason: format!(
                    "the map goes from R^{} to R^{}, so this measure must be on R^{}, not R^{dim}",
                    self.cols, self.rows, self.cols
                ),
            })
        }
    }
}

impl AsRef<LinearMap> for LinearMap {
    fn as_ref(&self) -> &LinearMap {
        self
    }
}

/// A lower-triangular Cholesky factor L of a symmetric positive definite n x n matrix,
/// A = L L^T, both stored row-major in a flat vector.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cholesky {
    n: usize,
    l: Vec<f64>,
}

impl Cholesky {
    /// Factors the symmetric matrix `a` (n x n, row-major; only the lower triangle is read).
    /// `Err(j)` if pivot j is not positive and finite (A is not positive definite to working
    /// precision; a tiny positive pivot passes: see [`is_invertible`] for a singularity test).
    pub(crate) fn factor(mut a: Vec<f64>, n: usize) -> Result<Self, usize> {
        factor_in_place(&mut a, n)?;
        Ok(Self { n, l: a })
    }

    /// Overwrites `b` (length n) with A^{-1} b.
    pub(crate) fn solve_in_place(&self, b: &mut [f64]) {
        solve_factored(&self.l, self.n, b);
    }
}

/// [`Cholesky::factor`] in place: overwrites the lower triangle of `a` with L.
pub(crate) fn factor_in_place(a: &mut [f64], n: usize) -> Result<(), usize> {
    for j in 0..n {
        let mut s = a[j * n + j];
        for p in 0..j {
            s -= a[j * n + p] * a[j * n + p];
        }
        // rejects 0, negative pivots and NaN
        if !(s.is_finite() && s > 0.0) {
            return Err(j);
        }
        let ljj = s.sqrt();
        a[j * n + j] = ljj;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for p in 0..j {
                s -= a[i * n + p] * a[j * n + p];
            }
            a[i * n + j] = s / ljj;
        }
    }
    Ok(())
}

/// Overwrites `b` with A^{-1} b, for `l` the factor of A from [`factor_in_place`].
pub(crate) fn solve_factored(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for p in 0..i {
            s -= l[i * n + p] * b[p];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for p in i + 1..n {
            s -= l[p * n + i] * b[p];
        }
        b[i] = s / l[i * n + i];
    }
}

/// A symmetric positive semi-definite matrix A (n x n, row-major) counts as invertible when,
/// scaled to a unit diagonal (S A S with S = diag(A)^(-1/2)), its smallest eigenvalue exceeds
/// [`INVERTIBLE`] times its largest: a condition number below 10^12 after scaling. (Cholesky
/// pivots are not a reliable test: on a singular matrix whose other directions are badly
/// conditioned, the last pivot is rounding noise amplified by the conditioning.)
pub(crate) fn is_invertible(a: &[f64], n: usize) -> bool {
    let diag: Vec<f64> = (0..n).map(|i| a[i * n + i]).collect();
    if diag.iter().any(|&v| !(v > 0.0 && v.is_finite())) {
        return false;
    }
    let scaled = nalgebra::DMatrix::from_fn(n, n, |i, j| a[i * n + j] / (diag[i] * diag[j]).sqrt());
    let eigen = nalgebra::SymmetricEigen::new(scaled).eigenvalues;
    let largest = eigen.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let smallest = eigen.iter().copied().fold(f64::INFINITY, f64::min);
    smallest > INVERTIBLE * largest
}

/// See [`is_invertible`].
pub(crate) const INVERTIBLE: f64 = 1e-12;
