//! Exact optimal transport on the real line for convex costs h(y - x), by sorting.

use crate::network_simplex::balanced_marginals;
use crate::OtError;
use kantorovich_core::{CoreError, TransportPlan};

/// The solution of a one-dimensional transport problem ([`ot_1d`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OneDimSolution {
    /// The monotone optimal plan, indexed like the inputs (at most n + m - 1 non-zeros).
    pub plan: TransportPlan,
    /// sum_ij pi_ij h(y_j - x_i), the optimal cost.
    pub cost: f64,
}

/// Exact OT between mu = sum_i a_i delta(x_i) and nu = sum_j b_j delta(y_j) on the real line for a
/// cost c(x, y) = h(y - x) with h **convex** (e.g. |t|^p, p >= 1).
///
/// For such costs the monotone (comonotone) coupling is optimal: sort both supports and fill the
/// plan like the north-west corner rule, matching the quantile functions
/// (pi pairs F_mu^-1(u) with F_nu^-1(u) for u in [0, 1]). It costs O(n log n + m log m) time and
/// returns at most n + m - 1 non-zeros; the totals of `a` and `b` must agree as in
/// [`NetworkSimplex`](crate::NetworkSimplex) (`b` is rescaled to the total of `a`).
///
/// The result is only optimal when h is convex: that is the caller's contract (for a non-convex
/// h use [`NetworkSimplex`](crate::NetworkSimplex)). Errors on NaN or infinite points, bad weights,
/// or a cost that is not finite on a pair the plan uses.
///
/// ```
/// use kantorovich_ot::ot_1d;
/// // W_2^2 between uniform measures on {0, 1} and {3, 5}: pairs (0, 3), (1, 5)
/// let s = ot_1d(&[1.0, 0.0], &[0.5, 0.5], &[5.0, 3.0], &[0.5, 0.5], |t| t * t)?;
/// assert_eq!(s.cost, 0.5 * 9.0 + 0.5 * 16.0);
/// # Ok::<(), kantorovich_ot::OtError>(())
/// ```
pub fn ot_1d(x: &[f64], a: &[f64], y: &[f64], b: &[f64], h: impl Fn(f64) -> f64) -> Result<OneDimSolution, OtError> {
    let (_, b) = balanced_marginals(a, b, x.len(), y.len())?;
    let order_x = sorted_order(x)?;
    let order_y = sorted_order(y)?;
    let (n, m) = (x.len(), y.len());
    let mut entries = Vec::with_capacity(n + m - 1);
    let (mut i, mut j) = (0, 0);
    let (mut ra, mut rb) = (a[order_x[0]], b[order_y[0]]);
    loop {
        let (xi, yj) = (order_x[i], order_y[j]);
        // the last row or column takes what is left, so rounding cannot strand mass
        let t = if i == n - 1 && j == m - 1 {
            ra.max(rb)
        } else if i == n - 1 {
            rb
        } else if j == m - 1 {
            ra
        } else {
            ra.min(rb)
        };
        if t > 0.0 {
            entries.push((xi, yj, t));
        }
        if i == n - 1 && j == m - 1 {
            break;
        }
        ra -= t;
        rb -= t;
        // advance the side that is used up (the column on a tie: the row continues with 0)
        if j == m - 1 || (i < n - 1 && ra <= rb) {
            i += 1;
            ra = a[order_x[i]];
            if j < m - 1 && rb <= 0.0 {
                j += 1;
                rb = b[order_y[j]];
            }
        } else {
            j += 1;
            rb = b[order_y[j]];
        }
    }
    let mut cost = 0.0;
    for &(i, j, t) in &entries {
        let c = h(y[j] - x[i]);
        if !c.is_finite() {
            return Err(CoreError::NonFiniteCost {
                row: i,
                col: j,
                value: c,
            }
            .into());
        }
        cost += t * c;
    }
    let plan = TransportPlan::from_triplets(n, m, entries, cost)?;
    Ok(OneDimSolution { plan, cost })
}

/// The permutation sorting `points` increasingly; errors on a non-finite point.
fn sorted_order(points: &[f64]) -> Result<Vec<usize>, OtError> {
    if let Some(index) = points.iter().position(|p| !p.is_finite()) {
        return Err(CoreError::InvalidPoint {
            index,
            reason: format!("{} is not a finite number", points[index]),
        }
        .into());
    }
    // (value, index) pairs sort faster than indices compared through `points` (no indirection)
    let mut keyed: Vec<(f64, usize)> = points.iter().copied().zip(0..).collect();
    keyed.sort_unstable_by(|p, q| p.0.total_cmp(&q.0));
    Ok(keyed.into_iter().map(|(_, i)| i).collect())
}
