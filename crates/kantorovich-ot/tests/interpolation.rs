//! Displacement interpolation: the geodesic law on exact plans, endpoints, mass, the entropic
//! curve converging to the exact one as eps -> 0, and errors.

use kantorovich_core::{CostMatrix, Coupling, DiscreteMeasure, TransportPlan};
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::{DisplacementInterpolation, NetworkSimplex, Sinkhorn};
use kantorovich_testkit::{cloud, SplitMix64};
use quickcheck::{QuickCheck, TestResult};

fn w2(mu: &DiscreteMeasure<Euclidean>, nu: &DiscreteMeasure<Euclidean>) -> f64 {
    let cost = CostMatrix::between(mu, nu, &SquaredEuclidean).unwrap();
    NetworkSimplex::default()
        .solve(mu.weights(), nu.weights(), &cost)
        .unwrap()
        .cost
        .max(0.0)
        .sqrt()
}

/// Random weighted clouds (some weights zero) of random sizes in R^d, d in 1..=3.
fn instance(rng: &mut SplitMix64) -> (DiscreteMeasure<Euclidean>, DiscreteMeasure<Euclidean>) {
    let d = 1 + rng.below(3);
    let space = Euclidean::new(d).unwrap();
    let measure = |rng: &mut SplitMix64| {
        let n = 1 + rng.below(12);
        let mut w: Vec<f64> = (0..n)
            .map(|_| if rng.below(6) == 0 { 0.0 } else { rng.uniform() })
            .collect();
        w[0] += 0.1;
        space.measure(cloud(rng.next_u64(), n, d), w).unwrap()
    };
    (measure(rng), measure(rng))
}

/// On an optimal plan for the squared Euclidean cost, W2(mu_s, mu_t) = |t - s| W2(mu_0, mu_1)
/// for random s, t (to 1e-9 relative), the endpoints are the inputs' atoms with the inputs'
/// masses, and mass is conserved.
#[test]
fn exact_interpolation_is_a_constant_speed_geodesic() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let (mu, nu) = instance(&mut rng);
        let path =
            DisplacementInterpolation::from_coupling(&mu, &nu, &NetworkSimplex::default(), &SquaredEuclidean).unwrap();
        let w = w2(&mu, &nu);
        let (s, t) = (rng.uniform(), rng.uniform());
        let (mu_s, mu_t) = (path.at(s).unwrap(), path.at(t).unwrap());
        let along = w2(&mu_s, &mu_t);
        let expected = (t - s).abs() * w;
        if (along - expected).abs() > 1e-9 * w + 1e-12 {
            return TestResult::error(format!("W2(mu_{s}, mu_{t}) = {along}, |t - s| W2 = {expected}"));
        }
        let total: f64 = mu_t.weights().iter().sum();
        if (total - 1.0).abs() > 1e-12 {
            return TestResult::error(format!("mass {total}"));
        }
        // endpoints: the atoms of mu_0 are source atoms and W2(mu_0, mu) = 0 (to rounding)
        let (start, end) = (path.at(0.0).unwrap(), path.at(1.0).unwrap());
        for (k, (i, j, _)) in path.plan().iter().enumerate() {
            if start.point(k) != mu.point(i) || end.point(k) != nu.point(j) {
                return TestResult::error(format!("atom {k} is not (x_{i}, y_{j}) at the ends"));
            }
        }
        let scale = 1.0 + w;
        if w2(&start, &mu) > 1e-7 * scale || w2(&end, &nu) > 1e-7 * scale {
            return TestResult::error("the endpoints are not the inputs");
        }
        TestResult::passed()
    }
    QuickCheck::new().tests(300).quickcheck(prop as fn(u64) -> TestResult);
}

/// Two points moving by a translation v: mu_t is the source moved by t v.
#[test]
fn translation_moves_every_atom_by_t_v() {
    let plane = Euclidean::new(2).unwrap();
    let x = cloud(11, 15, 2);
    let v = [3.0, -1.0];
    let y: Vec<f64> = x.chunks(2).flat_map(|p| [p[0] + v[0], p[1] + v[1]]).collect();
    let (mu, nu) = (plane.uniform(x).unwrap(), plane.uniform(y).unwrap());
    let path =
        DisplacementInterpolation::from_coupling(&mu, &nu, &NetworkSimplex::default(), &SquaredEuclidean).unwrap();
    let mu_t = path.at(0.25).unwrap();
    for (k, (i, _, m)) in path.plan().iter().enumerate() {
        let (p, q) = (mu_t.point(k), mu.point(i));
        assert!((p[0] - q[0] - 0.75).abs() < 1e-12 && (p[1] - q[1] + 0.25).abs() < 1e-12);
        assert!((m - 1.0 / 15.0).abs() < 1e-15);
    }
}

