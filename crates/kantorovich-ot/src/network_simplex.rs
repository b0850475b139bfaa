//! The network simplex solver: settings, input checks, and the solution it returns.

use crate::initial::{initial_solution, Candidates};
use crate::pricing::{BlockSearch, Potentials};
use crate::tree::Tree;
use crate::warm::{warm_tree, Compacted};
use crate::OtError;
use kantorovich_core::{
    try_vec_with_capacity, Cost, CostMatrix, Coupling, DiscreteMeasure, GroundSpace, TransportPlan,
};

/// The largest relative difference between the total masses sum_i a_i and sum_j b_j that
/// [`NetworkSimplex::solve`] accepts: |sum a - sum b| <= 1e-9 max(sum a, sum b).
pub const MASS_TOLERANCE: f64 = 1e-9;

/// The default pivot cap of [`NetworkSimplex`]: 10^8 pivots (an n = m = 5000 problem takes of
/// the order of 10^5).
pub const DEFAULT_MAX_ITERATIONS: usize = 100_000_000;

/// The fast phase of the simplex treats reduced costs above -PRICING_TOLERANCE * max_ij |C_ij|
/// as non-negative; the certification phase that follows judges each arc at its own scale.
const PRICING_TOLERANCE: f64 = 1e-13;

/// Default pricing block: max(MIN_BLOCK, round(BLOCK_FACTOR sqrt(n m))) arcs. Smaller blocks than
/// the classical sqrt(n m) make more but much cheaper pivots; 0.2 was the fastest factor on
/// uniform random points of the plane with n = m from 100 to 5000.
const BLOCK_FACTOR: f64 = 0.2;
const MIN_BLOCK: usize = 20;

/// Length of each row's candidate list for the initial solution.
const CANDIDATES_PER_ROW: usize = 8;

/// An exact solver of the discrete optimal transport (transportation) problem: a primal network
/// simplex.
///
/// Given weights a in R^n, b in R^m (a, b >= 0, sum_i a_i = sum_j b_j) and a cost matrix C, it
/// solves the linear program
///
/// ```text
/// minimise  <C, P> = sum_ij C_ij P_ij   over P in R^{n x m}
/// subject to  sum_j P_ij = a_i,  sum_i P_ij = b_j,  P_ij >= 0
/// ```
///
/// and its dual, maximise sum_i a_i f_i + sum_j b_j g_j subject to f_i + g_j <= C_ij, and returns
/// both: see [`ExactSolution`].
///
/// The transportation problem is a minimum-cost flow on the complete bipartite graph from the n
/// sources to the m sinks. The solver keeps a spanning tree of that graph (its basis) with the
/// flows and the node potentials it determines, and pivots: it looks for an arc of negative
/// reduced cost C_ij - f_i - g_j (block search: the arcs are scanned round-robin in blocks of
/// about 0.2 sqrt(n m) and the most negative arc of the first block that has one enters), pushes
/// flow around the cycle that arc closes, and removes the arc that blocks. The tree is kept *strongly
/// feasible* (Cunningham's leaving-arc rule), which rules out cycling on degenerate problems.
/// The start is a greedy basic solution built from the cheapest arcs of each row, or the support
/// of a plan given as a hint ([`NetworkSimplex::solve_with_hint`]). The arcs are never stored:
/// arc (i, j) is entry (i, j) of the cost matrix. Pricing runs in two phases: a fast one in
/// plain f64 with a tolerance of 1e-13 max|C|, then a certification phase in double-double
/// arithmetic with a tolerance of each arc's own size, which pivots on until every arc is
/// certified (see [`ExactSolution`]); on ordinary costs it finds nothing left to do and costs
/// one extra pass over the arcs, on costs spanning many decades it does the remaining work.
///
/// Settings are given builder-style:
///
/// ```
/// use kantorovich_ot::NetworkSimplex;
/// let solver = NetworkSimplex::new().max_iterations(1_000_000).block_size(Some(64));
/// assert_eq!(solver.get_max_iterations(), 1_000_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkSimplex {
    max_iterations: usize,
    block_size: Option<usize>,
}

