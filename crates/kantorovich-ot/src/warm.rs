//! Warm start: the initial spanning tree from a hint, a transport plan of a nearby problem.
//!
//! A basic feasible solution of the transportation problem is a forest of arcs (its support)
//! whose flows are determined by the marginals: the flow of an arc is the net supply on either
//! side of it within the forest. A hint P (an n x m plan) is used when it is one for the
//! problem being solved:
//!
//! - same size n x m, entries only on atoms of positive weight;
//! - row sums a_i and column sums b'_j (b rescaled to the mass of a) up to [`HINT_TOLERANCE`]
//!   times the mass, atom by atom;
//! - a support without cycles, hence at most n + m - 1 entries.
//!
//! The start is then the tree that the greedy start would give for the same forest: each
//! component of the support hung from the root by an artificial arc of zero flow (see
//! [`Tree::new`]). The flows on it are recomputed from a and b' exactly as at the end of a solve,
//! and the tree must come out strongly feasible, as the pivot rule requires: no negative flow,
//! every zero-flow arc pointing away from the root, and every subtree of the root balanced up to
//! the rounding of its sum. The first two can only fail on flows at the level of rounding noise,
//! the last on a hint whose components carry masses other than those of the problem; either way
//! the caller then starts cold.
//!
//! A hint has no dual information: the potentials of the start are those the tree fixes, with
//! one node of each component at 0. When the support spans all atoms (a non-degenerate optimal
//! plan has n + m - 1 entries) the tree is the optimal basis and no pivot is needed; when it
//! falls apart into several components (uniform weights give plans of about max(n, m) entries),
//! the simplex spends degenerate pivots, a few per component, to connect them and recover
//! optimal potentials.
//!
//! Completing the forest with real arcs of zero flow along a shortest-path tree of the
//! components (with lengths the reduced costs, which gives optimal potentials outright when the
//! hint is optimal) was tried: on 200 x 200 problems a label-correcting search costs more than
//! the degenerate pivots it saves.

use crate::tree::{Tree, NONE};
use kantorovich_core::TransportPlan;

/// How far the marginals of a hint may be from a and b', relative to the total mass:
/// |sum_j P_ij - a_i| <= 1e-12 sum(a), and the same for the columns.
pub(crate) const HINT_TOLERANCE: f64 = 1e-12;

/// The problem as the solver sees it: only the atoms of positive weight, indexed `0..nn` (rows)
/// and `0..mm` (columns).
pub(crate) struct Compacted<'a> {
    /// The original row of each compacted row.
    pub(crate) rows: &'a [usize],
    /// The original column of each compacted column.
    pub(crate) cols: &'a [usize],
    /// The original number of rows n.
    pub(crate) n: usize,
    /// The original number of columns m.
    pub(crate) m: usize,
    /// Supplies: a_i for the nn rows, then -b'_j for the mm columns.
    pub(crate) supply: &'a [f64],
    /// The nn x mm cost matrix, row-major.
    pub(crate) cost: &'a [f64],
}

/// The strongly feasible initial tree built on the support of `hint`, with flows recomputed
/// from the supplies, or `None` if the hint does not fit the problem (see the module
/// documentation).
pub(crate) fn warm_tree<'c>(hint: &TransportPlan, p: &Compacted<'c>) -> Option<Tree<'c>> {
    let (nn, mm) = (p.rows.len(), p.cols.len());
    if hint.rows() != p.n || hint.cols() != p.m || hint.nnz() + 1 > nn + mm {
        return None;
    }
    let mut row_at = vec![NONE; p.n];
    for (k, &i) in p.rows.iter().enumerate() {
        row_at[i] = k;
    }
    let mut col_at = vec![NONE; p.m];
    for (k, &j) in p.cols.iter().enumerate() {
        col_at[j] = k;
    }

    // The entries in compacted indices, and the marginals they make (as supplies).
    let mut arcs = Vec::with_capacity(hint.nnz());
    let mut sums = vec![0.0; nn + mm];
    for (i, j, x) in hint.iter() {
        let (r, c) = (row_at[i], col_at[j]);
        if r == NONE || c == NONE || x <= 0.0 {
            return None;
        }
        sums[r] += x;
        sums[nn + c] -= x;
        arcs.push((r, c, x));
    }
    let mass: f64 = p.supply[..nn].iter().sum();
    let tolerance = HINT_TOLERANCE * mass;
    // written so that a sum that overflowed (huge entries) fails
    if !sums.iter().zip(p.supply).all(|(s, t)| (s - t).abs() <= tolerance) {
        return None;
    }
    if !is_forest(nn, mm, &arcs) {
        return None;
    }

    let mut tree = Tree::new(nn, mm, p.cost, &arcs);
    let report = tree.recompute_flows(p.supply);
    (report.worst >= 0.0 && report.balanced && tree.is_strongly_feasible()).then_some(tree)
}

