//! The exact fixed-support LP, the multi-marginal LP (the true optimum V* of the free-support
//! problem, against which G is checked) and IBP: marginals, optimality, agreement between the
//! solvers, the limit eps -> 0, and input errors.

use kantorovich_barycenter::{
    BarycenterError, BarycenterProblem, FixedPointG, FixedSupportLp, FixedSupportProblem, Ibp, MultiMarginalLp,
};
use kantorovich_core::{CostMatrix, DiscreteMeasure, TransportPlan};
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::NetworkSimplex;
use kantorovich_testkit::SplitMix64;
use quickcheck::{QuickCheck, TestResult};

fn quickcheck(tests: u64) -> QuickCheck {
    QuickCheck::new().tests(tests).max_tests(10 * tests)
}

fn points(rng: &mut SplitMix64, n: usize, d: usize) -> Vec<f64> {
    (0..n * d).map(|_| rng.uniform()).collect()
}

fn weights(rng: &mut SplitMix64, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.uniform() + 0.05).collect()
}

/// K random measures of sizes `sizes` in [0,1]^d with random weights, random lambdas (not
/// normalised), squared Euclidean costs.
fn free_problem(
    rng: &mut SplitMix64,
    sizes: &[usize],
    d: usize,
) -> BarycenterProblem<Euclidean, Euclidean, SquaredEuclidean> {
    let space = Euclidean::new(d).unwrap();
    let measures = sizes
        .iter()
        .map(|&m| space.measure(points(rng, m, d), weights(rng, m)).unwrap())
        .collect();
    let lambdas = weights(rng, sizes.len());
    BarycenterProblem::new(space, measures, lambdas, SquaredEuclidean).unwrap()
}

/// A fixed-support problem: n random support points in [0,1]^d for the problem's targets.
fn fixed_problem(rng: &mut SplitMix64, n: usize, sizes: &[usize], d: usize) -> FixedSupportProblem {
    let free = free_problem(rng, sizes, d);
    FixedSupportProblem::on_support(&free, &points(rng, n, d)).unwrap()
}

fn check_plan(plan: &TransportPlan, a: &[f64], b: &[f64], tol: f64) {
    assert!(plan.iter().all(|(_, _, p)| p >= 0.0));
    let rows = plan.row_sums();
    let cols = plan.col_sums();
    for (r, ai) in rows.iter().zip(a) {
        assert!((r - ai).abs() <= tol, "row sum {r} vs a_i = {ai}");
    }
    for (c, bj) in cols.iter().zip(b) {
        assert!((c - bj).abs() <= tol, "column sum {c} vs b_j = {bj}");
    }
}

/// The LP's a is a probability vector, its plans couple a with each b_k exactly (1e-12), the raw
/// LP solution violates its constraints by at most 1e-9, and its value is V(a) recomputed by the
/// network simplex (1e-9 relative).
#[test]
fn lp_marginals_and_value_agree_with_the_network_simplex() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let k = 2 + rng.below(2);
        let sizes: Vec<usize> = (0..k).map(|_| 2 + rng.below(5)).collect();
        let n = 2 + rng.below(7);
        let problem = fixed_problem(&mut rng, n, &sizes, 2);
        let solution = FixedSupportLp::default().solve(&problem).unwrap();
        let a = &solution.weights;
        assert!(a.iter().all(|&x| x >= 0.0));
        assert!((a.iter().sum::<f64>() - 1.0).abs() <= 1e-12);
        for (plan, b) in solution.plans.iter().zip(problem.targets()) {
            check_plan(plan, a, b, 1e-12);
        }
        assert!(solution.lp_violation <= 1e-9, "LP violation {}", solution.lp_violation);
        let v = problem.objective(a).unwrap();
        let scale = v.abs().max(1e-3);
        assert!((solution.objective - v).abs() <= 1e-12 * scale);
        assert!(
            (solution.lp_objective - v).abs() <= 1e-9 * scale,
            "LP value {} vs network simplex {v}",
            solution.lp_objective
        );
        TestResult::passed()
    }
    quickcheck(40).quickcheck(prop as fn(u64) -> TestResult);
}

