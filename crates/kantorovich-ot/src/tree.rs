//! The spanning tree of the network simplex and its pivot.
//!
//! # The network
//!
//! Nodes `0..n` are the sources (rows, supply a_i > 0), nodes `n..n+m` the sinks (columns,
//! demand b_j > 0) and node `n + m` is an artificial root. The arcs are the n m real arcs
//! i -> n + j of cost C_ij (never stored: arc (i, j) is the entry `i * m + j` of the cost
//! matrix) and one artificial arc root -> v per node, of cost 0, which only serves to connect the
//! components of the initial forest into one spanning tree. Artificial arcs start with zero flow,
//! keep it (see [`Tree::pivot`]) and are never priced, so they never re-enter the tree once they
//! leave it.
//!
//! Arcs are uncapacitated, so every arc outside the tree has zero flow and only tree arcs carry
//! flow: the flow of the arc joining v to its parent is stored at v.
//!
//! # The tree
//!
//! Each node v stores its parent, the flow of the arc to its parent, the size of its subtree, and
//! its place in the preorder of the tree (a doubly linked cyclic list `thread`/`rev` starting at
//! the root, where the subtree of v is the contiguous run from v to `last[v]`). The direction of
//! the arc between v and its parent follows from the node types: a real arc always goes from a
//! source to a sink, and an artificial arc from the root to v. So the arc points *up* (from v to
//! its parent) exactly when v is a source whose parent is not the root.
//!
//! Potentials `pot` make every tree arc tight: C_ij - pot_i + pot_{n+j} = 0 for a real tree arc
//! (i, j). The reduced cost of a real arc is C_ij - pot_i + pot_{n+j}; the dual potentials of the
//! transportation problem are f_i = pot_i and g_j = -pot_{n+j}.
//!
//! # Strong feasibility
//!
//! The tree is kept *strongly feasible*: positive flow can be sent from the root to any node along
//! the tree, that is, every tree arc with zero flow points away from the root. The initial tree is
//! strongly feasible (its real arcs carry positive flow and the artificial arcs point down), and
//! the leaving-arc rule of Cunningham (1976) keeps it so. For this orientation the rule takes the
//! first blocking arc met when walking the cycle from its apex in the direction of the entering
//! arc (reversing every arc turns it into the textbook statement, for trees that send flow to the
//! root: the last blocking arc). Strongly feasible trees make the primal simplex finite whatever
//! the entering arc: a degenerate pivot strictly changes the sum of the potentials in one
//! direction (Ahuja, Magnanti and Orlin, *Network Flows*, section 11.5).

/// a + b = s + e exactly, with s the rounded sum (Knuth's branch-free TwoSum).
#[inline]
pub(crate) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// a + b = s + e exactly when |a| >= |b| (or a = 0), with s the rounded sum (Dekker).
#[inline]
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// No node (the parent of the root).
pub(crate) const NONE: usize = usize::MAX;

/// The spanning tree, its flows and potentials, and scratch space for pivots.
pub(crate) struct Tree<'c> {
    /// Number of sources.
    n: usize,
    /// Number of sinks.
    m: usize,
    /// The artificial root, node `n + m`.
    root: usize,
    /// The n x m cost matrix, row-major.
    cost: &'c [f64],
    parent: Vec<usize>,
    /// Flow on the arc between v and its parent.
    flow: Vec<f64>,
    /// Number of nodes in the subtree of v (v included).
    size: Vec<usize>,
    /// Next node in preorder (cyclic: the last node points to the root).
    thread: Vec<usize>,
    /// Previous node in preorder.
    rev: Vec<usize>,
    /// Last node of the subtree of v in preorder.
    last: Vec<usize>,
    /// Node potentials: pot_i = f_i for a source, pot_{n+j} = -g_j for a sink.
    pot: Vec<f64>,
    /// The rounding error of each potential, kept so that pot + pot_lo carries about twice the
    /// precision of f64 (a double-double): the certification phase needs reduced costs that are
    /// exact relative to each arc's own cost even when the potentials are many decades larger.
    pot_lo: Vec<f64>,
    /// Scratch: the stem of a pivot (the path re-rooted in the moved subtree).
    stem: Vec<usize>,
    /// Scratch: for each stem node after the first, the thread pieces it contributes.
    pieces: Vec<Piece>,
}

/// What [`Tree::recompute_flows`] found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlowReport {
    /// The most negative flow (other than noise) before it was clamped to zero; 0 if none.
    pub(crate) worst: f64,
    /// Whether the net supply reaching every artificial arc was rounding noise.
    pub(crate) balanced: bool,
}

