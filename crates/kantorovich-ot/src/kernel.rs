//! The inner loops of Sinkhorn: a vectorisable exponential and log-sum-exp over blocks.
//!
//! Every entry of the Gibbs kernel costs one exponential, so the exponential is the hot spot.
//! `std`'s `exp` is a scalar library call; [`exp`] below is branch-free (range reduction to
//! |r| <= ln(2)/2 and a degree-13 polynomial), so LLVM vectorises the loops that call it. The
//! loops are maps into a block buffer followed by a sum: the loop vectoriser handles maps
//! (strict floating-point semantics forbid it to reorder a running sum).
//!
//! `mul_add` is one instruction inside [`with_simd`] on CPUs with FMA; elsewhere it is a library
//! call (slow, still correct).

/// Runs `f`, compiled with AVX2 and FMA when the CPU has them (4 lanes instead of SSE2's 2).
///
/// `f` must be an `#[inline(always)]` closure, so that its body is compiled inside the
/// target-feature function; the check is a cached atomic load.
#[inline(always)]
pub(crate) fn with_simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has the features that `avx2_fma` is compiled for.
            return unsafe { avx2_fma(f) };
        }
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Length of the blocks in which costs are evaluated and reduced (fits in L1 with room to spare).
pub(crate) const BLOCK: usize = 256;

/// exp(x), accurate to a few units in the last place for x in [-708, 709], and 0 below -708
/// (where exp(x) < 3.4e-308: such terms never matter next to the sums they enter).
#[inline(always)]
pub(crate) fn exp(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split so that k * LN2_HI is exact for |k| < 2^11
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    // adding 1.5 * 2^52 rounds to an integer held in the low mantissa bits
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let xc = x.clamp(-708.0, 709.0);
    let t = xc * LOG2E + ROUND;
    let k = t - ROUND;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    // Taylor series of exp(r) to degree 13 (remainder < 0.347^14 / 14! < 4e-18), by Estrin's
    // scheme: short dependency chains keep the FMA units busy
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = r + 1.0;
    let q1 = (1.0 / 6.0f64).mul_add(r, 0.5);
    let q2 = (1.0 / 120.0f64).mul_add(r, 1.0 / 24.0);
    let q3 = (1.0 / 5_040.0f64).mul_add(r, 1.0 / 720.0);
    let q4 = (1.0 / 362_880.0f64).mul_add(r, 1.0 / 40_320.0);
    let q5 = (1.0 / 39_916_800.0f64).mul_add(r, 1.0 / 3_628_800.0);
    let q6 = (1.0 / 6_227_020_800.0f64).mul_add(r, 1.0 / 479_001_600.0);
    let s0 = q1.mul_add(r2, q0);
    let s1 = q3.mul_add(r2, q2);
    let s2 = q5.mul_add(r2, q4);
    let t0 = s1.mul_add(r4, s0);
    let t1 = q6.mul_add(r4, s2);
    let p = t1.mul_add(r8, t0);
    // 2^k from the integer in t's low bits (k in [-1022, 1023] after the clamp)
    let two_k = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    let y = p * two_k;
    if x < -708.0 {
        0.0
    } else {
        y
    }
}

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

/// sum_t x_t with four partial sums (vectorises).
#[inline(always)]
fn sum(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = x.chunks_exact(4);
    let rest: f64 = chunks.remainder().iter().sum();
    for q in chunks {
        let q: &[f64; 4] = q.try_into().expect("chunks of 4");
        for l in 0..4 {
            acc[l] += q[l];
        }
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + rest
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
    fn exp_matches_std_to_a_few_ulps() {
        let mut worst: f64 = 0.0;
        let mut x = -708.0;
        while x <= 709.0 {
            let (fast, reference) = (exp(x), x.exp());
            worst = worst.max(((fast - reference) / reference).abs());
            x += 0.0137;
        }
        assert!(worst < 1e-15, "worst relative error {worst}");
        assert_eq!(exp(-709.0), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(0.0), 1.0);
    }

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