impl Default for NetworkSimplex {
    fn default() -> Self {
        Self::new()
    }
}

/// The result of an exact solve: an optimal plan and optimal dual potentials.
///
/// With a the source weights and b' the target weights as solved (b rescaled to the total of a,
/// see [`NetworkSimplex::solve`]):
///
/// - `plan` is a basic optimal solution P: P >= 0, sum_j P_ij = a_i and sum_i P_ij = b'_j up to
///   rounding, with at most n + m - 1 non-zero entries;
/// - (`f`, `g`) is an optimal dual solution: f_i + g_j <= C_ij for all (i, j), with equality
///   wherever P_ij > 0 (complementary slackness, up to rounding);
/// - hence no duality gap: sum_i a_i f_i + sum_j b'_j g_j = <C, P> = `cost`.
///
/// Dual feasibility is certified arc by arc, at each arc's own scale: the solver only stops
/// when C_ij - f_i - g_j >= -(1e-14 |C_ij| + 1e-28 (|f_i| + |g_j|)) for every arc, the reduced
/// costs being computed in double-double arithmetic (about 32 significant digits). So the
/// guarantee does not degrade when the costs span many decades (an outlier at distance 1e9 next
/// to points of the unit square): for costs >= 0, `cost` <= (1 + 1e-14) OPT + 1e-28 x (the
/// potentials times the mass). The returned f and g are that certificate rounded to f64: a
/// check in plain f64 arithmetic must allow a few ulps of max(|C_ij|, |f_i|, |g_j|).
///
/// The flows of the plan are recomputed from a and b' on the optimal basis, so the marginals
/// hold to the rounding of a few sums (about 1e-16 of the total mass). A flow that is itself at
/// the level of that rounding, |P_ij| <= 16 eps times the mass that produces it, is noise (from
/// weights that agree only up to their last bits, say) and is set to zero rather than kept as a
/// spurious entry of size 1e-17; the marginals then still hold to about 4e-15 of the mass.
///
/// The potentials are defined up to f + t, g - t (more freedom where the support of the plan
/// splits into independent blocks); the solver returns those with one atom (of positive weight)
/// of each block at potential 0, which keeps them within a few max|C| of 0. Atoms of zero
/// weight get the c-transform of the other side: g_j = min_i (C_ij - f_i) over the rows of
/// positive weight, then f_i = min_j (C_ij - g_j) over all columns, so that dual feasibility
/// holds everywhere.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactSolution {
    /// An optimal transport plan; its [`TransportPlan::cost`] is `cost`.
    pub plan: TransportPlan,
    /// The optimal transport cost <C, P> = sum_ij C_ij P_ij.
    pub cost: f64,
    /// The dual potentials of the sources (rows), f_1..f_n.
    pub f: Vec<f64>,
    /// The dual potentials of the targets (columns), g_1..g_m.
    pub g: Vec<f64>,
    /// The number of simplex pivots performed (degenerate ones included).
    pub iterations: usize,
}

impl ExactSolution {
    /// The optimal transport cost, `self.cost`: the same accessor as
    /// [`SinkhornSolution::cost`](crate::SinkhornSolution::cost) and [`TransportPlan::cost`].
    pub fn cost(&self) -> f64 {
        self.cost
    }

    /// The dual objective sum_i a_i f_i + sum_j b_j g_j for weights `a` and `b` (equal to
    /// [`cost`](ExactSolution::cost) up to rounding for the weights that were solved).
    pub fn dual_value(&self, a: &[f64], b: &[f64]) -> f64 {
        let fa: f64 = self.f.iter().zip(a).map(|(f, a)| f * a).sum();
        let gb: f64 = self.g.iter().zip(b).map(|(g, b)| g * b).sum();
        fa + gb
    }
}

