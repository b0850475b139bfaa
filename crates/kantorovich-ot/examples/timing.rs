//! Times the network simplex on n = m uniform points of [0,1)^2 with the squared Euclidean cost
//! (the instances of the workspace benchmark and of scripts/pot_bench.py: x = cloud(1, n, 2),
//! y = cloud(2, n, 2), uniform weights) and checks the optimality certificate.
//!
//! `cargo run --release -p kantorovich-ot --example timing -- 1000 2000 5000`

use kantorovich_core::CostMatrix;
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::NetworkSimplex;
use std::time::Instant;

use kantorovich_testkit::cloud;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let sizes = if args.is_empty() { vec![1000, 2000, 5000] } else { args };
    let repetitions: usize = std::env::var("REPS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let plane = Euclidean::new(2)?;
    for n in sizes {
        let mu = plane.uniform(cloud(1, n, 2))?;
        let nu = plane.uniform(cloud(2, n, 2))?;
        let t = Instant::now();
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean)?;
        let build = t.elapsed().as_secs_f64();
        let solver = NetworkSimplex::default();
        let mut best = f64::INFINITY;
        let mut sol = None;
        for _ in 0..repetitions {
            let t = Instant::now();
            let s = solver.solve(mu.weights(), nu.weights(), &cost)?;
            best = best.min(t.elapsed().as_secs_f64());
            sol = Some(s);
        }
        let sol = sol.expect("at least one repetition");
        // certificate
        let (a, b) = (mu.weights(), nu.weights());
        let mut worst_rc: f64 = 0.0;
        for i in 0..n {
            for j in 0..n {
                worst_rc = worst_rc.min(cost.get(i, j) - sol.f[i] - sol.g[j]);
            }
        }
        let gap = (sol.dual_value(a, b) - sol.cost).abs();
        println!(
            "n={n:5}  solve {best:8.4} s (best of {repetitions})  cost matrix {build:.4} s  pivots {:8}  \
             cost {:.12}  nnz {}  marginal err {:.1e}  min rc {:.1e}  gap {:.1e}",
            sol.iterations,
            sol.cost,
            sol.plan.nnz(),
            sol.plan.marginal_error(a, b),
            worst_rc,
            gap
        );
    }
    Ok(())
}
