//! The truncated kernel of a multiscale solve: the Gibbs kernel restricted to the pairs of
//! leaves (clusters) whose entries can matter, found and bounded with the cluster trees.
//!
//! For potentials (f, g), the mass of the entries of a pair of clusters (I, J) is
//!
//! ```text
//! sum_{i in I, j in J} a_i b_j exp((f_i + g_j - C_ij) / eps) <= A_I B_J exp((F_I + G_J - L_IJ) / eps),
//! ```
//!
//! with A_I, B_J the clusters' masses, F_I, G_J the largest potentials in them and L_IJ the
//! cost between their bounding boxes (a lower bound of every C_ij). A pair is dropped when that
//! bound is at most `threshold` A_I B_J, so the dropped mass is at most `threshold` times the
//! squared total mass; the bound itself, summed over what was dropped, is what a solve reports.

use super::tree::ClusterTree;
use super::PointCloudCost;
use crate::backend::for_each_line;
use crate::CostBackend;
use kantorovich_core::CoordinateCost;
use rayon::prelude::*;
use std::ops::Range;

/// The truncated kernel: for each leaf of X the ranges of Y points kept (in tree order) and the
/// transpose.
pub(crate) struct SparseKernel<'a> {
    cost: &'a PointCloudCost,
    x_leaf_of: &'a [u32],
    y_leaf_of: &'a [u32],
    row_ranges: Vec<Vec<Range<usize>>>,
    col_ranges: Vec<Vec<Range<usize>>>,
    /// Kept leaves of Y for each leaf of X (sorted).
    pub kept: Vec<Vec<u32>>,
    /// Number of kernel entries kept.
    pub entries: usize,
}

/// The lower bound of the cost between two boxes.
#[inline]
fn box_gap_cost(form: &CoordinateCost, (alo, ahi): (&[f64], &[f64]), (blo, bhi): (&[f64], &[f64])) -> f64 {
    form.of_gaps((0..alo.len()).map(|k| (blo[k] - ahi[k]).max(alo[k] - bhi[k]).max(0.0)))
}

/// For leaf `leaf` of X, walks the tree of Y: `visit(node, log_bound)` gets the log of the
/// bound exp((F_I + G_J - L_IJ) / eps) of each node reached and says whether to descend.
fn walk(
    tx: &ClusterTree,
    ty: &ClusterTree,
    form: &CoordinateCost,
    leaf: usize,
    (f_max, g_max): (&[f64], &[f64]),
    inv_eps: f64,
    mut visit: impl FnMut(usize, f64) -> bool,
) {
    let xi = tx.leaf_nodes[leaf];
    let xbox = tx.node_box(xi);
    let mut stack = vec![0usize];
    while let Some(j) = stack.pop() {
        let log_bound = (f_max[xi] + g_max[j] - box_gap_cost(form, xbox, ty.node_box(j))) * inv_eps;
        if visit(j, log_bound) {
            if let Some((l, r)) = ty.nodes[j].children {
                stack.push(r);
                stack.push(l);
            }
        }
    }
}

/// A leaf of `ty` of positive mass with a large bound against leaf `leaf` of `tx`: the descent
/// that follows the child with the larger bound (used only where the truncation kept nothing).
fn greedy_leaf(
    tx: &ClusterTree,
    ty: &ClusterTree,
    form: &CoordinateCost,
    leaf: usize,
    f_max: &[f64],
    g_max: &[f64],
) -> usize {
    let xi = tx.leaf_nodes[leaf];
    let xbox = tx.node_box(xi);
    let bound = |j: usize| f_max[xi] + g_max[j] - box_gap_cost(form, xbox, ty.node_box(j));
    let mut j = 0;
    // the root has positive mass (the totals are checked), so some child always has
    while let Some((l, r)) = ty.nodes[j].children {
        j = match (ty.mass[l] > 0.0, ty.mass[r] > 0.0) {
            (true, false) => l,
            (false, true) => r,
            _ if bound(l) >= bound(r) => l,
            _ => r,
        };
    }
    ty.nodes[j].leaves.start
}