impl NetworkSimplex {
    /// The solver with default settings: at most [`DEFAULT_MAX_ITERATIONS`] pivots, blocks of
    /// about 0.2 sqrt(n m) arcs.
    pub fn new() -> Self {
        Self {
            max_iterations: DEFAULT_MAX_ITERATIONS,
            block_size: None,
        }
    }

    /// At most `cap` pivots: a problem that needs more fails with [`OtError::IterationLimit`]
    /// instead of returning a plan that is not optimal. With `cap = 0` only problems whose
    /// initial solution is already optimal succeed.
    pub fn max_iterations(mut self, cap: usize) -> Self {
        self.max_iterations = cap;
        self
    }

    /// The number of arcs scanned per pricing block: `None` (the default) for
    /// max(20, round(0.2 sqrt(n m))), n and m counting the atoms of positive weight; `Some(s)` for
    /// s arcs (s = 0 counts as 1). Smaller blocks make cheaper but less informed pivots.
    pub fn block_size(mut self, block: Option<usize>) -> Self {
        self.block_size = block;
        self
    }

    /// The pivot cap.
    pub fn get_max_iterations(&self) -> usize {
        self.max_iterations
    }

    /// The block size setting (`None`: automatic).
    pub fn get_block_size(&self) -> Option<usize> {
        self.block_size
    }

    /// Solves the transportation problem for the source weights `a` (one per row of `cost`), the
    /// target weights `b` (one per column) and the cost matrix `cost`.
    ///
    /// The weights must be finite and >= 0, and their totals equal up to a relative
    /// [`MASS_TOLERANCE`] (1e-9); b is then rescaled by sum(a) / sum(b) so that the problem is
    /// balanced, and the plan's column sums are this rescaled b. They need not be normalised.
    /// Atoms of zero weight are taken out of the network before solving (their rows or columns
    /// of the plan are zero) and get their potentials by c-transform afterwards.
    ///
    /// Errors: [`OtError::LengthMismatch`], [`OtError::NonFiniteWeight`],
    /// [`OtError::NegativeWeight`], [`OtError::BadTotalMass`] (a side sums to zero or overflows),
    /// [`OtError::MassMismatch`], [`OtError::IterationLimit`] when the pivot cap is reached,
    /// [`OtError::NumericalBreakdown`] if the final verification fails, and [`OtError::Core`] if
    /// memory for the problem cannot be allocated.
    ///
    /// ```
    /// use kantorovich_core::CostMatrix;
    /// use kantorovich_ot::NetworkSimplex;
    /// // two sources, three targets
    /// let cost = CostMatrix::new(2, 3, vec![0.0, 1.0, 4.0, 4.0, 1.0, 0.0])?;
    /// let sol = NetworkSimplex::default().solve(&[0.5, 0.5], &[0.25, 0.5, 0.25], &cost)?;
    /// // a quarter stays put on each side, the middle target is fed half by each source
    /// assert!((sol.cost - 0.5).abs() < 1e-15);
    /// assert!(sol.plan.nnz() <= 2 + 3 - 1);
    /// # Ok::<(), kantorovich_ot::OtError>(())
    /// ```
    pub fn solve(&self, a: &[f64], b: &[f64], cost: &CostMatrix) -> Result<ExactSolution, OtError> {
        self.solve_from(a, b, cost, None)
    }

