//! Entropic barycentres of three 2-D point clouds (a ring, a square outline and a cross, drawn as
//! in `three_clouds` but with 60 points each), for the squared Euclidean cost and equal weights.
//!
//! - the exact barycentre, with G and H on network-simplex couplings;
//! - H_eps (barycentric projections of Sinkhorn couplings) for eps = 10^-3, 10^-2 and 10^-1
//!   times the largest cost;
//! - G_eps (glued Sinkhorn couplings) at the smallest eps, truncated at three mass thresholds.
//!   Exact gluing would make 60 * 60^3 atoms per step at any eps; at the two larger eps the plans
//!   are so spread that a threshold low enough to keep most of the mass keeps hundreds of
//!   thousands of atoms, so G_eps is not run there.
//!
//! Prints V (exact couplings) or V_eps (entropic couplings) per iteration with timings, then a
//! summary with the exact V of every result. Writes `entropic_barycenters.csv` (columns method,
//! eps, tau, x, y, weight) and `entropic_barycenters.svg` (top row H, bottom row G) into the
//! folder given as first argument (default `out/`).
//!
//! ```text
//! cargo run --release --example entropic_barycenters [out-dir]
//! ```

use kantorovich::prelude::*;
use kantorovich::{BarycenterError, BarycenterResult, CostMatrix, DiscreteMeasure};
use kantorovich_testkit::shapes;
use plotters::prelude::*;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// Points per cloud.
const N: usize = 60;
/// eps / (largest cost) for H_eps; G_eps runs at the first (smallest) one.
const RELATIVE_EPS: [f64; 3] = [1e-3, 1e-2, 1e-1];
/// Truncation thresholds of G_eps: glued atoms lighter than tau are dropped.
const THRESHOLDS: [f64; 3] = [1e-4, 1e-5, 1e-6];
/// Fixed-point steps at most.
const STEPS: usize = 20;

type Problem = BarycenterProblem<Euclidean, Euclidean, SquaredEuclidean>;

/// One barycentre computed by one method.
struct Run {
    /// "G", "H", "G_eps" or "H_eps".
    method: &'static str,
    /// The regularisation (0 for the exact methods).
    eps: f64,
    /// The truncation threshold (G_eps only, else 0).
    tau: f64,
    result: BarycenterResult<Euclidean>,
    /// The exact V of the result.
    exact_v: f64,
    seconds: f64,
}

impl Run {
    fn label(&self) -> String {
        match self.method {
            "G_eps" => format!("G_eps, eps = {:.3}, tau = {:.0e}", self.eps, self.tau),
            "H_eps" => format!("H_eps, eps = {:.3}", self.eps),
            other => format!("{other} (exact couplings)"),
        }
    }
}

/// Runs `solve`, timing it, computes the exact V of its result and prints the trace.
fn timed(
    method: &'static str,
    eps: f64,
    tau: f64,
    problem: &Problem,
    solve: impl FnOnce() -> Result<BarycenterResult<Euclidean>, BarycenterError>,
) -> Result<Run, kantorovich::Error> {
    let start = Instant::now();
    let result = solve()?;
    let seconds = start.elapsed().as_secs_f64();
    let exact_v = exact_objective(problem, &result.measure)?;
    let run = Run {
        method,
        eps,
        tau,
        result,
        exact_v,
        seconds,
    };
    report(&run);
    Ok(run)
}

