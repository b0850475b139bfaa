//! Barycentres with known answers: translated clouds, one measure, 1-D quantile averages.

mod common;

use common::cloud;
use kantorovich::prelude::*;
use kantorovich::BarycenterError;

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

/// The mean of the cloud `cloud(seed, n, 2)` shifted by `t`, as a uniform measure on the plane.
fn shifted_cloud(seed: u64, n: usize, t: [f64; 2]) -> DiscreteMeasure<Euclidean> {
    Euclidean::new(2)
        .unwrap()
        .uniform(translated(&cloud(seed, n, 2), t))
        .unwrap()
}

/// Truncated gluing of entropic plans, checked against a direct enumeration of all
/// sum_i prod_k m_k glued atoms: the atoms kept are those of mass >= tau (mu has mass 1), renormalised;
/// the mass dropped is 1 - (kept mass); the trace of a run reports the same number.
#[test]
fn truncated_gluing_keeps_the_heavy_atoms() {
    use kantorovich::barycenter::{FixedPointMap, Glue};
    let measures = vec![
        shifted_cloud(31, 8, [0.0, 0.0]),
        shifted_cloud(32, 7, [1.0, 0.0]),
        shifted_cloud(33, 6, [0.0, 1.0]),
    ];
    let lambdas = vec![0.2, 0.3, 0.5];
    let problem =
        BarycenterProblem::new(Euclidean::new(2).unwrap(), measures, lambdas.clone(), SquaredEuclidean).unwrap();
    let mu = shifted_cloud(34, 9, [0.3, 0.3]);
    let sinkhorn = Sinkhorn::new(0.02).tolerance(1e-12).max_iterations(100_000);
    let plans = problem.couplings(&mu, &sinkhorn).unwrap();
    let tau = 1e-3;

    // all glued atoms (i, j_1, j_2, j_3): mass a_i prod_k (P^k_ij / a_i), point
    // B(y) = sum_k lambda_k y_{k j_k} (sum lambda = 1), which does not depend on i: G merges the
    // atoms of the same (j_1, j_2, j_3) coming from different rows i.
    let m: Vec<usize> = problem.measures().iter().map(|nu| nu.len()).collect();
    let dense: Vec<Vec<f64>> = plans.iter().map(|p| p.to_dense().unwrap()).collect();
    let mut kept = vec![0.0; m[0] * m[1] * m[2]]; // kept mass per (j_1, j_2, j_3)
    let (mut kept_mass, mut all_mass) = (0.0, 0.0);
    for (i, a) in mu.weights().iter().enumerate() {
        for j0 in 0..m[0] {
            for j1 in 0..m[1] {
                for j2 in 0..m[2] {
                    let js = [j0, j1, j2];
                    let mass = (0..3).fold(*a, |acc, k| acc * dense[k][i * m[k] + js[k]] / a);
                    all_mass += mass;
                    if mass >= tau {
                        kept_mass += mass;
                        kept[(j0 * m[1] + j1) * m[2] + j2] += mass;
                    }
                }
            }
        }
    }
    let kept_atoms = kept.iter().filter(|&&w| w > 0.0).count();
    let all_atoms = m.iter().product::<usize>();
    assert!(
        kept_atoms > 0 && kept_atoms < all_atoms / 2,
        "{kept_atoms} of {all_atoms} kept"
    );
    // the plans' row marginals are right to 1e-12, so the glued mass is 1 to ~3e-12
    assert!((all_mass - 1.0).abs() < 1e-10, "glued mass {all_mass}");

    let exact = Glue::default().apply(&problem, &mu, &plans).unwrap();
    assert_eq!(exact.dropped_mass, 0.0);
    assert_eq!(exact.measure.len(), all_atoms);
    let glue = Glue {
        mass_threshold: tau,
        ..Glue::default()
    };
    let truncated = glue.apply(&problem, &mu, &plans).unwrap();
    assert!(truncated.dropped_mass > 0.0 && truncated.dropped_mass < 1.0);
    assert!(
        (truncated.dropped_mass - (1.0 - kept_mass)).abs() < 1e-10,
        "dropped {} but kept {kept_mass}",
        truncated.dropped_mass
    );
    // the same atoms, renormalised to mass 1
    let measure = &truncated.measure;
    assert_eq!(measure.len(), kept_atoms);
    assert!((measure.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    for (index, &mass) in kept.iter().enumerate().filter(|(_, &w)| w > 0.0) {
        let js = [index / (m[1] * m[2]), (index / m[2]) % m[1], index % m[2]];
        let mut x = [0.0; 2];
        for k in 0..3 {
            let y = problem.measures()[k].point(js[k]);
            x[0] += lambdas[k] * y[0];
            x[1] += lambdas[k] * y[1];
        }
        let found = measure.iter().any(|(p, w)| {
            (p[0] - x[0]).abs() < 1e-12 && (p[1] - x[1]).abs() < 1e-12 && (w - mass / kept_mass).abs() < 1e-12
        });
        assert!(found, "glued atom {x:?} of mass {mass} missing");
    }

    // the trace of a run from mu reports the same dropped mass for mu_1, and 0 for mu_0
    let run = FixedPointGEps::new(sinkhorn)
        .mass_threshold(tau)
        .max_iterations(1)
        .tolerance(f64::NEG_INFINITY)
        .solve(&problem, mu.clone())
        .unwrap();
    assert_eq!(run.trace.len(), 2);
    assert_eq!(run.trace[0].dropped_mass, 0.0);
    assert!((run.trace[1].dropped_mass - truncated.dropped_mass).abs() < 1e-12);
    assert_eq!(run.trace[1].support_size, kept_atoms);
}

/// max_support counts the glued atoms (i, j_1..j_K) G_eps produces, before coincident ones are
/// merged: all n prod_k m_k of them without truncation (checked before gluing), those kept with
/// truncation (counted while gluing; compared here with a direct count).
#[test]
fn entropic_g_respects_max_support() {
    let measures = vec![shifted_cloud(41, 10, [0.0, 0.0]), shifted_cloud(42, 10, [2.0, 0.0])];
    let problem =
        BarycenterProblem::new(Euclidean::new(2).unwrap(), measures, vec![0.5, 0.5], SquaredEuclidean).unwrap();
    let start = shifted_cloud(43, 10, [1.0, 0.0]);
    let sinkhorn = Sinkhorn::new(0.05).tolerance(1e-9);
    let exact = FixedPointGEps::new(sinkhorn).max_support(999);
    match exact.solve(&problem, start.clone()).unwrap_err() {
        BarycenterError::SupportTooLarge { atoms, limit } => assert_eq!((atoms, limit), (1000, 999)),
        other => panic!("unexpected {other}"),
    }
    let tau = 1e-3;
    let dense: Vec<Vec<f64>> = problem
        .couplings(&start, &sinkhorn)
        .unwrap()
        .iter()
        .map(|p| p.to_dense().unwrap())
        .collect();
    let mut produced = 0;
    for (i, a) in start.weights().iter().enumerate() {
        for j0 in 0..10 {
            for j1 in 0..10 {
                if a * (dense[0][i * 10 + j0] / a) * (dense[1][i * 10 + j1] / a) >= tau {
                    produced += 1;
                }
            }
        }
    }
    assert!(produced > 20 && produced < 500, "{produced} atoms kept");
    let truncated = FixedPointGEps::new(sinkhorn).mass_threshold(tau).max_iterations(1);
    match truncated
        .clone()
        .max_support(produced - 1)
        .solve(&problem, start.clone())
        .unwrap_err()
    {
        BarycenterError::SupportTooLarge { atoms, limit } => {
            assert_eq!(limit, produced - 1);
            // counted in batches, so possibly before the enumeration ends
            assert!(
                atoms as usize >= produced - 1 && atoms as usize <= produced,
                "{atoms} atoms reported"
            );
        }
        other => panic!("unexpected {other}"),
    }
    assert!(truncated.max_support(produced).solve(&problem, start).is_ok());
}

/// G_eps on two translated clouds (eps = 0.02, |t_2 - t_1|^2 = 10, V* = 2.5), truncated at
/// tau = 1e-9 (dropped mass ~1e-6 per step). Along the run, each step satisfies the entropic
/// version of the decrease law,
///
/// V_eps(G mu) + T_delta(mu, G mu) <= V_eps(mu) + eps sum_k lambda_k log m_k
///
/// (gluing gives V_eps(mu) - eps sum_k lambda_k I(X; Y_k) >= sum_k lambda_k <c_k, Q^k> + T_delta
/// for the couplings Q^k of G mu and nu_k it induces, and their entropy term eps I(B(Y); Y_k)
/// is at most eps log m_k), so the first step, with T_delta ~ |t/2|^2 = 2.5, drops V_eps from
/// ~5 to ~V*. At the end, V* <= V(mu) <= V_eps(mu) (T_eps >= <c, P> >= T) and
/// V_eps(mu) <= V* + eps sum_k lambda_k log m_k, the entropic bias of V_eps at the exact
/// barycentre itself (T_eps(mu*, nu_k) <= T(mu*, nu_k) + eps KL(pi* | mu* x nu_k)).
#[test]
fn entropic_g_on_translated_clouds() {
    let eps = 0.02;
    let measures = vec![shifted_cloud(8, 20, [0.0, 0.0]), shifted_cloud(8, 20, [3.0, 1.0])];
    let problem =
        BarycenterProblem::new(Euclidean::new(2).unwrap(), measures, vec![0.5, 0.5], SquaredEuclidean).unwrap();
    let v_star = 2.5;
    let allowance = eps * 20f64.ln(); // eps sum_k lambda_k log m_k
    let g = FixedPointGEps::new(Sinkhorn::new(eps).tolerance(1e-9).max_iterations(100_000))
        .mass_threshold(1e-9)
        .max_iterations(3)
        .tolerance(f64::NEG_INFINITY);
    let result = g.solve(&problem, problem.default_init()).unwrap();
    let trace = &result.trace;
    assert_eq!(trace.len(), 4);
    let simplex = NetworkSimplex::default();
    let mut mu = problem.default_init();
    for t in 0..3 {
        let next = g.next_iterate(&problem, &mu).unwrap();
        assert!(
            next.dropped_mass > 0.0 && next.dropped_mass < 1e-5,
            "{}",
            next.dropped_mass
        );
        assert_eq!(next.dropped_mass, trace[t + 1].dropped_mass);
        let t_delta = simplex
            .couple(&mu, &next.measure, &problem.delta_cost())
            .unwrap()
            .cost();
        // 1e-3: the truncation moves <= 2e-5 of the mass by at most a cost of 25
        assert!(
            trace[t + 1].objective + t_delta <= trace[t].objective + allowance + 1e-3,
            "step {t}: V_eps {} -> {}, T_delta {t_delta}",
            trace[t].objective,
            trace[t + 1].objective
        );
        if t == 0 {
            assert!(t_delta > 2.4, "T_delta = {t_delta}");
        }
        mu = next.measure;
    }
    assert!(trace[1].objective < trace[0].objective - 2.4);
    let v_exact = problem.objective(&result.measure, &simplex).unwrap();
    assert!(v_star - 1e-9 <= v_exact && v_exact <= result.objective + 1e-9);
    assert!(
        result.objective <= v_star + allowance,
        "V_eps = {} vs V* = {v_star}",
        result.objective
    );
}

/// H with Sinkhorn couplings records V_eps(mu_t) = sum_k lambda_k T_{c_k,eps}(mu_t, nu_k) for each
/// iterate (computed here by `entropic_cost`, from the iterates rebuilt step by step), and no
/// dropped mass.
#[test]
fn entropic_h_traces_v_eps() {
    use kantorovich::ot::entropic_cost;
    let measures = vec![
        shifted_cloud(51, 15, [0.0, 0.0]),
        shifted_cloud(52, 12, [1.0, 2.0]),
        shifted_cloud(53, 10, [2.0, 0.0]),
    ];
    let lambdas = [0.5, 0.25, 0.25];
    let problem =
        BarycenterProblem::new(Euclidean::new(2).unwrap(), measures, lambdas.to_vec(), SquaredEuclidean).unwrap();
    let sinkhorn = Sinkhorn::new(0.05).tolerance(1e-10).max_iterations(100_000);
    let h = FixedPointH::new(sinkhorn)
        .max_iterations(3)
        .tolerance(f64::NEG_INFINITY);
    let result = h.solve(&problem, problem.default_init()).unwrap();
    assert_eq!(result.trace.len(), 4);
    let mut mu = problem.default_init();
    for record in &result.trace {
        let v_eps: f64 = problem
            .measures()
            .iter()
            .zip(lambdas)
            .map(|(nu, l)| l * entropic_cost(&sinkhorn, &mu, nu, &SquaredEuclidean).unwrap())
            .sum();
        let v_exact = problem.objective(&mu, &NetworkSimplex::default()).unwrap();
        assert!(
            (record.objective - v_eps).abs() <= 1e-12 * v_eps,
            "t = {}: {} vs {v_eps}",
            record.iteration,
            record.objective
        );
        // the entropic cost, not the transport cost: strictly above the exact V here
        assert!(record.objective > v_exact + 1e-3);
        assert_eq!(record.dropped_mass, 0.0);
        mu = h.step(&problem, &mu).unwrap();
    }
}

/// G_eps with a coarse truncation drops most of the mass, and V_eps goes up: the run says so
/// (`ObjectiveIncreased`, not converged), and `max_dropped_mass` turns such a step into an
/// error naming it. Issue 13, item 9: this used to be reported as `converged = true`.
#[test]
fn an_increase_is_reported_as_such_and_not_as_convergence() {
    use kantorovich::StopReason;
    let plane = Euclidean::new(2).unwrap();
    let measures: Vec<_> = (0..3).map(|k| plane.uniform(cloud(40 + k, 25, 2)).unwrap()).collect();
    let problem = BarycenterProblem::new(plane, measures, vec![1.0 / 3.0; 3], SquaredEuclidean).unwrap();
    let g_eps = FixedPointGEps::new(Sinkhorn::new(0.05))
        .mass_threshold(2e-3)
        .max_iterations(20);
    let result = g_eps.solve(&problem, problem.default_init()).unwrap();
    let drops: Vec<f64> = result.trace.iter().map(|r| r.dropped_mass).collect();
    let values: Vec<f64> = result.trace.iter().map(|r| r.objective).collect();
    let increased = values.windows(2).any(|w| w[1] > w[0] * (1.0 + 1e-9));
    assert!(increased, "the instance should make V_eps go up: {values:?}");
    assert_eq!(result.stop_reason, StopReason::ObjectiveIncreased, "V_eps {values:?}");
    assert!(!result.converged);
    // the best iterate is returned: not the last one
    let best = values.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(result.objective, best);

    let worst = drops.iter().cloned().fold(0.0, f64::max);
    assert!(worst > 0.01, "drops {drops:?}");
    let strict = g_eps.clone().max_dropped_mass(worst / 2.0);
    match strict.solve(&problem, problem.default_init()) {
        Err(BarycenterError::TooMuchMassDropped {
            iteration,
            dropped,
            limit,
        }) => {
            assert!(iteration >= 1 && dropped > limit && limit == worst / 2.0);
        }
        other => panic!("expected TooMuchMassDropped, got {other:?}"),
    }
    assert!(g_eps
        .clone()
        .max_dropped_mass(1.5)
        .solve(&problem, problem.default_init())
        .is_err());

    // exact G on the same problem converges, and says so
    let g = FixedPointG::default().solve(&problem, problem.default_init()).unwrap();
    assert_eq!(g.stop_reason, StopReason::Converged);
    assert!(g.converged);
    // a cap of one step: IterationLimit
    let capped = FixedPointG::default()
        .max_iterations(1)
        .solve(&problem, problem.default_init())
        .unwrap();
    assert_eq!(capped.stop_reason, StopReason::IterationLimit);
    assert!(!capped.converged);
}

/// The count of glued atoms saturates instead of wrapping: one atom glued with 10 dense rows of
/// 10^4 entries would make 10^40 atoms, past u128 (issue 13, item 10).
#[test]
fn the_glued_atom_count_does_not_overflow() {
    use kantorovich::barycenter::{FixedPointMap, Glue};
    use kantorovich::TransportPlan;
    let line = Euclidean::new(1).unwrap();
    let m = 10_000;
    let nu = line.uniform((0..m).map(|j| j as f64).collect()).unwrap();
    let problem = BarycenterProblem::new(line, vec![nu; 10], vec![0.1; 10], SquaredEuclidean).unwrap();
    let mu = line.uniform(vec![0.0]).unwrap();
    let row = TransportPlan::from_triplets(1, m, (0..m).map(|j| (0, j, 1.0 / m as f64)).collect(), 0.0).unwrap();
    let plans = vec![row; 10];
    match Glue::default().apply(&problem, &mu, &plans) {
        Err(BarycenterError::SupportTooLarge { atoms, .. }) => assert_eq!(atoms, u128::MAX),
        other => panic!("expected SupportTooLarge, got {:?}", other.map(|n| n.measure.len())),
    }
}

/// The multiscale coupling drives H_eps unchanged: the same iterates and V_eps as the dense
/// Sinkhorn coupling, to the solvers' tolerances.
#[test]
fn entropic_h_on_the_multiscale_coupling() {
    use kantorovich::ot::MultiscaleSinkhorn;
    let problem = three_shifted_clouds([41, 42, 43], [300, 250, 200]);
    let eps = 5e-3;
    let dense = FixedPointH::new(Sinkhorn::new(eps).tolerance(1e-10).max_iterations(100_000))
        .max_iterations(4)
        .solve(&problem, problem.default_init())
        .unwrap();
    let multiscale = FixedPointH::new(
        MultiscaleSinkhorn::new(eps)
            .tolerance(1e-10)
            .leaf_size(16)
            .coarse_size(64),
    )
    .max_iterations(4)
    .solve(&problem, problem.default_init())
    .unwrap();
    assert_same_objectives(&dense, &multiscale, 1e-7);
    let (x, y) = (dense.measure.points(), multiscale.measure.points());
    assert!(x.iter().zip(y).all(|(p, q)| (p - q).abs() < 1e-6));
}

/// G_eps on the multiscale coupling: the same V_eps trace as on dense Sinkhorn (product gluing
/// of the sparse plans, truncated at the same mass threshold).
#[test]
fn entropic_g_on_the_multiscale_coupling() {
    use kantorovich::barycenter::FixedPointGEps;
    use kantorovich::ot::MultiscaleSinkhorn;
    let problem = three_shifted_clouds([81, 82, 83], [40, 35, 30]);
    let eps = 0.01;
    let init = shifted_cloud(84, 30, [0.4, 0.4]);
    let dense = FixedPointGEps::new(Sinkhorn::new(eps).tolerance(1e-11).max_iterations(100_000))
        .mass_threshold(1e-6)
        .max_iterations(2)
        .solve(&problem, init.clone())
        .unwrap();
    let multiscale = FixedPointGEps::new(
        MultiscaleSinkhorn::new(eps)
            .tolerance(1e-11)
            .leaf_size(8)
            .coarse_size(16),
    )
    .mass_threshold(1e-6)
    .max_iterations(2)
    .solve(&problem, init)
    .unwrap();
    assert_same_objectives(&dense, &multiscale, 1e-6);
}

/// Three shifted clouds of the plane (offsets (0, 0), (1, 0.5), (0.5, 1)), weights 0.3, 0.3, 0.4,
/// with the squared Euclidean cost: the problem of the multiscale-coupling tests.
fn three_shifted_clouds(
    seeds: [u64; 3],
    sizes: [usize; 3],
) -> BarycenterProblem<Euclidean, Euclidean, SquaredEuclidean> {
    let offsets = [[0.0, 0.0], [1.0, 0.5], [0.5, 1.0]];
    let measures = (0..3).map(|k| shifted_cloud(seeds[k], sizes[k], offsets[k])).collect();
    BarycenterProblem::new(
        Euclidean::new(2).unwrap(),
        measures,
        vec![0.3, 0.3, 0.4],
        SquaredEuclidean,
    )
    .unwrap()
}

/// Two runs record the same V at every iteration, to `rel` of it.
fn assert_same_objectives<X: GroundSpace>(
    a: &kantorovich::barycenter::BarycenterResult<X>,
    b: &kantorovich::barycenter::BarycenterResult<X>,
    rel: f64,
) {
    assert_eq!(a.trace.len(), b.trace.len());
    for (x, y) in a.trace.iter().zip(&b.trace) {
        assert!(
            (x.objective - y.objective).abs() < rel * x.objective,
            "{} vs {}",
            x.objective,
            y.objective
        );
    }
}

/// H_eps on the multiscale coupling's grid path (wide kernel, clouds apart), where the plans
/// are never formed: one step from the same start gives the iterate and the V_eps of H_eps on
/// dense Sinkhorn plans, within the solvers' tolerances.
#[test]
fn entropic_h_on_grid_products_matches_dense_plans() {
    use kantorovich::ot::MultiscaleSinkhorn;
    let problem = three_shifted_clouds([91, 92, 93], [2100, 2100, 2100]);
    let init = shifted_cloud(94, 2100, [0.2, 0.1]);
    let eps = 0.02;
    let multiscale = MultiscaleSinkhorn::new(eps).tolerance(1e-6);
    // the grid path is the one taken on these problems
    let first = multiscale
        .solve(&init, &problem.measures()[1], &SquaredEuclidean)
        .unwrap();
    assert!(first.grid_nodes > 0);
    let dense = FixedPointH::new(Sinkhorn::new(eps).tolerance(1e-10))
        .max_iterations(1)
        .solve(&problem, init.clone())
        .unwrap();
    let ours = FixedPointH::new(multiscale)
        .max_iterations(1)
        .solve(&problem, init)
        .unwrap();
    assert_same_objectives(&dense, &ours, 1e-6);
    let (x, y) = (dense.measure.points(), ours.measure.points());
    let gap = x.iter().zip(y).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
    assert!(gap < 1e-6, "iterates differ by {gap:e}");
}

/// The North-West-corner gluing on a case worked by hand: one atom x = 0 of mass 1, plan rows
/// (0.5, 0.5) on nu_1 = {0, 2} and (0.3, 0.7) on nu_2 = {10, 20} (the exact plans of a point are
/// its marginals). The cumulative masses 0.5, 1 and 0.3, 1 merge into the intervals [0, 0.3),
/// [0.3, 0.5), [0.5, 1]: the atoms (0, 10) of mass 0.3, (0, 20) of 0.2 and (2, 20) of 0.5, whose
/// ground barycentres (lambda 1/2 each) are 5, 10 and 11. The product gluing gives 4 atoms.
#[test]
fn north_west_gluing_by_hand() {
    use kantorovich::barycenter::Gluing;
    let line = Euclidean::new(1).unwrap();
    let nus = vec![
        line.measure(vec![0.0, 2.0], vec![0.5, 0.5]).unwrap(),
        line.measure(vec![10.0, 20.0], vec![0.3, 0.7]).unwrap(),
    ];
    let problem = BarycenterProblem::new(line, nus, vec![0.5, 0.5], SquaredEuclidean).unwrap();
    let mu = line.uniform(vec![0.0]).unwrap();
    let nw = FixedPointG::default()
        .gluing(Gluing::NorthWest)
        .step(&problem, &mu)
        .unwrap();
    let atoms: Vec<(f64, f64)> = nw.iter().map(|(p, w)| (p[0], w)).collect();
    let expected = [(5.0, 0.3), (10.0, 0.2), (11.0, 0.5)];
    assert_eq!(atoms.len(), 3, "{atoms:?}");
    for ((x, w), (ex, ew)) in atoms.iter().zip(expected) {
        assert!((x - ex).abs() < 1e-12 && (w - ew).abs() < 1e-12, "{atoms:?}");
    }
    let product = FixedPointG::default().step(&problem, &mu).unwrap();
    assert_eq!(product.len(), 4);
    // the support limit: 3 atoms do not fit in 2; truncated at tau = 0.25, the atom of mass 0.2
    // is dropped and the two others fit
    let nw = FixedPointG::default().gluing(Gluing::NorthWest).max_support(2);
    match nw.next_iterate(&problem, &mu) {
        Err(BarycenterError::SupportTooLarge { atoms: 3, limit: 2 }) => {}
        other => panic!("expected SupportTooLarge, got {:?}", other.map(|n| n.measure.len())),
    }
    let truncated = nw.mass_threshold(0.25).next_iterate(&problem, &mu).unwrap();
    assert_eq!(truncated.measure.len(), 2);
    assert!((truncated.dropped_mass - 0.2).abs() < 1e-12);
}