    /// As [`solve`](NetworkSimplex::solve), warm-started from `hint`, a transport plan of a
    /// nearby problem: typically the optimal plan for the same weights and a slightly different
    /// cost matrix, as in a barycentre iteration whose points move while the weights stay.
    ///
    /// A hint *fits* when it is a basic feasible solution of this problem:
    ///
    /// - it is n x m, with entries only on atoms of positive weight;
    /// - its marginals are a and b' (b rescaled to the total of a) up to 1e-12 of the total
    ///   mass: |sum_j P_ij - a_i| <= 1e-12 sum(a) and |sum_i P_ij - b'_j| <= 1e-12 sum(a);
    /// - its support is a forest (no cycle i_1 j_1 i_2 j_2 .. i_1 of entries), hence has at
    ///   most n + m - 1 entries.
    ///
    /// The simplex then starts from the spanning tree made of the support of the hint, each of
    /// its connected components hung from the artificial root by an arc of zero flow, as the
    /// greedy start does; the flows on it are recomputed from a and b', and it must be *strongly
    /// feasible* (no negative flow, zero flows only on arcs pointing away from the root, every
    /// component balanced up to rounding), as the anti-cycling rule requires. A plan carries no
    /// potentials, so the start has those the tree fixes: when the support of the hint is
    /// connected (n + m - 1 entries, the non-degenerate case) and the hint is optimal for `cost`,
    /// no pivot is needed; when it falls into several components (as the plans of uniform
    /// weights do), the simplex spends a few degenerate pivots per component to recover optimal
    /// potentials (for 200 uniform points of the plane against 200, about 650 instead of the
    /// 2200 of a cold start).
    ///
    /// A hint that does not fit, for whatever reason, is silently ignored: the solve starts cold,
    /// exactly as [`solve`](NetworkSimplex::solve). Either way the result satisfies everything
    /// [`ExactSolution`] states, with the same certificates (marginals, dual feasibility,
    /// complementary slackness, no duality gap); only the number of pivots changes. When the
    /// optimum is not unique the plan found may differ from the cold one, its cost does not
    /// (up to rounding).
    ///
    /// Errors as [`solve`](NetworkSimplex::solve) (a hint never causes one).
    ///
    /// ```
    /// use kantorovich_core::CostMatrix;
    /// use kantorovich_ot::NetworkSimplex;
    /// let (a, b) = ([0.5, 0.5], [0.25, 0.5, 0.25]);
    /// let cost = CostMatrix::new(2, 3, vec![0.0, 1.0, 4.0, 4.0, 1.0, 0.0])?;
    /// let cold = NetworkSimplex::default().solve(&a, &b, &cost)?;
    /// // the costs change a little: the old plan is still optimal
    /// let moved = CostMatrix::new(2, 3, vec![0.0, 1.1, 4.0, 3.9, 1.0, 0.1])?;
    /// let warm = NetworkSimplex::default().solve_with_hint(&a, &b, &moved, &cold.plan)?;
    /// assert_eq!(warm.iterations, 0);
    /// assert!((warm.cost - 0.55).abs() < 1e-15);
    /// # Ok::<(), kantorovich_ot::OtError>(())
    /// ```
    pub fn solve_with_hint(
        &self,
        a: &[f64],
        b: &[f64],
        cost: &CostMatrix,
        hint: &TransportPlan,
    ) -> Result<ExactSolution, OtError> {
        self.solve_from(a, b, cost, Some(hint))
    }