/// K = 2: the transport problem with the pair cost D(j_1, j_2) = min_i sum_k lambda_k C_k(i, j_k)
/// (network simplex) has the value of the LP solved by microlp (1e-9 relative), and its weights
/// are optimal: V(a_shortcut) equals it too.
#[test]
fn two_target_shortcut_matches_the_lp() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let sizes = [1 + rng.below(6), 1 + rng.below(6)];
        let n = 1 + rng.below(8);
        let d = 1 + rng.below(2);
        let problem = fixed_problem(&mut rng, n, &sizes, d);
        let fast = FixedSupportLp::default().solve(&problem).unwrap();
        let lp = FixedSupportLp::default()
            .two_target_shortcut(false)
            .solve(&problem)
            .unwrap();
        let scale = lp.objective.abs().max(1e-3);
        assert!(
            (fast.objective - lp.objective).abs() <= 1e-9 * scale,
            "shortcut {} vs LP {}",
            fast.objective,
            lp.objective
        );
        assert!((fast.lp_objective - fast.objective).abs() <= 1e-9 * scale);
        assert!(fast.lp_violation <= 1e-12);
        TestResult::passed()
    }
    quickcheck(60).quickcheck(prop as fn(u64) -> TestResult);
}

/// Optimality: V(a_LP) <= V(a) for random a on the same support (K = 2 through the shortcut,
/// K = 3 through microlp).
#[test]
fn lp_is_below_every_other_weighting() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let n = 2 + rng.below(5);
        let sizes: &[usize] = if seed % 2 == 0 { &[3, 4] } else { &[3, 2, 4] };
        let problem = fixed_problem(&mut rng, n, sizes, 1);
        let best = FixedSupportLp::default().solve(&problem).unwrap().objective;
        for _ in 0..5 {
            let a = weights(&mut rng, n);
            let v = problem.objective(&a).unwrap();
            assert!(
                best <= v + 1e-9 * v.abs().max(1.0),
                "LP {best} above V(a) = {v} at a = {a:?}"
            );
        }
        TestResult::passed()
    }
    quickcheck(40).quickcheck(prop as fn(u64) -> TestResult);
}

/// All ground barycentres B(y_j) of the tuples, in tuple order (last index fastest).
fn all_tuple_barycentres(problem: &BarycenterProblem<Euclidean, Euclidean, SquaredEuclidean>) -> Vec<f64> {
    let d = 2;
    let total: f64 = problem.lambdas().iter().sum();
    let sizes: Vec<usize> = problem.measures().iter().map(DiscreteMeasure::len).collect();
    let count: usize = sizes.iter().product();
    let mut out = Vec::with_capacity(count * d);
    for t in 0..count {
        let (mut rest, mut x) = (t, [0.0; 2]);
        for k in (0..sizes.len()).rev() {
            let j = rest % sizes[k];
            rest /= sizes[k];
            let y = problem.measures()[k].point(j);
            for (xc, yc) in x.iter_mut().zip(y) {
                *xc += problem.lambdas()[k] / total * yc;
            }
        }
        out.extend_from_slice(&x);
    }
    out
}

/// On the support of all tuple barycentres B(y_j) (which contains the support of a free-support
/// barycentre for the squared Euclidean cost), the fixed-support LP reaches the free-support
/// optimum: V_LP = V* (1e-9 relative). So does the support of the multi-marginal barycentre.
#[test]
fn lp_on_all_tuple_barycentres_reaches_the_multi_marginal_optimum() {
    for seed in 0..6 {
        let mut rng = SplitMix64(100 + seed);
        let problem = free_problem(&mut rng, &[3, 4, 2], 2);
        let star = MultiMarginalLp::default().solve(&problem).unwrap();
        let on_all = FixedSupportProblem::on_support(&problem, &all_tuple_barycentres(&problem)).unwrap();
        let v_all = FixedSupportLp::default().solve(&on_all).unwrap().objective;
        assert!(
            (v_all - star.objective).abs() <= 1e-9 * star.objective,
            "{v_all} vs V* = {}",
            star.objective
        );
        let on_star = FixedSupportProblem::on_support(&problem, star.measure.points()).unwrap();
        let v_star = FixedSupportLp::default().solve(&on_star).unwrap().objective;
        assert!((v_star - star.objective).abs() <= 1e-9 * star.objective);
    }
}