fn report(run: &Run) {
    let value = if run.eps > 0.0 { "V_eps" } else { "V" };
    println!("{}:", run.label());
    for r in &run.result.trace {
        print!(
            "  iteration {:>2}  {value} = {:>12.8}  support = {:>6}  {:>8.1} ms",
            r.iteration,
            r.objective,
            r.support_size,
            r.elapsed.as_secs_f64() * 1e3
        );
        if run.tau > 0.0 && r.iteration > 0 {
            print!("  dropped mass = {:.2e}", r.dropped_mass);
        }
        println!();
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out".into());
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;
    let clock = Instant::now();

    let plane = Euclidean::new(2)?;
    let clouds = shapes::ring_square_cross(N);
    let measures = clouds
        .iter()
        .map(|c| plane.uniform(c.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let problem = BarycenterProblem::new(plane, measures, vec![1.0 / 3.0; 3], SquaredEuclidean)?;
    let init = problem.default_init();
    // eps is relative to the largest cost between the start (the ring) and the targets
    let mut max_cost: f64 = 0.0;
    for nu in problem.measures() {
        max_cost = max_cost.max(CostMatrix::between(&init, nu, &SquaredEuclidean)?.max());
    }
    println!("3 clouds of {N} points, largest cost {max_cost:.3}\n");

    let mut runs = Vec::new();
    runs.push(timed("G", 0.0, 0.0, &problem, || {
        FixedPointG::default()
            .max_iterations(STEPS)
            .solve(&problem, init.clone())
    })?);
    runs.push(timed("H", 0.0, 0.0, &problem, || {
        FixedPointH::default()
            .max_iterations(STEPS)
            .solve(&problem, init.clone())
    })?);
    for rel in RELATIVE_EPS {
        let eps = rel * max_cost;
        // Converged couplings are required: a Sinkhorn run that hits its cap is an error.
        let sinkhorn = Sinkhorn::new(eps).tolerance(1e-8).max_iterations(100_000);
        runs.push(timed("H_eps", eps, 0.0, &problem, || {
            FixedPointH::new(sinkhorn)
                .max_iterations(STEPS)
                .solve(&problem, init.clone())
        })?);
    }
    let eps = RELATIVE_EPS[0] * max_cost;
    let sinkhorn = Sinkhorn::new(eps).tolerance(1e-8).max_iterations(100_000);
    for tau in THRESHOLDS {
        runs.push(timed("G_eps", eps, tau, &problem, || {
            FixedPointGEps::new(sinkhorn)
                .mass_threshold(tau)
                .max_iterations(STEPS)
                .solve(&problem, init.clone())
        })?);
    }

    println!("\nsummary (V* = {:.8}, the exact V of G):", runs[0].exact_v);
    println!(
        "  {:<36} {:>5} {:>12} {:>12} {:>7} {:>8}",
        "method", "steps", "best V_eps", "its V", "atoms", "seconds"
    );
    for run in &runs {
        let v_eps = if run.eps > 0.0 {
            format!("{:.6}", run.result.objective)
        } else {
            "-".into()
        };
        println!(
            "  {:<36} {:>5} {:>12} {:>12.6} {:>7} {:>8.3}",
            run.label(),
            run.result.iterations,
            v_eps,
            run.exact_v,
            run.result.measure.support_size(),
            run.seconds
        );
    }

    let csv = out.join("entropic_barycenters.csv");
    write_csv(&csv, &runs)?;
    let svg = out.join("entropic_barycenters.svg");
    draw(&svg, &clouds, &runs)?;
    println!(
        "\nwrote {} and {} ({:.1} s in all)",
        csv.display(),
        svg.display(),
        clock.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The exact V(mu) = sum_k lambda_k T(mu, nu_k). The cost is symmetric, so T(mu, nu_k) is solved
/// as T(nu_k, mu): the network simplex is several times faster with the short side as rows, and
/// a G_eps iterate has thousands of atoms against 60.
fn exact_objective(problem: &Problem, mu: &DiscreteMeasure<Euclidean>) -> Result<f64, kantorovich::Error> {
    let values = problem
        .measures()
        .par_iter()
        .zip(problem.lambdas())
        .map(|(nu, lambda)| {
            let cost = CostMatrix::between(nu, mu, &SquaredEuclidean)?;
            let solution = NetworkSimplex::default().solve(nu.weights(), mu.weights(), &cost)?;
            Ok(lambda * solution.cost)
        })
        .collect::<Result<Vec<f64>, kantorovich::Error>>()?;
    Ok(values.iter().sum())
}

fn write_csv(path: &Path, runs: &[Run]) -> std::io::Result<()> {
    let mut text = String::from("method,eps,tau,x,y,weight\n");
    for run in runs {
        for (p, w) in run.result.measure.iter().filter(|(_, w)| *w > 0.0) {
            writeln!(text, "{},{},{},{},{},{}", run.method, run.eps, run.tau, p[0], p[1], w)
                .expect("writing to a String cannot fail");
        }
    }
    std::fs::write(path, text)
}

/// The atoms of `mu` summed into square cells of side `cell` (a pixel or two), so that a measure
/// of tens of thousands of atoms draws as a few thousand discs: (centre of mass, weight) per cell.
fn binned(mu: &DiscreteMeasure<Euclidean>, cell: f64) -> Vec<([f64; 2], f64)> {
    let mut cells: BTreeMap<(i64, i64), ([f64; 2], f64)> = BTreeMap::new();
    for (p, w) in mu.iter().filter(|(_, w)| *w > 0.0) {
        let key = ((p[0] / cell).floor() as i64, (p[1] / cell).floor() as i64);
        let entry = cells.entry(key).or_insert(([0.0, 0.0], 0.0));
        entry.0[0] += w * p[0];
        entry.0[1] += w * p[1];
        entry.1 += w;
    }
    let mut atoms: Vec<_> = cells.into_values().map(|(s, w)| ([s[0] / w, s[1] / w], w)).collect();
    // light atoms first, so the heavy ones stay visible on top
    atoms.sort_by(|a, b| a.1.total_cmp(&b.1));
    atoms
}

/// Two rows of four panels: H then H_eps (eps increasing) on top, G then G_eps (tau decreasing)
/// below. Targets in light grey, barycentre in a dark colour: a disc of area proportional to the
/// weight for atoms of weight >= 1 / N, a small dot whose opacity grows with the weight for lighter
/// ones.
fn draw(path: &Path, clouds: &[Vec<f64>], runs: &[Run]) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1400, 760)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((2, 4));
    let order = ["H", "H_eps", "G", "G_eps"];
    let mut ordered: Vec<&Run> = runs.iter().collect();
    ordered.sort_by_key(|r| order.iter().position(|m| *m == r.method));
    let light = RGBColor(200, 200, 200);
    let (x_range, y_range) = (-4.3..4.3, -1.6..5.6);
    for (panel, run) in panels.iter().zip(ordered) {
        let colour = if run.method.starts_with('H') {
            RGBColor(180, 30, 30)
        } else {
            RGBColor(20, 40, 160)
        };
        let caption = if run.eps > 0.0 {
            format!(
                "{}: V_eps {:.3}, V {:.3}",
                run.label(),
                run.result.objective,
                run.exact_v
            )
        } else {
            format!("{}: V {:.3}", run.label(), run.exact_v)
        };
        let mut chart = ChartBuilder::on(panel)
            .margin(8)
            .caption(caption, ("sans-serif", 14))
            .build_cartesian_2d(x_range.clone(), y_range.clone())?;
        for cloud in clouds {
            chart.draw_series(cloud.chunks(2).map(|p| Circle::new((p[0], p[1]), 2, light.filled())))?;
        }
        // cells of about two pixels
        let cell = (x_range.end - x_range.start) / 165.0;
        chart.draw_series(binned(&run.result.measure, cell).into_iter().map(|(p, w)| {
            let scaled = w * N as f64;
            let (radius, alpha) = if scaled >= 1.0 - 1e-9 {
                (2.5 * scaled.sqrt(), 0.85)
            } else {
                (1.5, 0.1 + 0.75 * scaled.sqrt())
            };
            Circle::new((p[0], p[1]), radius.round() as i32, colour.mix(alpha).filled())
        }))?;
    }
    root.present()?;
    Ok(())
}
