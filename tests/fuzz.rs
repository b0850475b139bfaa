//! Fuzzing the public entry points with adversarial input (issue 13): arbitrary sizes, values
//! that include NaN, infinities, subnormals, huge and tiny numbers, mismatched dimensions, and
//! user costs and ground barycentres that misbehave.
//!
//! Every call must return (no panic, no abort) within a time bound, and every `Ok` must carry
//! its own certificate: marginals, dual feasibility and no duality gap for the exact solvers,
//! finite values and a truthful stop reason for the iterative ones.
//!
//! The run is deterministic: target t, case c uses the seed `base + c` mixed with t, `base`
//! from `KANTOROVICH_FUZZ_SEED` (default 0). CI runs a short budget
//! (`KANTOROVICH_FUZZ_SECONDS`, default 20 s over all targets, at least 25 cases per target); a
//! longer hunt is
//!
//! ```text
//! KANTOROVICH_FUZZ_SECONDS=600 KANTOROVICH_FUZZ_SEED=1000000 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! A finding prints the target, the seed and the message; rerun it with that seed.

// `!(x <= tol)` on purpose throughout: a NaN must fail every check.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use kantorovich::barycenter::{FixedPointMap, Glue};
use kantorovich::prelude::*;
use kantorovich::{ConvolutionalBarycenter, CoreError, CostMatrix, Grid, StopReason, TransportPlan};
use kantorovich_testkit::SplitMix64;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// The slowest a single call may be before it counts as a hang (the inputs are small).
const CALL_LIMIT: Duration = Duration::from_secs(20);

/// A value generator that favours the numbers that break numerical code.
struct Fuzz(SplitMix64);

impl Fuzz {
    fn below(&mut self, k: usize) -> usize {
        self.0.below(k.max(1))
    }
    fn coin(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    /// A float: mostly ordinary, sometimes one of the troublemakers.
    fn value(&mut self) -> f64 {
        match self.below(24) {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => 0.0,
            4 => -0.0,
            5 => 5e-324,
            6 => 1e-310,
            7 => 1e300,
            8 => -1e300,
            9 => 1e-300,
            10 => f64::MAX,
            11 => -1.0 - self.0.uniform(),
            12 => 1e15 + self.0.uniform(),
            13 => 1e-12 * self.0.uniform(),
            _ => self.0.uniform() * 4.0 - 1.0,
        }
    }
    /// A weight: usually a valid one, sometimes zero, sometimes a troublemaker.
    fn weight(&mut self) -> f64 {
        match self.below(10) {
            0 => self.value(),
            1 | 2 => 0.0,
            3 => 1e-300 * self.0.uniform(),
            _ => self.0.uniform() + 0.01,
        }
    }
    fn weights(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.weight()).collect()
    }
    /// Coordinates: usually ordinary ones at some scale, sometimes troublemakers.
    fn coords(&mut self, n: usize) -> Vec<f64> {
        let scale = [1.0, 1e-8, 1e8, 1e150][self.below(4)];
        let wild = self.coin(4);
        (0..n)
            .map(|_| {
                if wild && self.coin(5) {
                    self.value()
                } else if self.coin(6) {
                    // duplicates and ties
                    0.5 * scale
                } else {
                    self.0.uniform() * scale
                }
            })
            .collect()
    }
    /// A size: usually small, sometimes 0 or 1.
    fn size(&mut self, max: usize) -> usize {
        match self.below(8) {
            0 => 0,
            1 => 1,
            _ => 1 + self.below(max),
        }
    }
}

/// What a target returns: `Err` is a finding.
type Outcome = Result<(), String>;

/// Runs one call of user-visible code: a panic or a call slower than [`CALL_LIMIT`] is a finding.
fn guarded<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(f)).map_err(|e| {
        let message = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("{what} panicked: {message}")
    })?;
    let took = start.elapsed();
    if took > CALL_LIMIT {
        return Err(format!("{what} took {took:?}"));
    }
    Ok(result)
}

