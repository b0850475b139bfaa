//! Times the multiscale entropic solver on n = m uniform points of [0,1]^d (`cloud(1, n, d)` vs
//! `cloud(2, n, d)`, uniform weights, |x - y|^2, eps = REL x max C), and prints what it
//! certifies and the peak resident memory (Linux). With `check`, also solves the same problem
//! with dense Sinkhorn on `PointCloudCost` (tolerance 1e-9) and prints the difference. With
//! `WRITE_POTENTIALS=DIR` in the environment, writes f and g for the `potential_check` example;
//! with `NO_GRID=1`, keeps the solver off grid products (truncated kernel only).
//!
//! ```text
//! cargo run --release -p kantorovich-ot --example multiscale_timing -- N REL [TOL] [D] [check]
//! cargo run --release -p kantorovich-ot --example multiscale_timing -- 100000 1e-3 1e-3
//! ```

use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::{CostBackend, MultiscaleSinkhorn, PointCloudCost, Sinkhorn};
use kantorovich_testkit::cloud;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(Ok(10_000), |s| s.parse())?;
    let rel: f64 = args.get(2).map_or(Ok(1e-2), |s| s.parse())?;
    let tol: f64 = args.get(3).map_or(Ok(1e-6), |s| s.parse())?;
    let d: usize = args.get(4).map_or(Ok(2), |s| s.parse())?;
    let check = args.iter().any(|a| a == "check");
    let space = Euclidean::new(d)?;
    let mu = space.uniform(cloud(1, n, d))?;
    let nu = space.uniform(cloud(2, n, d))?;
    // eps relative to the true max C (one pass; not part of the timed solve)
    let cost = PointCloudCost::new(&mu, &nu, &SquaredEuclidean)?.ok_or("no point cloud")?;
    // MAX_C=value skips the computation (for profiling; the value printed by an earlier run)
    let known: Option<f64> = std::env::var("MAX_C").ok().and_then(|s| s.parse().ok());
    let max_c = known.unwrap_or_else(|| max_cost(&cost, mu.points(), nu.points(), d));
    let eps = rel * max_c;
    let t = Instant::now();
    // NO_GRID=1 keeps the solver on the truncated kernel
    let grid = std::env::var_os("NO_GRID").is_none();
    // LEAF=k sets the leaf size (the default otherwise)
    let mut solver = MultiscaleSinkhorn::new(eps).tolerance(tol).grid_products(grid);
    if let Some(leaf) = std::env::var("LEAF").ok().and_then(|s| s.parse().ok()) {
        solver = solver.leaf_size(leaf);
    }
    // COARSE=k sets the coarse problem's size (the default otherwise)
    if let Some(k) = std::env::var("COARSE").ok().and_then(|s| s.parse().ok()) {
        solver = solver.coarse_size(k);
    }
    // TRUNCATION=t sets the truncation threshold (the default otherwise)
    if let Some(t) = std::env::var("TRUNCATION").ok().and_then(|s| s.parse().ok()) {
        solver = solver.truncation(t);
    }
    let sol = solver.solve(&mu, &nu, &SquaredEuclidean)?;
    let time = t.elapsed().as_secs_f64();
    println!(
        "multiscale n={n} d={d} eps={rel:e}*max = {eps:e}: {time:.3} s, coarse iterations {}, iterations {}, truncations {}, \
         kept {:.4} of n m, grid nodes {}, error {:.2e}, truncation bound {:.2e}, product error {:.2e}, {:?}, T_eps {:.12}, dual {:.12}, <C,P> {:.12}",
        sol.coarse_iterations,
        sol.iterations,
        sol.truncations,
        sol.kept_entries as f64 / (n as f64 * n as f64),
        sol.grid_nodes,
        sol.marginal_error,
        sol.truncation_bound,
        sol.product_error,
        sol.stop_reason,
        sol.entropic_cost,
        sol.dual_value,
        sol.transport_cost
    );
    println!("peak resident memory: {}", kantorovich_testkit::peak_resident_memory());
    // WRITE_POTENTIALS=DIR writes f and g (raw little-endian f64) for the potential_check example
    if let Some(dir) = std::env::var_os("WRITE_POTENTIALS") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir)?;
        for (name, values) in [("f.bin", &sol.f), ("g.bin", &sol.g)] {
            let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            std::fs::write(dir.join(name), bytes)?;
        }
    }
    if check {
        let t = Instant::now();
        let dense =
            Sinkhorn::new(eps)
                .tolerance(1e-9)
                .max_iterations(100_000)
                .solve(mu.weights(), nu.weights(), &cost)?;
        println!(
            "dense: {:.3} s, error {:.2e}, T_eps {:.12}; relative difference {:.2e}",
            t.elapsed().as_secs_f64(),
            dense.marginal_error,
            dense.entropic_cost,
            (sol.entropic_cost - dense.entropic_cost).abs() / dense.entropic_cost
        );
    }
    Ok(())
}

/// max_ij |x_i - y_j|^2 exactly: in 2-D over the convex hull of the x (the farthest point of
/// a set from any y is a hull vertex), otherwise by one pass over all pairs.
fn max_cost(cost: &PointCloudCost, x: &[f64], y: &[f64], d: usize) -> f64 {
    let n = x.len() / d;
    if d == 2 {
        let mut pts: Vec<(f64, f64)> = x.chunks_exact(2).map(|p| (p[0], p[1])).collect();
        pts.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
        let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
        let mut hull: Vec<(f64, f64)> = Vec::new();
        for pass in 0..2 {
            let start = hull.len();
            let iter: Box<dyn Iterator<Item = &(f64, f64)>> = if pass == 0 {
                Box::new(pts.iter())
            } else {
                Box::new(pts.iter().rev())
            };
            for &p in iter {
                while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
                    hull.pop();
                }
                hull.push(p);
            }
            hull.pop();
        }
        return y
            .chunks_exact(2)
            .map(|q| {
                hull.iter()
                    .map(|h| (h.0 - q[0]).powi(2) + (h.1 - q[1]).powi(2))
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max);
    }
    (0..n)
        .map(|i| {
            let mut row = vec![0.0; y.len() / d];
            cost.fill_row(i, 0, &mut row);
            row.into_iter().fold(0.0, f64::max)
        })
        .fold(0.0, f64::max)
}
