//! Barycentres with known answers: translated clouds, one measure, 1-D quantile averages.

mod common;

use common::cloud;
use kantorovich::prelude::*;

fn translated(points: &[f64], t: [f64; 2]) -> Vec<f64> {
    points.chunks(2).flat_map(|p| [p[0] + t[0], p[1] + t[1]]).collect()
}

/// nu_k = nu + t_k: the barycentre is nu + tbar with tbar = sum lambda_k t_k / L and
/// V = sum_k lambda_k |t_k - tbar|^2; G and H reach it in one step from nu_1 and stay there.
#[test]
fn translated_clouds() {
    let plane = Euclidean::new(2).unwrap();
    let base = cloud(7, 30, 2);
    let shifts = [[0.0, 0.0], [5.0, 1.0], [-2.0, 4.0]];
    let lambdas = vec![0.5, 0.3, 0.2];
    let measures = shifts
        .iter()
        .map(|&t| plane.uniform(translated(&base, t)).unwrap())
        .collect();
    let problem = BarycenterProblem::new(plane, measures, lambdas.clone(), SquaredEuclidean).unwrap();
    let tbar = [
        shifts.iter().zip(&lambdas).map(|(t, l)| l * t[0]).sum::<f64>(),
        shifts.iter().zip(&lambdas).map(|(t, l)| l * t[1]).sum::<f64>(),
    ];
    let v_star: f64 = shifts
        .iter()
        .zip(&lambdas)
        .map(|(t, l)| l * ((t[0] - tbar[0]).powi(2) + (t[1] - tbar[1]).powi(2)))
        .sum();
    let expected = translated(&base, tbar);

    let g = FixedPointG::default().solve(&problem, problem.default_init()).unwrap();
    let h = FixedPointH::default().solve(&problem, problem.default_init()).unwrap();
    for result in [&g, &h] {
        assert!(
            (result.objective - v_star).abs() < 1e-9 * v_star,
            "{} vs {v_star}",
            result.objective
        );
        assert!(result.converged);
        assert_eq!(result.measure.support_size(), 30);
        // same atoms as nu + tbar (G may reorder them)
        for x in expected.chunks(2) {
            let found = result.measure.iter().any(|(p, w)| {
                (p[0] - x[0]).abs() < 1e-9 && (p[1] - x[1]).abs() < 1e-9 && (w - 1.0 / 30.0).abs() < 1e-12
            });
            assert!(found, "atom {x:?} missing");
        }
    }
    // one step reaches the fixed point, the second confirms it (V unchanged)
    assert_eq!(g.iterations, 2);
    assert_eq!(g.trace.len(), 3);
    assert!((g.trace[1].objective - g.trace[2].objective).abs() <= 1e-12 * v_star);
}

/// With one measure, the barycentre is that measure and V = 0, from any start.
#[test]
fn single_measure_is_its_own_barycenter() {
    let plane = Euclidean::new(2).unwrap();
    let nu = plane.uniform(cloud(3, 25, 2)).unwrap();
    let problem = BarycenterProblem::new(plane, vec![nu.clone()], vec![1.0], SquaredEuclidean).unwrap();
    let start = plane.uniform(cloud(4, 25, 2)).unwrap();
    let g = FixedPointG::default().solve(&problem, start.clone()).unwrap();
    assert!(g.objective.abs() < 1e-12, "V = {}", g.objective);
    let h = FixedPointH::default().solve(&problem, start).unwrap();
    assert!(h.objective.abs() < 1e-12, "V = {}", h.objective);
}