    /// The solve, cold or from a hint.
    fn solve_from(
        &self,
        a: &[f64],
        b: &[f64],
        cost: &CostMatrix,
        hint: Option<&TransportPlan>,
    ) -> Result<ExactSolution, OtError> {
        let (n, m) = (cost.rows(), cost.cols());
        let (total_a, b) = balanced_marginals(a, b, cost.rows(), cost.cols())?;

        // The network keeps only the atoms of positive weight.
        let rows: Vec<usize> = (0..n).filter(|&i| a[i] > 0.0).collect();
        let cols: Vec<usize> = (0..m).filter(|&j| b[j] > 0.0).collect();
        let (nn, mm) = (rows.len(), cols.len());
        let compact: Option<Vec<f64>> = if nn == n && mm == m {
            None
        } else {
            let mut data = try_vec_with_capacity("compacted cost matrix", nn * mm)?;
            for &i in &rows {
                let row = cost.row(i);
                data.extend(cols.iter().map(|&j| row[j]));
            }
            Some(data)
        };
        let c: &[f64] = compact.as_deref().unwrap_or(cost.as_slice());
        let ac: Vec<f64> = rows.iter().map(|&i| a[i]).collect();
        let bc: Vec<f64> = cols.iter().map(|&j| b[j]).collect();

        let scale = max_abs(c);
        let eps = PRICING_TOLERANCE * scale;
        let supply: Vec<f64> = ac.iter().copied().chain(bc.iter().map(|&x| -x)).collect();
        let warm = hint.and_then(|hint| {
            let problem = Compacted {
                rows: &rows,
                cols: &cols,
                n,
                m,
                supply: &supply,
                cost: c,
            };
            warm_tree(hint, &problem)
        });
        let mut tree = match warm {
            Some(tree) => tree,
            None => {
                let candidates = Candidates::new(c, nn, mm, CANDIDATES_PER_ROW);
                let arcs = initial_solution(&ac, &bc, c, &candidates, CANDIDATES_PER_ROW);
                drop(candidates);
                Tree::new(nn, mm, c, &arcs)
            }
        };
        let block = self
            .block_size
            .unwrap_or_else(|| ((BLOCK_FACTOR * (nn as f64 * mm as f64).sqrt()).round() as usize).max(MIN_BLOCK));
        let mut pricing = BlockSearch::new(block);

        // Two phases. The fast one prices in plain f64 against a tolerance of 1e-13 max|C|: it
        // does nearly all the pivots, but when the costs span many decades (an outlier far
        // away) the differences between the small costs fall below that tolerance. The
        // certification phase then prices with double-double potentials and a tolerance of each
        // arc's own size, and goes on pivoting until no arc is violated: only it may stop the
        // solve. Incremental potentials drift by rounding: they are rebuilt from the tree every
        // so often, and after every pivot of the certification phase, whose searches alone may
        // declare optimality.
        let refresh = nn + mm + 1;
        let mut since_refresh = 0;
        let mut iterations = 0;
        let mut certifying = false;
        loop {
            let found = if certifying {
                let (source_lo, sink_lo) = tree.potential_errors();
                let pot = Potentials {
                    source_hi: tree.source_potentials(),
                    source_lo,
                    sink_hi: tree.sink_potentials(),
                    sink_lo,
                };
                pricing.find_certified(c, scale, &pot)
            } else {
                pricing.find(c, tree.source_potentials(), tree.sink_potentials(), eps)
            };
            match found {
                Some((i, j, rc)) => {
                    if iterations >= self.max_iterations {
                        return Err(OtError::IterationLimit { iterations });
                    }
                    if !tree.pivot(i, j, rc) {
                        return Err(OtError::NumericalBreakdown {
                            reason: "a pivot found no blocking arc".into(),
                        });
                    }
                    iterations += 1;
                    since_refresh += 1;
                    // A violation the fast phase would have seen (hidden there by stale
                    // potentials) sends the solve back to the fast phase and its cheaper pivots.
                    if certifying && rc < -eps {
                        certifying = false;
                    }
                    // the certification phase trusts only freshly rebuilt potentials
                    if certifying || since_refresh >= refresh {
                        tree.recompute_potentials();
                        since_refresh = 0;
                    }
                }
                None if certifying => break,
                None => {
                    if since_refresh > 0 {
                        tree.recompute_potentials();
                        since_refresh = 0;
                    }
                    certifying = true;
                }
            }
        }

        // Flows from the marginals, exact up to one rounded sum per node.
        let worst = tree.recompute_flows(&supply).worst;
        if worst < -1e-9 * total_a {
            return Err(OtError::NumericalBreakdown {
                reason: format!("the optimal basis has a flow of {worst}"),
            });
        }

        if let Some(p) = tree
            .source_potentials()
            .iter()
            .chain(tree.sink_potentials())
            .find(|p| !p.is_finite())
        {
            return Err(OtError::NumericalBreakdown {
                reason: format!("a dual potential is {p}"),
            });
        }
        let mut f = vec![0.0; n];
        let mut g = vec![0.0; m];
        for (k, &i) in rows.iter().enumerate() {
            f[i] = tree.source_potentials()[k];
        }
        for (k, &j) in cols.iter().enumerate() {
            g[j] = 0.0 - tree.sink_potentials()[k];
        }
        // c-transforms for the atoms of zero weight: columns first (against the rows of positive
        // weight), then rows (against all columns).
        if mm < m {
            for j in (0..m).filter(|&j| b[j] <= 0.0) {
                g[j] = rows
                    .iter()
                    .map(|&i| cost.row(i)[j] - f[i])
                    .fold(f64::INFINITY, f64::min);
            }
        }
        if nn < n {
            for i in (0..n).filter(|&i| a[i] <= 0.0) {
                let row = cost.row(i);
                f[i] = row.iter().zip(&g).map(|(c, g)| c - g).fold(f64::INFINITY, f64::min);
            }
        }

        let entries: Vec<(usize, usize, f64)> = tree
            .plan_entries()
            .into_iter()
            .map(|(i, j, x)| (rows[i], cols[j], x))
            .collect();
        let total_cost: f64 = entries.iter().map(|&(i, j, x)| cost.row(i)[j] * x).sum();
        if !total_cost.is_finite() {
            return Err(OtError::NumericalBreakdown {
                reason: format!(
                    "the optimal cost <C, P> overflows f64 ({total_cost}): costs times masses exceed 1e308"
                ),
            });
        }
        let plan = TransportPlan::from_triplets(n, m, entries, total_cost)?;
        let err = plan.marginal_error(a, &b);
        if err.is_nan() || err > 1e-9 * total_a {
            return Err(OtError::NumericalBreakdown {
                reason: format!("the plan misses the marginals by {err}"),
            });
        }
        Ok(ExactSolution {
            plan,
            cost: total_cost,
            f,
            g,
            iterations,
        })
    }

