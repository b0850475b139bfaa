//! The multiscale entropic solver against dense Sinkhorn on the same problems: the same T_eps
//! and potentials within the tolerance, a dual value that bounds T_eps from below, truthful
//! stop reasons, degenerate clouds, and errors for what it cannot solve.

use kantorovich_core::{CoordinateCost, StopReason};
use kantorovich_geometry::{BuresWasserstein, Euclidean, Gaussian, SquaredEuclidean};
use kantorovich_ot::{MultiscaleSinkhorn, PointCloudCost, Sinkhorn};
use kantorovich_testkit::{cloud, SplitMix64};
use quickcheck::{QuickCheck, TestResult};

/// Multiscale vs dense on random clouds (1 to 400 points, d = 1 to 3, some zero weights, eps
/// from 1e-3 to 1e-1 of max C), with small leaves and coarse problems so that every stage runs.
#[test]
fn agrees_with_dense_sinkhorn() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let d = 1 + rng.below(3);
        let (n, m) = (1 + rng.below(400), 1 + rng.below(400));
        let (x, y) = (cloud(seed ^ 7, n, d), cloud(seed ^ 8, m, d));
        let mut a: Vec<f64> = (0..n).map(|_| 0.2 + rng.uniform()).collect();
        let mut b: Vec<f64> = (0..m).map(|_| 0.2 + rng.uniform()).collect();
        if n > 1 && rng.below(2) == 0 {
            a[rng.below(n)] = 0.0;
        }
        if m > 1 && rng.below(2) == 0 {
            b[rng.below(m)] = 0.0;
        }
        let ratio = a.iter().sum::<f64>() / b.iter().sum::<f64>();
        b.iter_mut().for_each(|w| *w *= ratio);
        let cost = PointCloudCost::from_coordinates(d, CoordinateCost::SquaredEuclidean, &x, &y).unwrap();
        let eps = 10f64.powf(-1.0 - 2.0 * rng.uniform()) * d as f64;
        let tol = 1e-8;
        let ms = MultiscaleSinkhorn::new(eps)
            .tolerance(tol)
            .leaf_size(1 + rng.below(16))
            .coarse_size(1 + rng.below(40))
            .solve_cloud(&a, &b, &cost)
            .unwrap();
        let dense = Sinkhorn::new(eps)
            .tolerance(1e-11)
            .max_iterations(100_000)
            .solve(&a, &b, &cost)
            .unwrap();
        if !dense.converged || !ms.converged {
            return TestResult::error(format!(
                "not converged: dense {}, multiscale {:?}",
                dense.converged, ms.stop_reason
            ));
        }
        let mass: f64 = a.iter().sum();
        let scale = mass * (d as f64 + eps);
        if (ms.entropic_cost - dense.entropic_cost).abs() > 1e-6 * scale {
            return TestResult::error(format!("T_eps {} vs {}", ms.entropic_cost, dense.entropic_cost));
        }
        if ms.dual_value > dense.entropic_cost + 1e-9 * scale {
            return TestResult::error(format!("dual {} above T_eps {}", ms.dual_value, dense.entropic_cost));
        }
        if ms.marginal_error > tol || ms.truncation_bound > 0.1 * tol {
            return TestResult::error(format!("error {} bound {}", ms.marginal_error, ms.truncation_bound));
        }
        // potentials are unique up to f + c, g - c on atoms of positive weight
        let (i0, j0) = (
            a.iter().position(|&w| w > 0.0).unwrap(),
            b.iter().position(|&w| w > 0.0).unwrap(),
        );
        let shift = ms.f[i0] - dense.f[i0];
        let worst = (0..n)
            .filter(|&i| a[i] > 0.0)
            .map(|i| (ms.f[i] - dense.f[i] - shift).abs())
            .chain(
                (0..m)
                    .filter(|&j| b[j] > 0.0)
                    .map(|j| (ms.g[j] - dense.g[j] + shift).abs()),
            )
            .fold(0.0, f64::max);
        if worst > 1e-4 * eps + 1e-12 * (1.0 + ms.g[j0].abs()) {
            return TestResult::error(format!("potentials differ by {worst:e} (eps {eps:e})"));
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(120)
        .min_tests_passed(120)
        .quickcheck(prop as fn(u64) -> TestResult);
}

