//! Choice of the entering arc: block search over the implicit arcs.
//!
//! The real arcs are the entries of the n x m cost matrix, in row-major order; arc e is (i, j)
//! with e = i m + j and its reduced cost is rc_ij = C_ij - pot_i + pot_{n+j}. Block search scans
//! the arcs round-robin in blocks of B consecutive arcs, starting where the previous search
//! stopped, and returns the arc of most negative reduced cost of the first block that has one
//! below -eps. A search that goes once around all the arcs without finding one proves (up to eps)
//! that the current tree is optimal.

/// Round-robin block search state.
pub(crate) struct BlockSearch {
    /// Arcs per block.
    block: usize,
    /// Where the next search starts.
    next: usize,
}

impl BlockSearch {
    /// A search with blocks of `block` arcs (at least 1), starting at arc 0.
    pub(crate) fn new(block: usize) -> Self {
        Self {
            block: block.max(1),
            next: 0,
        }
    }

    /// The first block's most negative arc (i, j) with its reduced cost, if some arc has reduced
    /// cost below `-eps`. `cost` is the n x m matrix (row-major), `ps` the n source potentials and
    /// `pt` the m sink potentials.
    pub(crate) fn find(&mut self, cost: &[f64], ps: &[f64], pt: &[f64], eps: f64) -> Option<(usize, usize, f64)> {
        self.walk(cost.len(), pt.len(), -eps, |i, j, e, len, best| {
            let (c, p) = (&cost[e..e + len], &pt[j..j + len]);
            let low = min_sum(c, p);
            let rc = low - ps[i];
            (rc < best).then(|| {
                let at = c.iter().zip(p).position(|(x, y)| x + y == low).unwrap_or(0);
                (j + at, rc)
            })
        })
    }

    /// The round-robin walk both searches share: segments of `len` arcs, within one row (i, from
    /// column j, arc index e) and one block; `segment(i, j, e, len, best)` returns the column
    /// and reduced cost of its best arc when that is below `best`. Stops after the first block
    /// that found an arc, or after one full turn.
    #[inline(always)]
    fn walk(
        &mut self,
        total: usize,
        m: usize,
        mut best_rc: f64,
        mut segment: impl FnMut(usize, usize, usize, usize, f64) -> Option<(usize, f64)>,
    ) -> Option<(usize, usize, f64)> {
        if total == 0 {
            return None;
        }
        let mut e = self.next;
        let mut remaining = total;
        let mut in_block = 0;
        let mut best = None;
        while remaining > 0 {
            let i = e / m;
            let j = e - i * m;
            let len = (m - j).min(remaining).min(self.block - in_block);
            if let Some((col, rc)) = segment(i, j, e, len, best_rc) {
                best_rc = rc;
                best = Some((i, col));
            }
            e += len;
            if e == total {
                e = 0;
            }
            remaining -= len;
            in_block += len;
            if in_block == self.block {
                if best.is_some() {
                    break;
                }
                in_block = 0;
            }
        }
        self.next = e;
        best.map(|(i, j)| (i, j, best_rc))
    }
}

/// The potentials of the certification phase in double-double form: a potential is hi + lo.
pub(crate) struct Potentials<'a> {
    pub(crate) source_hi: &'a [f64],
    pub(crate) source_lo: &'a [f64],
    pub(crate) sink_hi: &'a [f64],
    pub(crate) sink_lo: &'a [f64],
}

