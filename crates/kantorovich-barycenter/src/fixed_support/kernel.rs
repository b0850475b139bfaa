//! The inner loop of IBP: row-wise log-sum-exp of (v_c - M_rc) over a dense matrix, with a
//! branch-free exponential that LLVM vectorises (the same design as the Sinkhorn kernel of
//! kantorovich-ot: range reduction to |r| <= ln(2)/2, degree-13 Taylor polynomial).

use rayon::prelude::*;

/// Rows per rayon task: below this the pool costs more than the work.
const MIN_ROWS_PER_TASK: usize = 16;
/// Length of the blocks of terms summed at once (fits in L1).
const BLOCK: usize = 256;

/// Runs `f` compiled with AVX2 and FMA when the CPU has them. `f` must be `#[inline(always)]`.
#[inline(always)]
fn with_simd<R>(f: impl FnOnce() -> R) -> R {
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

/// exp(x) to a few ulps for x in [-708, 0]; 0 below -708 (and for -inf). Only called with
/// x <= 0 (terms shifted by their maximum).
#[inline(always)]
fn exp(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const ROUND: f64 = 6_755_399_441_055_744.0;
    let xc = x.clamp(-708.0, 0.0);
    let t = xc * LOG2E + ROUND;
    let k = t - ROUND;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
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
    let two_k = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    let y = p * two_k;
    if x < -708.0 {
        0.0
    } else {
        y
    }
}

/// sum_t x_t with four partial sums (vectorises).
#[inline(always)]
fn sum(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = x.chunks_exact(4);
    let rest: f64 = chunks.remainder().iter().sum();
    for q in chunks {
        for l in 0..4 {
            acc[l] += q[l];
        }
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + rest
}

/// log sum_c exp(v_c - row_c), shifted by the largest exponent (so no term overflows and the
/// largest is exactly 1: the result is finite whenever one v_c is).
#[inline(always)]
fn row_lse(v: &[f64], row: &[f64]) -> f64 {
    let shift = v
        .iter()
        .zip(row)
        .map(|(&vc, &mc)| vc - mc)
        .fold(f64::NEG_INFINITY, f64::max);
    if shift == f64::NEG_INFINITY {
        return shift;
    }
    let mut buf = [0.0f64; BLOCK];
    let mut total = 0.0;
    for (vb, mb) in v.chunks(BLOCK).zip(row.chunks(BLOCK)) {
        let terms = &mut buf[..vb.len()];
        for ((t, &vc), &mc) in terms.iter_mut().zip(vb).zip(mb) {
            *t = exp(vc - mc - shift);
        }
        total += sum(terms);
    }
    shift + total.ln()
}

/// out_r = log sum_c exp(v_c - m[r * cols + c]) for each row r of the row-major matrix `m`,
/// in parallel over blocks of rows.
pub(super) fn log_sum_exp_rows(m: &[f64], cols: usize, v: &[f64], out: &mut [f64]) {
    debug_assert_eq!(m.len(), out.len() * cols);
    out.par_iter_mut()
        .zip(m.par_chunks(cols.max(1)))
        .with_min_len(MIN_ROWS_PER_TASK)
        .for_each(|(o, row)| {
            *o = with_simd(
                #[inline(always)]
                || row_lse(v, row),
            )
        });
}

/// sum_r sum_c exp(u_r + v_c - m_rc) * w_rc: the pairing <W, P> of a plan in log form
/// P_rc = exp(u_r + v_c - m_rc) with a matrix W of the same shape.
pub(super) fn pair_with(m: &[f64], cols: usize, u: &[f64], v: &[f64], w: &[f64]) -> f64 {
    m.par_chunks(cols.max(1))
        .zip(w.par_chunks(cols.max(1)))
        .zip(u.par_iter())
        .with_min_len(MIN_ROWS_PER_TASK)
        .map(|((row, wrow), &ur)| {
            row.iter()
                .zip(wrow)
                .zip(v)
                .map(|((&mc, &wc), &vc)| {
                    let e = ur + vc - mc;
                    if e > -745.0 {
                        e.exp() * wc
                    } else {
                        0.0
                    }
                })
                .sum::<f64>()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_matches_std() {
        for i in 0..=70_800 {
            let x = (-(i as f64) * 0.01 - 1e-3 * (i % 7) as f64).max(-708.0);
            let (ours, std) = (exp(x), x.exp());
            assert!(
                (ours - std).abs() <= 4.0 * f64::EPSILON * std,
                "exp({x}) = {ours} vs {std}"
            );
        }
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(0.0), 1.0);
    }

    #[test]
    fn row_lse_is_stable() {
        // terms exp(-1000), exp(-1000 - ln 2): log of the sum is -1000 + ln(1.5)
        let v = [-1000.0, -1000.0];
        let row = [0.0, 2f64.ln()];
        assert!((row_lse(&v, &row) - (-1000.0 + 1.5f64.ln())).abs() < 1e-12);
    }
}
