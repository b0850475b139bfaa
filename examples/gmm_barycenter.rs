//! The barycentre of three Gaussian mixtures in the plane for the mixture distance MW2
//! (Delon and Desolneux 2020): measures on the Gaussian space with the cost W2^2 between
//! components, equal weights 1/3.
//!
//! - G (glued couplings pushed by the Gaussian barycentre), which decreases
//!   V(mu) = sum_k lambda_k MW2^2(mu, nu_k) at every step;
//! - H (barycentric projections of the couplings, averaging means and covariances linearly), a
//!   heuristic on this space.
//!
//! Prints V per iteration with timings and writes `gmm_barycenter.svg` into the folder given as
//! first argument (default `out/`): the three mixtures and each barycentre drawn as ellipses
//! (2-sigma contours, {x : (x - m)^T S^-1 (x - m) = 4}), filled with an opacity that grows with
//! the component's weight.
//!
//! ```text
//! cargo run --release --example gmm_barycenter [out-dir]
//! ```

use kantorovich::gmm::{mixture_wasserstein_squared, Gmm, GmmBarycenterProblem};
use kantorovich::prelude::*;
use kantorovich::{BarycenterResult, GaussianPoint, IterationRecord};
use kantorovich_testkit::mixtures;
use plotters::prelude::*;
use std::error::Error;
use std::f64::consts::PI;
use std::path::Path;
use std::time::Instant;

/// Fixed-point steps at most.
const STEPS: usize = 50;

fn report(name: &str, result: &BarycenterResult<Gaussian>, seconds: f64) {
    println!("{name}:");
    for r in &result.trace {
        print_record(r);
    }
    println!(
        "  best V = {:.6} after {} steps ({}), {} components, {:.1} ms",
        result.objective,
        result.iterations,
        result.stop_reason,
        result.measure.support_size(),
        seconds * 1e3
    );
}

fn print_record(r: &IterationRecord) {
    println!(
        "  iteration {:>2}  V = {:>10.6}  components = {:>3}  {:>8.2} ms",
        r.iteration,
        r.objective,
        r.support_size,
        r.elapsed.as_secs_f64() * 1e3
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out".into());
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;
    let clock = Instant::now();

    // 4, 5 and 3 components around (-5, 0), (5, 0) and (0, 7) (kantorovich_testkit::mixtures)
    let plane = Gaussian::new(2)?;
    let mixtures = mixtures::example()
        .into_iter()
        .map(|(means, covs, weights)| plane.measure(&means, &covs, weights))
        .collect::<Result<Vec<Gmm>, _>>()?;
    for (k, a) in mixtures.iter().enumerate() {
        for (l, b) in mixtures.iter().enumerate().skip(k + 1) {
            println!(
                "MW2^2(nu_{}, nu_{}) = {:.4}",
                k + 1,
                l + 1,
                mixture_wasserstein_squared(a, b)?
            );
        }
    }
    let problem = GmmBarycenterProblem::new(plane, mixtures.clone(), vec![1.0 / 3.0; 3], BuresWasserstein::default())?;
    let init = problem.default_init();

    let start = Instant::now();
    let g = FixedPointG::default()
        .max_iterations(STEPS)
        .solve(&problem, init.clone())?;
    let g_seconds = start.elapsed().as_secs_f64();
    report("G (glued couplings)", &g, g_seconds);
    let start = Instant::now();
    let h = FixedPointH::default().max_iterations(STEPS).solve(&problem, init)?;
    let h_seconds = start.elapsed().as_secs_f64();
    report("H (barycentric projections of (m, S))", &h, h_seconds);

    let svg = out.join("gmm_barycenter.svg");
    draw(&svg, &mixtures, &[("G", &g), ("H", &h)])?;
    println!(
        "\nwrote {} ({:.1} s in all)",
        svg.display(),
        clock.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The 2-sigma ellipse of N(m, S): m + 2 L (cos t, sin t), L the Cholesky factor of S.
fn ellipse(p: GaussianPoint<'_>) -> Vec<(f64, f64)> {
    let (m, l) = (p.mean(), p.cholesky());
    (0..=72)
        .map(|i| {
            let t = 2.0 * PI * i as f64 / 72.0;
            let (u, v) = (2.0 * t.cos(), 2.0 * t.sin());
            (m[0] + l[0] * u, m[1] + l[2] * u + l[3] * v)
        })
        .collect()
}

/// Draws the components of `mu` in `colour`, with fill opacity proportional to weight / max weight.
fn draw_mixture<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    mu: &Gmm,
    colour: RGBColor,
) -> Result<(), Box<dyn Error>>
where
    DB::ErrorType: 'static,
{
    let heaviest = mu.weights().iter().copied().fold(0.0, f64::max);
    for (p, w) in mu.iter().filter(|(_, w)| *w > 0.0) {
        let outline = ellipse(p);
        let alpha = 0.08 + 0.5 * w / heaviest;
        chart.draw_series(std::iter::once(Polygon::new(
            outline.clone(),
            colour.mix(alpha).filled(),
        )))?;
        chart.draw_series(std::iter::once(PathElement::new(outline, colour.stroke_width(1))))?;
    }
    Ok(())
}

fn draw(path: &Path, mixtures: &[Gmm], results: &[(&str, &BarycenterResult<Gaussian>)]) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1200, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, results.len()));
    let inputs = [RGBColor(120, 160, 220), RGBColor(230, 150, 90), RGBColor(120, 190, 120)];
    for (panel, (name, result)) in panels.iter().zip(results) {
        let caption = format!(
            "{name}: V = {:.4}, {} components",
            result.objective,
            result.measure.support_size()
        );
        let mut chart = ChartBuilder::on(panel)
            .margin(10)
            .caption(caption, ("sans-serif", 16))
            .build_cartesian_2d(-9.0..9.0, -4.5..11.0)?;
        for (mu, &colour) in mixtures.iter().zip(&inputs) {
            draw_mixture(&mut chart, mu, colour)?;
        }
        draw_mixture(&mut chart, &result.measure, RGBColor(150, 20, 60))?;
    }
    root.present()?;
    Ok(())
}
