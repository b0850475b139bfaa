//! Projections onto circles: the ground barycentre found by the multi-start search against a dense
//! grid search, the ground barycentre inequality (delta = 0) in the search domain, the decrease of
//! V along G, and the errors.

mod common;

use common::SplitMix64;
use kantorovich::geometry::{Circle, CircleProjections};
use kantorovich::prelude::*;
use kantorovich::{BarycenterError, BarycenterProblem as Problem, CoreError, Error};
use quickcheck::{QuickCheck, TestResult};

fn quickcheck(tests: u64) -> QuickCheck {
    // discarded cases are retried; all `tests` must pass (quickcheck would accept fewer)
    QuickCheck::new()
        .tests(tests)
        .max_tests(10 * tests)
        .min_tests_passed(tests)
}

/// K in 1..=4 random circles (centres in [-3, 3]^2, radii in [0.3, 2]), one point y_k per circle
/// (in [-4, 4]^2, sometimes on its circle) and random weights.
struct Case {
    ground: CircleProjections,
    ys: Vec<[f64; 2]>,
    lambdas: Vec<f64>,
}

fn random_case(rng: &mut SplitMix64, max_k: u64) -> Case {
    let k = 1 + (rng.next_u64() % max_k) as usize;
    let circles: Vec<Circle> = (0..k)
        .map(|_| {
            let centre = [6.0 * rng.uniform() - 3.0, 6.0 * rng.uniform() - 3.0];
            Circle::new(centre, 0.3 + 1.7 * rng.uniform()).unwrap()
        })
        .collect();
    let ys = circles
        .iter()
        .map(|c| {
            let y = [8.0 * rng.uniform() - 4.0, 8.0 * rng.uniform() - 4.0];
            if rng.next_u64() % 2 == 0 {
                c.project(&y)
            } else {
                y
            }
        })
        .collect();
    let lambdas = (0..k).map(|_| 0.1 + rng.uniform()).collect();
    Case {
        ground: CircleProjections::new(circles).unwrap(),
        ys,
        lambdas,
    }
}

impl Case {
    fn refs(&self) -> Vec<&[f64]> {
        self.ys.iter().map(|y| y.as_slice()).collect()
    }
    fn barycenter(&self) -> Vec<f64> {
        let mut out = Vec::new();
        let plane = Euclidean::new(2).unwrap();
        self.ground
            .barycenter(&plane, &self.refs(), &self.lambdas, &mut out)
            .unwrap();
        out
    }
    fn f(&self, x: &[f64]) -> f64 {
        self.ground.objective(x, &self.refs(), &self.lambdas)
    }
}

/// F(B(y)) is at most the minimum of F over a 400 x 400 grid of the search domain (plus rounding):
/// a search stuck in a worse basin than some grid point fails.
#[test]
fn barycenter_beats_a_dense_grid_search() {
    quickcheck(60).quickcheck(grid_prop as fn(u64) -> TestResult);
}

fn grid_prop(seed: u64) -> TestResult {
    {
        let case = random_case(&mut SplitMix64(seed), 4);
        let xbar = case.barycenter();
        let [x0, x1, y0, y1] = case.ground.search_domain();
        let inside = (x0..=x1).contains(&xbar[0]) && (y0..=y1).contains(&xbar[1]);
        const N: usize = 400;
        let mut grid_min = f64::INFINITY;
        for i in 0..=N {
            for j in 0..=N {
                let p = [
                    x0 + (x1 - x0) * i as f64 / N as f64,
                    y0 + (y1 - y0) * j as f64 / N as f64,
                ];
                grid_min = grid_min.min(case.f(&p));
            }
        }
        let fb = case.f(&xbar);
        if inside && fb <= grid_min + 1e-9 * (1.0 + grid_min) {
            TestResult::passed()
        } else {
            TestResult::error(format!(
                "seed {seed}: F(B) = {fb} but the grid reaches {grid_min}; B = {xbar:?}"
            ))
        }
    }
}

/// The grid comparison on fixed seeds (2000, or `SWEEP=n`):
/// `SWEEP=20000 cargo test --release --test circles grid_sweep -- --ignored`. Before the starts of
/// the descents were required to be a grid cell apart, 1 seed in 20000 failed here (a narrow basin
/// between two grid points); none has since.
#[test]
#[ignore]
fn grid_sweep() {
    let n: u64 = std::env::var("SWEEP").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let failures: Vec<String> = (0..n)
        .map(|seed| grid_prop(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5555))
        .filter(|r| r.is_failure())
        .map(|r| format!("{r:?}"))
        .collect();
    assert!(failures.is_empty(), "{} failures: {failures:#?}", failures.len());
}

