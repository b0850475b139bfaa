//! Convolutional barycentres against a dense IBP written out plainly, the log domain against the
//! scaling domain, the closed-form W2 barycentre on the line as eps -> 0, debiasing, errors.

use kantorovich_grid::{ConvolutionalBarycenter, Domain, Grid, GridError};
use kantorovich_ot::ot_1d;
use kantorovich_testkit::SplitMix64;
use quickcheck::{QuickCheck, TestResult};

/// `count` random images on `grid` with some zero pixels.
fn random_inputs(grid: &Grid, count: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = SplitMix64(seed);
    (0..count)
        .map(|_| {
            (0..grid.len())
                .map(|_| if rng.uniform() < 0.25 { 0.0 } else { rng.uniform() })
                .collect()
        })
        .collect()
}

/// All grid points' coordinates, row-major.
fn points(grid: &Grid) -> Vec<Vec<f64>> {
    let axes: Vec<Vec<f64>> = (0..grid.ndim()).map(|a| grid.coordinates(a)).collect();
    let mut out = vec![Vec::new()];
    for axis in &axes {
        out = out
            .iter()
            .flat_map(|p| axis.iter().map(move |t| [p.clone(), vec![*t]].concat()))
            .collect();
    }
    out
}

/// The full N x N Gibbs matrix exp(-|x - y|^2 / eps).
fn dense_kernel(grid: &Grid, eps: f64) -> Vec<Vec<f64>> {
    let pts = points(grid);
    pts.iter()
        .map(|x| {
            pts.iter()
                .map(|y| (-x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / eps).exp())
                .collect()
        })
        .collect()
}

fn apply(k: &[Vec<f64>], w: &[f64]) -> Vec<f64> {
    k.iter()
        .map(|row| row.iter().zip(w).map(|(a, b)| a * b).sum())
        .collect()
}