/// A medium problem where truncation drops most of the kernel: the result still matches dense.
#[test]
fn medium_problem_drops_most_entries_and_matches() {
    let plane = Euclidean::new(2).unwrap();
    let mu = plane.uniform(cloud(11, 3000, 2)).unwrap();
    let nu = plane.uniform(cloud(12, 2500, 2)).unwrap();
    let eps = 2e-3;
    let ms = MultiscaleSinkhorn::new(eps)
        .tolerance(1e-7)
        .solve(&mu, &nu, &SquaredEuclidean)
        .unwrap();
    assert!(ms.converged, "{:?}", ms.stop_reason);
    assert!(ms.kept_entries < 3000 * 2500 / 2, "kept {}", ms.kept_entries);
    let cost = PointCloudCost::new(&mu, &nu, &SquaredEuclidean).unwrap().unwrap();
    let dense = Sinkhorn::new(eps)
        .tolerance(1e-10)
        .solve(mu.weights(), nu.weights(), &cost)
        .unwrap();
    assert!((ms.entropic_cost - dense.entropic_cost).abs() < 1e-6 * dense.entropic_cost);
    assert!(ms.dual_value <= dense.entropic_cost + 1e-12);
}

/// Equal points, collinear points, duplicates, a single point, zero weights.
#[test]
fn degenerate_clouds() {
    let plane = Euclidean::new(2).unwrap();
    // (at eps = 0.01 plain Sinkhorn itself needs over 10^4 iterations on `zeros` against itself)
    let eps = 0.05;
    let solver = MultiscaleSinkhorn::new(eps).tolerance(1e-9).leaf_size(4).coarse_size(8);
    let same = plane.uniform(vec![0.5; 2 * 50]).unwrap();
    let other = plane.uniform(cloud(3, 40, 2)).unwrap();
    let line: Vec<f64> = (0..60).flat_map(|t| [t as f64 / 60.0, 0.5]).collect();
    let line = plane.uniform(line).unwrap();
    let dup = plane.uniform([cloud(4, 20, 2), cloud(4, 20, 2)].concat()).unwrap();
    let one = plane.uniform(vec![0.2, 0.7]).unwrap();
    let zeros = plane
        .measure(cloud(5, 30, 2), (0..30).map(|i| (i % 3) as f64).collect())
        .unwrap();
    let measures = [&same, &other, &line, &dup, &one, &zeros];
    for (s, mu) in measures.iter().enumerate() {
        for (t, nu) in measures.iter().enumerate() {
            let ms = solver.solve(mu, nu, &SquaredEuclidean).unwrap();
            let cost = PointCloudCost::new(mu, nu, &SquaredEuclidean).unwrap().unwrap();
            let dense = Sinkhorn::new(eps)
                .tolerance(1e-11)
                .solve(mu.weights(), nu.weights(), &cost)
                .unwrap();
            assert!(dense.converged && ms.converged, "pair ({s}, {t}): {:?}", ms.stop_reason);
            assert!(
                (ms.entropic_cost - dense.entropic_cost).abs() < 1e-7 * (1.0 + dense.entropic_cost.abs()),
                "pair ({s}, {t}): {} vs {}",
                ms.entropic_cost,
                dense.entropic_cost
            );
            assert!(ms.f.iter().chain(&ms.g).all(|v| v.is_finite()));
        }
    }
}

/// The iteration cap is reported as such, never as convergence.
#[test]
fn iteration_cap_is_reported() {
    let plane = Euclidean::new(2).unwrap();
    let mu = plane.uniform(cloud(1, 2000, 2)).unwrap();
    let nu = plane.uniform(cloud(2, 2000, 2)).unwrap();
    let ms = MultiscaleSinkhorn::new(1e-3)
        .tolerance(1e-12)
        .max_iterations(3)
        .solve(&mu, &nu, &SquaredEuclidean)
        .unwrap();
    assert!(!ms.converged);
    assert_eq!(ms.stop_reason, StopReason::IterationLimit);
    assert!(ms.iterations <= 3);
}