/// Checks the certificate of an exact solution: plan marginals, dual feasibility on every arc at
/// the arc's own scale, complementary slackness and a zero duality gap.
fn check_exact(a: &[f64], b: &[f64], cost: &CostMatrix, sol: &kantorovich::ExactSolution) -> Outcome {
    let mass: f64 = a.iter().sum();
    let scale = mass / b.iter().sum::<f64>();
    let b: Vec<f64> = b.iter().map(|x| x * scale).collect();
    let err = sol.plan.marginal_error(a, &b);
    if !(err <= 1e-9 * mass) {
        return Err(format!("marginal error {err} for mass {mass}"));
    }
    if !sol.cost.is_finite() {
        return Err(format!("cost {}", sol.cost));
    }
    let mut magnitude = 0.0f64;
    for i in 0..cost.rows() {
        for j in 0..cost.cols() {
            let (c, f, g) = (cost.get(i, j), sol.f[i], sol.g[j]);
            let tol = 1e-12 * c.abs() + 8.0 * f64::EPSILON * (c.abs() + f.abs() + g.abs());
            if !(c - f - g >= -tol) {
                return Err(format!("dual infeasible at ({i}, {j}): C - f - g = {}", c - f - g));
            }
            magnitude = magnitude.max(c.abs() + f.abs() + g.abs());
        }
    }
    for (i, j, _) in sol.plan.iter() {
        let (c, f, g) = (cost.get(i, j), sol.f[i], sol.g[j]);
        if (c - f - g).abs() > 1e-12 * c.abs() + 8.0 * f64::EPSILON * (c.abs() + f.abs() + g.abs()) {
            return Err(format!(
                "complementary slackness fails at ({i}, {j}): C - f - g = {}",
                c - f - g
            ));
        }
    }
    // the dual sum can overflow where the primal does not (potentials of 1e200 against masses
    // of 1e200): then complementary slackness above is the certificate
    let dual = sol.dual_value(a, &b);
    let gap = (dual - sol.cost).abs();
    if dual.is_finite() && gap > 1e-9 * sol.cost.abs() + 1e-12 * magnitude * mass.max(1e-300) * 64.0 {
        return Err(format!("duality gap: primal {} dual {dual}", sol.cost));
    }
    Ok(())
}

/// The network simplex on adversarial weights and costs.
fn network_simplex(f: &mut Fuzz) -> Outcome {
    let (n, m) = (f.size(12), f.size(12));
    let (a, b) = (f.weights(n), f.weights(m));
    let range = [1.0, 1e-12, 1e12, 1e150][f.below(4)];
    let data: Vec<f64> = (0..n * m)
        .map(|_| {
            if f.coin(30) {
                f.value()
            } else if f.coin(8) {
                range * 1e9
            } else {
                range * f.0.uniform()
            }
        })
        .collect();
    let Ok(cost) = guarded("CostMatrix::new", || CostMatrix::new(n, m, data))? else {
        return Ok(());
    };
    match guarded("NetworkSimplex::solve", || {
        NetworkSimplex::default().solve(&a, &b, &cost)
    })? {
        Ok(sol) => check_exact(&a, &b, &cost, &sol),
        Err(_) => Ok(()),
    }
}

/// Sinkhorn on adversarial weights, costs and settings.
fn sinkhorn(f: &mut Fuzz) -> Outcome {
    let (n, m) = (f.size(10), f.size(10));
    let (a, b) = (f.weights(n), f.weights(m));
    let data: Vec<f64> = (0..n * m)
        .map(|_| if f.coin(20) { f.value() } else { f.0.uniform() })
        .collect();
    let Ok(cost) = CostMatrix::new(n, m, data) else {
        return Ok(());
    };
    let eps = [f.value(), 0.1, 1e-3, 1e-300, 1e300][f.below(5)];
    let tol = [1e-9, 0.0, f.value()][f.below(3)];
    let scaling = [Some(0.5), None, Some(f.value()), Some(1.0 - 1e-9)][f.below(4)];
    let solver = Sinkhorn::new(eps).tolerance(tol).max_iterations(300).scaling(scaling);
    let symmetric = n == m && f.coin(3);
    let result = guarded("Sinkhorn::solve", || {
        if symmetric {
            solver.solve_symmetric(&a, &cost)
        } else {
            solver.solve(&a, &b, &cost)
        }
    })?;
    if let Ok(sol) = result {
        if !(sol.entropic_cost.is_finite() && sol.transport_cost.is_finite()) {
            return Err(format!(
                "Ok with entropic cost {} / transport {}",
                sol.entropic_cost, sol.transport_cost
            ));
        }
        if sol.converged != (sol.stop_reason == StopReason::Converged) {
            return Err(format!(
                "converged = {} but stop reason {:?}",
                sol.converged, sol.stop_reason
            ));
        }
        if sol.converged && !(sol.marginal_error <= tol.max(0.0)) {
            return Err(format!(
                "converged with marginal error {} > tolerance {tol}",
                sol.marginal_error
            ));
        }
    }
    Ok(())
}