/// Iterative Bregman projections with the dense kernel, from POT's first iterate, `iterations` times.
fn dense_ibp(
    grid: &Grid,
    eps: f64,
    inputs: &[Vec<f64>],
    weights: &[f64],
    iterations: usize,
    debiased: bool,
) -> Vec<f64> {
    let k = dense_kernel(grid, eps);
    let n = grid.len();
    let a: Vec<Vec<f64>> = inputs
        .iter()
        .map(|x| x.iter().map(|m| m / x.iter().sum::<f64>()).collect())
        .collect();
    let total: f64 = weights.iter().sum();
    let lambdas: Vec<f64> = weights.iter().map(|w| w / total).collect();
    let mut u = vec![vec![1.0; n]; a.len()];
    let mut p = vec![1.0 / n as f64; n];
    let mut v: Vec<Vec<f64>> = u
        .iter()
        .map(|uk| apply(&k, uk).iter().zip(&p).map(|(ku, p)| p / ku).collect())
        .collect();
    let mut d = vec![1.0; n];
    for _ in 0..iterations {
        for (uk, (vk, ak)) in u.iter_mut().zip(v.iter().zip(&a)) {
            *uk = apply(&k, vk).iter().zip(ak).map(|(kv, a)| a / kv).collect();
        }
        let ku: Vec<Vec<f64>> = u.iter().map(|uk| apply(&k, uk)).collect();
        for x in 0..n {
            p[x] = d[x]
                * lambdas
                    .iter()
                    .zip(&ku)
                    .map(|(l, kuk)| l * kuk[x].ln())
                    .sum::<f64>()
                    .exp();
        }
        for (vk, kuk) in v.iter_mut().zip(&ku) {
            *vk = p.iter().zip(kuk).map(|(p, k)| p / k).collect();
        }
        if debiased {
            // five d-updates per iteration, as the solver does
            for _ in 0..5 {
                let kd = apply(&k, &d);
                for x in 0..n {
                    d[x] = (d[x] * p[x] / kd[x]).sqrt();
                }
            }
        }
    }
    p
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn separable_passes_equal_dense_ibp_in_2d_and_3d() {
    let cases = [
        (Grid::unit_square(7, 5).unwrap(), 0.05),
        (Grid::new(&[4, 3, 3], &[0.3, 0.5, 0.2]).unwrap(), 0.2),
        (Grid::unit_cube(4, 3, 3).unwrap(), 0.1),
    ];
    for (seed, (grid, eps)) in cases.into_iter().enumerate() {
        let inputs = random_inputs(&grid, 3, seed as u64);
        let weights = [0.2, 0.5, 0.3];
        for debiased in [false, true] {
            for domain in [Domain::Scaling, Domain::Log] {
                let ours = ConvolutionalBarycenter::new(eps)
                    .tolerance(0.0)
                    .max_iterations(40)
                    .debiased(debiased)
                    .domain(domain)
                    .solve(&grid, &inputs, &weights)
                    .unwrap();
                assert_eq!(ours.iterations, 40);
                assert_eq!(ours.domain, domain);
                let dense = dense_ibp(&grid, eps, &inputs, &weights, 40, debiased);
                let scale = dense.iter().fold(0.0, |m: f64, x| m.max(*x));
                let diff = max_diff(&ours.barycenter, &dense);
                assert!(
                    diff <= 1e-10 * scale,
                    "{:?} debiased={debiased} {domain:?}: {diff}",
                    grid.shape()
                );
            }
        }
    }
}

#[test]
fn converged_plans_meet_both_marginals() {
    let grid = Grid::unit_square(9, 8).unwrap();
    let eps = 0.02;
    let inputs = random_inputs(&grid, 3, 11);
    let weights = [1.0, 2.0, 1.0];
    let tol = 1e-8;
    for debiased in [false, true] {
        let r = ConvolutionalBarycenter::new(eps)
            .tolerance(tol)
            .max_iterations(5000)
            .debiased(debiased)
            .solve(&grid, &inputs, &weights)
            .unwrap();
        assert!(r.converged && r.error <= tol, "{r:?}");
        assert_eq!(r.weights, vec![0.25, 0.5, 0.25]);
        assert!(r.barycenter.iter().all(|p| *p >= 0.0));
        assert!((r.barycenter.iter().sum::<f64>() - 1.0).abs() <= tol);
        let k = dense_kernel(&grid, eps);
        let mut weighted = 0.0;
        for (kk, input) in inputs.iter().enumerate() {
            let u: Vec<f64> = r.log_u[kk].iter().map(|l| l.exp()).collect();
            let v: Vec<f64> = r.log_v[kk].iter().map(|l| l.exp()).collect();
            let mass: f64 = input.iter().sum();
            assert_eq!(r.input_masses[kk], mass);
            // input side: u_k * K v_k = a_k / mass, within the reported error
            let input_side: f64 = apply(&k, &v)
                .iter()
                .zip(&u)
                .zip(input)
                .map(|((kv, u), a)| (u * kv - a / mass).abs())
                .sum();
            weighted += r.weights[kk] * input_side;
            // barycentre side: v_k * K u_k = p exactly (up to rounding)
            let bar_side: Vec<f64> = apply(&k, &u).iter().zip(&v).map(|(ku, v)| v * ku).collect();
            assert!(max_diff(&bar_side, &r.barycenter) <= 1e-12, "input {kk}");
        }
        // the reported error is this weighted violation (maxed with the d residual when debiased)
        assert!(weighted <= tol);
        if debiased {
            assert!(weighted <= r.error + 1e-14);
        } else {
            assert!(
                (weighted - r.error).abs() <= 1e-5 * r.error + 1e-14,
                "{weighted} vs {}",
                r.error
            );
        }
    }
}

#[test]
fn log_domain_equals_scaling_domain_and_survives_small_eps() {
    let grid = Grid::unit_square(16, 12).unwrap();
    let inputs = random_inputs(&grid, 2, 5);
    let solve = |eps: f64, domain| {
        ConvolutionalBarycenter::new(eps)
            .tolerance(1e-9)
            .max_iterations(3000)
            .domain(domain)
            .solve(&grid, &inputs, &[1.0, 1.0])
    };
    let (plain, log) = (solve(0.01, Domain::Scaling).unwrap(), solve(0.01, Domain::Log).unwrap());
    assert!(plain.converged && log.converged);
    assert!(max_diff(&plain.barycenter, &log.barycenter) <= 1e-10);
    // Auto picks the scaling domain while max |x - y|^2 / eps = 2 / 0.01 <= 600
    assert_eq!(solve(0.01, Domain::Auto).unwrap().domain, Domain::Scaling);

    // two point masses at opposite corners: at eps = 2 / 5000 the 1-D Gibbs factor between the
    // corners is exp(-2500) = 0 in f64, so the scaling iteration divides by zero
    let mut corner_a = vec![0.0; grid.len()];
    let mut corner_b = vec![0.0; grid.len()];
    corner_a[0] = 1.0;
    corner_b[grid.len() - 1] = 1.0;
    let corners = [corner_a, corner_b];
    let eps = 2.0 / 5000.0;
    let plain = ConvolutionalBarycenter::new(eps)
        .domain(Domain::Scaling)
        .solve(&grid, &corners, &[1.0, 1.0]);
    assert!(matches!(plain, Err(GridError::Breakdown { .. })), "{plain:?}");
    for domain in [Domain::Log, Domain::Auto] {
        let r = ConvolutionalBarycenter::new(eps)
            .tolerance(1e-9)
            .domain(domain)
            .solve(&grid, &corners, &[1.0, 1.0])
            .unwrap();
        assert_eq!(r.domain, Domain::Log);
        assert!(r.converged, "{:?}", r.error);
        assert!(r.barycenter.iter().all(|p| p.is_finite() && *p >= 0.0));
        assert!((r.barycenter.iter().sum::<f64>() - 1.0).abs() <= 1e-9);
        // the midpoint of the corners is (0.5, 0.5): the barycentre's mean
        let pts = points(&grid);
        for axis in 0..2 {
            let mean: f64 = r.barycenter.iter().zip(&pts).map(|(p, x)| p * x[axis]).sum();
            assert!((mean - 0.5).abs() <= 1e-6, "axis {axis}: {mean}");
        }
    }
}

/// The W2 barycentre of two measures on the line: the quantile functions averaged.
fn quantile_barycenter(x: &[f64], a: &[f64], b: &[f64], lambda: f64) -> (Vec<f64>, Vec<f64>) {
    let (mut i, mut j, mut ra, mut rb) = (0, 0, a[0], b[0]);
    let (mut atoms, mut masses) = (Vec::new(), Vec::new());
    while i < a.len() && j < b.len() {
        let m = ra.min(rb);
        if m > 0.0 {
            atoms.push((1.0 - lambda) * x[i] + lambda * x[j]);
            masses.push(m);
        }
        ra -= m;
        rb -= m;
        if ra <= 1e-15 {
            i += 1;
            ra = a.get(i).copied().unwrap_or(0.0);
        }
        if rb <= 1e-15 {
            j += 1;
            rb = b.get(j).copied().unwrap_or(0.0);
        }
    }
    (atoms, masses)
}

#[test]
fn approaches_the_quantile_barycentre_on_the_line_as_eps_shrinks() {
    let n = 60;
    let grid = Grid::unit_square(n, 1).unwrap();
    let x = grid.coordinates(0);
    let bump = |c: f64, w: f64| -> Vec<f64> {
        let raw: Vec<f64> = x.iter().map(|t| (-(t - c) * (t - c) / (2.0 * w * w)).exp()).collect();
        let s: f64 = raw.iter().sum();
        raw.iter().map(|r| r / s).collect()
    };
    let a = bump(0.2, 0.04);
    let b: Vec<f64> = bump(0.6, 0.03)
        .iter()
        .zip(bump(0.85, 0.02))
        .map(|(p, q)| 0.5 * (p + q))
        .collect();
    let lambda = 0.7;
    let (atoms, masses) = quantile_barycenter(&x, &a, &b, lambda);
    let mut distances = Vec::new();
    for eps in [1e-2, 3e-3, 1e-3, 3e-4] {
        let r = ConvolutionalBarycenter::new(eps)
            .tolerance(1e-9)
            .max_iterations(20_000)
            .solve(&grid, &[&a, &b], &[1.0 - lambda, lambda])
            .unwrap();
        assert!(r.converged, "eps {eps}: {}", r.error);
        let total: f64 = r.barycenter.iter().sum();
        let p: Vec<f64> = r.barycenter.iter().map(|q| q / total).collect();
        let w2 = ot_1d(&x, &p, &atoms, &masses, |t| t * t).unwrap().cost.sqrt();
        distances.push(w2);
    }
    assert!(distances.windows(2).all(|w| w[1] < w[0]), "{distances:?}");
    // the grid spacing is 1/59 = 0.017: the last is within a fraction of a pixel
    assert!(distances[3] < 0.01, "{distances:?}");
}

/// A smooth blob on a 20 x 20 unit grid.
fn blob(grid: &Grid, c: [f64; 2], w: f64) -> Vec<f64> {
    let pts = points(grid);
    pts.iter()
        .map(|p| (-((p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2)) / (2.0 * w * w)).exp())
        .collect()
}

fn l1(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum()
}

#[test]
fn debiasing_keeps_identical_inputs_sharp() {
    let grid = Grid::unit_square(20, 20).unwrap();
    let img = blob(&grid, [0.5, 0.4], 0.12);
    let total: f64 = img.iter().sum();
    let a: Vec<f64> = img.iter().map(|m| m / total).collect();
    let inputs = [img.clone(), img.clone(), img];
    let solve = |debiased| {
        ConvolutionalBarycenter::new(0.01)
            .tolerance(1e-8)
            .max_iterations(5000)
            .debiased(debiased)
            .solve(&grid, &inputs, &[1.0, 2.0, 3.0])
            .unwrap()
    };
    let (plain, debiased) = (solve(false), solve(true));
    assert!(plain.converged && debiased.converged);
    let (blur, kept) = (l1(&plain.barycenter, &a), l1(&debiased.barycenter, &a));
    assert!(blur > 0.1, "the entropic barycentre should be blurred: {blur}");
    // the debiased fixed point is exactly the input; its tail converges slowly (error 1e-8 leaves
    // an L1 distance of order 1e-5), still four orders below the entropic blur
    assert!(kept < 1e-4, "the debiased barycentre should be the input: {kept}");
}

#[test]
fn a_single_positive_weight_gives_that_input_when_debiased() {
    let grid = Grid::unit_square(16, 14).unwrap();
    let inputs = [
        blob(&grid, [0.3, 0.3], 0.1),
        blob(&grid, [0.7, 0.6], 0.15),
        blob(&grid, [0.5, 0.5], 0.2),
    ];
    let total: f64 = inputs[0].iter().sum();
    let first: Vec<f64> = inputs[0].iter().map(|m| m / total).collect();
    let r = ConvolutionalBarycenter::new(0.01)
        .tolerance(1e-8)
        .max_iterations(5000)
        .debiased(true)
        .solve(&grid, &inputs, &[1.0, 0.0, 0.0])
        .unwrap();
    assert!(r.converged);
    assert!(
        l1(&r.barycenter, &first) < 1e-4,
        "{} after {}",
        l1(&r.barycenter, &first),
        r.iterations
    );
    assert_eq!(r.weights, vec![1.0, 0.0, 0.0]);
    assert!(r.log_u[1].is_empty() && r.log_v[2].is_empty() && r.log_u[0].len() == grid.len());
    let plain = ConvolutionalBarycenter::new(0.01)
        .tolerance(1e-10)
        .solve(&grid, &inputs, &[1.0, 0.0, 0.0])
        .unwrap();
    assert!(l1(&plain.barycenter, &first) > 0.05);
}

#[test]
fn input_masses_are_normalised() {
    let grid = Grid::unit_square(6, 7).unwrap();
    let inputs = random_inputs(&grid, 2, 3);
    let scaled: Vec<Vec<f64>> = inputs
        .iter()
        .zip([3.0, 0.01])
        .map(|(x, s)| x.iter().map(|m| m * s).collect())
        .collect();
    let solver = ConvolutionalBarycenter::new(0.05).tolerance(1e-10);
    let (r1, r2) = (
        solver.solve(&grid, &inputs, &[0.5, 0.5]).unwrap(),
        solver.solve(&grid, &scaled, &[0.5, 0.5]).unwrap(),
    );
    assert!(max_diff(&r1.barycenter, &r2.barycenter) <= 1e-12);
    assert!((r2.input_masses[0] / r1.input_masses[0] - 3.0).abs() < 1e-12);
}

#[test]
fn iteration_cap_is_reported_as_not_converged() {
    let grid = Grid::unit_square(10, 10).unwrap();
    let inputs = random_inputs(&grid, 2, 9);
    let r = ConvolutionalBarycenter::new(0.005)
        .tolerance(1e-12)
        .max_iterations(3)
        .record_trace(true)
        .solve(&grid, &inputs, &[1.0, 1.0])
        .unwrap();
    assert!(!r.converged && r.error > 1e-12);
    assert_eq!(r.iterations, 3);
    assert_eq!(r.trace.len(), 4);
    assert_eq!(r.trace[3], r.error);
}

#[test]
fn errors_say_what_is_wrong() {
    let grid = Grid::unit_square(3, 3).unwrap();
    let ok = vec![1.0; 9];
    let s = ConvolutionalBarycenter::new(0.1);
    let err = |inputs: &[Vec<f64>], weights: &[f64]| s.solve(&grid, inputs, weights).unwrap_err();
    assert!(matches!(err(&[], &[]), GridError::NoInputs));
    assert!(matches!(
        err(std::slice::from_ref(&ok), &[1.0, 1.0]),
        GridError::WeightCount { found: 2, expected: 1 }
    ));
    assert!(matches!(
        err(std::slice::from_ref(&ok), &[f64::NAN]),
        GridError::NonFiniteWeight { index: 0, .. }
    ));
    assert!(matches!(
        err(&[ok.clone(), ok.clone()], &[1.0, -0.5]),
        GridError::NegativeWeight { index: 1, .. }
    ));
    assert!(matches!(
        err(std::slice::from_ref(&ok), &[0.0]),
        GridError::BadWeightTotal { .. }
    ));
    assert!(matches!(
        err(&[vec![1.0; 8]], &[1.0]),
        GridError::InputLength {
            input: 0,
            found: 8,
            expected: 9
        }
    ));
    let mut neg = ok.clone();
    neg[4] = -1e-3;
    assert!(matches!(
        err(&[ok.clone(), neg], &[1.0, 1.0]),
        GridError::NegativeMass { input: 1, index: 4, .. }
    ));
    let mut nan = ok.clone();
    nan[2] = f64::INFINITY;
    assert!(matches!(
        err(&[nan], &[1.0]),
        GridError::NonFiniteMass { input: 0, index: 2, .. }
    ));
    assert!(matches!(
        err(&[vec![0.0; 9]], &[1.0]),
        GridError::BadInputMass { input: 0, .. }
    ));
    for eps in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            ConvolutionalBarycenter::new(eps).solve(&grid, &[&ok], &[1.0]),
            Err(GridError::BadEpsilon { .. })
        ));
    }
    assert!(matches!(
        s.tolerance(f64::NAN).solve(&grid, &[&ok], &[1.0]),
        Err(GridError::BadTolerance { .. })
    ));
    assert!(matches!(Grid::new(&[3], &[1.0]), Err(GridError::BadShape { .. })));
    assert!(matches!(
        Grid::new(&[3, 0], &[1.0, 1.0]),
        Err(GridError::BadShape { .. })
    ));
    assert!(matches!(
        Grid::new(&[3, 3, 3, 3], &[1.0; 4]),
        Err(GridError::BadShape { .. })
    ));
    assert!(matches!(
        Grid::new(&[3, 3], &[1.0]),
        Err(GridError::SpacingCount { found: 1, expected: 2 })
    ));
    assert!(matches!(
        Grid::new(&[3, 3], &[1.0, 0.0]),
        Err(GridError::BadSpacing { axis: 1, .. })
    ));
    assert!(matches!(
        Grid::new(&[usize::MAX, 3], &[1.0, 1.0]),
        Err(GridError::Core(_))
    ));
    let message = err(&[vec![1.0; 8]], &[1.0]).to_string();
    assert!(message.contains("give one mass per grid point"), "{message}");
}

