//! Exact optimal transport on the real line for convex costs h(y - x), by sorting.

use crate::network_simplex::{balanced_marginals, check_weights};
use crate::OtError;
use kantorovich_core::{try_vec_with_capacity, CoreError, TransportPlan};

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
/// h use [`NetworkSimplex`](crate::NetworkSimplex)). As a guard against the common mistake
/// (|t|^p with p < 1, which is concave), h is sampled at 17 points spread over the range of the
/// displacements y_j - x_i, and a failure of midpoint convexity among them is an error; a
/// non-convexity between the samples goes unnoticed. Errors on NaN or infinite points, bad
/// weights, a cost that is not finite on a pair the plan uses, or a sampled non-convex h.
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
    let (xs, ys) = sort_both(x, a, y, &b)?;
    check_convex(&h, &xs, &ys)?;
    let (n, m) = (x.len(), y.len());
    // the walk emits rows in sorted order; each row's entries are consecutive
    let mut entries: Vec<(usize, usize, f64)> = try_vec_with_capacity("the 1-D plan", n + m - 1)?;
    let cost = monotone_walk(&xs, &ys, h, |i, j, t| entries.push((i, j, t)))?;
    let plan = rows_to_plan(n, m, &entries, cost)?;
    Ok(OneDimSolution { plan, cost })
}

/// The optimal cost of [`ot_1d`] alone, sum_ij pi_ij h(y_j - x_i), without building the plan
/// (as POT's `emd2_1d`): the same order of the atoms and the same walk, so the same value.
/// Same contract (h convex) and errors as [`ot_1d`].
///
/// ```
/// use kantorovich_ot::{ot_1d, ot_1d_cost};
/// let (x, y) = ([1.0, 0.0, 4.0], [5.0, 3.0, 0.5]);
/// let w = [1.0 / 3.0; 3];
/// let h = |t: f64| t.abs().powf(1.5);
/// assert_eq!(ot_1d_cost(&x, &w, &y, &w, h)?, ot_1d(&x, &w, &y, &w, h)?.cost);
/// # Ok::<(), kantorovich_ot::OtError>(())
/// ```
pub fn ot_1d_cost(x: &[f64], a: &[f64], y: &[f64], b: &[f64], h: impl Fn(f64) -> f64) -> Result<f64, OtError> {
    let (_, b) = balanced_marginals(a, b, x.len(), y.len())?;
    let (xs, ys) = sort_both(x, a, y, &b)?;
    check_convex(&h, &xs, &ys)?;
    monotone_walk(&xs, &ys, h, |_, _, _| {})
}

/// ln W_p^p = ln sum_ij pi_ij |y_j - x_i|^p for the monotone plan pi (optimal for every p >= 1),
/// computed without under- or overflow: with D the largest displacement |y_j - x_i| that pi
/// moves mass over, W_p^p = D^p sum_ij pi_ij (|y_j - x_i| / D)^p, whose sum is at least the mass
/// moved over D. -infinity when nothing moves (W_p = 0). Errors as [`ot_1d`].
pub(crate) fn ot_1d_log_wp(x: &[f64], a: &[f64], y: &[f64], b: &[f64], p: f64) -> Result<f64, OtError> {
    let (_, b) = balanced_marginals(a, b, x.len(), y.len())?;
    let (xs, ys) = sort_both(x, a, y, &b)?;
    let mut moves: Vec<(f64, f64)> = try_vec_with_capacity("the 1-D plan", x.len() + y.len() - 1)?;
    // half displacements: y - x of two finite points can overflow, y/2 - x/2 cannot
    monotone_walk(
        &xs,
        &ys,
        |_| 0.0,
        |i, j, t| moves.push(((0.5 * y[j] - 0.5 * x[i]).abs(), t)),
    )?;
    let largest = moves.iter().fold(0.0f64, |s, &(d, _)| s.max(d));
    if largest == 0.0 {
        return Ok(f64::NEG_INFINITY);
    }
    let inv = 1.0 / largest;
    let sum: f64 = if p == p.trunc() && p <= 64.0 {
        let k = p as i32;
        moves.iter().map(|&(d, t)| t * (d * inv).powi(k)).sum()
    } else {
        moves.iter().map(|&(d, t)| t * (d * inv).powf(p)).sum()
    };
    Ok(sum.ln() + p * (2.0 * largest).ln())
}