/// 1-D transport and sliced Wasserstein on adversarial points, weights and orders.
fn one_d(f: &mut Fuzz) -> Outcome {
    let (n, m) = (f.size(15), f.size(15));
    let (x, y) = (f.coords(n), f.coords(m));
    let (a, b) = (f.weights(n), f.weights(m));
    let p = [1.0, 2.0, 0.5, 1100.0, f.value(), 3.5][f.below(6)];
    let h = move |t: f64| t.abs().powf(p);
    if let Ok(sol) = guarded("ot_1d", || kantorovich::ot_1d(&x, &a, &y, &b, h))? {
        let ratio = a.iter().sum::<f64>() / b.iter().sum::<f64>();
        let err = sol
            .plan
            .marginal_error(&a, &b.iter().map(|v| v * ratio).collect::<Vec<_>>());
        if !(err <= 1e-9 * a.iter().sum::<f64>()) || !sol.cost.is_finite() {
            return Err(format!(
                "ot_1d Ok with marginal error {err}, cost {} (p = {p}, x = {x:?}, a = {a:?}, y = {y:?}, b = {b:?})",
                sol.cost
            ));
        }
        // the same problem by the network simplex: the same optimum
        let cost = CostMatrix::new(
            n,
            m,
            x.iter().flat_map(|xi| y.iter().map(move |yj| h(yj - xi))).collect(),
        );
        if let Ok(cost) = cost {
            // h is convex only for p >= 1 (for other p the sampled convexity check may pass an h
            // it cannot see is concave); masses spanning many decades are only known to about
            // 1e-16 of the total, which moves the cost by up to that times max C
            let mass: f64 = a.iter().sum();
            let exact = NetworkSimplex::default().solve(&a, &b, &cost);
            if let (true, Ok(exact)) = (p >= 1.0, exact) {
                if (exact.cost - sol.cost).abs() > 1e-9 * exact.cost.abs().max(1e-300) + 1e-12 * cost.max().abs() * mass
                {
                    return Err(format!(
                        "ot_1d cost {} but the network simplex finds {} (p = {p}, x = {x:?}, a = {a:?}, y = {y:?}, b = {b:?})",
                        sol.cost, exact.cost
                    ));
                }
            }
        }
    }
    let d = 1 + f.below(3);
    let extra = usize::from(f.coin(10));
    let (px, py) = (f.coords(n * d + extra), f.coords(m * d));
    let space = Euclidean::new(d).unwrap();
    let measures = (space.measure(px, f.weights(n)), space.measure(py, f.weights(m)));
    if let (Ok(mu), Ok(nu)) = measures {
        let directions = f.below(20);
        if let Ok(sw) = guarded("sliced_wasserstein", || {
            kantorovich::sliced_wasserstein(&mu, &nu, p, directions, 7)
        })? {
            if !(sw >= 0.0 && sw.is_finite()) {
                return Err(format!("sliced_wasserstein Ok({sw})"));
            }
        }
    }
    Ok(())
}