impl BlockSearch {
    /// As [`find`](BlockSearch::find), but with reduced costs computed to about 1e-32 of the
    /// potentials (double-double) and a tolerance of each arc's own: arc (i, j) is violated when
    /// rc_ij < -(REL |C_ij| + ROUNDING (|pot_i| + |pot_{n+j}|)), with [`CERTIFY_REL`] and
    /// [`CERTIFY_ROUNDING`]. No violated arc left means that the tree is optimal to those
    /// tolerances, however far apart the magnitudes of the costs are.
    /// `cost_max` is max_ij |C_ij|.
    pub(crate) fn find_certified(
        &mut self,
        cost: &[f64],
        cost_max: f64,
        pot: &Potentials<'_>,
    ) -> Option<(usize, usize, f64)> {
        // A reduced cost computed in plain f64 is off by at most `margin`; an arc whose f64
        // reduced cost is above it is certainly not violated, and most arcs are far above it, so
        // the double-double arithmetic runs only on the few that are close to tight.
        let abs_max = |v: &[f64]| v.iter().fold(0.0f64, |s, x| s.max(x.abs()));
        let (pot_max, lo_max) = (
            abs_max(pot.source_hi).max(abs_max(pot.sink_hi)),
            abs_max(pot.source_lo).max(abs_max(pot.sink_lo)),
        );
        let margin = 4.0 * f64::EPSILON * (cost_max + 2.0 * pot_max) + 2.0 * lo_max;
        self.walk(cost.len(), pot.sink_hi.len(), 0.0, |i, j, e, len, mut best| {
            let (hi, lo) = (pot.source_hi[i], pot.source_lo[i]);
            let (row, sink_hi) = (&cost[e..e + len], &pot.sink_hi[j..j + len]);
            if min_sum(row, sink_hi) - hi >= margin {
                return None;
            }
            let base_tol = CERTIFY_ROUNDING * hi.abs();
            let mut found = None;
            for (k, (&c, &th)) in row.iter().zip(sink_hi).enumerate() {
                if c + th - hi >= margin {
                    continue;
                }
                // rc = C - pot_i + pot_{n+j}, summed without losing the low-order bits
                let (s1, e1) = crate::tree::two_sum(c, -hi);
                let (s2, e2) = crate::tree::two_sum(s1, th);
                let rc = s2 + ((e1 + e2) + (pot.sink_lo[j + k] - lo));
                let tol = CERTIFY_REL * c.abs() + base_tol + CERTIFY_ROUNDING * th.abs();
                if rc < -tol && rc < best {
                    best = rc;
                    found = Some((j + k, rc));
                }
            }
            found
        })
    }
}

/// Relative tolerance of the certification: an arc is optimal when its reduced cost is at least
/// -1e-14 |C_ij|. With costs >= 0 this bounds the returned cost by (1 + 1e-14) times the optimum.
pub(crate) const CERTIFY_REL: f64 = 1e-14;

/// What double-double potentials may lose: reduced costs are trusted to 1e-28 of the potentials
/// (the arithmetic carries about 1e-32; the margin covers the paths of the tree).
pub(crate) const CERTIFY_ROUNDING: f64 = 1e-28;

/// min_k (c_k + p_k), written with independent lanes so that the compiler vectorises it
/// (+infinity for empty slices).
#[inline]
fn min_sum(c: &[f64], p: &[f64]) -> f64 {
    const LANES: usize = 8;
    let len = c.len().min(p.len());
    let (c, p) = (&c[..len], &p[..len]);
    let mut acc = [f64::INFINITY; LANES];
    let mut cc = c.chunks_exact(LANES);
    let mut pc = p.chunks_exact(LANES);
    for (x, y) in (&mut cc).zip(&mut pc) {
        for k in 0..LANES {
            let v = x[k] + y[k];
            acc[k] = if v < acc[k] { v } else { acc[k] };
        }
    }
    let mut low = f64::INFINITY;
    for (x, y) in cc.remainder().iter().zip(pc.remainder()) {
        let v = x + y;
        low = if v < low { v } else { low };
    }
    acc.iter().fold(low, |a, &b| if b < a { b } else { a })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_sum_matches_a_plain_loop() {
        for len in 0..40 {
            let c: Vec<f64> = (0..len).map(|k| ((k * 37) % 11) as f64 - 3.5).collect();
            let p: Vec<f64> = (0..len).map(|k| ((k * 13) % 7) as f64 * 0.25).collect();
            let plain = c.iter().zip(&p).map(|(x, y)| x + y).fold(f64::INFINITY, f64::min);
            assert_eq!(min_sum(&c, &p), plain);
        }
    }

    #[test]
    fn block_search_finds_the_most_negative_arc_of_a_block() {
        // 2 x 3, potentials zero: rc = C
        let cost = [0.0, -1.0, 2.0, -3.0, 0.0, -2.0];
        let mut s = BlockSearch::new(3);
        assert_eq!(s.find(&cost, &[0.0; 2], &[0.0; 3], 0.0), Some((0, 1, -1.0)));
        assert_eq!(s.find(&cost, &[0.0; 2], &[0.0; 3], 0.0), Some((1, 0, -3.0)));
        let mut s = BlockSearch::new(6);
        assert_eq!(s.find(&cost, &[0.0; 2], &[0.0; 3], 0.0), Some((1, 0, -3.0)));
        assert_eq!(s.find(&[1.0; 6], &[0.0; 2], &[0.0; 3], 0.0), None);
    }
}
