//! `CostMatrix::between`, which `NetworkSimplex::couple` and `couple_with_hint` build on: the
//! entries are c(x_i, y_j), and the first entry that is not finite is reported, for matrices
//! filled on the calling thread and in parallel.

use kantorovich_core::{CoreError, Cost, CostMatrix};
use kantorovich_geometry::{Euclidean, SquaredEuclidean};

/// |x - y|^2 on the line, except +infinity or NaN at one pair of points.
struct Spoiled {
    at: (f64, f64),
    value: f64,
}

impl Cost<Euclidean, Euclidean> for Spoiled {
    fn cost(&self, x: &[f64], y: &[f64]) -> f64 {
        if (x[0], y[0]) == self.at {
            self.value
        } else {
            (x[0] - y[0]).powi(2)
        }
    }
}

#[test]
fn entries_are_the_costs_and_the_first_non_finite_one_is_reported() {
    let line = Euclidean::new(1).unwrap();
    // 300 x 300 has more entries than are filled on the calling thread
    for (n, m) in [(1, 1), (3, 5), (7, 9), (1, 17), (300, 300)] {
        let mu = line.uniform((0..n).map(|i| i as f64).collect()).unwrap();
        let nu = line.uniform((0..m).map(|j| 0.5 * j as f64).collect()).unwrap();
        let c = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        assert_eq!((c.rows(), c.cols()), (n, m));
        for i in 0..n {
            for j in 0..m {
                assert_eq!(c.get(i, j), (i as f64 - 0.5 * j as f64).powi(2));
            }
        }
        for (i, j) in [(0, 0), (n - 1, m - 1), (n / 2, m / 3), (n - 1, 0)] {
            for value in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
                let spoiled = Spoiled {
                    at: (i as f64, 0.5 * j as f64),
                    value,
                };
                match CostMatrix::between(&mu, &nu, &spoiled) {
                    Err(CoreError::NonFiniteCost { row, col, value: v }) => {
                        assert_eq!((row, col), (i, j), "{n} x {m}");
                        assert!(v.is_nan() == value.is_nan() && (v.is_nan() || v == value));
                    }
                    other => panic!("{n} x {m}, ({i}, {j}): {other:?}"),
                }
            }
        }
    }
}

/// `max` is the largest entry, also when every entry is negative (it returned 0).
#[test]
fn max_of_an_all_negative_matrix_is_negative() {
    let c = kantorovich_core::CostMatrix::new(2, 2, vec![-3.0, -1.5, -2.0, -7.0]).unwrap();
    assert_eq!(c.max(), -1.5);
    let c = kantorovich_core::CostMatrix::new(1, 3, vec![-1.0, 4.0, 2.0]).unwrap();
    assert_eq!(c.max(), 4.0);
}
