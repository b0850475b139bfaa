//! Transport plans (couplings) stored sparsely, row by row.

use crate::CoreError;

/// A coupling pi between mu = sum_i a_i delta(x_i) (rows) and nu = sum_j b_j delta(y_j)
/// (columns), with its transport cost <C, pi> = sum_ij C_ij pi_ij.
///
/// Stored sparsely in compressed rows: exact solvers return basic solutions with at most
/// n + m - 1 non-zero entries, and the iteration G walks the plan row by row. Entries are
/// non-negative; within a row, columns are increasing.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportPlan {
    rows: usize,
    cols: usize,
    row_start: Vec<usize>,
    col_index: Vec<usize>,
    mass: Vec<f64>,
    cost: f64,
}

impl TransportPlan {
    /// A plan from its non-zero entries `(i, j, pi_ij)`, in any order, and its cost.
    /// Repeated `(i, j)` pairs are added; zero entries are dropped.
    ///
    /// Errors if an index is out of range or a mass is negative or not finite.
    pub fn from_triplets(
        rows: usize,
        cols: usize,
        mut entries: Vec<(usize, usize, f64)>,
        cost: f64,
    ) -> Result<Self, CoreError> {
        for (index, &(i, j, m)) in entries.iter().enumerate() {
            if i >= rows || j >= cols {
                return Err(CoreError::InvalidParameter {
                    name: "entries",
                    reason: format!("entry {index} at ({i}, {j}) is outside the {rows} x {cols} plan"),
                });
            }
            if !m.is_finite() || m < 0.0 {
                return Err(CoreError::InvalidParameter {
                    name: "entries",
                    reason: format!("entry {index} has mass {m}: masses must be finite and >= 0"),
                });
            }
        }
        let offsets = rows.checked_add(1).ok_or(CoreError::AllocationTooLarge {
            what: "plan row offsets",
            elements: rows as u128 + 1,
            element_bytes: std::mem::size_of::<usize>(),
        })?;
        let mut row_start: Vec<usize> = crate::try_vec_with_capacity("plan row offsets", offsets)?;
        row_start.resize(offsets, 0);
        entries.sort_unstable_by_key(|&(i, j, _)| (i, j));
        let mut col_index = Vec::with_capacity(entries.len());
        let mut mass: Vec<f64> = Vec::with_capacity(entries.len());
        let mut last: Option<(usize, usize)> = None;
        for (i, j, m) in entries {
            if m == 0.0 {
                continue;
            }
            if last == Some((i, j)) {
                *mass.last_mut().expect("a previous entry exists") += m;
                continue;
            }
            last = Some((i, j));
            row_start[i + 1] += 1;
            col_index.push(j);
            mass.push(m);
        }
        for i in 0..rows {
            row_start[i + 1] += row_start[i];
        }
        Ok(Self {
            rows,
            cols,
            row_start,
            col_index,
            mass,
            cost,
        })
    }

    /// A plan from its compressed rows: row i holds the columns `col_index[row_start[i]..row_start[i + 1]]`
    /// (strictly increasing) with the masses `mass[..]` at the same positions (positive and
    /// finite), and its cost. O(rows + nnz), no sorting: for solvers that produce their entries
    /// row by row.
    ///
    /// Errors if `row_start` is not a non-decreasing list of `rows + 1` offsets from 0 to the
    /// number of entries, a column is out of range or not increasing within its row, or a mass is
    /// not positive and finite.
    pub fn from_csr(
        rows: usize,
        cols: usize,
        row_start: Vec<usize>,
        col_index: Vec<usize>,
        mass: Vec<f64>,
        cost: f64,
    ) -> Result<Self, CoreError> {
        let bad = |reason: String| {
            Err(CoreError::InvalidParameter {
                name: "row_start",
                reason,
            })
        };
        if rows.checked_add(1) != Some(row_start.len()) || row_start[0] != 0 || row_start[rows] != col_index.len() {
            return bad(format!(
                "{} offsets for {rows} rows and {} entries: give rows + 1 offsets from 0 to the number of entries",
                row_start.len(),
                col_index.len()
            ));
        }
        if mass.len() != col_index.len() {
            return Err(CoreError::InvalidParameter {
                name: "mass",
                reason: format!(
                    "{} masses for {} column indices: give one mass per entry",
                    mass.len(),
                    col_index.len()
                ),
            });
        }
        // all offsets first: a later row's end past the entries must not be sliced
        for i in 0..rows {
            let (start, end) = (row_start[i], row_start[i + 1]);
            if end < start || end > col_index.len() {
                return bad(format!(
                    "row {i} runs from {start} to {end}: offsets must not decrease nor pass the {} entries",
                    col_index.len()
                ));
            }
        }
        for i in 0..rows {
            let (start, end) = (row_start[i], row_start[i + 1]);
            let row = &col_index[start..end];
            if let Some(&j) = row.iter().find(|&&j| j >= cols) {
                return Err(CoreError::InvalidParameter {
                    name: "col_index",
                    reason: format!("column {j} in row {i} is outside the {rows} x {cols} plan"),
                });
            }
            if row.windows(2).any(|w| w[0] >= w[1]) {
                return Err(CoreError::InvalidParameter {
                    name: "col_index",
                    reason: format!("the columns of row {i} are not strictly increasing: sort them and merge repeats"),
                });
            }
        }
        if let Some(k) = mass.iter().position(|m| !(m.is_finite() && *m > 0.0)) {
            return Err(CoreError::InvalidParameter {
                name: "mass",
                reason: format!("entry {k} has mass {}: stored masses must be finite and > 0", mass[k]),
            });
        }
        Ok(Self {
            rows,
            cols,
            row_start,
            col_index,
            mass,
            cost,
        })
    }

