//! Timing of H_eps on the multiscale coupling at 10^5 points (issue 19): three uniform clouds
//! of the unit square shifted by (0, 0), (1, 0.5), (0.5, 1), weights 1/3, the squared
//! Euclidean cost, from a fourth uniform cloud; eps = REL x 2 (2 = max C on the unit square).
//! Prints each iterate's V_eps as it is evaluated, then the total time and peak memory. With
//! `G_EPS_STEP=TAU`, times one step of G_eps instead (sparse plans of the multiscale solver,
//! glued with the North-West-corner rule, then with the product, truncated at TAU) and prints
//! the support it makes.
//!
//!   cargo run --release -p kantorovich-barycenter --example large_h_eps -- N REL TOL STEPS
use kantorovich_barycenter::{BarycenterProblem, FixedPointGEps, FixedPointH, Gluing};
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::MultiscaleSinkhorn;
use kantorovich_testkit::{cloud, peak_resident_memory};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_string());
    let n: usize = arg(0, "100000").parse()?;
    let rel: f64 = arg(1, "1e-2").parse()?;
    let tol: f64 = arg(2, "1e-3").parse()?;
    let steps: usize = arg(3, "10").parse()?;
    let plane = Euclidean::new(2)?;
    let offsets = [[0.0, 0.0], [1.0, 0.5], [0.5, 1.0]];
    let measures = offsets
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let mut points = cloud(k as u64 + 1, n, 2);
            points.chunks_mut(2).for_each(|p| {
                p[0] += t[0];
                p[1] += t[1];
            });
            plane.uniform(points)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let problem = BarycenterProblem::new(plane, measures, vec![1.0 / 3.0; 3], SquaredEuclidean)?;
    let init = plane.uniform(cloud(4, n, 2))?;
    let eps = rel * 2.0;
    if std::env::var("DIAG").is_ok() {
        for nu in problem.measures() {
            let t = Instant::now();
            let s = MultiscaleSinkhorn::new(eps)
                .tolerance(tol)
                .solve(&init, nu, &SquaredEuclidean)?;
            println!(
                "{:.2} s: grid {} kept {} it {} coarse {} trunc {} err {:e} {:e} {:e} {:?}",
                t.elapsed().as_secs_f64(),
                s.grid_nodes,
                s.kept_entries,
                s.iterations,
                s.coarse_iterations,
                s.truncations,
                s.marginal_error,
                s.product_error,
                s.truncation_bound,
                s.stop_reason
            );
        }
    }
    if let Some(tau) = std::env::var("G_EPS_STEP").ok().and_then(|s| s.parse::<f64>().ok()) {
        // one step of G_eps on the sparse plans instead: its support with each gluing
        for gluing in [Gluing::NorthWest, Gluing::Product] {
            let t = Instant::now();
            let g = FixedPointGEps::new(MultiscaleSinkhorn::new(eps).tolerance(tol))
                .gluing(gluing)
                .mass_threshold(tau)
                .max_support(200_000_000);
            match g.next_iterate(&problem, &init) {
                Ok(next) => println!(
                    "G_eps step, {gluing:?} gluing, n = {n} x 3, eps {eps:e}, tau {tau:e}: {:.2} s, {} atoms, dropped {:.2e}, peak memory {}",
                    t.elapsed().as_secs_f64(),
                    next.measure.len(),
                    next.dropped_mass,
                    peak_resident_memory()
                ),
                Err(e) => println!("G_eps step, {gluing:?} gluing: {e} ({:.2} s)", t.elapsed().as_secs_f64()),
            }
        }
        return Ok(());
    }
    let solver = FixedPointH::new(MultiscaleSinkhorn::new(eps).tolerance(tol))
        .max_iterations(steps)
        .tolerance(f64::NEG_INFINITY);
    let start = Instant::now();
    let result = solver.solve_observed(&problem, init, |r| {
        println!(
            "  iterate {:>2}: V_eps = {:.10}  at {:.2} s",
            r.iteration,
            r.objective,
            r.elapsed.as_secs_f64()
        )
    })?;
    let seconds = start.elapsed().as_secs_f64();
    // WRITE_POINTS=FILE: the returned iterate's points as raw float64, for scripts/pot_h_eps.py
    // (the iterate of least V_eps: the last one when V_eps decreases at every step)
    if let Some(path) = std::env::var_os("WRITE_POINTS") {
        let bytes: Vec<u8> = result.measure.points().iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(path, bytes)?;
    }
    println!(
        "H_eps n = {n} x 3, REL {rel:e} (eps {eps:e}), tolerance {tol:e}: {} steps in {seconds:.2} s, V_eps {:.10}, {:?}, peak memory {}",
        result.iterations,
        result.objective,
        result.stop_reason,
        peak_resident_memory()
    );
    Ok(())
}