impl<'a> SparseKernel<'a> {
    /// Keeps the pairs of leaves whose bound exceeds `threshold` (see the module docs). `f`, `g`
    /// are in tree order; `cost` is the point cloud of the two trees' points in tree order.
    pub fn build(
        cost: &'a PointCloudCost,
        (tx, ty): (&'a ClusterTree, &'a ClusterTree),
        (f, g): (&[f64], &[f64]),
        eps: f64,
        threshold: f64,
    ) -> Self {
        let (f_max, g_max) = (tx.node_max(f), ty.node_max(g));
        let form = cost.form();
        let log_t = threshold.ln();
        let inv_eps = 1.0 / eps;
        let kept: Vec<Vec<u32>> = (0..tx.leaf_nodes.len())
            .into_par_iter()
            .map(|leaf| {
                let mut out = Vec::new();
                walk(tx, ty, &form, leaf, (&f_max, &g_max), inv_eps, |j, log_bound| {
                    // entries of zero mass carry nothing: never kept, nothing to bound
                    if log_bound <= log_t || ty.mass[j] == 0.0 {
                        return false;
                    }
                    if ty.nodes[j].children.is_none() {
                        out.push(ty.nodes[j].leaves.start as u32);
                    }
                    true
                });
                out
            })
            .collect();
        // every row and column keeps at least one block of positive mass, or its potential
        // would be infinite
        let mut kept = kept;
        for (leaf, k) in kept.iter_mut().enumerate() {
            if k.is_empty() {
                k.push(greedy_leaf(tx, ty, &form, leaf, &f_max, &g_max) as u32);
            }
        }
        let mut covered = vec![false; ty.leaf_nodes.len()];
        for (leaf, k) in kept.iter().enumerate() {
            if tx.mass[tx.leaf_nodes[leaf]] > 0.0 {
                k.iter().for_each(|&j| covered[j as usize] = true);
            }
        }
        for j in (0..ty.leaf_nodes.len()).filter(|&j| !covered[j]) {
            let i = greedy_leaf(ty, tx, &form, j, &g_max, &f_max);
            let k = &mut kept[i];
            let at = k.partition_point(|&l| l < j as u32);
            k.insert(at, j as u32);
        }
        let ranges = |leaves: &[u32], tree: &ClusterTree| -> Vec<Range<usize>> {
            let mut out: Vec<Range<usize>> = Vec::new();
            for &l in leaves {
                let r = tree.nodes[tree.leaf_nodes[l as usize]].points.clone();
                match out.last_mut() {
                    Some(last) if last.end == r.start => last.end = r.end,
                    _ => out.push(r),
                }
            }
            out
        };
        let row_ranges: Vec<Vec<Range<usize>>> = kept.iter().map(|k| ranges(k, ty)).collect();
        let mut transposed: Vec<Vec<u32>> = vec![Vec::new(); ty.leaf_nodes.len()];
        for (i, k) in kept.iter().enumerate() {
            for &j in k {
                transposed[j as usize].push(i as u32);
            }
        }
        let col_ranges = transposed.iter().map(|k| ranges(k, tx)).collect();
        let entries = row_ranges
            .iter()
            .enumerate()
            .map(|(i, rs)| tx.nodes[tx.leaf_nodes[i]].points.len() * rs.iter().map(|r| r.len()).sum::<usize>())
            .sum();
        Self {
            cost,
            x_leaf_of: &tx.leaf_of,
            y_leaf_of: &ty.leaf_of,
            row_ranges,
            col_ranges,
            kept,
            entries,
        }
    }

    /// A bound of the mass sum a_i b_j exp((f_i + g_j - C_ij) / eps) over the entries this
    /// kernel leaves out, for the potentials (f, g) (tree order): the cluster bound of every
    /// node of Y that holds no kept leaf, summed over the leaves of X.
    pub fn dropped_bound(
        &self,
        (tx, ty): (&ClusterTree, &ClusterTree),
        (f, g): (&[f64], &[f64]),
        eps: f64,
        threshold: f64,
    ) -> f64 {
        let log_t = threshold.ln();
        let (f_max, g_max) = (tx.node_max(f), ty.node_max(g));
        let form = self.cost.form();
        let inv_eps = 1.0 / eps;
        (0..tx.leaf_nodes.len())
            .into_par_iter()
            .map(|leaf| {
                let kept = &self.kept[leaf];
                let a = tx.mass[tx.leaf_nodes[leaf]];
                let mut bound = 0.0;
                walk(tx, ty, &form, leaf, (&f_max, &g_max), inv_eps, |j, log_bound| {
                    let leaves = &ty.nodes[j].leaves;
                    let first = kept.partition_point(|&l| (l as usize) < leaves.start);
                    let holds_kept = first < kept.len() && (kept[first] as usize) < leaves.end;
                    // a node without kept leaves is bounded as a whole once its bound is small
                    // or it is a leaf; otherwise its children give tighter bounds
                    if ty.mass[j] == 0.0 {
                        return false;
                    }
                    let leaf = ty.nodes[j].children.is_none();
                    if !holds_kept && (leaf || log_bound <= log_t) {
                        bound += a * ty.mass[j] * log_bound.exp();
                        return false;
                    }
                    true
                });
                bound
            })
            .sum()
    }

    pub fn ranges_of_row(&self, i: usize) -> &[Range<usize>] {
        &self.row_ranges[self.x_leaf_of[i] as usize]
    }

    fn ranges_of_col(&self, j: usize) -> &[Range<usize>] {
        &self.col_ranges[self.y_leaf_of[j] as usize]
    }
}

/// Writes the costs of the kept entries among `start..start + out.len()` and +inf elsewhere.
fn fill_kept(ranges: &[Range<usize>], start: usize, out: &mut [f64], mut fill: impl FnMut(usize, &mut [f64])) {
    out.iter_mut().for_each(|o| *o = f64::INFINITY);
    let end = start + out.len();
    for r in ranges {
        let (s, e) = (r.start.max(start), r.end.min(end));
        if s < e {
            fill(s, &mut out[s - start..e - start]);
        }
    }
}