/// In 1-D the squared-Euclidean barycentre of uniform n-point measures averages the sorted
/// samples (quantile functions); G finds it in one step from any uniform n-point start.
#[test]
fn one_dimensional_quantile_average() {
    let line = Euclidean::new(1).unwrap();
    let n = 40;
    let samples: Vec<Vec<f64>> = (0..3).map(|k| cloud(100 + k, n, 1)).collect();
    let lambdas = [0.2, 0.3, 0.5];
    let mut sorted = samples.clone();
    sorted.iter_mut().for_each(|s| s.sort_by(f64::total_cmp));
    let qbar: Vec<f64> = (0..n)
        .map(|i| (0..3).map(|k| lambdas[k] * sorted[k][i]).sum())
        .collect();
    let v_star: f64 = (0..3)
        .map(|k| lambdas[k] * (0..n).map(|i| (qbar[i] - sorted[k][i]).powi(2)).sum::<f64>() / n as f64)
        .sum();
    let measures = samples.into_iter().map(|s| line.uniform(s).unwrap()).collect();
    let problem = BarycenterProblem::new(line, measures, lambdas.to_vec(), SquaredEuclidean).unwrap();
    let result = FixedPointG::default()
        .solve(&problem, line.uniform(cloud(9, n, 1)).unwrap())
        .unwrap();
    assert!(
        (result.objective - v_star).abs() < 1e-12,
        "{} vs {v_star}",
        result.objective
    );
    let mut atoms: Vec<f64> = result.measure.iter().map(|(p, _)| p[0]).collect();
    atoms.sort_by(f64::total_cmp);
    for (a, q) in atoms.iter().zip(&qbar) {
        assert!((a - q).abs() < 1e-12);
    }
}

/// The trace has one record per evaluated iterate, with V non-increasing for G and times
/// non-decreasing; the observer sees the same records.
#[test]
fn trace_and_observer() {
    let plane = Euclidean::new(2).unwrap();
    let measures = (0..3).map(|k| plane.uniform(cloud(50 + k, 40, 2)).unwrap()).collect();
    let problem = BarycenterProblem::new(plane, measures, vec![1.0 / 3.0; 3], SquaredEuclidean).unwrap();
    let mut seen = Vec::new();
    let result = FixedPointG::default()
        .max_iterations(4)
        .tolerance(0.0)
        .solve_observed(&problem, problem.default_init(), |r| seen.push(*r))
        .unwrap();
    assert_eq!(seen, result.trace);
    assert_eq!(result.trace.len(), result.iterations + 1);
    assert!(result.iterations <= 4);
    for (t, w) in result.trace.windows(2).enumerate() {
        assert_eq!(w[0].iteration, t);
        assert!(w[1].objective <= w[0].objective * (1.0 + 1e-12));
        assert!(w[1].elapsed >= w[0].elapsed);
    }
    let best = result.trace.iter().map(|r| r.objective).fold(f64::INFINITY, f64::min);
    assert_eq!(result.objective, best);
}

/// H with entropic couplings (H_eps): every iterate's objective V_eps = sum_k lambda_k T_eps is at
/// least V* (T_eps >= <C, P_eps> >= T_0), and for small eps the result is close to the exact
/// barycentre of translated clouds: within eps sum_k lambda_k log m_k of V*, the entropic bias of
/// V_eps at the exact barycentre itself (T_eps(mu*, nu) <= T(mu*, nu) + eps KL(pi* | mu* x nu) and
/// the KL of a coupling, a mutual information, is at most log m).
#[test]
fn entropic_h_on_translated_clouds() {
    use kantorovich::ot::Sinkhorn;
    let plane = Euclidean::new(2).unwrap();
    let base = cloud(8, 20, 2);
    let shifts = [[0.0, 0.0], [3.0, 1.0]];
    let measures = shifts
        .iter()
        .map(|&t| plane.uniform(translated(&base, t)).unwrap())
        .collect();
    let problem = BarycenterProblem::new(plane, measures, vec![0.5, 0.5], SquaredEuclidean).unwrap();
    let v_star = 0.25 * 10.0; // sum_k 0.5 |t_k - tbar|^2 with tbar = (1.5, 0.5)
    let eps = 1e-2;
    let h = FixedPointH::new(Sinkhorn::new(eps).tolerance(1e-8).max_iterations(100_000))
        .max_iterations(10)
        .solve(&problem, problem.default_init())
        .unwrap();
    for r in &h.trace {
        assert!(r.objective >= v_star - 1e-9, "{} < V* = {v_star}", r.objective);
    }
    // eps sum_k lambda_k log m_k = 0.01 log 20 ~ 0.030 (measured: V_eps - V* ~ 0.026)
    assert!(h.objective <= v_star + eps * 20f64.ln(), "{} vs {v_star}", h.objective);
}
