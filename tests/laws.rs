//! Property tests (quickcheck) of the mathematical laws behind the barycentre iterations:
//! the ground barycentre inequality, the decrease of V along G (with T_delta) and along H, and
//! the marginals of every coupling the iterations use.

mod common;

use common::SplitMix64;
use kantorovich::prelude::*;
use kantorovich::{BarycenterProblem as Problem, DiscreteMeasure as Measure};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

/// A random barycentre problem: K in 2..=4 measures on R^d (d in 1..=4), each with 1..=20
/// atoms, random weights (some zero), random barycentre weights, and a random start.
#[derive(Debug, Clone)]
struct Instance {
    dim: usize,
    measures: Vec<(Vec<f64>, Vec<f64>)>,
    lambdas: Vec<f64>,
    init: (Vec<f64>, Vec<f64>),
}

fn random_measure(rng: &mut SplitMix64, dim: usize) -> (Vec<f64>, Vec<f64>) {
    let n = 1 + (rng.next_u64() % 20) as usize;
    // a coarse grid half of the time, so that duplicate points and ties occur
    let coarse = rng.next_u64() % 2 == 0;
    let points = (0..n * dim)
        .map(|_| {
            let u = rng.uniform() * 4.0 - 2.0;
            if coarse {
                u.round()
            } else {
                u
            }
        })
        .collect();
    let mut weights: Vec<f64> = (0..n)
        .map(|_| {
            if rng.next_u64() % 6 == 0 {
                0.0
            } else {
                0.05 + rng.uniform()
            }
        })
        .collect();
    weights[0] += 0.5; // keep the total positive
    (points, weights)
}

impl Arbitrary for Instance {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut rng = SplitMix64(u64::arbitrary(g));
        let dim = 1 + (rng.next_u64() % 4) as usize;
        let k = 2 + (rng.next_u64() % 3) as usize;
        let measures = (0..k).map(|_| random_measure(&mut rng, dim)).collect();
        let lambdas = (0..k).map(|_| 0.1 + rng.uniform()).collect();
        let init = random_measure(&mut rng, dim);
        Instance {
            dim,
            measures,
            lambdas,
            init,
        }
    }
}

impl Instance {
    fn problem(&self) -> Problem<Euclidean, Euclidean, SquaredEuclidean> {
        let space = Euclidean::new(self.dim).unwrap();
        let measures = self
            .measures
            .iter()
            .map(|(p, w)| space.measure(p.clone(), w.clone()).unwrap())
            .collect();
        Problem::new(space, measures, self.lambdas.clone(), SquaredEuclidean).unwrap()
    }
    fn init(&self) -> Measure<Euclidean> {
        Euclidean::new(self.dim)
            .unwrap()
            .measure(self.init.0.clone(), self.init.1.clone())
            .unwrap()
    }
}

fn quickcheck(tests: u64) -> QuickCheck {
    QuickCheck::new().tests(tests).max_tests(10 * tests)
}

/// sum_k lambda_k |x - y_k|^2 >= sum_k lambda_k |B(y) - y_k|^2 + delta(x, B(y)), with equality
/// for the squared Euclidean cost.
#[test]
fn ground_barycenter_inequality_squared_euclidean() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let dim = 1 + (rng.next_u64() % 5) as usize;
        let k = 1 + (rng.next_u64() % 6) as usize;
        let space = Euclidean::new(dim).unwrap();
        let ys: Vec<Vec<f64>> = (0..k)
            .map(|_| (0..dim).map(|_| rng.uniform() * 20.0 - 10.0).collect())
            .collect();
        let lambdas: Vec<f64> = (0..k).map(|_| rng.uniform() * 3.0).collect();
        if lambdas.iter().sum::<f64>() <= 1e-3 {
            return TestResult::discard();
        }
        let x: Vec<f64> = (0..dim).map(|_| rng.uniform() * 20.0 - 10.0).collect();
        let refs: Vec<&[f64]> = ys.iter().map(|y| y.as_slice()).collect();
        let mut xbar = Vec::new();
        SquaredEuclidean.barycenter(&space, &refs, &lambdas, &mut xbar).unwrap();
        let energy = |z: &[f64]| -> f64 {
            refs.iter()
                .zip(&lambdas)
                .map(|(y, l)| l * Cost::<Euclidean>::cost(&SquaredEuclidean, z, y))
                .sum()
        };
        let lhs = energy(&x);
        let rhs = energy(&xbar) + SquaredEuclidean.delta(&x, &xbar, &lambdas);
        let scale = 1.0 + lhs.abs();
        // equality for this cost (so in particular the inequality), up to rounding
        TestResult::from_bool(lhs >= rhs - 1e-12 * scale && (lhs - rhs).abs() <= 1e-10 * scale)
    }
    quickcheck(2000).quickcheck(prop as fn(u64) -> TestResult);
}

