//! The inner loops of Sinkhorn: a vectorisable exponential and log-sum-exp over blocks.
//!
//! Every entry of the Gibbs kernel costs one exponential, so the exponential is the hot spot:
//! the loops below are maps of `kantorovich_core::fastmath::exp` (branch-free, vectorised) into
//! a block buffer followed by a vectorised sum, run inside `with_simd`.

use kantorovich_core::fastmath::sum;
pub(crate) use kantorovich_core::fastmath::{exp, with_simd};

/// Length of the blocks in which costs are evaluated and reduced (fits in L1 with room to spare).
pub(crate) const BLOCK: usize = 256;

/// sum_t exp(shift + w_t - c_t * inv_eps) (w and c of equal length). No shift by the maximum:
/// callers keep the terms O(1) and check the result.
#[inline(always)]
pub(crate) fn sum_exp(shift: f64, w: &[f64], c: &[f64], inv_eps: f64) -> f64 {
    debug_assert_eq!(w.len(), c.len());
    let mut buf = [0.0f64; BLOCK];
    let mut total = 0.0;
    for (wb, cb) in w.chunks(BLOCK).zip(c.chunks(BLOCK)) {
        let terms = &mut buf[..wb.len()];
        for ((t, &wt), &ct) in terms.iter_mut().zip(wb).zip(cb) {
            *t = exp(shift + wt - ct * inv_eps);
        }
        total += sum(terms);
    }
    total
}

/// As [`sum_exp`] for one block of costs `c`, which is overwritten by the terms (saves a
/// buffer where the costs were computed just for this sum).
#[inline(always)]
pub(crate) fn sum_exp_in_place(shift: f64, w: &[f64], c: &mut [f64], inv_eps: f64) -> f64 {
    debug_assert_eq!(w.len(), c.len());
    for (ct, &wt) in c.iter_mut().zip(w) {
        *ct = exp(shift + wt - *ct * inv_eps);
    }
    sum(c)
}

/// As [`sum_exp`], also returning sum_t exp(..) * c_t, for a block of at most [`BLOCK`] terms.
#[inline(always)]
pub(crate) fn sum_exp_moment(shift: f64, w: &[f64], c: &[f64], inv_eps: f64) -> (f64, f64) {
    let mut buf = [0.0f64; BLOCK];
    let mut moments = [0.0f64; BLOCK];
    debug_assert!(w.len() == c.len() && c.len() <= BLOCK);
    let n = w.len().min(c.len()).min(BLOCK);
    let terms = &mut buf[..n];
    for ((t, &wt), &ct) in terms.iter_mut().zip(&w[..n]).zip(&c[..n]) {
        *t = exp(shift + wt - ct * inv_eps);
    }
    for ((m, &t), &ct) in moments.iter_mut().zip(terms.iter()).zip(&c[..n]) {
        *m = t * ct;
    }
    (sum(terms), sum(&moments[..n]))
}

/// max_t (w_t - c_t * inv_eps), the shift of a stable log-sum-exp.
#[inline(always)]
pub(crate) fn max_exponent(w: &[f64], c: &[f64], inv_eps: f64) -> f64 {
    w.iter()
        .zip(c)
        .map(|(&wt, &ct)| wt - ct * inv_eps)
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Whether a sum of exponentials computed without a shift can be trusted: finite, and far
/// enough from the underflow range that its largest terms kept their precision.
#[inline(always)]
pub(crate) fn trustworthy(sum: f64) -> bool {
    sum > 1e-250 && sum < 1e250
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_match_direct_loops() {
        let w: Vec<f64> = (0..537).map(|t| (t as f64 * 0.37).sin()).collect();
        let c: Vec<f64> = (0..537).map(|t| (t as f64 * 0.11).cos().abs()).collect();
        let direct: f64 = w.iter().zip(&c).map(|(w, c)| (0.3 + w - c * 2.0).exp()).sum();
        let moment: f64 = w.iter().zip(&c).map(|(w, c)| (0.3 + w - c * 2.0).exp() * c).sum();
        assert!((sum_exp(0.3, &w, &c, 2.0) - direct).abs() < 1e-13 * direct);
        let mut terms = c.clone();
        assert!((sum_exp_in_place(0.3, &w, &mut terms, 2.0) - direct).abs() < 1e-13 * direct);
        let (s, sc) = (0..537).step_by(BLOCK).fold((0.0, 0.0), |(s, sc), t0| {
            let t1 = (t0 + BLOCK).min(537);
            let (a, b) = sum_exp_moment(0.3, &w[t0..t1], &c[t0..t1], 2.0);
            (s + a, sc + b)
        });
        assert!((s - direct).abs() < 1e-13 * direct && (sc - moment).abs() < 1e-13 * moment);
        let max = max_exponent(&w, &c, 2.0);
        assert!(w.iter().zip(&c).all(|(w, c)| w - c * 2.0 <= max));
    }
}

#[cfg(test)]
mod speed {
    #[test]
    #[ignore]
    fn kernel_speed() {
        let w: Vec<f64> = (0..256).map(|t| -(t as f64) * 0.001).collect();
        let c: Vec<f64> = (0..256).map(|t| (t as f64) * 0.002).collect();
        let t = std::time::Instant::now();
        let mut s = 0.0;
        for k in 0..100_000 {
            s += super::with_simd(
                #[inline(always)]
                || super::sum_exp(k as f64 * 1e-9, &w, &c, 3.0),
            );
        }
        let e = t.elapsed().as_secs_f64();
        println!("fast: {:.3} ns/entry ({s})", e / 25.6e6 * 1e9);
        let t = std::time::Instant::now();
        let mut s = 0.0;
        for k in 0..100_000 {
            s += w
                .iter()
                .zip(&c)
                .map(|(w, c)| (k as f64 * 1e-9 + w - c * 3.0).exp())
                .sum::<f64>();
        }
        let e = t.elapsed().as_secs_f64();
        println!("std: {:.3} ns/entry ({s})", e / 25.6e6 * 1e9);
    }
}