/// Whether the arcs (i, j) (i a source in `0..n`, j a sink in `0..m`) form a forest: no arc
/// joins two nodes that the arcs before it already connect. Union-find with path halving.
fn is_forest(n: usize, m: usize, arcs: &[(usize, usize, f64)]) -> bool {
    fn find(up: &mut [usize], mut v: usize) -> usize {
        while up[v] != v {
            up[v] = up[up[v]];
            v = up[v];
        }
        v
    }
    let mut up: Vec<usize> = (0..n + m).collect();
    arcs.iter().all(|&(i, j, _)| {
        let (x, y) = (find(&mut up, i), find(&mut up, n + j));
        up[x] = y;
        x != y
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NetworkSimplex;
    use kantorovich_core::CostMatrix;

    use kantorovich_testkit::SplitMix64 as Rng;

    /// The warm tree for `hint` on the problem (a, b, cost), compacted as the solver does.
    fn fits(a: &[f64], b: &[f64], cost: &CostMatrix, hint: &TransportPlan) -> bool {
        let rows: Vec<usize> = (0..a.len()).filter(|&i| a[i] > 0.0).collect();
        let cols: Vec<usize> = (0..b.len()).filter(|&j| b[j] > 0.0).collect();
        let c: Vec<f64> = rows
            .iter()
            .flat_map(|&i| cols.iter().map(move |&j| cost.get(i, j)))
            .collect();
        let supply: Vec<f64> = rows.iter().map(|&i| a[i]).chain(cols.iter().map(|&j| -b[j])).collect();
        let problem = Compacted {
            rows: &rows,
            cols: &cols,
            n: a.len(),
            m: b.len(),
            supply: &supply,
            cost: &c,
        };
        match warm_tree(hint, &problem) {
            Some(tree) => {
                tree.check().unwrap();
                true
            }
            None => false,
        }
    }

    #[test]
    fn optimal_plans_of_nearby_problems_fit_and_give_strongly_feasible_trees() {
        let mut rng = Rng(5);
        let solver = NetworkSimplex::default();
        for round in 0..2000 {
            let (n, m) = (1 + rng.below(15), 1 + rng.below(15));
            // integer weights with equal totals (some zero in one round out of two), integer
            // costs with many ties: degenerate plans of several components
            let mut a = vec![0.0; n];
            let mut b = vec![0.0; m];
            for ai in a.iter_mut() {
                for bj in b.iter_mut() {
                    let x = rng.below(if round % 2 == 0 { 3 } else { 2 }) as f64;
                    *ai += x;
                    *bj += x;
                }
            }
            if round % 2 == 0 {
                a[0] += 1.0;
                b[0] += 1.0;
            }
            if a.iter().all(|&x| x == 0.0) {
                continue;
            }
            let data: Vec<f64> = (0..n * m).map(|_| rng.below(4) as f64).collect();
            let cost = CostMatrix::new(n, m, data.clone()).unwrap();
            let plan = solver.solve(&a, &b, &cost).unwrap().plan;
            assert!(fits(&a, &b, &cost, &plan), "round {round}");
            let moved: Vec<f64> = data.iter().map(|c| c + rng.below(2) as f64).collect();
            let moved = CostMatrix::new(n, m, moved).unwrap();
            assert!(fits(&a, &b, &moved, &plan), "round {round}, moved");
        }
    }

    #[test]
    fn forests_and_cycles() {
        assert!(is_forest(2, 2, &[]));
        assert!(is_forest(2, 2, &[(0, 0, 1.0), (0, 1, 1.0), (1, 1, 1.0)]));
        assert!(!is_forest(2, 2, &[(0, 0, 1.0), (0, 1, 1.0), (1, 1, 1.0), (1, 0, 1.0)]));
        assert!(!is_forest(1, 1, &[(0, 0, 1.0), (0, 0, 1.0)]));
        assert!(is_forest(3, 1, &[(0, 0, 1.0), (1, 0, 1.0), (2, 0, 1.0)]));
    }
}