/// The barycentric projection of the monotone (W_2-optimal) plan between mu = sum_i a_i delta(x_i)
/// and nu = sum_j b_j delta(y_j) on the line, and its cost:
///
/// ```text
/// T(x_i) = (1 / a_i) sum_j pi_ij y_j,     W_2^2(mu, nu) = sum_ij pi_ij (y_j - x_i)^2,
/// ```
///
/// with pi the plan of [`ot_1d`] for h(t) = t^2 (b rescaled to the total of a), never stored.
/// T is the optimal map where pi is one (each x_i sent to one y_j), its best approximation in
/// L^2(mu) otherwise; an atom of weight 0 keeps T(x_i) = x_i. The step of sliced barycentres.
/// Errors as [`ot_1d`].
///
/// ```
/// use kantorovich_ot::ot_1d_projection;
/// // half of the mass at 0 goes to 1, half to 3
/// let (map, cost) = ot_1d_projection(&[0.0, 10.0], &[0.5, 0.5], &[1.0, 3.0, 10.0], &[0.25, 0.25, 0.5])?;
/// assert_eq!(map, vec![2.0, 10.0]);
/// assert_eq!(cost, 0.25 * 1.0 + 0.25 * 9.0);
/// # Ok::<(), kantorovich_ot::OtError>(())
/// ```
pub fn ot_1d_projection(x: &[f64], a: &[f64], y: &[f64], b: &[f64]) -> Result<(Vec<f64>, f64), OtError> {
    let (_, b) = balanced_marginals(a, b, x.len(), y.len())?;
    let (xs, ys) = sort_both(x, a, y, &b)?;
    let mut moved = vec![0.0; x.len()];
    let cost = monotone_walk(&xs, &ys, |t| t * t, |i, j, t| moved[i] += t * y[j])?;
    for ((m, &w), &xi) in moved.iter_mut().zip(a).zip(x) {
        *m = if w > 0.0 { *m / w } else { xi };
    }
    Ok((moved, cost))
}

/// A measure nu = sum_j b_j delta(y_j) on the line, sorted once for many
/// [`projection`](SortedLine::projection)s from changing sources: the targets of a sliced
/// barycentre, whose atoms move while the targets stay.
///
/// ```
/// use kantorovich_ot::{ot_1d_projection, SortedLine};
/// let (y, b) = ([3.0, 1.0, 10.0], [0.25, 0.25, 0.5]);
/// let line = SortedLine::new(&y, &b)?;
/// let (x, a) = ([10.0, 0.0], [0.5, 0.5]);
/// assert_eq!(line.projection(&x, &a)?, ot_1d_projection(&x, &a, &y, &b)?);
/// # Ok::<(), kantorovich_ot::OtError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SortedLine {
    y: Vec<f64>,
    total: f64,
    sorted: Sorted,
}

impl SortedLine {
    /// Sorts `y` with its weights `b`; errors on a non-finite point or bad weights (as [`ot_1d`]).
    pub fn new(y: &[f64], b: &[f64]) -> Result<Self, OtError> {
        let total = check_weights("b", b, y.len())?;
        Ok(Self {
            y: y.to_vec(),
            total,
            sorted: sorted(y, b)?,
        })
    }

    /// [`ot_1d_projection`] from mu = sum_i a_i delta(x_i) to this measure: the same values, without
    /// sorting the target again.
    pub fn projection(&self, x: &[f64], a: &[f64]) -> Result<(Vec<f64>, f64), OtError> {
        // the same checks and rescaling of b as ot_1d_projection
        let total_a = check_weights("a", a, x.len())?;
        if (total_a - self.total).abs() > crate::MASS_TOLERANCE * total_a.max(self.total) {
            return Err(OtError::MassMismatch {
                source_total: total_a,
                target_total: self.total,
                tolerance: crate::MASS_TOLERANCE,
            });
        }
        let ratio = total_a / self.total;
        let rescaled;
        let ys = if ratio == 1.0 {
            &self.sorted
        } else {
            rescaled = Sorted {
                order: self.sorted.order.clone(),
                value_weight: self.sorted.value_weight.iter().map(|&(v, w)| (v, w * ratio)).collect(),
            };
            &rescaled
        };
        let xs = sorted(x, a)?;
        let mut moved = vec![0.0; x.len()];
        let cost = monotone_walk(&xs, ys, |t| t * t, |i, j, t| moved[i] += t * self.y[j])?;
        for ((m, &w), &xi) in moved.iter_mut().zip(a).zip(x) {
            *m = if w > 0.0 { *m / w } else { xi };
        }
        Ok((moved, cost))
    }
}

/// One support sorted increasingly: the permutation, and the values with their weights in that
/// order (gathered once, in a tight loop, so that the walk reads memory sequentially).
#[derive(Debug, Clone)]
struct Sorted {
    order: Vec<(u64, u32)>,
    value_weight: Vec<(f64, f64)>,
}