/// The preorder pieces of a stem node s_k once the subtree is re-rooted: the run from s_k to
/// `first_end`, then (if `second` is some) the run `second.0 ..= second.1`.
#[derive(Clone, Copy)]
struct Piece {
    first_end: usize,
    second: Option<(usize, usize)>,
}

impl<'c> Tree<'c> {
    /// The tree made of the forest `arcs` (triplets (i, j, flow) with flow > 0, acyclic), each of
    /// whose components is hung from the root by an artificial arc of zero flow.
    pub(crate) fn new(n: usize, m: usize, cost: &'c [f64], arcs: &[(usize, usize, f64)]) -> Self {
        let nodes = n + m + 1;
        let root = n + m;
        // adjacency of the forest, compressed
        let mut start = vec![0usize; nodes + 1];
        for &(i, j, _) in arcs {
            start[i + 1] += 1;
            start[n + j + 1] += 1;
        }
        for v in 0..nodes {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut adj = vec![(0usize, 0.0f64); 2 * arcs.len()];
        for &(i, j, x) in arcs {
            adj[fill[i]] = (n + j, x);
            fill[i] += 1;
            adj[fill[n + j]] = (i, x);
            fill[n + j] += 1;
        }

        let mut parent = vec![NONE; nodes];
        let mut flow = vec![0.0; nodes];
        let mut seen = vec![false; nodes];
        let mut order = Vec::with_capacity(nodes);
        let mut stack = Vec::new();
        order.push(root);
        seen[root] = true;
        for r in 0..n + m {
            if seen[r] {
                continue;
            }
            seen[r] = true;
            parent[r] = root;
            stack.push(r);
            // Popping a node and pushing its unseen neighbours lists every subtree contiguously:
            // a preorder.
            while let Some(v) = stack.pop() {
                order.push(v);
                for &(w, x) in &adj[start[v]..start[v + 1]] {
                    if !seen[w] {
                        seen[w] = true;
                        parent[w] = v;
                        flow[w] = x;
                        stack.push(w);
                    }
                }
            }
        }

        let mut thread = vec![0usize; nodes];
        let mut rev = vec![0usize; nodes];
        let mut position = vec![0usize; nodes];
        for (k, &v) in order.iter().enumerate() {
            let next = order[(k + 1) % nodes];
            thread[v] = next;
            rev[next] = v;
            position[v] = k;
        }
        let mut size = vec![1usize; nodes];
        for &v in order.iter().skip(1).rev() {
            size[parent[v]] += size[v];
        }
        let last = (0..nodes).map(|v| order[position[v] + size[v] - 1]).collect();

        let mut tree = Self {
            n,
            m,
            root,
            cost,
            parent,
            flow,
            size,
            thread,
            rev,
            last,
            pot: vec![0.0; nodes],
            pot_lo: vec![0.0; nodes],
            stem: Vec::with_capacity(nodes),
            pieces: Vec::with_capacity(nodes),
        };
        tree.recompute_potentials();
        tree
    }

    /// Potentials of the sources (f_i = pot_i).
    #[inline]
    pub(crate) fn source_potentials(&self) -> &[f64] {
        &self.pot[..self.n]
    }

    /// Potentials of the sinks (pot_{n+j} = -g_j).
    #[inline]
    pub(crate) fn sink_potentials(&self) -> &[f64] {
        &self.pot[self.n..self.n + self.m]
    }

    /// The rounding errors of the source and of the sink potentials: pot + pot_lo is the
    /// potential to about 1e-32 of its size right after
    /// [`recompute_potentials`](Tree::recompute_potentials) (a pivot updates `pot` alone).
    #[inline]
    pub(crate) fn potential_errors(&self) -> (&[f64], &[f64]) {
        (&self.pot_lo[..self.n], &self.pot_lo[self.n..self.n + self.m])
    }

    /// Whether the arc between v and its parent points from v to its parent.
    #[inline]
    fn is_up(&self, v: usize) -> bool {
        v < self.n && self.parent[v] != self.root
    }

    /// The real arc (i, j) joining v to its parent, or `None` for an artificial arc.
    #[inline]
    fn pred_arc(&self, v: usize) -> Option<(usize, usize)> {
        let p = self.parent[v];
        if p == self.root || p == NONE {
            None
        } else if v < self.n {
            Some((v, p - self.n))
        } else {
            Some((p, v - self.n))
        }
    }

    /// Brings the real arc (i, j) of reduced cost `sigma` < 0 into the tree: pushes flow around
    /// the cycle it closes, removes the leaving arc chosen by Cunningham's rule and updates the
    /// tree and the potentials. Returns `false` (and changes nothing) if no arc of the cycle
    /// blocks, which cannot happen for a transportation network.
    pub(crate) fn pivot(&mut self, i: usize, j: usize, sigma: f64) -> bool {
        let k = i;
        let l = self.n + j;
        let parent = &self.parent;
        let size = &self.size;

        // The apex w of the cycle: the deepest common ancestor of k and l. An ancestor has a
        // larger subtree than its descendants, so always climb from the smaller subtree.
        let (mut u, mut v) = (k, l);
        while u != v {
            if size[u] < size[v] {
                u = parent[u];
            } else {
                v = parent[v];
            }
        }
        let apex = u;

        // The cycle, in the direction of the entering arc k -> l, runs apex -> .. -> k -> l ->
        // .. -> apex. On the path from the apex down to k, the arcs pointing up are traversed
        // backwards; on the path from l up to the apex, those pointing down are. A backward arc
        // blocks at its flow. Our trees let positive flow go from the root to every node (zero
        // flow only on arcs pointing down), and Cunningham's rule for that orientation takes the
        // first blocking arc met from the apex: on the k side the one closest to the apex (<=,
        // climbing from k), else on the l side the one closest to l (strict <, climbing from l).
        let mut delta = f64::INFINITY;
        let mut u_out = NONE;
        let mut on_k_side = false;
        let mut x = k;
        while x != apex {
            if self.is_up(x) && self.flow[x] <= delta {
                delta = self.flow[x];
                u_out = x;
                on_k_side = true;
            }
            x = self.parent[x];
        }
        x = l;
        while x != apex {
            if !self.is_up(x) && self.flow[x] < delta {
                delta = self.flow[x];
                u_out = x;
                on_k_side = false;
            }
            x = self.parent[x];
        }
        if u_out == NONE {
            return false;
        }

        if delta > 0.0 {
            let mut x = k;
            while x != apex {
                if self.is_up(x) {
                    self.flow[x] -= delta;
                } else {
                    self.flow[x] += delta;
                }
                x = self.parent[x];
            }
            x = l;
            while x != apex {
                if self.is_up(x) {
                    self.flow[x] += delta;
                } else {
                    self.flow[x] -= delta;
                }
                x = self.parent[x];
            }
        }

        // The subtree below the leaving arc moves: it is re-rooted at q, its end of the entering
        // arc, and hung below p, the other end.
        let (q, p) = if on_k_side { (k, l) } else { (l, k) };
        let moved = self.size[u_out];
        let new_last = self.move_subtree(q, p, u_out, apex, delta);

        // New potentials make the entering arc tight: shift the moved subtree by t (or, when it is
        // the larger part, the rest of the tree by -t; potentials are defined up to a constant).
        let t = if on_k_side { sigma } else { -sigma };
        let nodes = self.n + self.m + 1;
        if 2 * moved <= nodes {
            let mut v = q;
            for _ in 0..moved {
                self.pot[v] += t;
                v = self.thread[v];
            }
        } else {
            let mut v = self.thread[new_last];
            while v != q {
                self.pot[v] -= t;
                v = self.thread[v];
            }
        }
        true
    }

    /// Cuts the subtree of `u_out` (its parent arc leaves the tree), re-roots it at `q` (a node
    /// of it), and hangs it below `p` by the entering arc, which carries `delta`. `apex` is the
    /// common ancestor of `p` and `q` found by the pivot. Returns the last node of the moved
    /// subtree in the new preorder.
    fn move_subtree(&mut self, q: usize, p: usize, u_out: usize, apex: usize, delta: f64) -> usize {
        let moved = self.size[u_out];
        let x = self.parent[u_out];
        let seg_last = self.last[u_out];
        let before = self.rev[u_out];
        let after = self.thread[seg_last];

        // The stem s_0 = q, s_1 = parent(q), ..., s_t = u_out, and, read from the old tree, the
        // preorder pieces each s_k (k >= 1) keeps once re-rooted: its old subtree minus that of
        // s_{k-1}, which is the run s_k ..= rev(s_{k-1}) followed by the run
        // thread(last(s_{k-1})) ..= last(s_k) when that is not empty.
        self.stem.clear();
        self.pieces.clear();
        let mut y = q;
        self.stem.push(y);
        while y != u_out {
            let prev = y;
            y = self.parent[y];
            self.stem.push(y);
            let prev_last = self.last[prev];
            let cur_last = self.last[y];
            self.pieces.push(Piece {
                first_end: self.rev[prev],
                second: (prev_last != cur_last).then(|| (self.thread[prev_last], cur_last)),
            });
        }
        let first_tail = self.last[q];

        // Cut the old run u_out ..= seg_last out of the preorder. Ancestors whose subtree ended
        // with it now end just before it.
        self.thread[before] = after;
        self.rev[after] = before;
        let mut y = x;
        while y != NONE && self.last[y] == seg_last {
            self.last[y] = before;
            y = self.parent[y];
        }
        // Subtree sizes between the apex and the old and new attachment points.
        let mut y = x;
        while y != apex {
            self.size[y] -= moved;
            y = self.parent[y];
        }
        let mut y = p;
        while y != apex {
            self.size[y] += moved;
            y = self.parent[y];
        }

        // The new preorder of the moved subtree: the subtree of q, then the pieces of s_1, .., s_t.
        let mut tail = first_tail;
        for (k, piece) in self.pieces.iter().enumerate() {
            let a = self.stem[k + 1];
            self.thread[tail] = a;
            self.rev[a] = tail;
            match piece.second {
                Some((c, d)) => {
                    self.thread[piece.first_end] = c;
                    self.rev[c] = piece.first_end;
                    tail = d;
                }
                None => tail = piece.first_end,
            }
        }
        let new_last = tail;

        // Reverse the stem: the arc between s_{k-1} and s_k (with its flow) becomes the parent
        // arc of s_k. Sizes: s_k keeps everything but the old subtree of s_{k-1}.
        for k in (1..self.stem.len()).rev() {
            let (cur, prev) = (self.stem[k], self.stem[k - 1]);
            self.parent[cur] = prev;
            self.flow[cur] = self.flow[prev];
        }
        self.parent[q] = p;
        self.flow[q] = delta;
        let mut prev_old = self.size[q];
        self.size[q] = moved;
        for k in 1..self.stem.len() {
            let cur = self.stem[k];
            let old = self.size[cur];
            self.size[cur] = moved - prev_old;
            prev_old = old;
        }
        for k in 0..self.stem.len() {
            let v = self.stem[k];
            self.last[v] = new_last;
        }

        // Insert the moved run right after p (as its first child). If p was a leaf, it and the
        // ancestors whose subtree ended at p now end at new_last.
        let next = self.thread[p];
        self.thread[p] = q;
        self.rev[q] = p;
        self.thread[new_last] = next;
        self.rev[next] = new_last;
        if self.last[p] == p {
            let mut y = p;
            while y != NONE && self.last[y] == p {
                self.last[y] = new_last;
                y = self.parent[y];
            }
        }
        new_last
    }

    /// Recomputes every potential from the tree arcs, in preorder and in double-double
    /// arithmetic, to remove the rounding accumulated by the incremental updates: afterwards
    /// pot + pot_lo is exact to about 1e-32 of the largest potential on the path from the root.
    /// An artificial arc imposes nothing, so the children of the root get potential 0: this
    /// also keeps the potentials from wandering (pivots shift whole parts of the tree by
    /// constants).
    pub(crate) fn recompute_potentials(&mut self) {
        let mut v = self.thread[self.root];
        while v != self.root {
            let p = self.parent[v];
            if p == self.root {
                self.pot[v] = 0.0;
                self.pot_lo[v] = 0.0;
            } else {
                // source v under sink p: pot_v = C_vj + pot_p; sink v under source p:
                // pot_v = pot_p - C_pj
                let step = if v < self.n {
                    self.cost[v * self.m + (p - self.n)]
                } else {
                    -self.cost[p * self.m + (v - self.n)]
                };
                let (s, e) = two_sum(self.pot[p], step);
                let (hi, lo) = fast_two_sum(s, self.pot_lo[p] + e);
                self.pot[v] = hi;
                self.pot_lo[v] = lo;
            }
            v = self.thread[v];
        }
    }

    /// Recomputes the tree flows from the supplies, leaves first, so that the marginals hold up
    /// to the rounding of one sum per node. `supply[v]` is a_i for a source, -b_j for a sink.
    ///
    /// The flow of the arc above v is the net supply e_v of the subtree of v. When it is below
    /// the rounding of the masses it comes from, |e_v| <= NOISE * sum_{u in subtree} |supply_u|,
    /// it is rounding noise (typically from weights that agree only up to their last bits) and
    /// is set to zero, and the subtree counts as balanced: v's marginal then misses |e_v|, and
    /// the plan keeps no spurious entries of size 1e-17.
    ///
    /// An artificial arc gets flow zero whatever reaches it: the net supply e_r of a subtree of
    /// the root. When the masses balance that is the rounding of a sum of s = size(r) supplies,
    /// at most s eps times their volume; more means that the tree was built on a forest whose
    /// components do not balance (a warm start from a plan with other marginals), and the
    /// subtree is reported unbalanced.
    ///
    /// Returns the most negative flow met (other than noise) before clamping it to zero, and
    /// whether every subtree of the root balanced up to noise.
    pub(crate) fn recompute_flows(&mut self, supply: &[f64]) -> FlowReport {
        const NOISE: f64 = 16.0 * f64::EPSILON;
        let mut excess = supply.to_vec();
        excess.push(0.0);
        let mut volume: Vec<f64> = supply.iter().map(|s| s.abs()).collect();
        volume.push(0.0);
        let mut worst: f64 = 0.0;
        let mut balanced = true;
        let mut v = self.rev[self.root];
        while v != self.root {
            let p = self.parent[v];
            let mut e = excess[v];
            if p == self.root {
                // artificial arc: what reaches it is the rounding of the marginals
                self.flow[v] = 0.0;
                balanced &= e.abs() <= (self.size[v] as f64 * f64::EPSILON).max(NOISE) * volume[v];
            } else if e.abs() <= NOISE * volume[v] {
                self.flow[v] = 0.0;
                e = 0.0;
            } else {
                let x = if self.is_up(v) { e } else { -e };
                worst = worst.min(x);
                self.flow[v] = x.max(0.0);
            }
            excess[p] += e;
            volume[p] += volume[v];
            v = self.rev[v];
        }
        FlowReport { worst, balanced }
    }

    /// Whether the tree is strongly feasible: no negative flow, and every arc of zero flow
    /// points away from the root (from a source down to a sink, or an artificial arc).
    pub(crate) fn is_strongly_feasible(&self) -> bool {
        (0..self.n + self.m).all(|v| self.flow[v] > 0.0 || (self.flow[v] == 0.0 && !self.is_up(v)))
    }

    /// The real tree arcs with positive flow, as (i, j, flow).
    pub(crate) fn plan_entries(&self) -> Vec<(usize, usize, f64)> {
        (0..self.n + self.m)
            .filter(|&v| self.flow[v] > 0.0)
            .filter_map(|v| self.pred_arc(v).map(|(i, j)| (i, j, self.flow[v])))
            .collect()
    }

    /// Checks the invariants of the tree structure (for the tests).
    #[cfg(test)]
    pub(crate) fn check(&self) -> Result<(), String> {
        let nodes = self.n + self.m + 1;
        // preorder from the root covers every node once, parents come first
        let mut order = Vec::with_capacity(nodes);
        let mut v = self.root;
        for _ in 0..nodes {
            order.push(v);
            if self.rev[self.thread[v]] != v {
                return Err(format!("rev(thread({v})) != {v}"));
            }
            v = self.thread[v];
        }
        if v != self.root {
            return Err("thread is not a cycle through all nodes".into());
        }
        let mut position = vec![NONE; nodes];
        for (k, &v) in order.iter().enumerate() {
            if position[v] != NONE {
                return Err(format!("node {v} twice in the thread"));
            }
            position[v] = k;
        }
        let mut size = vec![1usize; nodes];
        for &v in order.iter().skip(1).rev() {
            let p = self.parent[v];
            if p == NONE || position[p] >= position[v] {
                return Err(format!("parent of {v} does not precede it"));
            }
            size[p] += size[v];
        }
        for v in 0..nodes {
            if size[v] != self.size[v] {
                return Err(format!("size of {v}: stored {}, actual {}", self.size[v], size[v]));
            }
            if order[position[v] + size[v] - 1] != self.last[v] {
                return Err(format!("last of {v} is wrong"));
            }
        }
        for v in 0..nodes - 1 {
            if self.flow[v] < 0.0 {
                return Err(format!("negative flow at {v}"));
            }
            // strong feasibility: a zero-flow arc points down
            if self.flow[v] == 0.0 && self.is_up(v) {
                return Err(format!("zero-flow arc above {v} points up"));
            }
            if let Some((i, j)) = self.pred_arc(v) {
                let rc = self.cost[i * self.m + j] - self.pot[i] + self.pot[self.n + j];
                if rc.abs() > 1e-9 * (1.0 + self.cost[i * self.m + j].abs()) {
                    return Err(format!("tree arc ({i}, {j}) has reduced cost {rc}"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::initial::{initial_solution, Candidates};
    use crate::pricing::BlockSearch;

    use kantorovich_testkit::SplitMix64 as Rng;

    /// Runs the simplex with the tree checked after every pivot; returns the final tree's cost
    /// and the number of pivots.
    fn run_checked(a: &[f64], b: &[f64], cost: &[f64], block: usize) -> (f64, usize) {
        let (n, m) = (a.len(), b.len());
        let arcs = initial_solution(a, b, cost, &Candidates::new(cost, n, m, 2), 2);
        let mut tree = Tree::new(n, m, cost, &arcs);
        tree.check().unwrap();
        let mut search = BlockSearch::new(block);
        let mut pivots = 0;
        while let Some((i, j, rc)) = search.find(cost, tree.source_potentials(), tree.sink_potentials(), 0.0) {
            assert!(tree.pivot(i, j, rc));
            pivots += 1;
            tree.check().unwrap_or_else(|e| panic!("after pivot {pivots}: {e}"));
            assert!(pivots < 10_000, "cycling");
        }
        let supply: Vec<f64> = a.iter().copied().chain(b.iter().map(|&x| -x)).collect();
        let report = tree.recompute_flows(&supply);
        assert!(report.worst >= -1e-12 && report.balanced);
        let entries = tree.plan_entries();
        assert!(entries.len() < n + m);
        let mut rows = vec![0.0; n];
        let mut cols = vec![0.0; m];
        let mut total = 0.0;
        for &(i, j, x) in &entries {
            rows[i] += x;
            cols[j] += x;
            total += x * cost[i * m + j];
        }
        let tol = 1e-14 * a.iter().sum::<f64>();
        for (r, a) in rows.iter().zip(a) {
            assert!((r - a).abs() <= tol, "row sum {r} for {a}");
        }
        for (c, b) in cols.iter().zip(b) {
            assert!((c - b).abs() <= tol, "column sum {c} for {b}");
        }
        // optimality: no negative reduced cost, tight on the support
        let (ps, pt) = (tree.source_potentials(), tree.sink_potentials());
        for i in 0..n {
            for j in 0..m {
                assert!(cost[i * m + j] - ps[i] + pt[j] >= -1e-12);
            }
        }
        (total, pivots)
    }

    #[test]
    fn tree_invariants_hold_on_degenerate_integer_problems() {
        let mut rng = Rng(7);
        let mut total_pivots = 0;
        for _ in 0..3000 {
            let n = 1 + rng.below(7);
            let m = 1 + rng.below(7);
            // marginals of a random integer matrix: equal totals, many degenerate bases
            let mut a = vec![0.0; n];
            let mut b = vec![0.0; m];
            for ai in a.iter_mut() {
                for bj in b.iter_mut() {
                    let x = rng.below(3) as f64;
                    *ai += x;
                    *bj += x;
                }
            }
            if a.contains(&0.0) || b.contains(&0.0) {
                continue;
            }
            let cost: Vec<f64> = (0..n * m).map(|_| rng.below(4) as f64).collect();
            let block = 1 + rng.below(6);
            total_pivots += run_checked(&a, &b, &cost, block).1;
        }
        assert!(total_pivots > 1000);
    }

    #[test]
    fn tree_invariants_hold_on_random_real_problems() {
        let mut rng = Rng(11);
        for round in 0..330 {
            let big = if round % 30 == 0 { 100 } else { 30 };
            let n = 1 + rng.below(big);
            let m = 1 + rng.below(big);
            let a: Vec<f64> = (0..n).map(|_| 1.0 + rng.below(1000) as f64).collect();
            let mut b: Vec<f64> = (0..m).map(|_| 1.0 + rng.below(1000) as f64).collect();
            let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
            b.iter_mut().for_each(|x| *x *= sa / sb);
            let cost: Vec<f64> = (0..n * m)
                .map(|_| rng.below(1 << 20) as f64 / (1 << 20) as f64)
                .collect();
            run_checked(&a, &b, &cost, 1 + rng.below(40));
        }
    }
}
