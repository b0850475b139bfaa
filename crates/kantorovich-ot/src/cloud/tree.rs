//! A cluster tree of a point cloud (a k-d tree split at medians of the widest side): the points
//! are reordered so that every node, and every leaf, is a contiguous range, and each node keeps
//! its bounding box and mass, from which cost bounds between clusters follow.

use super::Cloud;
use std::ops::Range;

/// One node: the points `start..end` (in tree order), the leaves `first_leaf..end_leaf`, and its
/// two children (none for a leaf).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub points: Range<usize>,
    pub leaves: Range<usize>,
    pub children: Option<(usize, usize)>,
}

#[derive(Debug, Clone)]
pub(crate) struct ClusterTree {
    /// `order[t]` is the original index of the point at position t.
    pub order: Vec<usize>,
    /// The points in tree order.
    pub cloud: Cloud,
    /// The weights in tree order.
    pub weights: Vec<f64>,
    /// Node 0 is the root; children come after their parent.
    pub nodes: Vec<Node>,
    /// Bounding boxes, `dim` numbers per node.
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    /// Total weight per node.
    pub mass: Vec<f64>,
    /// The node of each leaf, leaves in tree (left to right) order.
    pub leaf_nodes: Vec<usize>,
    /// The leaf of each point (tree order).
    pub leaf_of: Vec<u32>,
}

impl ClusterTree {
    /// Splits until nodes hold at most `leaf_size` points.
    pub fn build(cloud: &Cloud, weights: &[f64], leaf_size: usize) -> Self {
        let (n, dim) = (cloud.len, cloud.dim);
        let leaf_size = leaf_size.max(1);
        let mut order: Vec<usize> = (0..n).collect();
        let mut nodes = vec![Node {
            points: 0..n,
            leaves: 0..0,
            children: None,
        }];
        // depth-first, left child first, so that leaves come out in left-to-right order
        let mut stack = vec![0usize];
        let mut leaf_nodes = Vec::new();
        let mut box_lo = vec![0.0; dim];
        let mut box_hi = vec![0.0; dim];
        while let Some(id) = stack.pop() {
            let r = nodes[id].points.clone();
            let first_leaf = leaf_nodes.len();
            if r.len() <= leaf_size {
                leaf_nodes.push(id);
                nodes[id].leaves = first_leaf..first_leaf + 1;
                continue;
            }
            bounds(cloud, &order[r.clone()], &mut box_lo, &mut box_hi);
            let axis = (0..dim)
                .max_by(|&a, &b| (box_hi[a] - box_lo[a]).total_cmp(&(box_hi[b] - box_lo[b])))
                .unwrap_or(0);
            let mid = r.len() / 2;
            order[r.clone()]
                .select_nth_unstable_by(mid, |&p, &q| cloud.coord(p, axis).total_cmp(&cloud.coord(q, axis)));
            let (left, right) = (nodes.len(), nodes.len() + 1);
            for points in [r.start..r.start + mid, r.start + mid..r.end] {
                nodes.push(Node {
                    points,
                    leaves: 0..0,
                    children: None,
                });
            }
            nodes[id].children = Some((left, right));
            // the right child is popped after the whole left subtree
            stack.push(right);
            stack.push(left);
        }
        // leaf ranges of inner nodes, children before parents (they were created after them)
        for id in (0..nodes.len()).rev() {
            if let Some((l, r)) = nodes[id].children {
                nodes[id].leaves = nodes[l].leaves.start..nodes[r].leaves.end;
            }
        }
        let mut soa = vec![0.0; n * dim];
        for k in 0..dim {
            for (t, &p) in order.iter().enumerate() {
                soa[k * n + t] = cloud.coord(p, k);
            }
        }
        let sorted = Cloud::from_soa(dim, n, soa);
        let weights: Vec<f64> = order.iter().map(|&p| weights[p]).collect();
        let (mut lo, mut hi, mut mass) = (
            vec![0.0; nodes.len() * dim],
            vec![0.0; nodes.len() * dim],
            vec![0.0; nodes.len()],
        );
        let ids: Vec<usize> = (0..n).collect();
        for (id, node) in nodes.iter().enumerate() {
            bounds(
                &sorted,
                &ids[node.points.clone()],
                &mut lo[id * dim..(id + 1) * dim],
                &mut hi[id * dim..(id + 1) * dim],
            );
            mass[id] = weights[node.points.clone()].iter().sum();
        }
        let mut leaf_of = vec![0u32; n];
        for (leaf, &id) in leaf_nodes.iter().enumerate() {
            leaf_of[nodes[id].points.clone()]
                .iter_mut()
                .for_each(|l| *l = leaf as u32);
        }
        Self {
            order,
            cloud: sorted,
            weights,
            nodes,
            lo,
            hi,
            mass,
            leaf_nodes,
            leaf_of,
        }
    }

    pub fn dim(&self) -> usize {
        self.cloud.dim
    }

    pub fn node_box(&self, id: usize) -> (&[f64], &[f64]) {
        let d = self.dim();
        (&self.lo[id * d..(id + 1) * d], &self.hi[id * d..(id + 1) * d])
    }

    /// The nodes of a cut of the tree with at most `count` nodes (or the leaves, if fewer): the
    /// largest nodes are split first.
    pub fn cut(&self, count: usize) -> Vec<usize> {
        let mut cut = vec![0usize];
        let mut heap = std::collections::BinaryHeap::from([(self.nodes[0].points.len(), 0usize)]);
        // the largest node is split first; once it is a leaf, every other node is one too
        while let Some((_, id)) = heap.pop() {
            let Some((l, r)) = self.nodes[id].children else {
                break;
            };
            if cut.len() + 1 > count {
                break;
            }
            cut.retain(|&c| c != id);
            cut.extend([l, r]);
            heap.push((self.nodes[l].points.len(), l));
            heap.push((self.nodes[r].points.len(), r));
        }
        cut.sort_by_key(|&id| self.nodes[id].points.start);
        cut
    }

    /// Per node, the maximum of `values` (given per point in tree order) over its points.
    pub fn node_max(&self, values: &[f64]) -> Vec<f64> {
        let mut out = vec![f64::NEG_INFINITY; self.nodes.len()];
        for id in (0..self.nodes.len()).rev() {
            out[id] = match self.nodes[id].children {
                Some((l, r)) => out[l].max(out[r]),
                None => values[self.nodes[id].points.clone()]
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max),
            };
        }
        out
    }

    /// The weighted mean of each node's points (the plain mean for a node of zero mass).
    pub fn centroid(&self, id: usize, out: &mut [f64]) {
        let r = self.nodes[id].points.clone();
        let w = &self.weights[r.clone()];
        let m: f64 = w.iter().sum();
        for (k, o) in out.iter_mut().enumerate() {
            let axis = &self.cloud.soa[k * self.cloud.len + r.start..k * self.cloud.len + r.end];
            *o = if m > 0.0 {
                axis.iter().zip(w).map(|(c, w)| c * w).sum::<f64>() / m
            } else {
                axis.iter().sum::<f64>() / r.len() as f64
            };
        }
    }
}

fn bounds(cloud: &Cloud, points: &[usize], lo: &mut [f64], hi: &mut [f64]) {
    lo.iter_mut().for_each(|x| *x = f64::INFINITY);
    hi.iter_mut().for_each(|x| *x = f64::NEG_INFINITY);
    for &p in points {
        for k in 0..cloud.dim {
            let c = cloud.coord(p, k);
            lo[k] = lo[k].min(c);
            hi[k] = hi[k].max(c);
        }
    }
}
