//! Cold and warm-started solves along a sequence of slowly moving clouds, as in a barycentre
//! iteration: n uniform points x = cloud(20, n, 2) move towards y = cloud(10, n, 2) by a
//! fraction `STEP` of the way at each step (the weights stay uniform), and each step is solved
//! cold and from the optimal plan of the previous step. Prints the pivots and times of both and
//! checks that the costs agree.
//!
//! `cargo run --release -p kantorovich-ot --example warm_start -- 200 1000`

use kantorovich_core::CostMatrix;
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::NetworkSimplex;
use std::time::Instant;

use kantorovich_testkit::cloud;

/// The fraction of the way to the target the points move at each step.
const STEP: f64 = 0.02;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let sizes = if args.is_empty() { vec![200, 1000] } else { args };
    let plane = Euclidean::new(2)?;
    let solver = NetworkSimplex::default();
    for n in sizes {
        let target = cloud(10, n, 2);
        let nu = plane.uniform(target.clone())?;
        let mut xs = cloud(20, n, 2);
        let mut hint = None;
        let (mut cold_time, mut warm_time) = (0.0, 0.0);
        println!("n = {n}");
        for step in 0..10 {
            let mu = plane.uniform(xs.clone())?;
            let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean)?;
            let t = Instant::now();
            let cold = solver.solve(mu.weights(), nu.weights(), &cost)?;
            let tc = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let warm = match &hint {
                Some(h) => solver.solve_with_hint(mu.weights(), nu.weights(), &cost, h)?,
                None => cold.clone(),
            };
            let tw = if hint.is_some() { t.elapsed().as_secs_f64() } else { tc };
            assert!((warm.cost - cold.cost).abs() <= 1e-12 * cold.cost);
            println!(
                "  step {step}: cold {:6} pivots {:8.3} ms   warm {:6} pivots {:8.3} ms   cost {:.12}",
                cold.iterations,
                tc * 1e3,
                warm.iterations,
                tw * 1e3,
                warm.cost
            );
            cold_time += tc;
            warm_time += tw;
            for (x, y) in xs.iter_mut().zip(&target) {
                *x += STEP * (y - *x);
            }
            hint = Some(warm.plan);
        }
        println!(
            "  total: cold {:.3} ms, warm {:.3} ms",
            cold_time * 1e3,
            warm_time * 1e3
        );
    }
    Ok(())
}
