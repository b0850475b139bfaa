//! The initial basic feasible solution: a greedy "matrix minimum" rule on short candidate lists.
//!
//! Every row i lists its `k` cheapest columns. All these candidate arcs are sorted by cost, and
//! each in turn ships min(remaining a_i, remaining b_j) when both its row and its column still
//! have mass, which exhausts the row or the column (both when equal). Rows left with mass then
//! ship to their cheapest columns with mass, one row after the other.
//!
//! Every shipment exhausts its row or its column for good, so the arcs used form a forest (in a
//! cycle, the arc shipped first would share an exhausted node with a later arc) and they carry
//! positive flow: a basic feasible solution of the transportation problem, up to rounding.

use rayon::prelude::*;

/// Remaining masses and which rows and columns are exhausted.
struct Greedy {
    ra: Vec<f64>,
    rb: Vec<f64>,
    row_done: Vec<bool>,
    col_done: Vec<bool>,
    arcs: Vec<(usize, usize, f64)>,
}

impl Greedy {
    /// Ships as much as possible along (i, j) (both must have mass left).
    #[inline]
    fn ship(&mut self, i: usize, j: usize) {
        let (x, y) = (self.ra[i], self.rb[j]);
        if x < y {
            self.rb[j] = y - x;
            self.ra[i] = 0.0;
            self.row_done[i] = true;
            self.arcs.push((i, j, x));
        } else if y < x {
            self.ra[i] = x - y;
            self.rb[j] = 0.0;
            self.col_done[j] = true;
            self.arcs.push((i, j, y));
        } else {
            self.ra[i] = 0.0;
            self.rb[j] = 0.0;
            self.row_done[i] = true;
            self.col_done[j] = true;
            self.arcs.push((i, j, x));
        }
    }
}

/// The `k` cheapest columns of every row of an n x m cost matrix, row after row, each list in
/// increasing order of cost.
pub(crate) struct Candidates {
    /// Columns per row.
    pub(crate) k: usize,
    /// `cols[i * k + r]` is the column of the r-th cheapest entry of row i.
    pub(crate) cols: Vec<usize>,
    /// `costs[i * k + r]` is its cost.
    pub(crate) costs: Vec<f64>,
}

impl Candidates {
    /// The `k` (clamped to 1..=m) cheapest columns of each row of `cost` (n x m, row-major),
    /// found in parallel over the rows.
    pub(crate) fn new(cost: &[f64], n: usize, m: usize, k: usize) -> Self {
        let k = k.clamp(1, m.max(1));
        let mut lists: Vec<(f64, usize)> = vec![(0.0, 0); n * k];
        // rows in chunks of about 2^16 entries (none when m = 0)
        if let Some(rows_per_task) = (1usize << 16).checked_div(m).map(|r| r + 1) {
            lists
                .par_chunks_mut(k * rows_per_task)
                .enumerate()
                .for_each(|(t, chunk)| {
                    for (r, list) in chunk.chunks_mut(k).enumerate() {
                        let i = t * rows_per_task + r;
                        cheapest(&cost[i * m..(i + 1) * m], list);
                    }
                });
        }
        Self {
            k,
            cols: lists.iter().map(|x| x.1).collect(),
            costs: lists.iter().map(|x| x.0).collect(),
        }
    }
}

/// A basic feasible solution (i, j, flow) of the transportation problem with the n x m cost
/// matrix `cost` (row-major) and positive marginals `a`, `b` of equal total, with at most
/// n + m - 1 arcs, all of positive flow, forming a forest. The greedy pass looks at the first
/// `k` candidates of each row.
pub(crate) fn initial_solution(
    a: &[f64],
    b: &[f64],
    cost: &[f64],
    candidates: &Candidates,
    k: usize,
) -> Vec<(usize, usize, f64)> {
    let (n, m) = (a.len(), b.len());
    let mut g = Greedy {
        ra: a.to_vec(),
        rb: b.to_vec(),
        row_done: vec![false; n],
        col_done: vec![false; m],
        arcs: Vec::with_capacity(n + m),
    };
    if n == 0 || m == 0 {
        return g.arcs;
    }

    let kk = candidates.k;
    let k = k.clamp(1, kk);
    let mut sorted: Vec<(f64, usize, usize)> = (0..n)
        .flat_map(|i| (0..k).map(move |r| (i, i * kk + r)))
        .map(|(i, t)| (candidates.costs[t], i, candidates.cols[t]))
        .collect();
    sorted.par_sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
    for &(_, i, j) in &sorted {
        if !g.row_done[i] && !g.col_done[j] {
            g.ship(i, j);
        }
    }

    // Leftover rows: cheapest column with mass left, until the row is exhausted. A row that
    // needs more than a few columns sorts its open columns once and fills them in order, so
    // that this stays O(n m log m) even when one row must feed every column.
    const SCANS: usize = 4;
    let mut open_cols: Vec<usize> = (0..m).filter(|&j| !g.col_done[j]).collect();
    for i in 0..n {
        if g.row_done[i] {
            continue;
        }
        open_cols.retain(|&j| !g.col_done[j]);
        let row = &cost[i * m..(i + 1) * m];
        for _ in 0..SCANS {
            let open = open_cols.iter().filter(|&&j| !g.col_done[j]);
            let Some(&j) = open.min_by(|&&x, &&y| row[x].total_cmp(&row[y])) else {
                break;
            };
            g.ship(i, j);
            if g.row_done[i] {
                break;
            }
        }
        if !g.row_done[i] {
            let mut order: Vec<usize> = open_cols.iter().copied().filter(|&j| !g.col_done[j]).collect();
            order.sort_unstable_by(|&x, &y| row[x].total_cmp(&row[y]));
            // only this row ships now, and each shipment closes its column or the row
            for j in order {
                g.ship(i, j);
                if g.row_done[i] {
                    break;
                }
            }
        }
        // a row still open here has only rounding left over
    }
    g.arcs
}

/// Fills `list` (its length is k <= row.len()) with (C_ij, j) for the k smallest entries C_ij of
/// `row`, in increasing order.
fn cheapest(row: &[f64], list: &mut [(f64, usize)]) {
    let k = list.len();
    for (j, &c) in row.iter().take(k).enumerate() {
        list[j] = (c, j);
    }
    list.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
    let mut worst = list[k - 1].0;
    for (j, &c) in row.iter().enumerate().skip(k) {
        if c < worst {
            // insert, keeping the list sorted
            let mut p = k - 1;
            while p > 0 && list[p - 1].0 > c {
                list[p] = list[p - 1];
                p -= 1;
            }
            list[p] = (c, j);
            worst = list[k - 1].0;
        }
    }
}