/// The multi-marginal barycentre mu* = B # gamma attains V*: V(mu*) computed by the network
/// simplex equals the LP value (1e-9 relative); its marginal constraints hold to 1e-9.
#[test]
fn multi_marginal_barycentre_attains_its_value() {
    for seed in 0..10 {
        let mut rng = SplitMix64(200 + seed);
        let problem = free_problem(&mut rng, &[2 + (seed as usize % 3), 3, 4], 2);
        let star = MultiMarginalLp::default().solve(&problem).unwrap();
        assert!(star.lp_violation <= 1e-9);
        assert_eq!(star.tuples.len(), 3 * star.measure.len());
        let v = problem.objective(&star.measure, &NetworkSimplex::default()).unwrap();
        assert!(
            (v - star.objective).abs() <= 1e-9 * star.objective,
            "V(mu*) = {v} vs V* = {}",
            star.objective
        );
    }
}

/// V(mu) >= V* for every measure mu (random points and weights, 1 to 6 atoms).
#[test]
fn no_measure_beats_the_multi_marginal_optimum() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let k = 2 + rng.below(2);
        let sizes: Vec<usize> = (0..k).map(|_| 1 + rng.below(4)).collect();
        let problem = free_problem(&mut rng, &sizes, 2);
        let star = MultiMarginalLp::default().solve(&problem).unwrap().objective;
        let n = 1 + rng.below(6);
        let mu = problem
            .space()
            .measure(points(&mut rng, n, 2), weights(&mut rng, n))
            .unwrap();
        let v = problem.objective(&mu, &NetworkSimplex::default()).unwrap();
        assert!(v >= star - 1e-9 * star.max(1e-3), "V(mu) = {v} below V* = {star}");
        TestResult::passed()
    }
    quickcheck(60).quickcheck(prop as fn(u64) -> TestResult);
}

/// K = 2: one step of G from nu_1 gives McCann's interpolant, a barycentre: V(G nu_1) = V*.
#[test]
fn g_from_a_target_reaches_the_optimum_in_one_step_for_two_measures() {
    for seed in 0..10 {
        let mut rng = SplitMix64(300 + seed);
        let problem = free_problem(&mut rng, &[4, 5], 2);
        let star = MultiMarginalLp::default().solve(&problem).unwrap().objective;
        let start = problem.measures()[0].clone();
        let result = FixedPointG::default()
            .max_iterations(1)
            .tolerance(f64::NEG_INFINITY)
            .solve(&problem, start)
            .unwrap();
        let after = result.trace[1].objective;
        assert!(
            (after - star).abs() <= 1e-9 * star,
            "V(G nu_1) = {after} vs V* = {star}"
        );
    }
}

/// On the line with the squared distance, G from random starts reaches V* (1e-9 relative)
/// within 20 steps: the glued coupling becomes comonotone, and the comonotone coupling is
/// optimal for the multi-marginal problem.
#[test]
fn g_reaches_the_optimum_on_the_line() {
    for seed in 0..10 {
        let mut rng = SplitMix64(400 + seed);
        let problem = free_problem(&mut rng, &[3, 4, 5], 1);
        let star = MultiMarginalLp::default().solve(&problem).unwrap().objective;
        let n = 1 + rng.below(5);
        let start = problem
            .space()
            .measure(points(&mut rng, n, 1), weights(&mut rng, n))
            .unwrap();
        let result = FixedPointG::default()
            .max_iterations(20)
            .tolerance(0.0)
            .solve(&problem, start)
            .unwrap();
        assert!(
            (result.objective - star).abs() <= 1e-9 * star,
            "seed {seed}: G ends at {} vs V* = {star} (trace {:?})",
            result.objective,
            result.trace.iter().map(|r| r.objective).collect::<Vec<_>>()
        );
    }
}