/// Errors if h fails midpoint convexity, h(t_k) > (h(t_{k-s}) + h(t_{k+s})) / 2 beyond rounding,
/// on 17 equally spaced t_k covering the displacements y - x of the two sorted supports.
fn check_convex(h: &impl Fn(f64) -> f64, xs: &Sorted, ys: &Sorted) -> Result<(), OtError> {
    const SAMPLES: usize = 17;
    let (Some(x0), Some(x1), Some(y0), Some(y1)) = (
        xs.value_weight.first(),
        xs.value_weight.last(),
        ys.value_weight.first(),
        ys.value_weight.last(),
    ) else {
        return Ok(());
    };
    // the range of y - x in halves (y/2 - x/2 cannot overflow), sampled by convex combinations
    let (lo, hi) = (0.5 * y0.0 - 0.5 * x1.0, 0.5 * y1.0 - 0.5 * x0.0);
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return Ok(());
    }
    let t = |k: usize| {
        let s = k as f64 / (SAMPLES - 1) as f64;
        2.0 * (lo * (1.0 - s) + hi * s)
    };
    let values: Vec<f64> = (0..SAMPLES).map(|k| h(t(k))).collect();
    for s in 1..SAMPLES / 2 + 1 {
        for k in s..SAMPLES - s {
            let (left, mid, right) = (values[k - s], values[k], values[k + s]);
            if !(left.is_finite() && mid.is_finite() && right.is_finite()) {
                // a displacement past f64 (the walk reports such a cost if the plan uses it)
                continue;
            }
            let chord = 0.5 * (left + right);
            let slack = 1e-12 * (left.abs() + right.abs() + mid.abs());
            if mid > chord + slack {
                return Err(CoreError::InvalidParameter {
                    name: "h",
                    reason: format!(
                        "the cost h is not convex: h({}) = {mid} is above the chord of h({}) and h({}); \
                         the monotone plan is optimal only for convex h (|t|^p needs p >= 1): \
                         use NetworkSimplex for other costs",
                        t(k),
                        t(k - s),
                        t(k + s)
                    ),
                }
                .into());
            }
        }
    }
    Ok(())
}

/// Sorts both supports (in parallel when they are large); errors on a non-finite point.
fn sort_both(x: &[f64], a: &[f64], y: &[f64], b: &[f64]) -> Result<(Sorted, Sorted), OtError> {
    let (sx, sy) = if x.len() + y.len() >= PARALLEL_SORT {
        rayon::join(|| sorted(x, a), || sorted(y, b))
    } else {
        (sorted(x, a), sorted(y, b))
    };
    Ok((sx?, sy?))
}

/// Below this many points in all, both sorts run on the calling thread.
const PARALLEL_SORT: usize = 1 << 14;

/// The north-west corner rule on the sorted supports (weights of equal totals): calls
/// `emit(i, j, t)` (original indices) for each positive entry of the monotone plan, in order, and
/// returns sum t h(y_j - x_i) summed in that order; errors on a non-finite cost (with its indices)
/// or a total that overflows.
fn monotone_walk(
    xs: &Sorted,
    ys: &Sorted,
    h: impl Fn(f64) -> f64,
    mut emit: impl FnMut(usize, usize, f64),
) -> Result<f64, OtError> {
    let (xv, yv) = (&xs.value_weight, &ys.value_weight);
    let (n, m) = (xv.len(), yv.len());
    let (mut i, mut j) = (0, 0);
    let (mut ra, mut rb) = (xv[0].1, yv[0].1);
    let mut cost = 0.0;
    loop {
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
            let (xi, yj) = (xs.order[i].1 as usize, ys.order[j].1 as usize);
            let c = h(yv[j].0 - xv[i].0);
            if !c.is_finite() {
                return Err(CoreError::NonFiniteCost {
                    row: xi,
                    col: yj,
                    value: c,
                }
                .into());
            }
            cost += t * c;
            emit(xi, yj, t);
        }
        if i == n - 1 && j == m - 1 {
            if !cost.is_finite() {
                return Err(OtError::NumericalBreakdown {
                    reason: format!("the total cost overflows f64 ({cost}): costs times masses exceed 1e308"),
                });
            }
            return Ok(cost);
        }
        ra -= t;
        rb -= t;
        // advance the side that is used up (the column on a tie: the row continues with 0)
        if j == m - 1 || (i < n - 1 && ra <= rb) {
            i += 1;
            ra = xv[i].1;
            if j < m - 1 && rb <= 0.0 {
                j += 1;
                rb = yv[j].1;
            }
        } else {
            j += 1;
            rb = yv[j].1;
        }
    }
}

