//! Regular grids in 2-D and 3-D.

use crate::GridError;

/// A regular 2-D or 3-D grid: the support of the images (or volumes) whose barycentre is sought.
///
/// Axis `a` has `shape[a]` points at coordinates `t_i = i * spacing[a]`, `i = 0..shape[a]`. Grid
/// values (images, volumes) are flat **row-major** slices: the last axis varies fastest, so the
/// point (i, j) of an image with `shape = [rows, cols]` is entry `i * cols + j`.
///
/// The unit conventions ([`unit_square`](Grid::unit_square), [`unit_cube`](Grid::unit_cube))
/// are POT's: each axis is `linspace(0, 1, n)`, i.e. spacing 1 / (n - 1), so an `eps` given for
/// them is POT's `reg` of `ot.bregman.convolutional_barycenter2d`. In pixel units the same kernel
/// has eps_pixels = eps * (n - 1)^2.
///
/// ```
/// use kantorovich_grid::Grid;
/// let grid = Grid::unit_square(3, 5)?;
/// assert_eq!(grid.shape(), &[3, 5]);
/// assert_eq!(grid.len(), 15);
/// assert_eq!(grid.coordinates(1), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
/// # Ok::<(), kantorovich_grid::GridError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    shape: Vec<usize>,
    spacing: Vec<f64>,
}

impl Grid {
    /// A grid with the given shape (2 or 3 axes, each >= 1 point) and spacing per axis.
    pub fn new(shape: &[usize], spacing: &[f64]) -> Result<Self, GridError> {
        if !(2..=3).contains(&shape.len()) || shape.contains(&0) {
            return Err(GridError::BadShape { shape: shape.to_vec() });
        }
        if spacing.len() != shape.len() {
            return Err(GridError::SpacingCount {
                found: spacing.len(),
                expected: shape.len(),
            });
        }
        if let Some((axis, &value)) = spacing.iter().enumerate().find(|(_, h)| !(h.is_finite() && **h > 0.0)) {
            return Err(GridError::BadSpacing { axis, value });
        }
        let points = shape.iter().try_fold(1usize, |acc, &n| {
            kantorovich_core::checked_size("grid points", acc, n, 8)
        })?;
        // the iteration keeps about 7 K grids of f64
        kantorovich_core::checked_size("grid points", points, 64, 8)?;
        Ok(Self {
            shape: shape.to_vec(),
            spacing: spacing.to_vec(),
        })
    }

    /// A `rows x cols` image on the unit square, each axis `linspace(0, 1, n)` (POT's convention).
    pub fn unit_square(rows: usize, cols: usize) -> Result<Self, GridError> {
        Self::unit(&[rows, cols])
    }

    /// An `n0 x n1 x n2` volume on the unit cube, each axis `linspace(0, 1, n)`.
    pub fn unit_cube(n0: usize, n1: usize, n2: usize) -> Result<Self, GridError> {
        Self::unit(&[n0, n1, n2])
    }

    fn unit(shape: &[usize]) -> Result<Self, GridError> {
        let spacing: Vec<f64> = shape
            .iter()
            .map(|&n| if n > 1 { 1.0 / (n - 1) as f64 } else { 1.0 })
            .collect();
        Self::new(shape, &spacing)
    }

    /// Points per axis.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Spacing per axis.
    pub fn spacing(&self) -> &[f64] {
        &self.spacing
    }

    /// Number of axes (2 or 3).
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of grid points, `prod_a shape[a]`.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Always false: every axis has at least one point.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The coordinates `t_i = i * spacing[axis]` of one axis (empty for an axis that does not exist).
    pub fn coordinates(&self, axis: usize) -> Vec<f64> {
        match (self.shape.get(axis), self.spacing.get(axis)) {
            (Some(&n), Some(&h)) => (0..n).map(|i| i as f64 * h).collect(),
            _ => Vec::new(),
        }
    }

    /// max over pairs of grid points of |x - y|^2, `sum_a ((shape[a] - 1) spacing[a])^2`.
    pub fn max_squared_distance(&self) -> f64 {
        self.shape
            .iter()
            .zip(&self.spacing)
            .map(|(&n, &h)| ((n - 1) as f64 * h).powi(2))
            .sum()
    }
}