/// Spaces without flat coordinates and invalid settings are errors that say what to do.
#[test]
fn errors() {
    let g = Gaussian::new(1).unwrap();
    let gm = g.uniform(&[0.0, 1.0], &[1.0, 2.0]).unwrap();
    let err = MultiscaleSinkhorn::new(0.1)
        .solve(&gm, &gm, &BuresWasserstein::new())
        .unwrap_err();
    assert!(err.to_string().contains("Sinkhorn"), "{err}");
    let plane = Euclidean::new(2).unwrap();
    let mu = plane.uniform(cloud(1, 10, 2)).unwrap();
    for bad in [
        MultiscaleSinkhorn::new(0.0),
        MultiscaleSinkhorn::new(f64::NAN),
        MultiscaleSinkhorn::new(0.1).tolerance(-1.0),
        MultiscaleSinkhorn::new(0.1).truncation(1.5),
        MultiscaleSinkhorn::new(0.1).leaf_size(0),
    ] {
        assert!(bad.solve(&mu, &mu, &SquaredEuclidean).is_err(), "{bad:?}");
    }
    let cost = PointCloudCost::new(&mu, &mu, &SquaredEuclidean).unwrap().unwrap();
    let solver = MultiscaleSinkhorn::new(0.1);
    assert!(
        solver.solve_cloud(&[0.1; 10], &[0.2; 10], &cost).is_err(),
        "unequal masses"
    );
    assert!(solver.solve_cloud(&[0.1; 9], &[0.1; 10], &cost).is_err(), "lengths");
    let mut negative = [0.1; 10];
    negative[3] = -0.1;
    assert!(
        solver.solve_cloud(&negative, &[0.08; 10], &cost).is_err(),
        "negative weight"
    );
}

/// A warm start from the solution gives the solution back at once; bad starts are errors.
#[test]
fn sinkhorn_solve_from() {
    let plane = Euclidean::new(2).unwrap();
    let mu = plane.uniform(cloud(1, 200, 2)).unwrap();
    let nu = plane.uniform(cloud(2, 150, 2)).unwrap();
    let cost = PointCloudCost::new(&mu, &nu, &SquaredEuclidean).unwrap().unwrap();
    let solver = Sinkhorn::new(0.01).tolerance(1e-9);
    let (a, b) = (mu.weights(), nu.weights());
    let cold = solver.solve(a, b, &cost).unwrap();
    let warm = solver.scaling(None).solve_from(a, b, &cost, &cold.f, &cold.g).unwrap();
    assert!(warm.converged && warm.iterations <= 2, "{} iterations", warm.iterations);
    assert!((warm.entropic_cost - cold.entropic_cost).abs() < 1e-9);
    assert!(solver.solve_from(a, b, &cost, &cold.f[1..], &cold.g).is_err());
    let mut nan = cold.g.clone();
    nan[5] = f64::NAN;
    assert!(solver.solve_from(a, b, &cost, &cold.f, &nan).is_err());
}