/// With Sinkhorn plans the curve is blurred: sqrt(<C, P_eps>) overestimates W2, and the midpoint
/// mu_{1/2}^eps approaches the exact midpoint as eps decreases (W2 to it decreases, and is small
/// at the smallest eps).
#[test]
fn entropic_interpolation_converges_to_the_exact_one() {
    let plane = Euclidean::new(2).unwrap();
    let mu = plane.uniform(cloud(21, 12, 2)).unwrap();
    let nu = plane
        .uniform(cloud(22, 12, 2).iter().map(|c| c + 0.5).collect())
        .unwrap();
    let exact =
        DisplacementInterpolation::from_coupling(&mu, &nu, &NetworkSimplex::default(), &SquaredEuclidean).unwrap();
    let w = w2(&mu, &nu);
    let midpoint = exact.at(0.5).unwrap();
    let mut errors = Vec::new();
    for eps in [1e-1, 5e-2, 2e-2, 1e-2, 5e-3] {
        let solver = Sinkhorn::new(eps).tolerance(1e-6).max_iterations(100_000);
        let plan: TransportPlan = solver
            .couple(&mu, &nu, &SquaredEuclidean)
            .unwrap_or_else(|e| panic!("eps {eps}: {e}"));
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let transport: f64 = plan.iter().map(|(i, j, m)| m * cost.get(i, j)).sum();
        assert!(
            transport.sqrt() >= w * (1.0 - 1e-12),
            "eps {eps}: {} < {w}",
            transport.sqrt()
        );
        let path = DisplacementInterpolation::new(&mu, &nu, plan).unwrap();
        let blurred = path.at(0.5).unwrap();
        // W2(mu_0^eps, mu_1^eps) <= length of the curve
        assert!(w2(&path.at(0.0).unwrap(), &path.at(1.0).unwrap()) <= transport.sqrt() * (1.0 + 1e-9));
        errors.push(w2(&blurred, &midpoint));
    }
    println!("W2(mu_1/2^eps, mu_1/2) for eps = 1e-1 .. 5e-3: {errors:?} (W2(mu, nu) = {w})");
    assert!(errors.windows(2).all(|e| e[1] < e[0]), "{errors:?}");
    assert!(errors[errors.len() - 1] < 0.05 * w, "{errors:?}");
}

#[test]
fn interpolation_errors() {
    let plane = Euclidean::new(2).unwrap();
    let line = Euclidean::new(1).unwrap();
    let mu = plane.uniform(vec![0.0, 0.0, 1.0, 0.0]).unwrap();
    let nu = plane.uniform(vec![0.0, 1.0]).unwrap();
    let path =
        DisplacementInterpolation::from_coupling(&mu, &nu, &NetworkSimplex::default(), &SquaredEuclidean).unwrap();
    for t in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
        let err = path.at(t).unwrap_err();
        assert!(err.to_string().contains("[0, 1]"), "{err}");
    }
    // plan of the wrong shape
    let square = TransportPlan::from_triplets(2, 2, vec![(0, 0, 0.5), (1, 1, 0.5)], 0.0).unwrap();
    let err = DisplacementInterpolation::new(&mu, &nu, square).unwrap_err();
    assert!(err.to_string().contains("2 x 2"), "{err}");
    // empty plan
    let empty = TransportPlan::from_triplets(2, 1, vec![], 0.0).unwrap();
    assert!(DisplacementInterpolation::new(&mu, &nu, empty).is_err());
    // dimensions differ
    let other = line.uniform(vec![0.0]).unwrap();
    let plan = TransportPlan::from_triplets(2, 1, vec![(0, 0, 0.5), (1, 0, 0.5)], 0.0).unwrap();
    assert!(DisplacementInterpolation::new(&mu, &other, plan).is_err());
}
