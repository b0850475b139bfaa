//! An animation strip of the displacement interpolation mu_t from a ring around (0, 0) to a
//! cross around (6, 0) (`kantorovich_testkit::shapes`, 150 points each, uniform weights), for
//! t in {0, 1/4, 1/2, 3/4, 1}:
//!
//! - top row: along the optimal plan of the network simplex (squared Euclidean cost), a
//!   constant-speed W2 geodesic; the example checks W2(mu_s, mu_t) = |t - s| W2(mu_0, mu_1) on
//!   consecutive frames;
//! - bottom row: along the Sinkhorn plan at eps = 0.5 (about 1% of the largest cost): the
//!   curve is blurred, and sqrt(<C, P_eps>) overestimates W2.
//!
//! Writes `geodesic_strip.svg` into the folder given as first argument (default `out/`).
//!
//! ```text
//! cargo run --release --example geodesic_strip [out-dir]
//! ```

use kantorovich::prelude::*;
use kantorovich::{CostMatrix, DiscreteMeasure, DisplacementInterpolation};
use kantorovich_testkit::{shapes, SplitMix64};
use plotters::prelude::*;
use std::error::Error;
use std::path::Path;

const N: usize = 150;
const TIMES: [f64; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];
const EPS: f64 = 0.5;

fn w2(mu: &DiscreteMeasure<Euclidean>, nu: &DiscreteMeasure<Euclidean>) -> Result<f64, kantorovich::Error> {
    let cost = CostMatrix::between(mu, nu, &SquaredEuclidean)?;
    Ok(NetworkSimplex::default()
        .solve(mu.weights(), nu.weights(), &cost)?
        .cost
        .max(0.0)
        .sqrt())
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "out".into());
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;

    let plane = Euclidean::new(2)?;
    let mut rng = SplitMix64(2025);
    let mu = plane.uniform(shapes::ring(&mut rng, N, [0.0, 0.0]))?;
    let nu = plane.uniform(shapes::cross(&mut rng, N, [6.0, 0.0]))?;

    let exact = DisplacementInterpolation::from_coupling(&mu, &nu, &NetworkSimplex::default(), &SquaredEuclidean)?;
    let blurred = DisplacementInterpolation::from_coupling(&mu, &nu, &Sinkhorn::new(EPS), &SquaredEuclidean)?;
    let exact_frames = TIMES.iter().map(|&t| exact.at(t)).collect::<Result<Vec<_>, _>>()?;
    let blurred_frames = TIMES.iter().map(|&t| blurred.at(t)).collect::<Result<Vec<_>, _>>()?;

    let w = w2(&mu, &nu)?;
    println!("W2(mu, nu) = {w:.6}");
    for (k, pair) in exact_frames.windows(2).enumerate() {
        let step = w2(&pair[0], &pair[1])?;
        println!(
            "exact:    W2(mu_{}, mu_{}) = {step:.6}  (|t - s| W2 = {:.6})",
            TIMES[k],
            TIMES[k + 1],
            0.25 * w
        );
    }
    let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean)?;
    let length: f64 = blurred
        .plan()
        .iter()
        .map(|(i, j, m)| m * cost.get(i, j))
        .sum::<f64>()
        .sqrt();
    println!("entropic (eps = {EPS}): sqrt(<C, P_eps>) = {length:.6} >= W2 = {w:.6}");
    for (k, frame) in blurred_frames.iter().enumerate() {
        println!(
            "entropic: W2(mu_{t}^eps, mu_{t}) = {:.6}",
            w2(frame, &exact_frames[k])?,
            t = TIMES[k]
        );
    }

    let svg = out.join("geodesic_strip.svg");
    draw(&svg, &exact_frames, &blurred_frames)?;
    println!("wrote {}", svg.display());
    Ok(())
}

/// Side of a histogram bin of the entropic frames.
const BIN: f64 = 0.04;

/// The mass of `mu` in the square bins of side [`BIN`] of the panel [cx - 1.4, cx + 1.4] x
/// [-1.4, 1.4]: (lower-left corner x, y, mass) of each non-empty bin.
fn histogram(mu: &DiscreteMeasure<Euclidean>, cx: f64) -> Vec<(f64, f64, f64)> {
    let side = (2.8 / BIN).round() as usize;
    let (x0, y0) = (cx - 1.4, -1.4);
    let mut mass = vec![0.0; side * side];
    for (p, w) in mu.iter() {
        let (u, v) = ((p[0] - x0) / BIN, (p[1] - y0) / BIN);
        if u >= 0.0 && v >= 0.0 && (u as usize) < side && (v as usize) < side {
            mass[u as usize * side + v as usize] += w;
        }
    }
    (0..side * side)
        .filter(|&k| mass[k] > 0.0)
        .map(|k| ((k / side) as f64 * BIN + x0, (k % side) as f64 * BIN + y0, mass[k]))
        .collect()
}

/// Two rows of five panels (exact on top, entropic below); disc area proportional to the weight
/// for the exact frames, binned mass for the entropic ones (N^2 atoms), darker where heavier.
fn draw(
    path: &Path,
    exact: &[DiscreteMeasure<Euclidean>],
    blurred: &[DiscreteMeasure<Euclidean>],
) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1500, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(320);
    for (row, frames, entropic) in [(top, exact, false), (bottom, blurred, true)] {
        for (k, (panel, mu)) in row.split_evenly((1, TIMES.len())).iter().zip(frames).enumerate() {
            let caption = if entropic {
                format!("entropic, t = {}", TIMES[k])
            } else {
                format!("exact, t = {}", TIMES[k])
            };
            let mut chart = ChartBuilder::on(panel)
                .caption(caption, ("sans-serif", 18))
                .margin(10)
                .build_cartesian_2d(6.0 * TIMES[k] - 1.4..6.0 * TIMES[k] + 1.4, -1.4..1.4)?;
            if entropic {
                // N^2 atoms: draw their mass binned on a grid, darker where heavier
                let bins = histogram(mu, 6.0 * TIMES[k]);
                let top = bins.iter().map(|b| b.2).fold(0.0, f64::max);
                chart.draw_series(bins.iter().map(|&(x, y, m)| {
                    Rectangle::new([(x, y), (x + BIN, y + BIN)], BLUE.mix((m / top).sqrt()).filled())
                }))?;
            } else {
                chart.draw_series(mu.iter().map(|(p, w)| {
                    let radius = (3.0 * (w * N as f64).sqrt()).max(1.0) as i32;
                    Circle::new((p[0], p[1]), radius, RED.mix(0.7).filled())
                }))?;
            }
        }
    }
    root.present()?;
    Ok(())
}