/// The sparse plan of a multiscale solve: marginals within the certified errors, entries equal
/// to the dense Sinkhorn plan's where kept, and what it leaves out is small; as a `Coupling` it
/// is that plan with the entropic cost.
#[test]
fn sparse_plan_matches_the_dense_plan() {
    use kantorovich_core::Coupling;
    let plane = Euclidean::new(2).unwrap();
    let mu = plane.uniform(cloud(21, 700, 2)).unwrap();
    let nu = plane
        .measure(cloud(22, 500, 2), (0..500).map(|j| 1.0 + (j % 7) as f64).collect())
        .unwrap();
    let eps = 2e-3;
    let solver = MultiscaleSinkhorn::new(eps)
        .tolerance(1e-9)
        .leaf_size(16)
        .coarse_size(64);
    let cost = PointCloudCost::new(&mu, &nu, &SquaredEuclidean).unwrap().unwrap();
    let (a, b) = (mu.weights(), nu.weights());
    let (sol, plan) = solver.plan_cloud(a, b, &cost).unwrap();
    assert!(plan.nnz() < 700 * 500 / 3, "{} entries", plan.nnz());
    let dense = Sinkhorn::new(eps).tolerance(1e-12).solve(a, b, &cost).unwrap();
    let reference = Sinkhorn::plan(&dense, a, b, &cost).unwrap();
    let sparse = plan.to_dense().unwrap();
    let (mut row_err, mut col_err, mut left_out) = (0.0, 0.0, 0.0);
    for i in 0..700 {
        row_err += (sparse[i * 500..(i + 1) * 500].iter().sum::<f64>() - a[i]).abs();
        for j in 0..500 {
            let (p, q) = (sparse[i * 500 + j], reference[i * 500 + j]);
            if p > 0.0 {
                assert!((p - q).abs() <= 1e-6 * q + 1e-15, "({i}, {j}): {p} vs {q}");
            } else {
                left_out += q;
            }
        }
    }
    for j in 0..500 {
        col_err += ((0..700).map(|i| sparse[i * 500 + j]).sum::<f64>() - b[j]).abs();
    }
    let allowed = sol.marginal_error + sol.truncation_bound + 1e-3 * 1e-9;
    assert!(
        left_out <= 1e-3 * 1e-9 + sol.truncation_bound + 1e-15,
        "left out {left_out:e}"
    );
    assert!(
        row_err <= allowed + 1e-12 && col_err <= allowed + 1e-9,
        "{row_err:e} {col_err:e}"
    );
    assert!((plan.cost() - sol.entropic_cost).abs() < 1e-15);
    let coupled = solver.couple(&mu, &nu, &SquaredEuclidean).unwrap();
    assert_eq!(coupled.nnz(), plan.nnz());
    // not converged: an error, never a plan
    assert!(MultiscaleSinkhorn::new(eps)
        .tolerance(1e-13)
        .max_iterations(2)
        .couple(&mu, &nu, &SquaredEuclidean)
        .is_err());
}

/// The grid path (wide kernels): the same T_eps as dense Sinkhorn, and the certified marginal
/// errors hold against marginals computed entry by entry from the returned potentials.
#[test]
fn grid_products_match_dense_and_their_bound_holds() {
    // (where the truncated kernel is cheaper, for instance eps = 0.004 at tolerance 1e-6 here,
    // the solver does not take the grid path: these cases are wide enough)
    // (the last cases lie apart: the columns moved by 1.5, where the kernel sums of most rows
    // are hundreds of orders of magnitude below the largest weights)
    for (d, n, m, rel, tol, apart) in [
        (2usize, 2100usize, 2050usize, 1e-2, 1e-6, 0.0),
        (1, 2200, 2000, 3e-3, 1e-6, 0.0),
        (2, 2100, 2100, 5e-3, 1e-3, 0.0),
        (3, 2100, 2100, 3e-2, 1e-3, 0.0),
        (2, 2100, 2050, 1e-2, 1e-6, 1.5),
        (3, 2100, 2100, 3e-2, 1e-3, 1.5),
    ] {
        let space = Euclidean::new(d).unwrap();
        let mu = space.uniform(cloud(51, n, d)).unwrap();
        let moved: Vec<f64> = cloud(52, m, d)
            .iter()
            .enumerate()
            .map(|(t, y)| y + apart * (1.0 + (t % d) as f64))
            .collect();
        let nu = space
            .measure(moved, (0..m).map(|j| 1.0 + (j % 5) as f64).collect())
            .unwrap();
        let cost = PointCloudCost::new(&mu, &nu, &SquaredEuclidean).unwrap().unwrap();
        let eps = rel * d as f64;
        let ms = MultiscaleSinkhorn::new(eps)
            .tolerance(tol)
            .solve(&mu, &nu, &SquaredEuclidean)
            .unwrap();
        assert!(ms.converged, "d {d}: {:?}", ms.stop_reason);
        assert!(ms.grid_nodes > 0, "d {d}: the grid path was not taken");
        let (a, b) = (mu.weights(), nu.weights());
        let dense = Sinkhorn::new(eps).tolerance(1e-11).solve(a, b, &cost).unwrap();
        assert!(
            (ms.entropic_cost - dense.entropic_cost).abs() <= 0.05 * tol * dense.entropic_cost,
            "d {d}: {} vs {}",
            ms.entropic_cost,
            dense.entropic_cost
        );
        // the marginals of the exact plan of (f, g), entry by entry
        let (mut rows, mut cols) = (vec![0.0; n], vec![0.0; m]);
        for i in 0..n {
            for j in 0..m {
                let p = a[i] * b[j] * ((ms.f[i] + ms.g[j] - cost.cost(i, j)) / eps).exp();
                rows[i] += p;
                cols[j] += p;
            }
        }
        let row_err: f64 = rows.iter().zip(a).map(|(r, a)| (r - a).abs()).sum();
        let col_err: f64 = cols.iter().zip(b).map(|(c, b)| (c - b).abs()).sum();
        let certified = ms.marginal_error + ms.product_error;
        assert!(certified <= tol, "d {d}: {certified:e}");
        assert!(
            row_err <= certified * (1.0 + 1e-6) + 1e-14,
            "d {d}: rows {row_err:e} > {certified:e}"
        );
        assert!(
            col_err <= ms.product_error * (1.0 + 1e-6) + 1e-14,
            "d {d}: columns {col_err:e} > {:e}",
            ms.product_error
        );
        assert!(ms.dual_value <= dense.entropic_cost + 1e-12, "d {d}: dual above T_eps");
    }
}