/// The truncated kernel as a Sinkhorn back-end: the dropped entries count as C_ij = +inf.
impl CostBackend for SparseKernel<'_> {
    fn rows(&self) -> usize {
        self.cost.rows()
    }
    fn cols(&self) -> usize {
        self.cost.cols()
    }
    fn fill_row(&self, i: usize, j0: usize, out: &mut [f64]) {
        fill_kept(self.ranges_of_row(i), j0, out, |s, o| self.cost.fill_row(i, s, o));
    }
    fn fill_col(&self, j: usize, i0: usize, out: &mut [f64]) {
        fill_kept(self.ranges_of_col(j), i0, out, |s, o| self.cost.fill_col(j, s, o));
    }
    /// The bound of max C over all entries (kept or not).
    fn max_abs(&self) -> f64 {
        self.cost.max_abs()
    }
    fn row_log_sum_exp(&self, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        let line = |i: usize, o: &mut f64| *o = self.cost.line_lse(true, i, u[i], v, self.ranges_of_row(i), inv_eps);
        for_each_line(self.entries, out, line);
    }
    fn col_log_sum_exp(&self, u: &[f64], v: &[f64], inv_eps: f64, out: &mut [f64]) {
        let line = |j: usize, o: &mut f64| *o = self.cost.line_lse(false, j, v[j], u, self.ranges_of_col(j), inv_eps);
        for_each_line(self.entries, out, line);
    }
    fn row_moments(&self, u: &[f64], v: &[f64], inv_eps: f64, mass: &mut [f64], cost: &mut [f64]) {
        let mut pairs = vec![(0.0, 0.0); self.rows()];
        let line = |i: usize, o: &mut (f64, f64)| {
            *o = self.cost.line_moments(true, i, u[i], v, self.ranges_of_row(i), inv_eps)
        };
        for_each_line(self.entries, &mut pairs, line);
        for ((p, ms), cs) in pairs.into_iter().zip(mass.iter_mut()).zip(cost.iter_mut()) {
            (*ms, *cs) = p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tree::ClusterTree;
    use super::super::{Cloud, PointCloudCost};
    use super::*;
    use crate::Sinkhorn;

    /// The bound of the dropped mass holds against the mass counted entry by entry, at the
    /// potentials the blocks were chosen with (where it is at most threshold x mass^2) and at
    /// other potentials.
    #[test]
    #[allow(clippy::needless_range_loop)]
    fn dropped_bound_holds_entry_by_entry() {
        for (seed, d, eps) in [(1u64, 2usize, 0.01), (2, 1, 0.003), (3, 3, 0.005), (4, 2, 0.001)] {
            let mut state = seed;
            let mut rnd = || {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64
            };
            let (n, m) = (300, 250);
            let x: Vec<f64> = (0..n * d).map(|_| rnd()).collect();
            let y: Vec<f64> = (0..m * d).map(|_| rnd()).collect();
            let a = vec![1.0 / n as f64; n];
            let b = vec![1.0 / m as f64; m];
            let form = CoordinateCost::SquaredEuclidean;
            let (cx, cy) = (
                Cloud::from_rows(d, &x, "x").unwrap(),
                Cloud::from_rows(d, &y, "y").unwrap(),
            );
            let (tx, ty) = (ClusterTree::build(&cx, &a, 8), ClusterTree::build(&cy, &b, 8));
            let sorted = PointCloudCost::from_clouds(form, tx.cloud.clone(), ty.cloud.clone());
            let sol = Sinkhorn::new(eps)
                .tolerance(1e-9)
                .solve(&tx.weights, &ty.weights, &sorted)
                .unwrap();
            let threshold = 1e-6;
            let kernel = SparseKernel::build(&sorted, (&tx, &ty), (&sol.f, &sol.g), eps, threshold);
            assert!(kernel.entries < n * m, "seed {seed}: nothing was dropped");
            let perturbed: Vec<f64> = sol.f.iter().map(|v| v + 0.3 * eps * (rnd() - 0.5)).collect();
            for f in [&sol.f, &perturbed] {
                let mut dropped = 0.0;
                for i in 0..n {
                    let ranges = kernel.ranges_of_row(i);
                    for j in 0..m {
                        if !ranges.iter().any(|r| r.contains(&j)) {
                            let c = sorted.cost(i, j);
                            dropped += tx.weights[i] * ty.weights[j] * ((f[i] + sol.g[j] - c) / eps).exp();
                        }
                    }
                }
                let bound = kernel.dropped_bound((&tx, &ty), (f, &sol.g), eps, threshold);
                assert!(
                    dropped <= bound * (1.0 + 1e-12),
                    "seed {seed}: dropped {dropped:e} > bound {bound:e}"
                );
                if std::ptr::eq(f, &sol.f) {
                    assert!(
                        bound <= threshold,
                        "seed {seed}: bound {bound:e} at the build potentials"
                    );
                }
            }
            // every row and column keeps something
            assert!((0..n).all(|i| !kernel.ranges_of_row(i).is_empty()));
            assert!((0..m).all(|j| !kernel.ranges_of_col(j).is_empty()));
        }
    }
}
