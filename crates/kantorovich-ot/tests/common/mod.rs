//! Shared helpers of the kantorovich-ot tests: a small random generator, random instances,
//! the optimality certificate, and a reference LP solved with good_lp (microlp).
#![allow(dead_code)]

use good_lp::{constraint, microlp, variable, variables, Expression, Solution, SolverModel, Variable};
use kantorovich_core::CostMatrix;
use kantorovich_ot::ExactSolution;

/// splitmix64 (shared with the workspace tests).
pub use kantorovich_testkit::SplitMix64 as Rng;

/// The kinds of random instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Uniform costs in [0, 1), random positive weights.
    Generic,
    /// Integer costs in 0..4 (many ties), integer weights: highly degenerate.
    IntegerTies,
    /// Squared Euclidean costs between points of the plane, equal weights.
    EqualWeights,
    /// Squared Euclidean costs between points with many duplicates, random weights.
    Duplicates,
    /// Random weights with about a third of them zero.
    ZeroWeights,
    /// Costs with a large constant offset: C_ij = 1000 + u_ij.
    Offset,
}

pub const KINDS: [Kind; 6] = [
    Kind::Generic,
    Kind::IntegerTies,
    Kind::EqualWeights,
    Kind::Duplicates,
    Kind::ZeroWeights,
    Kind::Offset,
];

/// A transportation problem.
#[derive(Debug, Clone)]
pub struct Instance {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
    pub cost: CostMatrix,
}

fn weights(rng: &mut Rng, n: usize, zeros: bool) -> Vec<f64> {
    let mut w: Vec<f64> = (0..n)
        .map(|_| {
            if zeros && rng.below(3) == 0 {
                0.0
            } else {
                rng.uniform() + 0.01
            }
        })
        .collect();
    if w.iter().all(|&x| x == 0.0) {
        w[rng.below(n)] = 1.0;
    }
    w
}

fn points(rng: &mut Rng, n: usize, duplicates: bool) -> Vec<[f64; 2]> {
    let mut p: Vec<[f64; 2]> = Vec::with_capacity(n);
    for k in 0..n {
        if duplicates && k > 0 && rng.below(2) == 0 {
            let q = p[rng.below(k)];
            p.push(q);
        } else if duplicates {
            // a coarse grid: coincident points across the two measures too
            p.push([rng.below(3) as f64, rng.below(3) as f64]);
        } else {
            p.push([rng.uniform(), rng.uniform()]);
        }
    }
    p
}

/// A random n x m instance of the given kind. The two weight vectors have equal totals: for
/// integer kinds they are the row and column sums of a random integer matrix, otherwise b is
/// normalised to the total of a (up to rounding).
pub fn instance(rng: &mut Rng, n: usize, m: usize, kind: Kind) -> Instance {
    let (a, b) = match kind {
        Kind::IntegerTies => {
            let mut a = vec![0.0; n];
            let mut b = vec![0.0; m];
            // every atom gets at least one unit, then a random integer matrix is added
            for k in 0..n.max(m) {
                a[k % n] += 1.0;
                b[k % m] += 1.0;
            }
            for ai in a.iter_mut() {
                for bj in b.iter_mut() {
                    let x = rng.below(3) as f64;
                    *ai += x;
                    *bj += x;
                }
            }
            (a, b)
        }
        Kind::EqualWeights => (vec![1.0 / n as f64; n], vec![1.0 / m as f64; m]),
        _ => {
            let zeros = kind == Kind::ZeroWeights;
            let a = weights(rng, n, zeros);
            let mut b = weights(rng, m, zeros);
            let (sa, sb): (f64, f64) = (a.iter().sum(), b.iter().sum());
            b.iter_mut().for_each(|x| *x *= sa / sb);
            (a, b)
        }
    };
    finish(rng, a, b, n, m, kind)
}

fn finish(rng: &mut Rng, a: Vec<f64>, b: Vec<f64>, n: usize, m: usize, kind: Kind) -> Instance {
    let data: Vec<f64> = match kind {
        Kind::IntegerTies => (0..n * m).map(|_| rng.below(4) as f64).collect(),
        Kind::EqualWeights | Kind::Duplicates => {
            let dup = kind == Kind::Duplicates;
            let (x, y) = (points(rng, n, dup), points(rng, m, dup));
            x.iter()
                .flat_map(|p| y.iter().map(move |q| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)))
                .collect()
        }
        Kind::Offset => (0..n * m).map(|_| 1000.0 + rng.uniform()).collect(),
        _ => (0..n * m).map(|_| rng.uniform()).collect(),
    };
    Instance {
        a,
        b,
        cost: CostMatrix::new(n, m, data).expect("finite costs"),
    }
}