/// `entropic_cost` and `sinkhorn_divergence` take the multiscale solver as they take Sinkhorn,
/// with the same answers (on both of its paths).
#[test]
fn divergence_and_entropic_cost_on_the_multiscale_solver() {
    use kantorovich_ot::{entropic_cost, sinkhorn_divergence};
    let plane = Euclidean::new(2).unwrap();
    let mu = plane.uniform(cloud(61, 2100, 2)).unwrap();
    let nu = plane
        .uniform(cloud(62, 2050, 2).iter().map(|c| 0.8 * c + 0.15).collect())
        .unwrap();
    let eps = 0.02;
    let dense = Sinkhorn::new(eps).tolerance(1e-10);
    let reference = sinkhorn_divergence(&dense, &mu, &nu, &SquaredEuclidean).unwrap();
    let t_reference = entropic_cost(&dense, &mu, &nu, &SquaredEuclidean).unwrap();
    assert!(reference > 0.0);
    for grid in [true, false] {
        let ms = MultiscaleSinkhorn::new(eps).tolerance(1e-8).grid_products(grid);
        let t = entropic_cost(&ms, &mu, &nu, &SquaredEuclidean).unwrap();
        assert!(
            (t - t_reference).abs() < 1e-7 * t_reference,
            "grid {grid}: {t} vs {t_reference}"
        );
        let s = sinkhorn_divergence(&ms, &mu, &nu, &SquaredEuclidean).unwrap();
        assert!(
            (s - reference).abs() < 1e-6 * reference,
            "grid {grid}: {s} vs {reference}"
        );
        assert!(sinkhorn_divergence(&ms, &mu, &mu, &SquaredEuclidean).unwrap().abs() < 1e-8);
    }
    // not converged: an error, not a number
    let capped = MultiscaleSinkhorn::new(eps).tolerance(1e-12).max_iterations(1);
    assert!(entropic_cost(&capped, &mu, &nu, &SquaredEuclidean).is_err());
}