/// The ground barycentre inequality with delta = 0 at random x of the search domain, and at points
/// near B (a local test that a descent which stopped early would fail).
#[test]
fn ground_barycenter_inequality_circles() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let case = random_case(&mut rng, 5);
        let xbar = case.barycenter();
        let fb = case.f(&xbar);
        let [x0, x1, y0, y1] = case.ground.search_domain();
        let tol = 1e-10 * (1.0 + fb);
        for t in 0..200 {
            let x = if t % 2 == 0 {
                [x0 + (x1 - x0) * rng.uniform(), y0 + (y1 - y0) * rng.uniform()]
            } else {
                let r = 1e-4 * (x1 - x0) * rng.uniform();
                let a = std::f64::consts::TAU * rng.uniform();
                [
                    (xbar[0] + r * a.cos()).clamp(x0, x1),
                    (xbar[1] + r * a.sin()).clamp(y0, y1),
                ]
            };
            let lhs = case.f(&x);
            let rhs = fb + case.ground.delta(&x, &xbar, &case.lambdas);
            if lhs < rhs - tol {
                return TestResult::error(format!("F(x) = {lhs} < F(B) = {fb} at x = {x:?}, B = {xbar:?}"));
            }
        }
        TestResult::passed()
    }
    quickcheck(300).quickcheck(prop as fn(u64) -> TestResult);
}

/// One circle: F(x) = lambda (r^2 + rho^2 - 2 r rho cos(angle)) is smallest on the ray from the
/// centre through y, where it equals lambda (r - rho)^2.
#[test]
fn one_circle_minimum_is_on_the_ray() {
    let circle = Circle::new([1.0, -1.0], 2.0).unwrap();
    let ground = CircleProjections::new(vec![circle]).unwrap();
    let plane = Euclidean::new(2).unwrap();
    for y in [[4.0, 3.0], [1.0, -1.5], [-2.0, -1.0]] {
        let mut out = Vec::new();
        ground.barycenter(&plane, &[&y], &[0.7], &mut out).unwrap();
        let rho = (y[0] - 1.0f64).hypot(y[1] + 1.0);
        let expected = 0.7 * (2.0 - rho).powi(2);
        let got = ground.objective(&out, &[&y], &[0.7]);
        assert!(
            (got - expected).abs() <= 1e-12 * (1.0 + expected),
            "{got} vs {expected}"
        );
        // and B is on the ray: same direction as y seen from the centre
        let (bx, by) = (out[0] - 1.0, out[1] + 1.0);
        let cross = bx * (y[1] + 1.0) - by * (y[0] - 1.0);
        assert!(cross.abs() <= 1e-6 * bx.hypot(by) * rho, "B = {out:?} is off the ray");
        assert!(bx * (y[0] - 1.0) + by * (y[1] + 1.0) > 0.0);
    }
}

/// Four rays that meet in one point: B is that point and F(B) = sum lambda_k (r_k - rho_k)^2.
#[test]
fn concurrent_rays_meet_at_the_barycenter() {
    let target = [0.4, 0.3];
    let circles: Vec<Circle> = [[3.0, 0.0], [0.0, 3.0], [-3.0, 0.0], [0.0, -3.0]]
        .iter()
        .map(|&o| Circle::new(o, 1.5).unwrap())
        .collect();
    let ys: Vec<[f64; 2]> = circles.iter().map(|c| c.project(&target)).collect();
    let refs: Vec<&[f64]> = ys.iter().map(|y| y.as_slice()).collect();
    let ground = CircleProjections::new(circles).unwrap();
    let mut out = Vec::new();
    ground
        .barycenter(&Euclidean::new(2).unwrap(), &refs, &[0.25; 4], &mut out)
        .unwrap();
    assert!(
        (out[0] - target[0]).abs() < 1e-7 && (out[1] - target[1]).abs() < 1e-7,
        "{out:?}"
    );
    assert!(ground.objective(&out, &refs, &[0.25; 4]) < 1e-14);
}

/// V(mu) >= V(G mu) (delta = 0) for random measures on the plane, observed through K in 2..=4
/// circles, with mu in the search domain.
#[test]
fn g_does_not_increase_v_with_circles() {
    quickcheck(100).quickcheck(g_prop as fn(u64) -> TestResult);
}

