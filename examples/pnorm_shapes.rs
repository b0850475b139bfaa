//! The barycentre of three 2-D shapes (a ring, a square outline and a cross, 60 points each, drawn
//! as in `entropic_barycenters`) for the p-norm cost c(x, y) = |x - y|_p^q with p = q = 1.5 and
//! equal weights, by the iteration G on exact couplings, after the experiment of Tanguy, Delon and
//! Gozlan (arXiv 2501.04016).
//!
//! Starts from the ring, prints V, the support size and timings for each iteration until V stops
//! decreasing (at most 20 steps), then pictures the iterates 0, 1, 2 and the last one in
//! `pnorm_shapes.svg`, and writes `pnorm_shapes.csv` (columns iteration, x, y, weight), in the
//! folder given as first argument (default `out/`). p and q can be given as second and third
//! arguments.
//!
//! ```text
//! cargo run --release --example pnorm_shapes [out-dir [p [q]]]
//! ```

use kantorovich::prelude::*;
use kantorovich::DiscreteMeasure;
use kantorovich_testkit::shapes;
use plotters::prelude::*;
use std::error::Error;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// Points per shape.
const N: usize = 60;
/// Fixed-point steps at most.
const STEPS: usize = 20;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "out".into());
    let p: f64 = args.next().map_or(Ok(1.5), |a| a.parse())?;
    let q: f64 = args.next().map_or(Ok(p), |a| a.parse())?;
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;
    let clock = Instant::now();

    let plane = Euclidean::new(2)?;
    let clouds = shapes::ring_square_cross(N);
    let measures = clouds
        .iter()
        .map(|c| plane.uniform(c.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let cost = PNorm::new(p, q)?;
    let problem = BarycenterProblem::new(plane, measures, vec![1.0 / 3.0; 3], cost)?;
    let solver = NetworkSimplex::default();
    let g = FixedPointG::default();

    println!(
        "3 shapes of {N} points, c(x, y) = |x - y|_{p}^{q}, delta factor kappa = {:.4}, ground barycentre \
         tolerance {:e} (relative gap)",
        cost.delta_factor(),
        cost.tolerance()
    );
    // mu_{t+1} = G(mu_t), from the ring, until V stops decreasing
    let mut iterates = vec![problem.default_init()];
    let mut values = vec![problem.objective(&iterates[0], &solver)?];
    println!(
        "  iteration  0  V = {:.10}  support = {:>5}",
        values[0],
        iterates[0].support_size()
    );
    for t in 1..=STEPS {
        let start = Instant::now();
        let next = g.step(&problem, &iterates[t - 1])?;
        let step = start.elapsed().as_secs_f64();
        let v = problem.objective(&next, &solver)?;
        // T_delta(mu_{t-1}, mu_t): the decrease G guarantees, V(mu_{t-1}) - V(mu_t) >= T_delta
        let t_delta = solver.couple(&iterates[t - 1], &next, &problem.delta_cost())?.cost();
        println!(
            "  iteration {t:>2}  V = {v:.10}  support = {:>5}  step {:>6.1} ms  V(mu_t-1) - V(mu_t) = {:.3e}, T_delta = {:.3e}",
            next.support_size(),
            step * 1e3,
            values[t - 1] - v,
            t_delta
        );
        let stalled = v >= values[t - 1] - 1e-12 * values[t - 1];
        iterates.push(next);
        values.push(v);
        if stalled {
            break;
        }
    }

    let csv = out.join("pnorm_shapes.csv");
    let mut text = String::from("iteration,x,y,weight\n");
    for (t, mu) in iterates.iter().enumerate() {
        for (x, w) in mu.iter() {
            writeln!(text, "{t},{},{},{w}", x[0], x[1]).expect("writing to a String cannot fail");
        }
    }
    std::fs::write(&csv, text)?;
    let svg = out.join("pnorm_shapes.svg");
    let last = iterates.len() - 1;
    let panels: Vec<(usize, &DiscreteMeasure<Euclidean>)> = [0, 1, 2, last]
        .into_iter()
        .filter(|&t| t <= last)
        .map(|t| (t, &iterates[t]))
        .collect();
    draw(&svg, &clouds, &panels, &values, p, q)?;
    println!(
        "wrote {} and {} ({:.2} s in all)",
        csv.display(),
        svg.display(),
        clock.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One panel per iterate: the three shapes in light grey, the iterate in blue, disc area
/// proportional to the weight (a disc of radius 2.5 px for weight 1 / N).
fn draw(
    path: &Path,
    clouds: &[Vec<f64>],
    panels: &[(usize, &DiscreteMeasure<Euclidean>)],
    values: &[f64],
    p: f64,
    q: f64,
) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (350 * panels.len() as u32, 360)).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((1, panels.len()));
    let light = RGBColor(200, 200, 200);
    let blue = RGBColor(20, 40, 160);
    let label = if p == q {
        format!("p = q = {p}")
    } else {
        format!("p = {p}, q = {q}")
    };
    for (area, &(t, mu)) in areas.iter().zip(panels) {
        let caption = format!("{label}: iteration {t}, V = {:.4}", values[t]);
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .caption(caption, ("sans-serif", 14))
            .build_cartesian_2d(-4.3..4.3, -1.6..5.6)?;
        for cloud in clouds {
            chart.draw_series(cloud.chunks(2).map(|c| Circle::new((c[0], c[1]), 2, light.filled())))?;
        }
        chart.draw_series(mu.iter().filter(|(_, w)| *w > 0.0).map(|(x, w)| {
            let radius = (2.5 * (w * N as f64).sqrt()).max(1.0);
            Circle::new((x[0], x[1]), radius.round() as i32, blue.mix(0.8).filled())
        }))?;
    }
    root.present()?;
    Ok(())
}