/// Extreme scales neither panic nor take a grid whose bound cannot be computed: tiny and huge
/// eps, a tiny tolerance, coordinates far from the origin.
#[test]
fn extreme_scales_are_handled() {
    let plane = Euclidean::new(2).unwrap();
    let x = cloud(71, 2100, 2);
    let far: Vec<f64> = x.iter().map(|c| 1e6 + c).collect();
    let mu = plane.uniform(x.clone()).unwrap();
    let nu = plane.uniform(cloud(72, 2050, 2)).unwrap();
    let mu_far = plane.uniform(far).unwrap();
    for (solver, a, b) in [
        (MultiscaleSinkhorn::new(1e-290).max_iterations(5), &mu, &nu),
        (MultiscaleSinkhorn::new(1e290).max_iterations(5), &mu, &nu),
        (
            MultiscaleSinkhorn::new(0.02).tolerance(1e-300).max_iterations(5),
            &mu,
            &nu,
        ),
        (MultiscaleSinkhorn::new(0.02).max_iterations(5), &mu_far, &mu_far),
    ] {
        match solver.solve(a, b, &SquaredEuclidean) {
            Ok(s) => {
                assert!(s.converged || s.stop_reason != StopReason::Converged, "{solver:?}");
                assert!(s.product_error.is_finite() && s.product_error >= 0.0, "{solver:?}");
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

/// Barycentric projections without the plan, on both paths: against the projections of the
/// full plan of the returned potentials summed entry by entry, within the reported bound
/// (which is small), with the row masses of that plan.
#[test]
fn projections_match_the_full_plan_within_their_bound() {
    // (d, n, m, eps, tolerance, truncation, grid path expected, columns moved by)
    for (d, n, m, eps, tol, truncation, grid, apart) in [
        (2usize, 2100usize, 2050usize, 2e-2, 1e-6, None, true, 0.0),
        (3, 2100, 2100, 9e-2, 1e-3, None, true, 0.0),
        (2, 2100, 2050, 2e-2, 1e-6, None, true, 1.0),
        (2, 3000, 2500, 2e-3, 1e-6, None, false, 0.0),
        (2, 1500, 1200, 2e-3, 1e-5, Some(1e-5), false, 1.0),
        (1, 800, 900, 1e-3, 1e-6, None, false, 0.0),
    ] {
        let space = Euclidean::new(d).unwrap();
        let mu = space
            .measure(cloud(71, n, d), (0..n).map(|i| (i % 4) as f64).collect())
            .unwrap();
        let moved: Vec<f64> = cloud(72, m, d).iter().map(|y| y + apart).collect();
        let nu = space
            .measure(moved, (0..m).map(|j| 1.0 + (j % 5) as f64).collect())
            .unwrap();
        let cost = PointCloudCost::new(&mu, &nu, &SquaredEuclidean).unwrap().unwrap();
        let mut solver = MultiscaleSinkhorn::new(eps).tolerance(tol);
        if let Some(t) = truncation {
            solver = solver.truncation(t);
        }
        let (a, b) = (mu.weights(), nu.weights());
        let (sol, proj) = solver.project_cloud(a, b, &cost).unwrap();
        assert_eq!(sol.grid_nodes > 0, grid, "case d {d} n {n}: path");
        assert_eq!((proj.dim, proj.means.len(), proj.row_mass.len()), (d, n * d, n));
        assert_eq!(proj.cost, sol.entropic_cost);
        assert!(proj.error < 1e-4, "case d {d} n {n}: bound {:e}", proj.error);
        let y = nu.points();
        let (mut weighted, mut total, mut mass_err) = (0.0, 0.0, 0.0);
        for (i, &ai) in a.iter().enumerate() {
            let (mut r, mut s) = (0.0, vec![0.0; d]);
            for j in 0..m {
                let p = ai * b[j] * ((sol.f[i] + sol.g[j] - cost.cost(i, j)) / eps).exp();
                r += p;
                s.iter_mut().zip(&y[j * d..(j + 1) * d]).for_each(|(s, y)| *s += p * y);
            }
            if ai == 0.0 {
                assert_eq!(proj.row_mass[i], 0.0);
                continue;
            }
            let gap = (0..d)
                .map(|k| (proj.means[i * d + k] - s[k] / r).abs())
                .fold(0.0, f64::max);
            weighted += proj.row_mass[i] * gap;
            total += proj.row_mass[i];
            mass_err += (proj.row_mass[i] - r).abs();
        }
        let measured = weighted / total;
        assert!(
            measured <= proj.error * (1.0 + 1e-6) + 1e-13,
            "case d {d} n {n}: error {measured:e} above the bound {:e}",
            proj.error
        );
        let certified = sol.marginal_error + sol.truncation_bound + sol.product_error;
        assert!(
            mass_err <= certified.max(1e-12) * 1.001 + 1e-12,
            "case d {d} n {n}: row masses off by {mass_err:e}"
        );
    }
}

/// A warm start from the potentials of a translated problem (a barycentre's iterate after a
/// step) gives the cold start's answer without the coarse stages, on both paths.
#[test]
fn warm_start_from_a_translated_problem() {
    for (n, eps) in [(2100usize, 2e-2), (1500, 2e-3)] {
        let plane = Euclidean::new(2).unwrap();
        let nu = plane.uniform(cloud(82, n, 2)).unwrap();
        let x0 = cloud(81, n, 2);
        let moved: Vec<f64> = x0.iter().enumerate().map(|(t, x)| x + [0.8, 0.3][t % 2]).collect();
        let (mu0, mu1) = (plane.uniform(x0).unwrap(), plane.uniform(moved).unwrap());
        let solver = MultiscaleSinkhorn::new(eps).tolerance(1e-7);
        let project = |mu: &kantorovich_core::DiscreteMeasure<Euclidean>, warm: Option<(&[f64], &[f64])>| {
            let cost = PointCloudCost::new(mu, &nu, &SquaredEuclidean).unwrap().unwrap();
            solver
                .project_cloud_from(mu.weights(), nu.weights(), &cost, warm)
                .unwrap()
        };
        let (_, first) = project(&mu0, None);
        let (cold_solution, cold) = project(&mu1, None);
        let (f, g) = first.warm_start.as_ref().unwrap();
        let (warm_solution, warm) = project(&mu1, Some((f, g)));
        assert!(cold_solution.coarse_iterations > 0 && warm_solution.coarse_iterations == 0);
        assert!(
            (cold.cost - warm.cost).abs() <= 1e-6 * cold.cost,
            "n {n}: {} vs {}",
            cold.cost,
            warm.cost
        );
        let gap = cold
            .means
            .iter()
            .zip(&warm.means)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(gap < 1e-4, "n {n}: projections differ by {gap:e}");
        // a hint that does not fit is ignored
        let (ignored, _) = project(&mu1, Some((&f[1..], g)));
        assert!(ignored.coarse_iterations > 0);
        // a start far off still gives the answer (cold, if the warm iterations run out)
        let wild: Vec<f64> = f.iter().enumerate().map(|(i, v)| v + 50.0 * (i % 7) as f64).collect();
        let (_, from_wild) = project(&mu1, Some((&wild, g)));
        assert!((from_wild.cost - cold.cost).abs() <= 1e-6 * cold.cost, "n {n}");
    }
    // another cost form: the warm start is taken as it is (no moved gauge) and changes nothing
    let (x, y) = (cloud(83, 600, 2), cloud(84, 500, 2));
    let form = CoordinateCost::PNormPower { p: 1.5, q: 1.5 };
    let cost = PointCloudCost::from_coordinates(2, form, &x, &y).unwrap();
    let (a, b) = (vec![1.0 / 600.0; 600], vec![1.0 / 500.0; 500]);
    let solver = MultiscaleSinkhorn::new(5e-3).tolerance(1e-8);
    let (cold_solution, cold) = solver.project_cloud(&a, &b, &cost).unwrap();
    let (f, g) = cold.warm_start.as_ref().unwrap();
    assert_eq!((f, g), (&cold_solution.f, &cold_solution.g));
    let (warm_solution, warm) = solver.project_cloud_from(&a, &b, &cost, Some((f, g))).unwrap();
    assert_eq!(warm_solution.coarse_iterations, 0);
    assert!((warm.cost - cold.cost).abs() <= 1e-7 * cold.cost);
}

/// The clusters of the solver's tree: at most the count asked for, each holding its points (every
/// point in some box), the leaves at most `leaf_size` points; a space without flat coordinates
/// is an error.
#[test]
fn clusters_cover_the_points() {
    let plane = Euclidean::new(2).unwrap();
    let points = cloud(5, 1000, 2);
    let mu = plane.uniform(points.clone()).unwrap();
    for (leaf, count) in [(64usize, 16usize), (64, usize::MAX), (8, usize::MAX), (64, 1)] {
        let boxes = MultiscaleSinkhorn::new(1e-3)
            .leaf_size(leaf)
            .clusters(&mu, count)
            .unwrap();
        assert!(!boxes.is_empty() && boxes.len() <= count);
        let inside = |p: &[f64], (lo, hi): &(Vec<f64>, Vec<f64>)| (0..2).all(|k| lo[k] <= p[k] && p[k] <= hi[k]);
        let mut per_box = vec![0usize; boxes.len()];
        for p in points.chunks(2) {
            let first = boxes.iter().position(|b| inside(p, b)).expect("every point in a box");
            per_box[first] += 1;
        }
        if count == usize::MAX {
            // boxes may touch on a median, so a point can sit on two: count each once, in the first
            assert!(per_box.iter().all(|&c| c <= 2 * leaf), "{per_box:?}");
            assert!(boxes.len() >= 1000 / leaf);
        }
    }
    let g = Gaussian::new(1).unwrap();
    let gm = g.uniform(&[0.0, 1.0], &[1.0, 2.0]).unwrap();
    let err = MultiscaleSinkhorn::new(0.1).clusters(&gm, 4).unwrap_err();
    assert!(err.to_string().contains("flat coordinates"), "{err}");
}

/// Law of the plan-free projections (random clouds of 1 to 300 points, d = 1 to 3, zero weights,
/// the columns moved by up to 2, small leaves): against the full plan of the returned
/// potentials, entry by entry, the projections are within their reported bound and the row
/// masses within the certified marginal error; a warm start from the solve's own gauge gives the
/// same projections.
#[test]
fn projections_law() {
    fn prop(seed: u64) -> TestResult {
        let mut rng = SplitMix64(seed);
        let d = 1 + rng.below(3);
        let (n, m) = (1 + rng.below(300), 1 + rng.below(300));
        let offset = 2.0 * rng.uniform();
        let x = cloud(seed ^ 3, n, d);
        let y: Vec<f64> = cloud(seed ^ 4, m, d).iter().map(|v| v + offset).collect();
        let mut a: Vec<f64> = (0..n).map(|_| 0.2 + rng.uniform()).collect();
        let b: Vec<f64> = (0..m).map(|_| 0.2 + rng.uniform()).collect();
        if n > 1 && rng.below(2) == 0 {
            a[rng.below(n)] = 0.0;
        }
        let ratio = b.iter().sum::<f64>() / a.iter().sum::<f64>();
        a.iter_mut().for_each(|w| *w *= ratio);
        let cost = PointCloudCost::from_coordinates(d, CoordinateCost::SquaredEuclidean, &x, &y).unwrap();
        let eps = 10f64.powf(-1.0 - 2.0 * rng.uniform()) * d as f64;
        let solver = MultiscaleSinkhorn::new(eps)
            .tolerance(1e-8)
            .leaf_size(1 + rng.below(16))
            .coarse_size(1 + rng.below(40));
        let (sol, proj) = match solver.project_cloud(&a, &b, &cost) {
            Ok(r) => r,
            Err(e) => return TestResult::error(format!("{e}")),
        };
        let (mut weighted, mut total, mut mass_err) = (0.0, 0.0, 0.0);
        for (i, &ai) in a.iter().enumerate() {
            let (mut r, mut s) = (0.0, vec![0.0; d]);
            for (j, &bj) in b.iter().enumerate() {
                let p = ai * bj * ((sol.f[i] + sol.g[j] - cost.cost(i, j)) / eps).exp();
                r += p;
                s.iter_mut().zip(&y[j * d..(j + 1) * d]).for_each(|(s, y)| *s += p * y);
            }
            mass_err += (proj.row_mass[i] - r).abs();
            if ai > 0.0 {
                let gap = (0..d)
                    .map(|k| (proj.means[i * d + k] - s[k] / r).abs())
                    .fold(0.0, f64::max);
                weighted += proj.row_mass[i] * gap;
                total += proj.row_mass[i];
            }
        }
        let mass: f64 = a.iter().sum();
        let scale = 1.0 + offset + 1.0;
        if weighted / total > proj.error * (1.0 + 1e-6) + 1e-12 * scale {
            return TestResult::error(format!(
                "projection error {:e} > bound {:e}",
                weighted / total,
                proj.error
            ));
        }
        let certified = (sol.marginal_error + sol.truncation_bound + sol.product_error) * mass;
        if mass_err > certified * 1.001 + 1e-12 * mass {
            return TestResult::error(format!("row masses off by {mass_err:e} > {certified:e}"));
        }
        let (f, g) = proj.warm_start.as_ref().unwrap();
        let (_, again) = solver.project_cloud_from(&a, &b, &cost, Some((f, g))).unwrap();
        let moved = proj
            .means
            .iter()
            .zip(&again.means)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max);
        if moved > 1e-6 * scale {
            return TestResult::error(format!("the warm start moved the projections by {moved:e}"));
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(60)
        .min_tests_passed(60)
        .quickcheck(prop as fn(u64) -> TestResult);
}