/// G started at the multi-marginal barycentre stays at V* (it cannot go below, and does not
/// move away): V(mu*) = V(G mu*) = V* (1e-9 relative).
#[test]
fn the_multi_marginal_barycentre_is_a_fixed_point_of_g_in_value() {
    for seed in 0..8 {
        let mut rng = SplitMix64(500 + seed);
        let problem = free_problem(&mut rng, &[3, 3, 4], 2);
        let star = MultiMarginalLp::default().solve(&problem).unwrap();
        let result = FixedPointG::default()
            .max_iterations(2)
            .tolerance(f64::NEG_INFINITY)
            .solve(&problem, star.measure.clone())
            .unwrap();
        for record in &result.trace {
            assert!(
                (record.objective - star.objective).abs() <= 1e-9 * star.objective,
                "V at step {} = {} vs V* = {}",
                record.iteration,
                record.objective,
                star.objective
            );
        }
    }
}

/// IBP at convergence: a >= 0 sums to 1, the columns of each plan are b_k (1e-12), its rows are
/// within the reported error of a, and the error is at most the tolerance.
#[test]
fn ibp_marginals_at_convergence() {
    for seed in 0..6 {
        let mut rng = SplitMix64(600 + seed);
        let problem = fixed_problem(&mut rng, 12, &[5, 7, 9], 2);
        let solution = Ibp::new(0.05).tolerance(1e-10).solve(&problem).unwrap();
        assert!(solution.converged && solution.marginal_error <= 1e-10);
        let a = &solution.weights;
        assert!(a.iter().all(|&x| x >= 0.0) && (a.iter().sum::<f64>() - 1.0).abs() <= 1e-12);
        let plans = solution.plans(&problem).unwrap();
        let mut cost = 0.0;
        for ((plan, b), l) in plans.iter().zip(problem.targets()).zip(problem.lambdas()) {
            assert!(
                (plan
                    .col_sums()
                    .iter()
                    .zip(b)
                    .map(|(c, bj)| (c - bj).abs())
                    .fold(0.0, f64::max))
                    <= 1e-12
            );
            let rows = plan.row_sums();
            assert!(rows.iter().zip(a).map(|(r, ai)| (r - ai).abs()).sum::<f64>() <= 2e-10);
            cost += l * plan.cost();
        }
        assert!((cost - solution.transport_cost).abs() <= 1e-12 * cost);
    }
}

/// As eps -> 0 the IBP transport cost sum_k lambda_k <C_k, P_k> tends to the LP value: over
/// eps = (0.1, 0.03, 0.01, 0.003) max C the gap shrinks each time and ends below 2e-2 V_LP; the
/// gap is never below -1e-9 (the plans nearly couple a common marginal, so they cannot beat the LP).
#[test]
fn ibp_tends_to_the_lp_as_eps_goes_to_zero() {
    let mut rng = SplitMix64(700);
    let problem = fixed_problem(&mut rng, 15, &[6, 8, 7], 2);
    let lp = FixedSupportLp::default().solve(&problem).unwrap().objective;
    let max_c = problem.costs().iter().map(CostMatrix::max).fold(0.0, f64::max);
    let mut previous = f64::INFINITY;
    for rel in [0.1, 0.03, 0.01, 0.003] {
        let solution = Ibp::new(rel * max_c).max_iterations(200_000).solve(&problem).unwrap();
        assert!(solution.converged, "eps = {rel} max C: err {}", solution.marginal_error);
        let gap = solution.transport_cost - lp;
        assert!(gap >= -1e-9, "IBP below the LP by {gap}");
        assert!(
            gap < previous,
            "gap {gap} did not shrink (previous {previous}) at eps = {rel} max C"
        );
        previous = gap;
    }
    assert!(previous < 2e-2 * lp, "final gap {previous} vs V_LP = {lp}");
}

