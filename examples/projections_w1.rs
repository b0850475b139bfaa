//! A measure on R^3 recovered from three 2-D views, with the W1 projection costs
//! c_k(x, y) = |P_k x - y| (generalised barycentre, Delon, Gozlan and Saint-Dizier 2021; the
//! experiment of Tanguy, Delon and Gozlan, arXiv 2501.04016).
//!
//! A trefoil knot in R^3 is observed through the three coordinate projections P_1 = (x, y),
//! P_2 = (y, z), P_3 = (x, z), each view an independent sample of N points. The barycentre
//! problem with equal weights,
//!
//! ```text
//! min over mu on R^3 of  V(mu) = (1/3) sum_k W_1(P_k # mu, nu_k),
//! ```
//!
//! is solved with the iteration G (exact couplings, ground barycentre `LinearProjectionsW1`),
//! started from the (x, y) view lifted to the plane z = 0. Glued atoms of mass below 1e-9 are
//! dropped (`mass_threshold`): rounding dust of the exact couplings, see `DUST`. For comparison the same problem is
//! solved with the squared costs |P_k x - y|^2 (`LinearProjections`, closed-form ground
//! barycentre) from the same start.
//!
//! Prints V per iteration with timings, then writes `projections_w1.svg` into the folder given as
//! first argument (default `out/`): the three views of the result (colour) over the targets
//! (grey), and an oblique view of the result in R^3 over the knot it was sampled from.
//!
//! ```text
//! cargo run --release --example projections_w1 [out-dir]
//! ```

use kantorovich::prelude::*;
use kantorovich::{BarycenterResult, DiscreteMeasure, IterationRecord};
use kantorovich_testkit::{shapes3d, SplitMix64};
use plotters::prelude::*;
use std::error::Error;
use std::path::Path;
use std::time::Instant;

/// Points per view.
const N: usize = 300;
/// Fixed-point steps at most.
const STEPS: usize = 30;
/// Glued atoms lighter than this (relative) are dropped: the normalised uniform weights differ
/// in their last bits, so exact couplings split off masses of 1e-45 to 1e-10 that would
/// otherwise multiply the support by ten without changing V.
const DUST: f64 = 1e-9;
/// The coordinates each view keeps, and their names.
const VIEWS: [([usize; 2], &str); 3] = [([0, 1], "(x, y)"), ([1, 2], "(y, z)"), ([0, 2], "(x, z)")];