    /// Number of rows n (atoms of the source measure).
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns m (atoms of the target measure).
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.mass.len()
    }
    /// The optimal value of the problem the plan solves: the transport cost <C, pi> for an exact
    /// coupling, the entropic cost <C, pi> + eps KL(pi | a b^T) for an entropic one.
    pub fn cost(&self) -> f64 {
        self.cost
    }
    /// Row i: the columns j with pi_ij > 0 and the masses pi_ij.
    ///
    /// # Panics
    /// If `i >= self.rows()`.
    pub fn row(&self, i: usize) -> (&[usize], &[f64]) {
        let r = self.row_start[i]..self.row_start[i + 1];
        (&self.col_index[r.clone()], &self.mass[r])
    }
    /// All non-zero entries `(i, j, pi_ij)`, row by row.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        (0..self.rows).flat_map(move |i| {
            let (cols, mass) = self.row(i);
            cols.iter().zip(mass).map(move |(&j, &m)| (i, j, m))
        })
    }
    /// The first marginal: sum_j pi_ij for each i.
    pub fn row_sums(&self) -> Vec<f64> {
        (0..self.rows).map(|i| self.row(i).1.iter().sum()).collect()
    }
    /// The second marginal: sum_i pi_ij for each j.
    pub fn col_sums(&self) -> Vec<f64> {
        let mut s = vec![0.0; self.cols];
        for (_, j, m) in self.iter() {
            s[j] += m;
        }
        s
    }
    /// The plan as a dense row-major n x m matrix. Errors
    /// ([`CoreError::AllocationTooLarge`]) when n x m entries do not fit in memory.
    pub fn to_dense(&self) -> Result<Vec<f64>, CoreError> {
        let len = crate::checked_size("dense plan", self.rows, self.cols, std::mem::size_of::<f64>())?;
        let mut d = crate::try_vec_with_capacity("dense plan", len)?;
        d.resize(len, 0.0);
        for (i, j, m) in self.iter() {
            d[i * self.cols + j] = m;
        }
        Ok(d)
    }
    /// Largest deviation of the marginals from `a` and `b`:
    /// max(max_i |sum_j pi_ij - a_i|, max_j |sum_i pi_ij - b_j|).
    ///
    /// `a` must have n entries and `b` m, else the error is +infinity (not the deviation over
    /// the common part); a NaN anywhere makes it NaN, so that `err <= tol` fails.
    pub fn marginal_error(&self, a: &[f64], b: &[f64]) -> f64 {
        if a.len() != self.rows || b.len() != self.cols {
            return f64::INFINITY;
        }
        let dev = |s: Vec<f64>, t: &[f64]| {
            s.iter().zip(t).map(|(x, y)| (x - y).abs()).fold(0.0, |m: f64, d| {
                if d.is_nan() || m.is_nan() {
                    f64::NAN
                } else {
                    m.max(d)
                }
            })
        };
        let (rows, cols) = (dev(self.row_sums(), a), dev(self.col_sums(), b));
        if rows.is_nan() || cols.is_nan() {
            f64::NAN
        } else {
            rows.max(cols)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TransportPlan;

    /// `from_csr` keeps a valid plan as given (same as `from_triplets`) and rejects every broken
    /// invariant with an error, not a panic.
    #[test]
    fn from_csr_checks_its_invariants() {
        let plan = TransportPlan::from_csr(2, 3, vec![0, 2, 3], vec![0, 2, 1], vec![0.25, 0.25, 0.5], 1.0).unwrap();
        let same = TransportPlan::from_triplets(2, 3, vec![(1, 1, 0.5), (0, 2, 0.25), (0, 0, 0.25)], 1.0).unwrap();
        assert_eq!(plan, same);
        let bad = [
            (vec![0, 2], vec![0, 2, 1], vec![0.25, 0.25, 0.5]), // too few offsets
            (vec![1, 2, 3], vec![0, 2, 1], vec![0.25, 0.25, 0.5]), // does not start at 0
            (vec![0, 2, 2], vec![0, 2, 1], vec![0.25, 0.25, 0.5]), // does not end at nnz
            (vec![0, 3, 2], vec![0, 2, 1], vec![0.25, 0.25, 0.5]), // decreasing, ends before nnz
            (vec![0, 2, 3], vec![0, 3, 1], vec![0.25, 0.25, 0.5]), // column out of range
            (vec![0, 2, 3], vec![2, 0, 1], vec![0.25, 0.25, 0.5]), // columns not increasing
            (vec![0, 2, 3], vec![0, 0, 1], vec![0.25, 0.25, 0.5]), // repeated column
            (vec![0, 2, 3], vec![0, 2, 1], vec![0.25, 0.25]),   // one mass missing
            (vec![0, 2, 3], vec![0, 2, 1], vec![0.25, 0.0, 0.5]), // zero mass
            (vec![0, 2, 3], vec![0, 2, 1], vec![0.25, f64::NAN, 0.5]),
        ];
        for (rows, cols, mass) in bad {
            let what = format!("{rows:?} {cols:?} {mass:?}");
            assert!(TransportPlan::from_csr(2, 3, rows, cols, mass, 1.0).is_err(), "{what}");
        }
        // a row that ends before it starts, with valid first and last offsets
        let err = TransportPlan::from_csr(3, 3, vec![0, 2, 1, 3], vec![0, 1, 2], vec![0.25; 3], 1.0).unwrap_err();
        assert!(err.to_string().contains("must not decrease"), "{err}");
        // a middle offset past the entries (it panicked while slicing row 0)
        let err = TransportPlan::from_csr(2, 3, vec![0, 5, 3], vec![0, 1, 2], vec![0.25; 3], 1.0).unwrap_err();
        assert!(err.to_string().contains("must not decrease"), "{err}");
        // huge row counts: errors, not overflow or an aborting allocation
        assert!(TransportPlan::from_csr(usize::MAX, 3, vec![0], vec![], vec![], 0.0).is_err());
        assert!(TransportPlan::from_triplets(usize::MAX, 3, vec![], 0.0).is_err());
        assert!(TransportPlan::from_triplets(usize::MAX / 2, 3, vec![], 0.0).is_err());
    }

    /// to_dense refuses plans too large for memory; marginal_error does not truncate
    /// mismatched lengths nor hide a NaN.
    #[test]
    fn dense_and_marginal_checks_are_honest() {
        let plan = TransportPlan::from_triplets(2, 2, vec![(0, 0, 0.5), (1, 1, 0.5)], 0.0).unwrap();
        assert_eq!(plan.to_dense().unwrap(), vec![0.5, 0.0, 0.0, 0.5]);
        let huge = TransportPlan::from_triplets(1 << 20, 1 << 40, vec![(0, 0, 1.0)], 0.0).unwrap();
        assert!(huge.to_dense().is_err());
        assert_eq!(plan.marginal_error(&[0.5, 0.5], &[0.5, 0.5]), 0.0);
        assert_eq!(plan.marginal_error(&[0.5], &[0.5, 0.5]), f64::INFINITY);
        assert_eq!(plan.marginal_error(&[0.5, 0.5], &[0.5, 0.5, 0.0]), f64::INFINITY);
        assert!(plan.marginal_error(&[0.5, f64::NAN], &[0.5, 0.5]).is_nan());
        assert!(plan.marginal_error(&[f64::NAN, 0.5], &[0.5, 0.5]).is_nan());
    }
}