/// The plan in compressed rows from entries whose rows come in runs (each row's entries
/// consecutive, as the walk emits them): counting by row, no global sort; only a row whose
/// columns are out of order (its targets are not sorted by index) is sorted.
fn rows_to_plan(n: usize, m: usize, entries: &[(usize, usize, f64)], cost: f64) -> Result<TransportPlan, OtError> {
    let nnz = entries.len();
    let mut row_start = vec![0usize; n + 1];
    for &(i, _, _) in entries {
        row_start[i + 1] += 1;
    }
    for i in 0..n {
        row_start[i + 1] += row_start[i];
    }
    let mut col_index = vec![0usize; nnz];
    let mut mass = vec![0.0; nnz];
    let mut k = 0;
    while k < nnz {
        let i = entries[k].0;
        let start = row_start[i];
        let mut end = start;
        while k < nnz && entries[k].0 == i {
            col_index[end] = entries[k].1;
            mass[end] = entries[k].2;
            end += 1;
            k += 1;
        }
        if col_index[start..end].windows(2).any(|w| w[0] > w[1]) {
            let mut row: Vec<(usize, f64)> = col_index[start..end]
                .iter()
                .copied()
                .zip(mass[start..end].iter().copied())
                .collect();
            row.sort_unstable_by_key(|e| e.0);
            for (p, (j, t)) in row.into_iter().enumerate() {
                col_index[start + p] = j;
                mass[start + p] = t;
            }
        }
    }
    Ok(TransportPlan::from_csr(n, m, row_start, col_index, mass, cost)?)
}

/// `points` sorted increasingly, with their weights `w`; errors on a non-finite point or more
/// than 2^32 - 1 points.
fn sorted(points: &[f64], w: &[f64]) -> Result<Sorted, OtError> {
    if let Some(index) = points.iter().position(|p| !p.is_finite()) {
        return Err(CoreError::InvalidPoint {
            index,
            reason: format!("{} is not a finite number", points[index]),
        }
        .into());
    }
    if points.len() > u32::MAX as usize {
        return Err(CoreError::AllocationTooLarge {
            what: "1-D transport (at most 2^32 - 1 points per side)",
            elements: points.len() as u128,
            element_bytes: std::mem::size_of::<(u64, u32)>(),
        }
        .into());
    }
    let order = if points.len() < BUCKET_MIN {
        let mut order: Vec<(u64, u32)> = try_vec_with_capacity("sorted points", points.len())?;
        order.extend(points.iter().enumerate().map(|(i, &p)| (key(p), i as u32)));
        order.sort_unstable_by_key(|e| e.0);
        order
    } else {
        bucket_sort(points)?
    };
    let mut value_weight = try_vec_with_capacity("sorted points", points.len())?;
    value_weight.extend(order.iter().map(|&(k, i)| (value(k), w[i as usize])));
    Ok(Sorted { order, value_weight })
}

/// Below this many points a comparison sort of the keys is used directly.
const BUCKET_MIN: usize = 256;

/// (key, index) pairs sorted by key: one counting pass distributes the points into n buckets of
/// equal width in value, then each (small, cache-resident) bucket is sorted by key. The bucket
/// of v is floor((v - min) n / (max - min)), non-decreasing in v (rounding is monotone), so the
/// concatenation is sorted; skewed data only makes some buckets larger (each is still sorted
/// in O(k log k)). About 1.5x faster than one comparison sort of 16-byte pairs at n = 10^4 to
/// 10^5 (which itself beat f64::total_cmp comparisons and LSD radix sorts). The permutation
/// depends on the values only, so every function here walks equal points in the same order.
fn bucket_sort(points: &[f64]) -> Result<Vec<(u64, u32)>, OtError> {
    let n = points.len();
    let (lo, hi) = points.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    });
    // a span that overflows gives scale 0: one bucket, a plain comparison sort
    let scale = if hi > lo && (hi - lo).is_finite() {
        n as f64 / (hi - lo)
    } else {
        0.0
    };
    let bucket = |v: f64| (((v - lo) * scale) as usize).min(n - 1);
    let mut start: Vec<u32> = try_vec_with_capacity("bucket offsets", n + 1)?;
    start.resize(n + 1, 0);
    for &v in points {
        start[bucket(v) + 1] += 1;
    }
    for b in 0..n {
        start[b + 1] += start[b];
    }
    let mut next = start.clone();
    let mut order: Vec<(u64, u32)> = try_vec_with_capacity("sorted points", n)?;
    order.resize(n, (0, 0));
    for (i, &v) in points.iter().enumerate() {
        let b = bucket(v);
        order[next[b] as usize] = (key(v), i as u32);
        next[b] += 1;
    }
    for b in 0..n {
        let run = &mut order[start[b] as usize..start[b + 1] as usize];
        if run.len() > 1 {
            run.sort_unstable_by_key(|e| e.0);
        }
    }
    Ok(order)
}

/// An unsigned key ordered like f64::total_cmp: flip all bits of a negative number, only the
/// sign bit of a positive one.
#[inline]
fn key(p: f64) -> u64 {
    let bits = p.to_bits();
    bits ^ (((bits as i64 >> 63) as u64) | (1 << 63))
}

/// The inverse of [`key`].
#[inline]
fn value(k: u64) -> f64 {
    let bits = if k >> 63 == 1 { k ^ (1 << 63) } else { !k };
    f64::from_bits(bits)
}
