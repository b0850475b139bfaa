//! Register kernels for point clouds: sum_t exp(shift + w_t - |p - q_t|^2 inv_eps) with the
//! squared distances formed from coordinates inside the loop (no cost buffer), the dimension a
//! compile-time constant so that the loop vectorises across points.

use crate::kernel::exp;
use std::ops::Range;

/// Points summed per step: independent accumulators keep the vector units busy.
const LANES: usize = 16;

/// Coordinates of a set of points stored by coordinate (structure of arrays): coordinate k of
/// point t is `coords[k * stride + t]`.
#[derive(Clone, Copy)]
pub(crate) struct Soa<'a> {
    pub coords: &'a [f64],
    pub stride: usize,
}

impl Soa<'_> {
    #[inline(always)]
    fn axis<const D: usize>(&self, range: &Range<usize>) -> [&[f64]; D] {
        std::array::from_fn(|k| &self.coords[k * self.stride + range.start..k * self.stride + range.end])
    }
}

/// sum over t in `range` of exp(shift + w_t - |p - q_t|^2 inv_eps), and, if `MOMENT`, of the
/// same terms times |p - q_t|^2.
#[inline(always)]
pub(crate) fn sq_sum_exp<const D: usize, const MOMENT: bool>(
    p: [f64; D],
    shift: f64,
    q: Soa<'_>,
    w: &[f64],
    range: Range<usize>,
    inv_eps: f64,
) -> (f64, f64) {
    let axes = q.axis::<D>(&range);
    let w = &w[range.clone()];
    let len = w.len();
    let full = len / LANES * LANES;
    let mut acc = [0.0f64; LANES];
    let mut mom = [0.0f64; LANES];
    let mut t = 0;
    while t < full {
        let wb: &[f64; LANES] = w[t..t + LANES].try_into().expect("a full block");
        let mut c = [0.0f64; LANES];
        for (k, axis) in axes.iter().enumerate() {
            let qb: &[f64; LANES] = axis[t..t + LANES].try_into().expect("a full block");
            for l in 0..LANES {
                let d = p[k] - qb[l];
                c[l] = d.mul_add(d, c[l]);
            }
        }
        for l in 0..LANES {
            let e = exp((shift + wb[l]) - c[l] * inv_eps);
            acc[l] += e;
            if MOMENT {
                mom[l] = e.mul_add(c[l], mom[l]);
            }
        }
        t += LANES;
    }
    let (mut s, mut sm) = (0.0, 0.0);
    for t in full..len {
        let mut c = 0.0;
        for k in 0..D {
            let d = p[k] - axes[k][t];
            c += d * d;
        }
        let e = exp((shift + w[t]) - c * inv_eps);
        s += e;
        if MOMENT {
            sm += e * c;
        }
    }
    (fold(&acc) + s, if MOMENT { fold(&mom) + sm } else { 0.0 })
}

/// max over t in `range` of w_t - |p - q_t|^2 inv_eps (the shift of a stable log-sum-exp).
#[inline(always)]
pub(crate) fn sq_max_exponent<const D: usize>(
    p: [f64; D],
    q: Soa<'_>,
    w: &[f64],
    range: Range<usize>,
    inv_eps: f64,
) -> f64 {
    let axes = q.axis::<D>(&range);
    let w = &w[range];
    let mut max = f64::NEG_INFINITY;
    for (t, &wt) in w.iter().enumerate() {
        let mut c = 0.0;
        for k in 0..D {
            let d = p[k] - axes[k][t];
            c += d * d;
        }
        max = max.max(wt - c * inv_eps);
    }
    max
}

#[inline(always)]
fn fold(acc: &[f64; LANES]) -> f64 {
    let mut half = [0.0; 8];
    for l in 0..8 {
        half[l] = acc[l] + acc[l + 8];
    }
    ((half[0] + half[4]) + (half[1] + half[5])) + ((half[2] + half[6]) + (half[3] + half[7]))
}