    /// Solves the optimal transport problem between two discrete measures for a cost:
    /// builds C_ij = c(x_i, y_j) (in parallel) and calls [`solve`](NetworkSimplex::solve) with
    /// the weights of `mu` and `nu`.
    ///
    /// Errors as [`solve`](NetworkSimplex::solve), plus [`OtError::Core`] if a cost is not finite
    /// or the cost matrix cannot be allocated.
    pub fn solve_measures<X, Y, C>(
        &self,
        mu: &DiscreteMeasure<X>,
        nu: &DiscreteMeasure<Y>,
        cost: &C,
    ) -> Result<ExactSolution, OtError>
    where
        X: GroundSpace,
        Y: GroundSpace,
        C: Cost<X, Y> + ?Sized,
    {
        let matrix = CostMatrix::between(mu, nu, cost)?;
        self.solve(mu.weights(), nu.weights(), &matrix)
    }
}

/// The optimal transport problem between `mu` and `nu` for `cost`, solved exactly with the
/// default [`NetworkSimplex`]: min over couplings P of sum_ij c(x_i, y_j) P_ij.
///
/// ```
/// use kantorovich_geometry::{Euclidean, SquaredEuclidean};
/// use kantorovich_ot::exact_ot;
/// let line = Euclidean::new(1)?;
/// let mu = line.uniform(vec![0.0, 1.0])?;
/// let nu = line.uniform(vec![3.0, 2.0])?;
/// let sol = exact_ot(&mu, &nu, &SquaredEuclidean)?;
/// assert_eq!(sol.cost, 4.0); // 0 -> 2 and 1 -> 3, each at cost 2^2, half the mass each
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn exact_ot<X, Y, C>(mu: &DiscreteMeasure<X>, nu: &DiscreteMeasure<Y>, cost: &C) -> Result<ExactSolution, OtError>
where
    X: GroundSpace,
    Y: GroundSpace,
    C: Cost<X, Y> + ?Sized,
{
    NetworkSimplex::default().solve_measures(mu, nu, cost)
}

