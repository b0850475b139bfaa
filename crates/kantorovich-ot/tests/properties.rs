//! Property tests (quickcheck): every coupling has the right marginals, and the optimal cost
//! matches a general LP solver.

mod common;

use common::{check_certificate, close, cost_scale, instance, lp_cost, Instance, Rng, KINDS};
use kantorovich_core::Coupling;
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::NetworkSimplex;
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

/// A random instance, drawn from a seed so that failures can be replayed.
#[derive(Debug, Clone)]
struct Seeded {
    seed: u64,
    n: usize,
    m: usize,
    kind: usize,
}

impl Arbitrary for Seeded {
    fn arbitrary(g: &mut Gen) -> Self {
        Self {
            seed: u64::arbitrary(g),
            n: 1 + usize::arbitrary(g) % 9,
            m: 1 + usize::arbitrary(g) % 9,
            kind: usize::arbitrary(g) % KINDS.len(),
        }
    }
}

impl Seeded {
    fn instance(&self) -> Instance {
        instance(&mut Rng(self.seed), self.n, self.m, KINDS[self.kind])
    }
}

#[test]
fn network_simplex_matches_the_lp() {
    fn prop(s: Seeded) -> TestResult {
        let inst = s.instance();
        let sol = match NetworkSimplex::default().solve(&inst.a, &inst.b, &inst.cost) {
            Ok(sol) => sol,
            Err(e) => return TestResult::error(format!("{e}")),
        };
        if let Err(e) = check_certificate(&inst.a, &inst.b, &inst.cost, &sol) {
            return TestResult::error(e);
        }
        let lp = lp_cost(&inst.a, &inst.b, &inst.cost);
        let floor = 1e-3 * cost_scale(&inst.cost) * inst.a.iter().sum::<f64>();
        if close(sol.cost, lp, floor) {
            TestResult::passed()
        } else {
            TestResult::error(format!("network simplex {} vs LP {lp}", sol.cost))
        }
    }
    QuickCheck::new()
        .tests(500)
        .quickcheck(prop as fn(Seeded) -> TestResult);
}

/// Measures in the plane with random support sizes, weights (some zero) and duplicate points.
#[derive(Debug, Clone)]
struct Measures {
    xs: Vec<f64>,
    a: Vec<f64>,
    ys: Vec<f64>,
    b: Vec<f64>,
}

impl Arbitrary for Measures {
    fn arbitrary(g: &mut Gen) -> Self {
        let mut rng = Rng(u64::arbitrary(g));
        let n = 1 + usize::arbitrary(g) % 40;
        let m = 1 + usize::arbitrary(g) % 40;
        let cloud = |k: usize, rng: &mut Rng| -> (Vec<f64>, Vec<f64>) {
            let mut pts: Vec<f64> = Vec::with_capacity(2 * k);
            for p in 0..k {
                if p > 0 && rng.below(4) == 0 {
                    let q = rng.below(p);
                    pts.extend_from_within(2 * q..2 * q + 2);
                } else {
                    pts.push(rng.uniform());
                    pts.push(rng.uniform());
                }
            }
            let mut w: Vec<f64> = (0..k)
                .map(|_| if rng.below(5) == 0 { 0.0 } else { rng.uniform() })
                .collect();
            w[0] += 0.5;
            (pts, w)
        };
        let (xs, a) = cloud(n, &mut rng);
        let (ys, b) = cloud(m, &mut rng);
        Self { xs, a, ys, b }
    }
}

#[test]
fn every_coupling_has_the_right_marginals() {
    fn prop(ms: Measures) -> TestResult {
        let plane = Euclidean::new(2).unwrap();
        let mu = plane.measure(ms.xs, ms.a).unwrap();
        let nu = plane.measure(ms.ys, ms.b).unwrap();
        let plan = match NetworkSimplex::default().couple(&mu, &nu, &SquaredEuclidean) {
            Ok(p) => p,
            Err(e) => return TestResult::error(format!("{e}")),
        };
        let err = plan.marginal_error(mu.weights(), nu.weights());
        let support = mu.support_size() + nu.support_size();
        if err > 1e-12 {
            TestResult::error(format!("marginal error {err}"))
        } else if plan.nnz() + 1 > support {
            TestResult::error(format!("{} non-zeros for {support} atoms", plan.nnz()))
        } else if plan.iter().any(|(_, _, x)| x <= 0.0) {
            TestResult::error("non-positive entry")
        } else {
            TestResult::passed()
        }
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(Measures) -> TestResult);
}