/// At eps = 1e-4 max C every quantity stays finite (log domain), and the converged flag is
/// exactly err <= tolerance; a capped run reports that it did not converge.
#[test]
fn ibp_is_finite_at_tiny_eps_and_reports_non_convergence() {
    let mut rng = SplitMix64(800);
    let problem = fixed_problem(&mut rng, 10, &[6, 5], 2);
    let max_c = problem.costs().iter().map(CostMatrix::max).fold(0.0, f64::max);
    let solution = Ibp::new(1e-4 * max_c)
        .max_iterations(3_000)
        .trace(true)
        .solve(&problem)
        .unwrap();
    assert!(solution.weights.iter().all(|a| a.is_finite() && *a >= 0.0));
    assert!(solution.transport_cost.is_finite() && solution.marginal_error.is_finite());
    assert_eq!(solution.converged, solution.marginal_error <= 1e-9);
    assert_eq!(solution.trace.len(), solution.iterations);
    let capped = Ibp::new(0.01 * max_c).max_iterations(2).solve(&problem).unwrap();
    assert!(!capped.converged && capped.iterations == 2 && capped.marginal_error > 1e-9);
}

/// lambda_k are used as given: scaling them by 3 scales V_LP and V* by 3 and leaves the IBP
/// weights unchanged.
#[test]
fn lambdas_are_used_as_given() {
    let mut rng = SplitMix64(900);
    let problem = fixed_problem(&mut rng, 6, &[3, 4], 2);
    let scaled = FixedSupportProblem::new(
        problem.costs().to_vec(),
        problem.targets().to_vec(),
        problem.lambdas().iter().map(|l| 3.0 * l).collect(),
    )
    .unwrap();
    let (v, v3) = (
        FixedSupportLp::default().solve(&problem).unwrap().objective,
        FixedSupportLp::default().solve(&scaled).unwrap().objective,
    );
    assert!((v3 - 3.0 * v).abs() <= 1e-9 * v3);
    let (a, a3) = (
        Ibp::new(0.05).solve(&problem).unwrap().weights,
        Ibp::new(0.05).solve(&scaled).unwrap().weights,
    );
    assert!(a.iter().zip(&a3).all(|(x, y)| (x - y).abs() <= 1e-12));
}

fn two_by_two() -> CostMatrix {
    CostMatrix::new(2, 2, vec![0.0, 1.0, 1.0, 0.0]).unwrap()
}

#[test]
fn invalid_inputs_are_errors() {
    // a negative IBP tolerance is an error (it was accepted)
    {
        let mut rng = SplitMix64(77);
        let problem = fixed_problem(&mut rng, 4, &[3, 3], 2);
        assert!(Ibp::new(0.1).tolerance(-1.0).solve(&problem).is_err());
        assert!(Ibp::new(0.1).tolerance(0.0).max_iterations(5).solve(&problem).is_ok());
    }
    let err = |r: Result<FixedSupportProblem, BarycenterError>| r.unwrap_err().to_string();
    assert!(err(FixedSupportProblem::new(vec![], vec![], vec![])).contains("no target"));
    let nan = err(FixedSupportProblem::new(
        vec![two_by_two()],
        vec![vec![f64::NAN, 1.0]],
        vec![1.0],
    ));
    assert!(nan.contains("finite"), "{nan}");
    let negative = err(FixedSupportProblem::new(
        vec![two_by_two()],
        vec![vec![-1.0, 1.0]],
        vec![1.0],
    ));
    assert!(negative.contains(">= 0"), "{negative}");
    let lambda = err(FixedSupportProblem::new(
        vec![two_by_two()],
        vec![vec![1.0, 1.0]],
        vec![-1.0],
    ));
    assert!(lambda.contains(">= 0"), "{lambda}");
    let zero = err(FixedSupportProblem::new(
        vec![two_by_two()],
        vec![vec![1.0, 1.0]],
        vec![0.0],
    ));
    assert!(zero.contains("sum"), "{zero}");
    let count = err(FixedSupportProblem::new(
        vec![two_by_two()],
        vec![vec![1.0, 1.0]],
        vec![0.5, 0.5],
    ));
    assert!(count.contains("weights"), "{count}");
    let cols = err(FixedSupportProblem::new(
        vec![two_by_two()],
        vec![vec![1.0, 1.0, 1.0]],
        vec![1.0],
    ));
    assert!(cols.contains("columns"), "{cols}");
    let rows = err(FixedSupportProblem::new(
        vec![two_by_two(), CostMatrix::new(3, 2, vec![0.0; 6]).unwrap()],
        vec![vec![1.0, 1.0], vec![1.0, 1.0]],
        vec![1.0, 1.0],
    ));
    assert!(rows.contains("rows"), "{rows}");
    // the caller's data is untouched on error: the problem is rebuilt from the same vectors
    let problem = FixedSupportProblem::new(vec![two_by_two()], vec![vec![1.0, 3.0]], vec![2.0]).unwrap();
    assert_eq!(problem.targets()[0], vec![0.25, 0.75]);
    assert!(matches!(problem.objective(&[1.0]), Err(BarycenterError::Core(_))));
    for eps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(Ibp::new(eps).solve(&problem).unwrap_err().to_string().contains("eps"));
    }
    assert!(Ibp::new(0.1).tolerance(f64::NAN).solve(&problem).is_err());
}