/// The exact coupling: an optimal plan P of mu and nu for the cost c, with
/// [`TransportPlan::cost`] = <C, P> = sum_ij c(x_i, y_j) P_ij, the optimal transport cost.
impl<X, Y, C> Coupling<X, Y, C> for NetworkSimplex
where
    X: GroundSpace,
    Y: GroundSpace,
    C: Cost<X, Y> + ?Sized,
{
    type Error = OtError;

    fn couple(&self, mu: &DiscreteMeasure<X>, nu: &DiscreteMeasure<Y>, cost: &C) -> Result<TransportPlan, OtError> {
        Ok(self.solve_measures(mu, nu, cost)?.plan)
    }

    /// Builds C_ij = c(x_i, y_j) and calls [`NetworkSimplex::solve_with_hint`]: a hint that
    /// fits (same sizes and marginals, acyclic support) warm-starts the simplex, any other is
    /// ignored. The plan is optimal either way.
    fn couple_with_hint(
        &self,
        mu: &DiscreteMeasure<X>,
        nu: &DiscreteMeasure<Y>,
        cost: &C,
        hint: &TransportPlan,
    ) -> Result<TransportPlan, OtError> {
        let matrix = CostMatrix::between(mu, nu, cost)?;
        Ok(self.solve_with_hint(mu.weights(), nu.weights(), &matrix, hint)?.plan)
    }
}

/// max_k |c_k| (0 for an empty slice) of finite entries, in independent lanes so that the
/// compiler vectorises it (`f64::max` has to care for NaN and does not).
fn max_abs(c: &[f64]) -> f64 {
    const LANES: usize = 8;
    let mut acc = [0.0f64; LANES];
    let chunks = c.chunks_exact(LANES);
    let tail = chunks.remainder().iter().fold(0.0f64, |s, x| s.max(x.abs()));
    for chunk in chunks {
        for (a, x) in acc.iter_mut().zip(chunk) {
            let v = x.abs();
            *a = if v > *a { v } else { *a };
        }
    }
    acc.iter().fold(tail, |s, &a| s.max(a))
}

/// Checks the weights `a` (one per row of `cost`) and `b` (one per column) and that their
/// totals agree up to [`MASS_TOLERANCE`]; returns sum(a) and b rescaled to that total, so that
/// the problem is exactly balanced.
pub(crate) fn balanced_marginals(a: &[f64], b: &[f64], rows: usize, cols: usize) -> Result<(f64, Vec<f64>), OtError> {
    let total_a = check_weights("a", a, rows)?;
    let total_b = check_weights("b", b, cols)?;
    if (total_a - total_b).abs() > MASS_TOLERANCE * total_a.max(total_b) {
        return Err(OtError::MassMismatch {
            source_total: total_a,
            target_total: total_b,
            tolerance: MASS_TOLERANCE,
        });
    }
    let ratio = total_a / total_b;
    Ok((total_a, b.iter().map(|&x| x * ratio).collect()))
}

/// Checks one weight vector (length, finite, >= 0, positive finite total) and returns its total.
pub(crate) fn check_weights(name: &'static str, w: &[f64], expected: usize) -> Result<f64, OtError> {
    if w.len() != expected {
        return Err(OtError::LengthMismatch {
            name,
            found: w.len(),
            expected,
        });
    }
    for (index, &value) in w.iter().enumerate() {
        if !value.is_finite() {
            return Err(OtError::NonFiniteWeight { name, index, value });
        }
        if value < 0.0 {
            return Err(OtError::NegativeWeight { name, index, value });
        }
    }
    let total: f64 = w.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(OtError::BadTotalMass { name, total });
    }
    Ok(total)
}