/// Plans, measures and cost matrices built from garbage.
fn constructors(f: &mut Fuzz) -> Outcome {
    let rows = [f.size(5), usize::MAX, usize::MAX / 2, 1 << 40][f.below(4)];
    let cols = [f.size(5), usize::MAX, 3][f.below(3)];
    let entries: Vec<(usize, usize, f64)> = (0..f.below(6)).map(|_| (f.below(6), f.below(6), f.weight())).collect();
    if let Ok(plan) = guarded("TransportPlan::from_triplets", || {
        TransportPlan::from_triplets(rows, cols, entries, 0.0)
    })? {
        let _ = guarded("TransportPlan::to_dense", || plan.to_dense())?;
        let _ = guarded("TransportPlan::marginal_error", || {
            plan.marginal_error(&[1.0], &[1.0, 2.0])
        })?;
    }
    let offsets: Vec<usize> = (0..f.below(6)).map(|_| f.below(8)).collect();
    let cols_index: Vec<usize> = (0..f.below(6)).map(|_| f.below(6)).collect();
    let masses: Vec<f64> = (0..cols_index.len()).map(|_| f.weight()).collect();
    let r = f.below(5);
    guarded("TransportPlan::from_csr", || {
        TransportPlan::from_csr(r, 4, offsets, cols_index, masses, 0.0)
    })?
    .ok();
    let d = f.below(4);
    let len = f.below(9);
    let coords = f.coords(len);
    let wn = f.below(5);
    let w = f.weights(wn);
    if let Ok(space) = Euclidean::new(d) {
        guarded("Euclidean::measure", || space.measure(coords, w))?.ok();
    }
    let gd = f.below(4);
    let (mn, cn) = (f.below(7), f.below(20));
    let means = f.coords(mn);
    let covs = f.coords(cn);
    if let Ok(space) = Gaussian::new(gd) {
        if let Ok(mu) = guarded("Gaussian::uniform", || space.uniform(&means, &covs))? {
            if let Ok(sol) = guarded("exact_ot on Gaussians", || {
                kantorovich::ot::exact_ot(&mu, &mu, &BuresWasserstein::new())
            })? {
                // W(mu, mu) = 0 up to the rounding of the Bures distance, relative to the squared
                // scale of the means and covariances
                let scale = means
                    .iter()
                    .map(|v| v * v)
                    .chain(covs.iter().map(|v| v.abs()))
                    .fold(0.0, f64::max);
                if !(sol.cost.abs() <= 1e-6 * (1.0 + scale)) {
                    return Err(format!("T(mu, mu) = {} for Gaussians of scale {scale:e}", sol.cost));
                }
            }
        }
    }
    let pq = (f.value(), f.value());
    guarded("PNorm::new", || PNorm::new(pq.0, pq.1))?.ok();
    Ok(())
}

/// A ground barycentre that misbehaves at random: wrong counts, NaN, errors, or a correct mean.
struct Unreliable(u64);

impl GroundBarycenter<Euclidean> for Unreliable {
    type Cost = SquaredEuclidean;
    fn cost_k(&self, _: usize) -> &SquaredEuclidean {
        &SquaredEuclidean
    }
    fn barycenter(
        &self,
        space: &Euclidean,
        ys: &[&[f64]],
        lambdas: &[f64],
        out: &mut Vec<f64>,
    ) -> Result<(), CoreError> {
        // the fault depends on the input, so that calls from any thread agree
        let key = ys
            .iter()
            .flat_map(|y| y.iter())
            .fold(self.0, |h, v| h.rotate_left(7) ^ v.to_bits());
        let mut mean = Vec::new();
        SquaredEuclidean.barycenter(space, ys, lambdas, &mut mean)?;
        match key % 11 {
            0 if self.0 % 3 == 0 => {}
            1 if self.0 % 3 == 1 => {
                out.extend_from_slice(&mean);
                out.extend_from_slice(&mean);
            }
            2 if self.0 % 3 == 2 => out.extend((0..space.dim()).map(|_| f64::NAN)),
            3 if self.0 % 5 == 0 => {
                return Err(CoreError::InvalidParameter {
                    name: "ys",
                    reason: "fuzzed failure".into(),
                })
            }
            _ => out.extend_from_slice(&mean),
        }
        Ok(())
    }
    fn delta(&self, _: &[f64], _: &[f64], _: &[f64]) -> f64 {
        0.0
    }
}