fn g_prop(seed: u64) -> TestResult {
    {
        let mut rng = SplitMix64(seed);
        let case = random_case(&mut rng, 4);
        let k = case.lambdas.len();
        if k < 2 {
            return TestResult::discard();
        }
        let plane = Euclidean::new(2).unwrap();
        let measure = |rng: &mut SplitMix64| {
            let n = 1 + rng.below(6);
            let points: Vec<f64> = (0..2 * n).map(|_| 6.0 * rng.uniform() - 3.0).collect();
            let weights: Vec<f64> = (0..n).map(|_| 0.1 + rng.uniform()).collect();
            plane.measure(points, weights).unwrap()
        };
        let nus = (0..k).map(|_| measure(&mut rng)).collect();
        let problem = Problem::new(plane, nus, case.lambdas.clone(), case.ground.clone()).unwrap();
        // the start lies in the search domain, where B minimises
        let [x0, x1, y0, y1] = case.ground.search_domain();
        let n = 1 + rng.below(6);
        let points: Vec<f64> = (0..n)
            .flat_map(|_| [x0 + (x1 - x0) * rng.uniform(), y0 + (y1 - y0) * rng.uniform()])
            .collect();
        let mut mu = plane.measure(points, vec![1.0; n]).unwrap();
        let solver = NetworkSimplex::default();
        let g = FixedPointG::default();
        for _ in 0..3 {
            let v_mu = problem.objective(&mu, &solver).unwrap();
            let g_mu = g.step(&problem, &mu).unwrap();
            let v_g = problem.objective(&g_mu, &solver).unwrap();
            if v_g > v_mu + 1e-10 * (1.0 + v_mu) {
                let near = (0..g_mu.len())
                    .map(|i| {
                        let x = g_mu.point(i);
                        case.ground
                            .circles()
                            .iter()
                            .map(|c| (x[0] - c.centre()[0]).hypot(x[1] - c.centre()[1]))
                            .fold(f64::INFINITY, f64::min)
                    })
                    .fold(f64::INFINITY, f64::min);
                return TestResult::error(format!("V went up from {v_mu} to {v_g}; nearest centre {near}"));
            }
            mu = g_mu;
        }
        TestResult::passed()
    }
}

#[test]
fn bad_circles_and_spaces_are_errors() {
    assert!(matches!(
        Circle::new([0.0, 0.0], 0.0),
        Err(CoreError::InvalidParameter { name: "radius", .. })
    ));
    assert!(Circle::new([0.0, 0.0], -1.0).is_err());
    assert!(Circle::new([f64::NAN, 0.0], 1.0).is_err());
    assert!(Circle::new([0.0, 0.0], f64::INFINITY).is_err());
    assert!(CircleProjections::new(vec![]).is_err());
    let circle = Circle::new([0.0, 0.0], 1.0).unwrap();
    let ground = CircleProjections::new(vec![circle, circle]).unwrap();
    assert!(ground.clone().domain(1.0, 0.0, 0.0, 1.0).is_err());
    assert!(ground.clone().domain(0.0, f64::NAN, 0.0, 1.0).is_err());

    // one circle per measure
    let plane = Euclidean::new(2).unwrap();
    let nu = plane.uniform(vec![0.0, 1.0]).unwrap();
    let err = Problem::new(plane, vec![nu.clone()], vec![1.0], ground.clone()).unwrap_err();
    assert!(matches!(err, BarycenterError::CostCount { costs: 2, measures: 1 }));

    // the plane only
    let space3 = Euclidean::new(3).unwrap();
    let nu3 = space3.uniform(vec![0.0, 1.0, 2.0]).unwrap();
    let err = Problem::new(space3, vec![nu3.clone(), nu3], vec![1.0, 1.0], ground.clone()).unwrap_err();
    let msg = Error::from(err).to_string();
    assert!(msg.contains("expected 2, found 3"), "{msg}");
    let mut out = Vec::new();
    assert!(ground
        .barycenter(&space3, &[&[0.0; 3], &[0.0; 3]], &[1.0, 1.0], &mut out)
        .is_err());
    assert!(ground.barycenter(&plane, &[&[0.0, 0.0]], &[1.0], &mut out).is_err());
    assert!(out.is_empty(), "a failed call must not write into the output");
}

/// The G law on 3000 fixed seeds (a slower, deterministic sweep of the property above):
/// `cargo test --release --test circles -- --ignored`.
#[test]
#[ignore]
fn g_law_sweep() {
    let failures: Vec<String> = (0..3000u64)
        .map(|seed| g_prop(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
        .filter(|r| r.is_failure())
        .map(|r| format!("{r:?}"))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Far points (whose squared coordinates overflow) still project onto the circle.
#[test]
fn far_points_project_onto_the_circle() {
    let circle = Circle::new([1.0, 2.0], 3.0).unwrap();
    let p = circle.project(&[1e200, 2.0]);
    assert_eq!(p, [4.0, 2.0]);
    let p = circle.project(&[-1e300, -1e300]);
    let s = std::f64::consts::FRAC_1_SQRT_2 * 3.0;
    assert!(
        (p[0] - (1.0 - s)).abs() < 1e-12 && (p[1] - (2.0 - s)).abs() < 1e-12,
        "{p:?}"
    );
}
