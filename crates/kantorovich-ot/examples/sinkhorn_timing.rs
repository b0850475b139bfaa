//! Times Sinkhorn once on n = m uniform points of [0,1]^2 (the benchmark instances: `cloud(1, n,
//! 2)`, `cloud(2, n, 2)`, eps relative to max C, tolerance 1e-6 unless given) with the stored
//! cost matrix (`dense`), the matrix-free `LazyCost` (`lazy`) and/or `PointCloudCost` (`cloud`,
//! costs formed in registers; `both` = dense and lazy, `all` = all three; `kernel` times one
//! reduction pass of each matrix-free back-end),
//! and prints the peak resident memory of the process (Linux):
//!
//! ```text
//! cargo run --release -p kantorovich-ot --example sinkhorn_timing -- N REL [dense|lazy|cloud|both|all|kernel] [TOL]
//! cargo run --release -p kantorovich-ot --example sinkhorn_timing -- 100000 1e-2 lazy
//! ```

use kantorovich_core::CostMatrix;
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::{CostBackend, LazyCost, PointCloudCost, Sinkhorn, SinkhornSolution};
use kantorovich_testkit::cloud;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(Ok(1000), |s| s.parse())?;
    let rel: f64 = args.get(2).map_or(Ok(1e-2), |s| s.parse())?;
    let which = args.get(3).map_or("both", |s| s.as_str());
    let tol: f64 = args.get(4).map_or(Ok(1e-6), |s| s.parse())?;
    let plane = Euclidean::new(2)?;
    let mu = plane.uniform(cloud(1, n, 2))?;
    let nu = plane.uniform(cloud(2, n, 2))?;
    let t = Instant::now();
    let lazy = LazyCost::new(&mu, &nu, &SquaredEuclidean)?;
    let max = lazy.max_abs();
    let check = t.elapsed().as_secs_f64();
    let solver = Sinkhorn::new(rel * max).tolerance(tol).max_iterations(100_000);
    let run = |mode: &str| which == mode || which == "all" || (which == "both" && mode != "cloud");
    // one line per back-end: its time since `start` (with `extra` after it) and the solution
    let report = |label: &str, start: Instant, extra: &str, sol: &SinkhornSolution| {
        println!(
            "{label} n={n} eps={rel:e}*max: {:.3} s{extra}, iterations {} (total {}), error {:.2e}, <C,P> {:.15}, T_eps {:.15}",
            start.elapsed().as_secs_f64(),
            sol.iterations,
            sol.total_iterations,
            sol.marginal_error,
            sol.transport_cost,
            sol.entropic_cost
        );
    };
    if run("dense") {
        let t = Instant::now();
        let matrix = CostMatrix::between(&mu, &nu, &SquaredEuclidean)?;
        let build = t.elapsed().as_secs_f64();
        let sol = solver.solve(mu.weights(), nu.weights(), &matrix)?;
        report("dense", t, &format!(" (build {build:.3} s)"), &sol);
    }
    if run("cloud") {
        let t = Instant::now();
        let cost = PointCloudCost::new(&mu, &nu, &SquaredEuclidean)?.ok_or("no point cloud")?;
        let sol = solver.solve(mu.weights(), nu.weights(), &cost)?;
        report("cloud", t, "", &sol);
    }
    if which == "kernel" {
        // one row log-sum-exp pass (n m kernel entries) per back-end, best of 5, in ns per entry
        // and core (wall time x threads / entries)
        let cloud = PointCloudCost::new(&mu, &nu, &SquaredEuclidean)?.ok_or("no point cloud")?;
        let (u, v, mut out) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let threads = rayon::current_num_threads() as f64;
        let inv_eps = 1.0 / (rel * max);
        let mut time = |backend: &dyn Fn(&mut [f64])| {
            (0..5)
                .map(|_| {
                    let t = Instant::now();
                    backend(&mut out);
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
                * threads
                / (n as f64 * n as f64)
                * 1e9
        };
        let c = time(&|o| cloud.row_log_sum_exp(&u, &v, inv_eps, o));
        let l = time(&|o| lazy.row_log_sum_exp(&u, &v, inv_eps, o));
        println!("kernel n={n}: PointCloudCost {c:.3} ns, LazyCost {l:.3} ns per entry and core ({threads} threads)");
    }
    if run("lazy") {
        let t = Instant::now();
        let sol = solver.solve(mu.weights(), nu.weights(), &lazy)?;
        report("lazy ", t, &format!(" (+ {check:.3} s to build the lazy cost)"), &sol);
    }
    println!("peak resident memory: {}", kantorovich_testkit::peak_resident_memory());
    Ok(())
}