/// The fixed-point iterations with adversarial measures and user ground barycentres.
fn fixed_points(f: &mut Fuzz) -> Outcome {
    let d = 1 + f.below(2);
    let space = Euclidean::new(d).unwrap();
    let k = 1 + f.below(3);
    let mut measures = Vec::new();
    for _ in 0..k {
        let n = 1 + f.below(6);
        let coords = if f.coin(6) {
            f.coords(n * d)
        } else {
            (0..n * d).map(|_| f.0.uniform()).collect()
        };
        match space.measure(coords, f.weights(n)) {
            Ok(mu) => measures.push(mu),
            Err(_) => return Ok(()),
        }
    }
    let lambdas: Vec<f64> = (0..k).map(|_| f.weight()).collect();
    let seed = f.0.next_u64();
    let Ok(problem) = BarycenterProblem::new(space, measures, lambdas, Unreliable(seed)) else {
        return Ok(());
    };
    let init = problem.default_init();
    let tolerance = [1e-9, 0.0, -1.0, f.value()][f.below(4)];
    let check = |what: &str,
                 result: Result<kantorovich::BarycenterResult<Euclidean>, kantorovich::BarycenterError>|
     -> Outcome {
        if let Ok(r) = result {
            let total: f64 = r.measure.weights().iter().sum();
            if !r.objective.is_finite() || (total - 1.0).abs() > 1e-9 {
                return Err(format!("{what}: Ok with V = {}, mass {total}", r.objective));
            }
            if r.converged != r.stop_reason.is_converged() {
                return Err(format!("{what}: converged = {} with {:?}", r.converged, r.stop_reason));
            }
            let values: Vec<f64> = r.trace.iter().map(|t| t.objective).collect();
            if r.stop_reason == StopReason::Converged && values.len() >= 2 {
                let (prev, last) = (values[values.len() - 2], values[values.len() - 1]);
                if last > prev + tolerance.max(0.0) * prev.abs() {
                    return Err(format!("{what}: converged although V rose: {values:?}"));
                }
            }
        }
        Ok(())
    };
    let g = guarded("FixedPointG::solve", || {
        FixedPointG::default()
            .max_iterations(4)
            .tolerance(tolerance)
            .solve(&problem, init.clone())
    })?;
    check("G", g)?;
    let h = guarded("FixedPointH::solve", || {
        FixedPointH::default()
            .max_iterations(4)
            .tolerance(tolerance)
            .solve(&problem, init.clone())
    })?;
    check("H", h)?;
    let eps = [0.1, 1e-3, f.value()][f.below(3)];
    let g_eps = guarded("FixedPointGEps::solve", || {
        FixedPointGEps::new(Sinkhorn::new(eps).max_iterations(500))
            .mass_threshold([0.0, 1e-3, f64::NAN, 0.5][(seed % 4) as usize])
            .max_support(20_000)
            .max_iterations(3)
            .tolerance(tolerance)
            .solve(&problem, init.clone())
    })?;
    check("G_eps", g_eps)?;
    if let Ok(plans) = problem.couplings(&init, &NetworkSimplex::default()) {
        guarded("Glue::apply", || Glue::default().apply(&problem, &init, &plans))?.ok();
    }
    if let Ok(star) = guarded("MultiMarginalLp::solve", || MultiMarginalLp::default().solve(&problem))? {
        if !(star.duality_gap <= 1e-7 * star.objective.abs()) {
            return Err(format!(
                "MultiMarginalLp Ok with gap {} for V* = {}",
                star.duality_gap, star.objective
            ));
        }
        // independent of the certificate: the start may not beat V* by more than the stated gap
        if let Ok(v) = problem.objective(&init, &NetworkSimplex::default()) {
            if v < star.objective - star.duality_gap - 1e-9 * star.objective.abs() {
                return Err(format!(
                    "V(mu_0) = {v} beats V* = {} (gap {})",
                    star.objective, star.duality_gap
                ));
            }
        }
    }
    Ok(())
}

