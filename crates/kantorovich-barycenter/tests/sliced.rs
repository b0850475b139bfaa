//! Sliced Wasserstein barycentres: the quantile average on the line, F never increases, the
//! objective is the sliced distance, translated copies, errors.

use kantorovich_barycenter::{BarycenterError, SlicedBarycenter};
use kantorovich_core::DiscreteMeasure;
use kantorovich_geometry::Euclidean;
use kantorovich_ot::sliced_wasserstein;
use kantorovich_testkit::SplitMix64;

/// n points of R^d, coordinates uniform in [0, scale).
fn cloud(rng: &mut SplitMix64, n: usize, d: usize, scale: f64) -> Vec<f64> {
    (0..n * d).map(|_| scale * rng.uniform()).collect()
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// (1/n) integral of the quantile function of sum_j b_j delta(y_j) over [i/n, (i+1)/n].
fn chunk_means(y: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&p, &q| y[p].total_cmp(&y[q]));
    let total: f64 = b.iter().sum();
    (0..n)
        .map(|i| {
            let (lo, hi) = (i as f64 / n as f64, (i + 1) as f64 / n as f64);
            let mut acc = 0.0;
            let mut start = 0.0;
            for &j in &order {
                let end = start + b[j] / total;
                acc += y[j] * (end.min(hi) - start.max(lo)).max(0.0);
                start = end;
            }
            acc * n as f64
        })
        .collect()
}

/// On the line every direction is +-1, so one step of size 1 lands on the W_2 barycentre among
/// measures with n uniform atoms: the n chunk means of the quantile average
/// sum_k lambda_k F_k^-1 (the quantile average itself when all measures have n uniform atoms).
#[test]
fn on_the_line_it_is_the_quantile_average() {
    let line = Euclidean::new(1).unwrap();
    let mut rng = SplitMix64(3);
    let lambdas = [0.2, 0.5, 0.3];
    // same sizes, uniform: the exact quantile average
    let ys: Vec<Vec<f64>> = (0..3).map(|k| cloud(&mut rng, 8, 1, 1.0 + k as f64)).collect();
    let measures: Vec<_> = ys.iter().map(|y| line.uniform(y.clone()).unwrap()).collect();
    let init = line.uniform(cloud(&mut rng, 8, 1, 1.0)).unwrap();
    let result = SlicedBarycenter::default()
        .directions(3)
        .solve(&measures, &lambdas, init)
        .unwrap();
    let expected: Vec<f64> = (0..8)
        .map(|i| (0..3).map(|k| lambdas[k] * sorted(ys[k].clone())[i]).sum())
        .collect();
    let got = sorted(result.measure.points().clone());
    for (g, e) in got.iter().zip(&expected) {
        assert!((g - e).abs() < 1e-12, "{got:?} vs {expected:?}");
    }
    assert!(result.converged && result.iterations <= 2, "{:?}", result.trace);

    // different sizes and weights: the chunk means of the quantile average
    let sizes = [5, 9, 4];
    let targets: Vec<(Vec<f64>, Vec<f64>)> = sizes
        .iter()
        .map(|&m| {
            (
                cloud(&mut rng, m, 1, 3.0),
                (0..m).map(|_| 0.1 + rng.uniform()).collect(),
            )
        })
        .collect();
    let measures: Vec<_> = targets
        .iter()
        .map(|(y, b)| line.measure(y.clone(), b.clone()).unwrap())
        .collect();
    let init = line.uniform(cloud(&mut rng, 6, 1, 1.0)).unwrap();
    let result = SlicedBarycenter::default()
        .directions(2)
        .solve(&measures, &lambdas, init)
        .unwrap();
    let means: Vec<Vec<f64>> = targets.iter().map(|(y, b)| chunk_means(y, b, 6)).collect();
    let expected: Vec<f64> = (0..6).map(|i| (0..3).map(|k| lambdas[k] * means[k][i]).sum()).collect();
    let got = sorted(result.measure.points().clone());
    for (g, e) in got.iter().zip(&expected) {
        assert!((g - e).abs() < 1e-12, "{got:?} vs {expected:?}");
    }
}

/// In the plane, F = sum_k lambda_k SW_2^2(mu, nu_k) (as `sliced_wasserstein` computes it with
/// the same seed and directions) never increases along the run, for steps 0.5, 1 and 1.9, and
/// falls well below its start (not near 0: the targets lie apart, and F includes their spread).
#[test]
fn the_objective_is_sliced_wasserstein_and_decreases() {
    let plane = Euclidean::new(2).unwrap();
    let mut rng = SplitMix64(11);
    let measures: Vec<_> = (0..3)
        .map(|k| {
            let m = 20 + 7 * k;
            let w: Vec<f64> = (0..m).map(|_| 0.2 + rng.uniform()).collect();
            let pts: Vec<f64> = cloud(&mut rng, m, 2, 1.0).iter().map(|c| c + 2.0 * k as f64).collect();
            plane.measure(pts, w).unwrap()
        })
        .collect();
    let lambdas = [0.5, 0.25, 0.25];
    let init = plane.uniform(cloud(&mut rng, 25, 2, 1.0)).unwrap();
    let expected: f64 = measures
        .iter()
        .zip(&lambdas)
        .map(|(nu, l)| l * sliced_wasserstein(&init, nu, 2.0, 40, 5).unwrap().powi(2))
        .sum();
    for step in [0.5, 1.0, 1.9] {
        let result = SlicedBarycenter::default()
            .directions(40)
            .seed(5)
            .step(step)
            .max_iterations(60)
            .solve(&measures, &lambdas, init.clone())
            .unwrap();
        let f: Vec<f64> = result.trace.iter().map(|r| r.objective).collect();
        assert!((f[0] - expected).abs() <= 1e-12 * expected, "{} vs {expected}", f[0]);
        assert!(f.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-12)), "step {step}: {f:?}");
        assert!(f[f.len() - 1] < 0.6 * f[0], "step {step}: {f:?}");
        assert_eq!(result.objective, f.iter().copied().fold(f64::INFINITY, f64::min));
        assert!(result
            .measure
            .weights()
            .iter()
            .zip(init.weights())
            .all(|(p, q)| (p - q).abs() < 1e-15));
    }
}

