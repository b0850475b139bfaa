//! A measure of the plane recovered from its projections onto four circles (the non-linear
//! generalised barycentre of Tanguy, Delon and Gozlan, arXiv 2501.04016).
//!
//! A hidden measure mu* (a cross of 80 points around the origin) is observed through the
//! projections P_k onto four circles of radius 1.5 centred at (+-3, 0) and (0, +-3): nu_k = P_k # mu*.
//! The barycentre problem with the costs c_k(x, y) = |P_k(x) - y|^2 and equal weights has V = 0 at
//! mu* (and at every measure with the same four projections). G starts from 80 points drawn
//! uniformly in [-2, 2]^2 and runs 8 steps.
//!
//! Prints V, the support size and the time of each step; writes `circle_projections.svg` (the
//! targets on their circles and the iterates 0, 1, 2 and the last, then V by iteration on a log
//! scale) into the folder given as first argument (default `out/`).
//!
//! ```text
//! cargo run --release --example circle_projections [out-dir]
//! ```

use kantorovich::geometry::{Circle, CircleProjections};
use kantorovich::prelude::*;
use kantorovich::DiscreteMeasure;
use kantorovich_testkit::{shapes, SplitMix64};
use plotters::prelude::*;
use std::error::Error;
use std::path::Path;
use std::time::Instant;

/// Points of the hidden measure and of the start.
const N: usize = 80;
/// Steps of G.
const STEPS: usize = 8;

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = std::env::args().nth(1).unwrap_or_else(|| "out".into());
    std::fs::create_dir_all(&out_dir)?;
    let plane = Euclidean::new(2)?;
    let circles: Vec<Circle> = [[3.0, 0.0], [0.0, 3.0], [-3.0, 0.0], [0.0, -3.0]]
        .iter()
        .map(|&o| Circle::new(o, 1.5))
        .collect::<Result<_, _>>()?;
    let mut rng = SplitMix64(7);
    // the hidden measure: a cross scaled by 0.9, shifted off-centre so that no view is symmetric
    let hidden: Vec<f64> = shapes::cross(&mut rng, N, [0.0, 0.0])
        .chunks(2)
        .flat_map(|p| [0.9 * p[0] + 0.3, 0.9 * p[1] + 0.2])
        .collect();
    let targets = circles
        .iter()
        .map(|c| {
            let projected: Vec<f64> = hidden.chunks(2).flat_map(|p| c.project(p)).collect();
            plane.uniform(projected)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ground = CircleProjections::new(circles.clone())?;
    let problem = BarycenterProblem::new(plane, targets, vec![0.25; 4], ground)?;
    let solver = NetworkSimplex::default();

    let start: Vec<f64> = (0..2 * N).map(|_| 4.0 * rng.uniform() - 2.0).collect();
    let mut mu = plane.uniform(start)?;
    let mut iterates = vec![mu.clone()];
    let mut values = vec![problem.objective(&mu, &solver)?];
    let hidden_v = problem.objective(&plane.uniform(hidden.clone())?, &solver)?;
    println!("V(mu*) = {hidden_v:.3e} (the hidden measure)");
    println!("step {:>2}: V = {:.6e}, {:>5} atoms", 0, values[0], mu.len());
    let g = FixedPointG::default();
    let total = Instant::now();
    for step in 1..=STEPS {
        let clock = Instant::now();
        mu = g.step(&problem, &mu)?;
        let seconds = clock.elapsed().as_secs_f64();
        let v = problem.objective(&mu, &solver)?;
        println!("step {step:>2}: V = {v:.6e}, {:>5} atoms, {seconds:.3} s", mu.len());
        values.push(v);
        iterates.push(mu.clone());
    }
    println!("{STEPS} steps of G in {:.2} s", total.elapsed().as_secs_f64());

    let path = Path::new(&out_dir).join("circle_projections.svg");
    draw(&path, &circles, &problem, &hidden, &iterates, &values)?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Five panels: the hidden measure, then iterates 0, 1, 2 and the last (with the targets on their
/// circles, in grey), then V by iteration on a log scale.
fn draw(
    path: &Path,
    circles: &[Circle],
    problem: &BarycenterProblem<Euclidean, Euclidean, CircleProjections>,
    hidden: &[f64],
    iterates: &[DiscreteMeasure<Euclidean>],
    values: &[f64],
) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1500, 620)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(330);
    let panels = top.split_evenly((1, 5));
    let last = iterates.len() - 1;
    let shown = [(None, "hidden mu*".to_string())]
        .into_iter()
        .chain([0, 1, 2, last].map(|t| (Some(t), format!("iterate {t}: V = {:.2e}", values[t]))));
    let grey = RGBColor(150, 150, 150);
    let blue = RGBColor(20, 40, 160);
    for (panel, (which, caption)) in panels.iter().zip(shown) {
        let mut chart = ChartBuilder::on(panel)
            .margin(6)
            .caption(caption, ("sans-serif", 15))
            .build_cartesian_2d(-4.6..4.6, -4.6..4.6)?;
        for c in circles {
            let [ox, oy] = c.centre();
            chart.draw_series(LineSeries::new(
                (0..=100).map(|t| {
                    let a = std::f64::consts::TAU * t as f64 / 100.0;
                    (ox + c.radius() * a.cos(), oy + c.radius() * a.sin())
                }),
                grey.mix(0.6),
            ))?;
        }
        for nu in problem.measures() {
            chart.draw_series(
                nu.iter()
                    .map(|(p, _)| plotters::element::Circle::new((p[0], p[1]), 2, grey.filled())),
            )?;
        }
        match which {
            None => {
                chart.draw_series(
                    hidden
                        .chunks(2)
                        .map(|p| plotters::element::Circle::new((p[0], p[1]), 2, RGBColor(0, 120, 0).filled())),
                )?;
            }
            Some(t) => {
                let mu = &iterates[t];
                let n = N as f64;
                chart.draw_series(mu.iter().filter(|(_, w)| *w > 0.0).map(|(p, w)| {
                    let radius = (2.0 * (w * n).sqrt()).clamp(1.0, 6.0);
                    let alpha = (0.25 + 0.6 * (w * n).sqrt()).min(0.9);
                    plotters::element::Circle::new((p[0], p[1]), radius.round() as i32, blue.mix(alpha).filled())
                }))?;
            }
        }
    }
    let floor = values
        .iter()
        .copied()
        .filter(|v| *v > 0.0)
        .fold(f64::INFINITY, f64::min);
    let mut chart = ChartBuilder::on(&bottom)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .caption("V(G^t mu_0) by iteration t", ("sans-serif", 15))
        .build_cartesian_2d(
            0.0..(values.len() - 1) as f64,
            (floor / 2.0..values[0] * 2.0).log_scale(),
        )?;
    chart.configure_mesh().x_desc("iteration").y_desc("V").draw()?;
    chart.draw_series(LineSeries::new(
        values.iter().enumerate().map(|(t, v)| (t as f64, v.max(floor))),
        blue,
    ))?;
    chart.draw_series(
        values
            .iter()
            .enumerate()
            .map(|(t, v)| plotters::element::Circle::new((t as f64, v.max(floor)), 3, blue.filled())),
    )?;
    root.present()?;
    Ok(())
}