/// Fixed-support barycentres (LP and IBP) and grids on adversarial costs, targets and settings.
fn fixed_support_and_grids(f: &mut Fuzz) -> Outcome {
    let n = f.size(6);
    let k = 1 + f.below(3);
    let scale = [1.0, 1e-9, 1e9][f.below(3)];
    let mut costs = Vec::new();
    let mut targets = Vec::new();
    for _ in 0..k {
        let m = f.size(5);
        let data = (0..n * m)
            .map(|_| if f.coin(25) { f.value() } else { scale * f.0.uniform() })
            .collect();
        match CostMatrix::new(n, m, data) {
            Ok(c) => costs.push(c),
            Err(_) => return Ok(()),
        }
        targets.push(f.weights(m));
    }
    let lambdas: Vec<f64> = (0..k).map(|_| f.weight()).collect();
    if let Ok(problem) = FixedSupportProblem::new(costs, targets, lambdas) {
        let shortcut = f.coin(2);
        if let Ok(sol) = guarded("FixedSupportLp::solve", || {
            FixedSupportLp::default().two_target_shortcut(shortcut).solve(&problem)
        })? {
            let total: f64 = sol.weights.iter().sum();
            if (total - 1.0).abs() > 1e-9
                || !sol.objective.is_finite()
                || !(sol.duality_gap <= 1e-7 * sol.lp_objective.abs())
            {
                return Err(format!(
                    "FixedSupportLp Ok with mass {total}, V = {}, gap {}",
                    sol.objective, sol.duality_gap
                ));
            }
            // independent of the certificate: uniform weights on the support may not beat the
            // LP's value by more than the stated gap
            // (masses are known to rounding, ~1e-16 of the total, so values are known only to that
            // times the largest weighted cost: with costs of 1e300 that is all there is)
            let largest = problem
                .costs()
                .iter()
                .zip(problem.lambdas())
                .map(|(c, l)| l * c.as_slice().iter().fold(0.0f64, |m, x| m.max(x.abs())))
                .fold(0.0f64, f64::max);
            let slack = sol.duality_gap + 1e-9 * sol.lp_objective.abs() + 64.0 * f64::EPSILON * largest;
            let uniform = vec![1.0 / problem.support_size() as f64; problem.support_size()];
            if let Ok(v) = problem.objective(&uniform) {
                if v < sol.lp_objective - slack {
                    return Err(format!(
                        "V(uniform) = {v} beats the LP's {} (gap {}, V(a) = {}, shortcut {shortcut}, lambdas {:?}, targets {:?}, costs {:?}, a {:?})",
                        sol.lp_objective, sol.duality_gap, sol.objective, problem.lambdas(), problem.targets(),
                        problem.costs().iter().map(|c| c.as_slice().to_vec()).collect::<Vec<_>>(), sol.weights
                    ));
                }
            }
        }
        let eps = [0.1, 1e-3, f.value()][f.below(3)];
        let tol = [1e-9, 0.0, f.value()][f.below(3)];
        if let Ok(sol) = guarded("Ibp::solve", || {
            Ibp::new(eps).tolerance(tol).max_iterations(200).solve(&problem)
        })? {
            if sol.converged != (sol.stop_reason == StopReason::Converged) || sol.weights.iter().any(|w| !w.is_finite())
            {
                return Err(format!(
                    "Ibp Ok with converged = {} ({:?}), weights {:?} (eps {eps}, tol {tol}, targets {:?}, lambdas {:?})",
                    sol.converged,
                    sol.stop_reason,
                    sol.weights,
                    problem.targets(),
                    problem.lambdas()
                ));
            }
        }
    }
    let shape: Vec<usize> = (0..2 + f.below(2)).map(|_| [f.size(6), 1, 9000][f.below(3)]).collect();
    let spacing: Vec<f64> = shape.iter().map(|_| if f.coin(6) { f.value() } else { 0.1 }).collect();
    if let Ok(grid) = guarded("Grid::new", || Grid::new(&shape, &spacing))? {
        let len: usize = shape.iter().product();
        if len <= 4096 {
            let images: Vec<Vec<f64>> = (0..1 + f.below(3)).map(|_| f.weights(len)).collect();
            let weights = f.weights(images.len());
            let eps = [0.05, 1e-4, f.value()][f.below(3)];
            let debiased = f.coin(2);
            let result = guarded("ConvolutionalBarycenter::solve", || {
                ConvolutionalBarycenter::new(eps)
                    .max_iterations(50)
                    .debiased(debiased)
                    .solve(&grid, &images, &weights)
            })?;
            if let Ok(r) = result {
                if r.barycenter.iter().any(|v| !v.is_finite() || *v < 0.0)
                    || r.converged != r.stop_reason.is_converged()
                {
                    return Err(format!(
                        "ConvolutionalBarycenter Ok with a non-finite or negative pixel: {:?} (eps {eps}, shape {shape:?}, spacing {spacing:?}, weights {weights:?}, images {images:?})",
                        r.barycenter.iter().find(|v| !v.is_finite() || **v < 0.0)
                    ));
                }
            }
        }
    }
    Ok(())
}