/// The largest |C_ij| (at least 1e-300 so that relative tolerances make sense).
pub fn cost_scale(cost: &CostMatrix) -> f64 {
    cost.as_slice().iter().fold(1e-300, |s, c| s.max(c.abs()))
}

/// Checks that `sol` is an optimal primal-dual pair for (a, b, cost): P >= 0, marginals to 1e-12
/// (relative to the total mass), at most n + m - 1 non-zeros, f_i + g_j <= C_ij, complementary
/// slackness and no duality gap (to 1e-9 of max|C| times the mass).
pub fn check_certificate(a: &[f64], b: &[f64], cost: &CostMatrix, sol: &ExactSolution) -> Result<(), String> {
    let (n, m) = (cost.rows(), cost.cols());
    let mass: f64 = a.iter().sum();
    let b_total: f64 = b.iter().sum();
    let b: Vec<f64> = b.iter().map(|x| x * mass / b_total).collect();
    let scale = cost_scale(cost);
    let plan = &sol.plan;
    if plan.rows() != n || plan.cols() != m || sol.f.len() != n || sol.g.len() != m {
        return Err("wrong dimensions".into());
    }
    if plan.iter().any(|(_, _, x)| x <= 0.0 || !x.is_finite()) {
        return Err("a plan entry is not positive".into());
    }
    let err = plan.marginal_error(a, &b);
    if err > 1e-12 * mass {
        return Err(format!("marginal error {err} (mass {mass})"));
    }
    let support = a.iter().filter(|&&x| x > 0.0).count() + b.iter().filter(|&&x| x > 0.0).count();
    if plan.nnz() + 1 > support {
        return Err(format!(
            "{} non-zeros for {support} atoms of positive weight",
            plan.nnz()
        ));
    }
    let primal: f64 = plan.iter().map(|(i, j, x)| cost.get(i, j) * x).sum();
    let tol = 1e-9 * scale;
    if (primal - sol.cost).abs() > tol * mass || (plan.cost() - sol.cost).abs() > tol * mass {
        return Err(format!(
            "cost {} but <C, P> = {primal}, plan.cost() = {}",
            sol.cost,
            plan.cost()
        ));
    }
    for i in 0..n {
        for j in 0..m {
            let slack = cost.get(i, j) - sol.f[i] - sol.g[j];
            if slack < -tol {
                return Err(format!("dual infeasible at ({i}, {j}): C - f - g = {slack}"));
            }
        }
    }
    for (i, j, _) in plan.iter() {
        let slack = cost.get(i, j) - sol.f[i] - sol.g[j];
        if slack.abs() > tol {
            return Err(format!(
                "complementary slackness fails at ({i}, {j}): C - f - g = {slack}"
            ));
        }
    }
    let dual = sol.dual_value(a, &b);
    if (dual - sol.cost).abs() > tol * mass + 1e-12 * sol.cost.abs() {
        return Err(format!("duality gap: primal {} dual {dual}", sol.cost));
    }
    Ok(())
}

/// The optimal value of the transportation problem, by a general LP solver (microlp).
pub fn lp_cost(a: &[f64], b: &[f64], cost: &CostMatrix) -> f64 {
    let (n, m) = (cost.rows(), cost.cols());
    let mass: f64 = a.iter().sum();
    let b_total: f64 = b.iter().sum();
    let mut vars = variables!();
    let p: Vec<Variable> = (0..n * m).map(|_| vars.add(variable().min(0.0))).collect();
    let objective: Expression = (0..n * m).map(|k| cost.as_slice()[k] * p[k]).sum();
    let mut model = vars.minimise(objective).using(microlp);
    for i in 0..n {
        let row: Expression = (0..m).map(|j| p[i * m + j]).sum();
        model = model.with(constraint!(row == a[i]));
    }
    // one constraint is redundant; the LP solver copes
    for j in 0..m {
        let col: Expression = (0..n).map(|i| p[i * m + j]).sum();
        model = model.with(constraint!(col == b[j] * mass / b_total));
    }
    let solution = model.solve().expect("the transportation LP is feasible and bounded");
    (0..n * m).map(|k| cost.as_slice()[k] * solution.value(p[k])).sum()
}

/// |x - y| <= 1e-9 max(|x|, |y|, floor).
pub fn close(x: f64, y: f64, floor: f64) -> bool {
    (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(floor)
}

/// n points of [0,1)^d from splitmix64 started at `seed`, coordinates point after point: the
/// generator of the workspace's benchmarks and of scripts/pot_bench.py.
pub fn cloud(seed: u64, n: usize, d: usize) -> Vec<f64> {
    let mut rng = Rng(seed);
    (0..n * d).map(|_| rng.uniform()).collect()
}