/// V(mu) >= V(G mu) + T_delta(mu, G mu) on random instances (exact couplings).
#[test]
fn g_decreases_v_by_at_least_t_delta() {
    fn prop(instance: Instance) -> TestResult {
        let problem = instance.problem();
        let solver = NetworkSimplex::default();
        let mu = instance.init();
        let g = FixedPointG::default();
        let v_mu = problem.objective(&mu, &solver).unwrap();
        let g_mu = g.step(&problem, &mu).unwrap();
        let v_g_mu = problem.objective(&g_mu, &solver).unwrap();
        let t_delta = solver.couple(&mu, &g_mu, &problem.delta_cost()).unwrap().cost();
        let tol = 1e-9 * (1.0 + v_mu.abs());
        if v_mu >= v_g_mu + t_delta - tol {
            TestResult::passed()
        } else {
            TestResult::error(format!("V(mu) = {v_mu}, V(G mu) = {v_g_mu}, T_delta = {t_delta}"))
        }
    }
    quickcheck(300).quickcheck(prop as fn(Instance) -> TestResult);
}

/// V is non-increasing along H for the squared Euclidean cost (Cuturi and Doucet 2014).
#[test]
fn h_does_not_increase_v() {
    fn prop(instance: Instance) -> TestResult {
        let problem = instance.problem();
        let h = FixedPointH::default().max_iterations(5).tolerance(0.0);
        let result = h.solve(&problem, instance.init()).unwrap();
        for w in result.trace.windows(2) {
            let tol = 1e-9 * (1.0 + w[0].objective.abs());
            if w[1].objective > w[0].objective + tol {
                return TestResult::error(format!("V went up: {:?}", result.trace));
            }
        }
        // H keeps the weights, so the support size cannot grow
        TestResult::from_bool(result.measure.len() == instance.init().len())
    }
    quickcheck(200).quickcheck(prop as fn(Instance) -> TestResult);
}

/// Every coupling the iterations use has the right marginals (to 1e-12), and G(mu) is a
/// probability measure.
#[test]
fn couplings_have_the_right_marginals() {
    fn prop(instance: Instance) -> TestResult {
        let problem = instance.problem();
        let solver = NetworkSimplex::default();
        let mut mu = instance.init();
        for _ in 0..3 {
            let plans = problem.couplings(&mu, &solver).unwrap();
            for (plan, nu) in plans.iter().zip(problem.measures()) {
                let err = plan.marginal_error(mu.weights(), nu.weights());
                if err > 1e-12 {
                    return TestResult::error(format!("marginal error {err}"));
                }
            }
            mu = FixedPointG::default().step(&problem, &mu).unwrap();
            let total: f64 = mu.weights().iter().sum();
            if (total - 1.0).abs() > 1e-12 || mu.weights().iter().any(|&w| w <= 0.0) {
                return TestResult::error(format!("G(mu) has total mass {total}"));
            }
        }
        TestResult::passed()
    }
    quickcheck(200).quickcheck(prop as fn(Instance) -> TestResult);
}