/// An asymmetric or NaN-producing user cost through the entropic entry points.
fn user_costs(f: &mut Fuzz) -> Outcome {
    struct Odd(u64);
    impl Cost<Euclidean> for Odd {
        fn cost(&self, x: &[f64], y: &[f64]) -> f64 {
            let s: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
            match self.0 % 4 {
                0 => s,
                1 => s + x[0], // not symmetric
                2 => {
                    if s > 0.3 {
                        f64::NAN
                    } else {
                        s
                    }
                }
                _ => -s, // negative
            }
        }
    }
    let space = Euclidean::new(1).unwrap();
    let n = 1 + f.below(8);
    let Ok(mu) = space.measure((0..n).map(|_| f.0.uniform()).collect(), f.weights(n)) else {
        return Ok(());
    };
    let cost = Odd(f.0.next_u64());
    let solver = Sinkhorn::new([0.1, 1e-2][f.below(2)]).max_iterations(2000);
    if let Ok(s) = guarded("sinkhorn_divergence", || {
        kantorovich::sinkhorn_divergence(&solver, &mu, &mu, &cost)
    })? {
        if !(s.abs() <= 1e-6 * (1.0 + s.abs())) {
            return Err(format!("S(mu, mu) = {s} for a user cost"));
        }
    }
    let lazy = kantorovich::LazyCost::new(&mu, &mu, &cost);
    if let Ok(lazy) = lazy {
        if let Ok(sol) = guarded("Sinkhorn on LazyCost", || {
            solver.solve(mu.weights(), mu.weights(), &lazy)
        })? {
            if !sol.entropic_cost.is_finite() {
                return Err(format!("Ok with entropic cost {}", sol.entropic_cost));
            }
        }
    }
    if let Ok(sol) = guarded("exact_ot with a user cost", || {
        kantorovich::ot::exact_ot(&mu, &mu, &cost)
    })? {
        let matrix =
            CostMatrix::between(&mu, &mu, &cost).map_err(|e| format!("exact_ot Ok but the costs fail: {e}"))?;
        check_exact(mu.weights(), mu.weights(), &matrix, &sol)?;
    }
    Ok(())
}

type Target = fn(&mut Fuzz) -> Outcome;

const TARGETS: [(&str, Target); 7] = [
    ("network_simplex", network_simplex),
    ("sinkhorn", sinkhorn),
    ("one_d", one_d),
    ("constructors", constructors),
    ("fixed_points", fixed_points),
    ("fixed_support_and_grids", fixed_support_and_grids),
    ("user_costs", user_costs),
];

#[test]
fn fuzz_public_entry_points() {
    let seconds: f64 = std::env::var("KANTOROVICH_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20.0);
    let base: u64 = std::env::var("KANTOROVICH_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let per_target = Duration::from_secs_f64(seconds / TARGETS.len() as f64);
    // panics are caught and reported as findings; keep their default messages out of the log
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut findings = Vec::new();
    let mut counts = Vec::new();
    for (t, (name, target)) in TARGETS.iter().enumerate() {
        let start = Instant::now();
        let mut case = 0u64;
        while case < 25 || start.elapsed() < per_target {
            let seed = (base + case) ^ ((t as u64 + 1) << 48);
            let mut fuzz = Fuzz(SplitMix64(seed));
            if let Err(message) = target(&mut fuzz) {
                findings.push(format!("{name}, seed {seed}: {message}"));
            }
            case += 1;
        }
        counts.push(format!("{name}: {case} cases"));
    }
    std::panic::set_hook(hook);
    println!("fuzz: {} (seeds from {base})", counts.join(", "));
    assert!(
        findings.is_empty(),
        "{} findings:\n{}",
        findings.len(),
        findings.join("\n")
    );
}