/// Mass conservation, non-negativity and the error bound on random 2-D and 3-D problems.
#[test]
fn barycentres_are_probability_vectors_within_the_error() {
    fn prop(seed: u64, three_d: bool, count: u8) -> TestResult {
        let count = 1 + count as usize % 4;
        let mut rng = SplitMix64(seed);
        let dims: Vec<usize> = (0..if three_d { 3 } else { 2 }).map(|_| 1 + rng.below(6)).collect();
        let grid = Grid::new(&dims, &vec![0.2; dims.len()]).unwrap();
        let inputs = random_inputs(&grid, count, seed);
        if inputs.iter().any(|x| x.iter().sum::<f64>() == 0.0) {
            return TestResult::discard();
        }
        let weights: Vec<f64> = (0..count).map(|_| rng.uniform()).collect();
        let r = ConvolutionalBarycenter::new(0.1)
            .tolerance(1e-9)
            .max_iterations(2000)
            .solve(&grid, &inputs, &weights);
        let r = match r {
            Ok(r) => r,
            Err(e) => return TestResult::error(e.to_string()),
        };
        let mass: f64 = r.barycenter.iter().sum();
        TestResult::from_bool(
            r.converged
                && r.barycenter.iter().all(|p| *p >= 0.0 && p.is_finite())
                && (mass - 1.0).abs() <= r.error + 1e-14,
        )
    }
    QuickCheck::new()
        .tests(60)
        .min_tests_passed(60)
        .quickcheck(prop as fn(u64, bool, u8) -> TestResult);
}

/// A thin grid of 2 x 30,000 pixels: its long axis would need two 30,000^2 kernels (14 GB);
/// the solve is an allocation error, not an abort (issue 13, item 7).
#[test]
fn a_thin_grid_is_an_error_not_an_abort() {
    let grid = Grid::new(&[2, 30_000], &[1.0, 1.0]).unwrap();
    let image = vec![1.0; 60_000];
    let err = ConvolutionalBarycenter::new(1.0)
        .max_iterations(1)
        .solve(&grid, &[image.clone(), image], &[0.5, 0.5])
        .unwrap_err();
    assert!(
        matches!(
            err,
            GridError::Core(kantorovich_core::CoreError::AllocationTooLarge { .. })
        ),
        "{err}"
    );
}
