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
        let m = pt.len();
        let total = cost.len();
        if total == 0 {
            return None;
        }
        let mut e = self.next;
        let mut remaining = total;
        let mut in_block = 0;
        let mut best_rc = -eps;
        let mut best = None;
        while remaining > 0 {
            let i = e / m;
            let j = e - i * m;
            let len = (m - j).min(remaining).min(self.block - in_block);
            let (c, p) = (&cost[e..e + len], &pt[j..j + len]);
            let low = min_sum(c, p);
            let rc = low - ps[i];
            if rc < best_rc {
                best_rc = rc;
                let at = c.iter().zip(p).position(|(x, y)| x + y == low).unwrap_or(0);
                best = Some((i, j + at));
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
