//! The barycentre of three 2-D point clouds (a ring, a square outline and a cross) with the
//! iterations G and H, for the squared Euclidean cost and equal weights.
//!
//! Prints V per iteration, then writes `barycenter_g.csv`, `barycenter_h.csv` (columns x, y,
//! weight) and `three_clouds.svg` (G left, H right) into the folder given as first argument
//! (default `out/`).
//!
//! ```text
//! cargo run --release --example three_clouds [out-dir]
//! ```

use kantorovich::prelude::*;
use kantorovich::{BarycenterResult, DiscreteMeasure};
use kantorovich_testkit::shapes;
use plotters::prelude::*;
use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;

const N: usize = 150;

fn write_csv(path: &Path, mu: &DiscreteMeasure<Euclidean>) -> std::io::Result<()> {
    let mut text = String::from("x,y,weight\n");
    for (p, w) in mu.iter() {
        writeln!(text, "{},{},{}", p[0], p[1], w).expect("writing to a String cannot fail");
    }
    std::fs::write(path, text)
}

fn report(name: &str, result: &BarycenterResult<Euclidean>) {
    println!("{name}:");
    for r in &result.trace {
        println!(
            "  iteration {:>2}  V = {:.10}  support = {:>5}  {:>8.1} ms",
            r.iteration,
            r.objective,
            r.support_size,
            r.elapsed.as_secs_f64() * 1e3
        );
    }
    println!("  stopped: {}, best V = {:.10}", result.stop_reason, result.objective);
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out".into());
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;

    let plane = Euclidean::new(2)?;
    let clouds = shapes::ring_square_cross(N);
    let measures = clouds
        .iter()
        .map(|c| plane.uniform(c.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let problem = BarycenterProblem::new(plane, measures, vec![1.0 / 3.0; 3], SquaredEuclidean)?;

    let g = FixedPointG::default()
        .max_iterations(20)
        .solve(&problem, problem.default_init())?;
    report("G (glued exact couplings)", &g);
    let h = FixedPointH::default()
        .max_iterations(20)
        .solve(&problem, problem.default_init())?;
    report("H (barycentric projections)", &h);

    write_csv(&out.join("barycenter_g.csv"), &g.measure)?;
    write_csv(&out.join("barycenter_h.csv"), &h.measure)?;
    let svg = out.join("three_clouds.svg");
    draw(&svg, &clouds, &g.measure, &h.measure)?;
    println!("wrote {}", svg.display());
    Ok(())
}

/// Two panels, G on the left and H on the right: the three inputs in grey and the barycentre
/// in colour, disc area proportional to the weight.
fn draw(
    path: &Path,
    clouds: &[Vec<f64>],
    g: &DiscreteMeasure<Euclidean>,
    h: &DiscreteMeasure<Euclidean>,
) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1200, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, 2));
    let grey = RGBColor(160, 160, 160);
    for (panel, (mu, colour)) in panels.iter().zip([(g, BLUE), (h, RED)]) {
        let mut chart = ChartBuilder::on(panel)
            .margin(20)
            .build_cartesian_2d(-4.5..4.5, -2.5..6.5)?;
        for cloud in clouds {
            chart.draw_series(cloud.chunks(2).map(|p| Circle::new((p[0], p[1]), 2, grey.filled())))?;
        }
        let n = mu.support_size() as f64;
        chart.draw_series(mu.iter().map(|(p, w)| {
            let radius = (2.5 * (w * n).sqrt()).max(1.0) as i32;
            Circle::new((p[0], p[1]), radius, colour.mix(0.7).filled())
        }))?;
    }
    root.present()?;
    Ok(())
}