#[test]
fn too_large_lps_are_errors() {
    let mut rng = SplitMix64(1000);
    let problem = fixed_problem(&mut rng, 30, &[30, 30], 2);
    let e = FixedSupportLp::default()
        .two_target_shortcut(false)
        .max_variables(1000)
        .solve(&problem)
        .unwrap_err();
    assert!(
        matches!(
            e,
            BarycenterError::LpTooLarge {
                variables: 1830,
                limit: 1000
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("max_variables"));
    let free = free_problem(&mut rng, &[40, 40, 40], 2);
    let e = MultiMarginalLp::default().solve(&free).unwrap_err();
    assert!(
        matches!(e, BarycenterError::LpTooLarge { variables: 64_000, .. }),
        "{e}"
    );
    // the cap lifted: 400^3 = 6.4e7 tuples stay an error (the ceiling MAX_LP_VARIABLES), not an
    // aborting allocation
    let huge = free_problem(&mut rng, &[400, 400, 400], 2);
    let e = MultiMarginalLp::default()
        .max_variables(usize::MAX)
        .solve(&huge)
        .unwrap_err();
    assert!(
        matches!(
            e,
            BarycenterError::LpTooLarge {
                variables: 64_000_000,
                limit: kantorovich_barycenter::MAX_LP_VARIABLES
            }
        ),
        "{e}"
    );
}

/// Targets with atoms of zero weight: IBP stays finite and converges, those columns of its plans
/// carry no mass, and its value approaches the LP's (which handles them as any LP).
#[test]
fn zero_weight_atoms() {
    let mut rng = SplitMix64(1100);
    let space = Euclidean::new(1).unwrap();
    let mut b0 = weights(&mut rng, 5);
    b0[1] = 0.0;
    let mut b1 = weights(&mut rng, 4);
    b1[0] = 0.0;
    b1[3] = 0.0;
    let measures = vec![
        space.measure(points(&mut rng, 5, 1), b0).unwrap(),
        space.measure(points(&mut rng, 4, 1), b1).unwrap(),
        space.uniform(points(&mut rng, 3, 1)).unwrap(),
    ];
    let free = BarycenterProblem::new(space, measures, vec![0.2, 0.5, 0.3], SquaredEuclidean).unwrap();
    let problem = FixedSupportProblem::on_support(&free, &points(&mut rng, 8, 1)).unwrap();
    let lp = FixedSupportLp::default().solve(&problem).unwrap();
    let ibp = Ibp::new(1e-3).max_iterations(100_000).solve(&problem).unwrap();
    assert!(ibp.converged && ibp.weights.iter().all(|a| a.is_finite()));
    let plans = ibp.plans(&problem).unwrap();
    assert!(plans[0].iter().all(|(_, j, p)| j != 1 || p == 0.0));
    assert!(plans[1].iter().all(|(_, j, p)| (j != 0 && j != 3) || p == 0.0));
    assert!(
        (ibp.transport_cost - lp.objective).abs() <= 0.05 * lp.objective,
        "IBP {} vs LP {}",
        ibp.transport_cost,
        lp.objective
    );
}