/// Targets that are translates nu_k = nu + v_k of one cloud: the sliced barycentre is the
/// translate by sum_k lambda_k v_k (F is the centred part, >= 0, plus the spread of the
/// translations along each direction). From another random cloud of as many atoms, the run ends
/// close to it: SW_2 to it below 3% of the starting distance.
#[test]
fn translated_copies_give_the_weighted_translate() {
    let plane = Euclidean::new(2).unwrap();
    let mut rng = SplitMix64(17);
    let base = cloud(&mut rng, 30, 2, 1.0);
    let shifts = [[3.0, 0.0], [0.0, 2.0], [-1.0, -1.0]];
    let lambdas = [0.5, 0.3, 0.2];
    let translate = |v: [f64; 2]| -> DiscreteMeasure<Euclidean> {
        plane
            .uniform(base.chunks(2).flat_map(|p| [p[0] + v[0], p[1] + v[1]]).collect())
            .unwrap()
    };
    let measures: Vec<_> = shifts.iter().map(|&v| translate(v)).collect();
    let mean = [
        (0..3).map(|k| lambdas[k] * shifts[k][0]).sum::<f64>(),
        (0..3).map(|k| lambdas[k] * shifts[k][1]).sum::<f64>(),
    ];
    let target = translate(mean);
    let init = plane.uniform(cloud(&mut rng, 30, 2, 1.0)).unwrap();
    let result = SlicedBarycenter::default()
        .directions(64)
        .solve(&measures, &lambdas, init.clone())
        .unwrap();
    let before = sliced_wasserstein(&init, &target, 2.0, 500, 1).unwrap();
    let after = sliced_wasserstein(&result.measure, &target, 2.0, 500, 1).unwrap();
    println!(
        "SW_2 to the weighted translate: {before} -> {after} in {} iterations",
        result.iterations
    );
    assert!(after < 0.03 * before, "{before} -> {after}");
}

#[test]
fn sliced_barycenter_errors() {
    let plane = Euclidean::new(2).unwrap();
    let line = Euclidean::new(1).unwrap();
    let nu = plane.uniform(vec![0.0, 0.0, 1.0, 1.0]).unwrap();
    let init = plane.uniform(vec![0.5, 0.5]).unwrap();
    let solver = SlicedBarycenter::default();
    let measures = [nu.clone()];
    assert!(matches!(
        solver.solve::<Euclidean>(&[], &[], init.clone()),
        Err(BarycenterError::NoMeasures)
    ));
    assert!(matches!(
        solver.solve(&measures, &[0.5, 0.5], init.clone()),
        Err(BarycenterError::WeightCount { .. })
    ));
    for lambdas in [[-1.0], [f64::NAN], [0.0]] {
        assert!(solver.solve(&measures, &lambdas, init.clone()).is_err(), "{lambdas:?}");
    }
    let err = solver
        .solve(&[line.uniform(vec![0.0]).unwrap()], &[1.0], init.clone())
        .unwrap_err();
    assert!(err.to_string().contains("dimension"), "{err}");
    for bad in [
        solver.directions(0),
        solver.step(0.0),
        solver.step(2.0),
        solver.step(f64::NAN),
        solver.tolerance(-1.0),
        solver.tolerance(f64::NAN),
    ] {
        let err = bad.solve(&measures, &[1.0], init.clone()).unwrap_err();
        assert!(err.to_string().contains("invalid parameter"), "{err}");
    }
}

/// Same seed, same bits: the sliced barycentre (and SW) give identical results on one thread
/// and on several (the sums over directions used rayon's work-stealing order; issue 13, item 10).
#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let mut rng = SplitMix64(99);
    let plane = Euclidean::new(2).unwrap();
    let measures: Vec<DiscreteMeasure<Euclidean>> = (0..3)
        .map(|_| plane.uniform(cloud(&mut rng, 300, 2, 1.0)).unwrap())
        .collect();
    let init = plane.uniform(cloud(&mut rng, 200, 2, 1.0)).unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let r = SlicedBarycenter::default()
                .max_iterations(5)
                .solve(&measures, &[0.2, 0.3, 0.5], init.clone())
                .unwrap();
            let sw = sliced_wasserstein(&measures[0], &measures[1], 2.0, 97, 3).unwrap();
            (r.objective, r.measure.points().clone(), sw)
        })
    };
    let one = run(1);
    for threads in [2, 3, 8] {
        assert_eq!(run(threads), one, "{threads} threads");
    }
}
