//! The inner loop of IBP: row-wise log-sum-exp of (v_c - M_rc) over a dense matrix, with the
//! vectorisable exponential of `kantorovich_core::fastmath` (as in the Sinkhorn kernel).

use kantorovich_core::fastmath::{exp, sum, with_simd};
use rayon::prelude::*;

/// Rows per rayon task: below this the pool costs more than the work.
const MIN_ROWS_PER_TASK: usize = 16;
/// Length of the blocks of terms summed at once (fits in L1).
const BLOCK: usize = 256;

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
    fn row_lse_is_stable() {
        // terms exp(-1000), exp(-1000 - ln 2): log of the sum is -1000 + ln(1.5)
        let v = [-1000.0, -1000.0];
        let row = [0.0, 2f64.ln()];
        assert!((row_lse(&v, &row) - (-1000.0 + 1.5f64.ln())).abs() < 1e-12);
    }
}