fn print_record(r: &IterationRecord) {
    println!(
        "  iteration {:>2}  V = {:.8}  support = {:>4}  dropped mass = {:.1e}  {:>7.1} ms",
        r.iteration,
        r.objective,
        r.support_size,
        r.dropped_mass,
        r.elapsed.as_secs_f64() * 1e3
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out".into());
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;
    let clock = Instant::now();

    let space = Euclidean::new(3)?;
    let maps = VIEWS
        .iter()
        .map(|(c, _)| LinearMap::coordinates(3, c))
        .collect::<Result<Vec<_>, _>>()?;
    // three independent samples of the knot, each seen through its own projection
    let mut rng = SplitMix64(2025);
    let mut targets = Vec::new();
    for map in &maps {
        let sample = space.uniform(shapes3d::trefoil(&mut rng, N, 0.01))?;
        targets.push(map.image(&sample)?);
    }
    let knot = space.uniform(shapes3d::trefoil(&mut rng, 2000, 0.0))?;
    let lambdas = vec![1.0 / 3.0; 3];
    // the targets live in R^2, the barycentre in R^3: start from the (x, y) view lifted to z = 0
    let init = maps[0].lift(&targets[0])?;

    println!("W1 costs |P_k x - y|, G with exact couplings ({N} points per view):");
    let w1 = BarycenterProblem::new(
        space,
        targets.clone(),
        lambdas.clone(),
        LinearProjectionsW1::new(maps.clone())?,
    )?;
    let start = Instant::now();
    let result = FixedPointG::default()
        .max_iterations(STEPS)
        .tolerance(1e-6)
        .mass_threshold(DUST)
        .solve_observed(&w1, init.clone(), print_record)?;
    let w1_seconds = start.elapsed().as_secs_f64();
    summary("W1", &result, w1_seconds);

    println!("\nsquared costs |P_k x - y|^2, same start:");
    let squared = BarycenterProblem::new(space, targets.clone(), lambdas, LinearProjections::new(maps.clone())?)?;
    let start = Instant::now();
    let result_sq = FixedPointG::default()
        .max_iterations(STEPS)
        .tolerance(1e-6)
        .mass_threshold(DUST)
        .solve_observed(&squared, init, print_record)?;
    summary("squared", &result_sq, start.elapsed().as_secs_f64());
    // the W1 objective of the squared-cost barycentre, for comparison
    let v_cross = w1.objective(&result_sq.measure, &NetworkSimplex::default())?;
    println!(
        "  its W1 objective V = {v_cross:.6} (the W1 barycentre has {:.6})",
        result.objective
    );
    // the knot itself, sampled afresh: what V would be for the measure the views came from
    let truth = space.uniform(shapes3d::trefoil(&mut rng, N, 0.01))?;
    let v_truth = w1.objective(&truth, &NetworkSimplex::default())?;
    println!("  a fresh sample of {N} points of the knot has W1 objective V = {v_truth:.6}");

    let svg = out.join("projections_w1.svg");
    draw(&svg, &maps, &targets, &result.measure, &knot)?;
    println!(
        "\nwrote {} ({:.1} s in all)",
        svg.display(),
        clock.elapsed().as_secs_f64()
    );
    Ok(())
}

fn summary(name: &str, result: &BarycenterResult<Euclidean>, seconds: f64) {
    println!(
        "  {name}: best V = {:.8} after {} steps ({}), {} atoms, {:.3} s",
        result.objective,
        result.iterations,
        result.stop_reason,
        result.measure.support_size(),
        seconds
    );
}

/// Four panels: the three views of the result (colour) over the targets (grey), and an oblique
/// view of the result over the knot (grey).
fn draw(
    path: &Path,
    maps: &[LinearMap],
    targets: &[DiscreteMeasure<Euclidean>],
    result: &DiscreteMeasure<Euclidean>,
    knot: &DiscreteMeasure<Euclidean>,
) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1000, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((2, 2));
    let light = RGBColor(190, 190, 190);
    let colour = RGBColor(20, 40, 160);
    let range = -1.25..1.25;
    for (k, (map, target)) in maps.iter().zip(targets).enumerate() {
        let seen = map.image(result)?;
        let mut chart = ChartBuilder::on(&panels[k])
            .margin(10)
            .caption(
                format!(
                    "view {}: target (grey), barycentre seen through P_{} (blue)",
                    VIEWS[k].1,
                    k + 1
                ),
                ("sans-serif", 15),
            )
            .build_cartesian_2d(range.clone(), range.clone())?;
        chart.draw_series(
            target
                .points()
                .chunks(2)
                .map(|p| Circle::new((p[0], p[1]), 3, light.filled())),
        )?;
        chart.draw_series(seen.iter().map(|(p, w)| {
            let radius = (2.0 * (w * N as f64).sqrt()).clamp(1.0, 6.0);
            Circle::new((p[0], p[1]), radius.round() as i32, colour.mix(0.8).filled())
        }))?;
    }
    // oblique view: (u, v) = (x - 0.5 z, y - 0.35 z)
    let oblique = LinearMap::new(2, 3, vec![1.0, 0.0, -0.5, 0.0, 1.0, -0.35])?;
    let mut chart = ChartBuilder::on(&panels[3])
        .margin(10)
        .caption(
            "the barycentre in R^3 (blue) and the knot (grey), oblique view",
            ("sans-serif", 15),
        )
        .build_cartesian_2d(-1.5..1.5, -1.5..1.5)?;
    let knot_seen = oblique.image(knot)?;
    chart.draw_series(
        knot_seen
            .points()
            .chunks(2)
            .map(|p| Circle::new((p[0], p[1]), 1, light.filled())),
    )?;
    let seen = oblique.image(result)?;
    chart.draw_series(
        seen.points()
            .chunks(2)
            .map(|p| Circle::new((p[0], p[1]), 2, colour.mix(0.8).filled())),
    )?;
    root.present()?;
    Ok(())
}
