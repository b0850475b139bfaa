//! Building blocks for solvers' inner loops: a vectorisable exponential, a vectorisable sum, and
//! a switch that compiles a closure with AVX2 and FMA when the CPU has them.
//!
//! Entropic solvers spend their time in exp(..) over long rows. `std`'s `exp` is a scalar library
//! call; [`exp`] is branch-free (range reduction to |r| <= ln(2)/2 and a degree-13 polynomial), so
//! LLVM vectorises the loops that call it. Such loops should be maps into a buffer followed by
//! [`sum`]: strict floating-point semantics forbid the vectoriser to reorder a running sum.
//!
//! ```
//! use kantorovich_core::fastmath::{exp, sum, with_simd};
//! let x: Vec<f64> = (0..1000).map(|t| -(t as f64) * 0.01).collect();
//! let total = with_simd(
//!     #[inline(always)]
//!     || {
//!         let terms: Vec<f64> = x.iter().map(|&v| exp(v)).collect();
//!         sum(&terms)
//!     },
//! );
//! let reference: f64 = x.iter().map(|v| v.exp()).sum();
//! assert!((total - reference).abs() < 1e-13 * reference);
//! ```

/// Runs `f`, compiled with AVX2 and FMA when the CPU has them (4 lanes instead of SSE2's 2).
///
/// `f` should be an `#[inline(always)]` closure, so that its body is compiled inside the
/// target-feature function; the check is a cached atomic load. On other CPUs and architectures
/// `f` runs as compiled.
#[inline(always)]
pub fn with_simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512vl") {
            // SAFETY: the CPU has the features that `avx512` is compiled for.
            return unsafe { avx512(f) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has the features that `avx2_fma` is compiled for.
            return unsafe { avx2_fma(f) };
        }
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// exp(x), accurate to a few units in the last place for x in [-708, 709], and 0 below -708
/// (where exp(x) < 3.4e-308: such terms never matter next to the sums they enter) and for -inf.
/// `mul_add` is one instruction inside [`with_simd`] on CPUs with FMA; elsewhere it is a library
/// call (slow, still correct).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
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

/// ln(x) for x > 0, accurate to a few units in the last place, branch-free for positive
/// normal numbers (so loops that call it vectorise); +inf for +inf, -inf for 0 and for
/// subnormal x (below 2.2e-308), NaN for x < 0 and NaN.
///
/// x = 2^k m with m in [sqrt(1/2), sqrt(2)), and ln m = 2 atanh(z), z = (m - 1) / (m + 1),
/// |z| <= 0.1716, by its odd series to z^23 (remainder < 1e-19).
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    const SQRT_HALF_BITS: u64 = 0x3FE6_A09E_667F_3BCD; // sqrt(1/2)
    let bits = x.to_bits();
    // k and m with m in [sqrt(1/2), sqrt(2)): subtract sqrt(1/2)'s bits so the exponent field
    // of the difference is k
    let shifted = bits.wrapping_sub(SQRT_HALF_BITS);
    let k = ((shifted as i64) >> 52) as f64;
    let m = f64::from_bits(bits.wrapping_sub((shifted >> 52) << 52));
    let z = (m - 1.0) / (m + 1.0);
    let z2 = z * z;
    let z4 = z2 * z2;
    let z8 = z4 * z4;
    // 2 atanh(z) = 2 z (1 + z2/3 + z4/5 + ... + z2^11/23), Estrin's scheme
    let c = |j: u32| 1.0 / (2 * j + 1) as f64;
    let p01 = c(1).mul_add(z2, c(0));
    let p23 = c(3).mul_add(z2, c(2));
    let p45 = c(5).mul_add(z2, c(4));
    let p67 = c(7).mul_add(z2, c(6));
    let p89 = c(9).mul_add(z2, c(8));
    let p1011 = c(11).mul_add(z2, c(10));
    let q0 = p23.mul_add(z4, p01);
    let q1 = p67.mul_add(z4, p45);
    let q2 = p1011.mul_add(z4, p89);
    let series = q2.mul_add(z8, q1).mul_add(z8, q0);
    let value = std::f64::consts::LN_2.mul_add(k, 2.0 * z * series);
    if (f64::MIN_POSITIVE..f64::INFINITY).contains(&x) {
        value
    } else if x == f64::INFINITY {
        f64::INFINITY
    } else if x >= 0.0 {
        f64::NEG_INFINITY
    } else {
        f64::NAN
    }
}

/// sum_t x_t with four partial sums (vectorises; the order differs from a running sum only in
/// rounding).
#[inline(always)]
pub fn sum(x: &[f64]) -> f64 {
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
        // the same inside the AVX2/FMA build
        let worst_simd = with_simd(|| {
            (0..=70_800)
                .map(|i| -(i as f64) * 0.01)
                .map(|x| ((exp(x) - x.exp()) / x.exp()).abs())
                .fold(0.0f64, f64::max)
        });
        assert!(worst_simd < 1e-15, "worst relative error with SIMD {worst_simd}");
        assert_eq!(exp(-709.0), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(0.0), 1.0);
    }

    #[test]
    fn ln_matches_std_to_a_few_ulps() {
        let mut worst: f64 = 0.0;
        let mut x = 1e-300;
        while x < 1e300 {
            for y in [x, x * 1.37, x * 0.71, x * 1.999] {
                let (fast, reference) = (ln(y), y.ln());
                let err = (fast - reference).abs() / reference.abs().max(1e-300);
                // next to x = 1, where ln x is near 0, the absolute error is what counts
                worst = worst.max(if reference.abs() < 1e-3 {
                    (fast - reference).abs()
                } else {
                    err
                });
            }
            x *= 1.618;
        }
        assert!(worst < 1e-15, "worst relative error {worst}");
        for y in [
            1.0 - 1e-12,
            1.0,
            1.0 + 1e-9,
            std::f64::consts::FRAC_1_SQRT_2,
            std::f64::consts::SQRT_2,
        ] {
            assert!((ln(y) - y.ln()).abs() <= 2e-16 * y.ln().abs().max(1e-16), "{y}");
        }
        let simd = with_simd(|| {
            (1..=10_000)
                .map(|t| (ln(t as f64 * 0.37) - (t as f64 * 0.37).ln()).abs())
                .fold(0.0f64, f64::max)
        });
        assert!(simd < 1e-14, "{simd}");
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan());
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn sum_matches_a_running_sum() {
        for n in [0, 1, 3, 4, 5, 257] {
            let x: Vec<f64> = (0..n).map(|t| (t as f64 * 0.37).sin()).collect();
            let direct: f64 = x.iter().sum();
            assert!((sum(&x) - direct).abs() < 1e-13, "n = {n}");
        }
    }
}
