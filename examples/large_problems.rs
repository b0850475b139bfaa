//! The pictures of the book's chapter "Large problems".
//!
//! 1. `cluster_hierarchy.svg`: the k-d clusters that `MultiscaleSinkhorn` builds on 5,000
//!    uniform points of the unit square: a cut of its tree with 16 clusters, its leaves (at most
//!    64 points: the blocks of the truncated kernel, and at this size also the clusters of the
//!    coarse problem, which takes up to 2048), and the leaves of a finer tree (8 points).
//! 2. `time_vs_n.svg`: solve time against n for each path and for GeomLoss, log-log, from the
//!    measurements in `book/src/data/time_vs_n.csv` (written by `scripts/time_vs_n.sh`).
//!
//! Both go to the folder given as first argument (default `out/`).
//!
//! ```text
//! cargo run --release --example large_problems [out-dir] [time_vs_n.csv]
//! ```

use kantorovich::ot::MultiscaleSinkhorn;
use kantorovich::prelude::*;
use kantorovich_testkit::cloud;
use plotters::prelude::*;
use std::error::Error;
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(args.first().map_or("out", String::as_str));
    let csv = PathBuf::from(args.get(1).map_or("book/src/data/time_vs_n.csv", String::as_str));
    std::fs::create_dir_all(&out)?;

    let plane = Euclidean::new(2)?;
    let points = cloud(1, 5_000, 2);
    let mu = plane.uniform(points.clone())?;
    let levels = [
        ("16 clusters", MultiscaleSinkhorn::new(1e-3).clusters(&mu, 16)?),
        (
            "the leaves (at most 64 points)",
            MultiscaleSinkhorn::new(1e-3).clusters(&mu, usize::MAX)?,
        ),
        (
            "leaves of at most 8 points",
            MultiscaleSinkhorn::new(1e-3).leaf_size(8).clusters(&mu, usize::MAX)?,
        ),
    ];
    let path = out.join("cluster_hierarchy.svg");
    draw_clusters(&path, &points, &levels)?;
    println!("wrote {}", path.display());

    match std::fs::read_to_string(&csv) {
        Ok(text) => {
            let path = out.join("time_vs_n.svg");
            draw_times(&path, &text)?;
            println!("wrote {}", path.display());
        }
        Err(e) => println!(
            "no time plot: cannot read {} ({e}); run scripts/time_vs_n.sh",
            csv.display()
        ),
    }
    Ok(())
}

type Boxes = Vec<kantorovich::ot::ClusterBox>;

/// Three panels, one per level: a sample of the points in grey and the clusters' bounding boxes.
fn draw_clusters(path: &Path, points: &[f64], levels: &[(&str, Boxes)]) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (1500, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(
        "The k-d cluster hierarchy of MultiscaleSinkhorn (5,000 uniform points)",
        ("sans-serif", 24),
    )?;
    let grey = RGBColor(170, 170, 170);
    for (panel, (title, boxes)) in root.split_evenly((1, levels.len())).iter().zip(levels) {
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("{title}: {} boxes", boxes.len()), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("x_1")
            .y_desc("x_2")
            .draw()?;
        // every fifth point: enough to show the density without hiding the boxes
        chart.draw_series(
            points
                .chunks(2)
                .step_by(5)
                .map(|p| Circle::new((p[0], p[1]), 1, grey.filled())),
        )?;
        chart.draw_series(
            boxes
                .iter()
                .map(|(lo, hi)| Rectangle::new([(lo[0], lo[1]), (hi[0], hi[1])], BLUE.mix(0.8).stroke_width(1))),
        )?;
    }
    root.present()?;
    Ok(())
}

/// Time against n, log-log, one line per path (rows `path,n,seconds` of the CSV).
fn draw_times(path: &Path, csv: &str) -> Result<(), Box<dyn Error>> {
    let mut series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.rsplitn(3, ',').collect();
        let [seconds, n, name] = fields[..] else {
            return Err(format!("bad line in the timing file: {line}").into());
        };
        let point = (n.parse::<f64>()?, seconds.parse::<f64>()?);
        match series.iter_mut().find(|(s, _)| s == name) {
            Some((_, points)) => points.push(point),
            None => series.push((name.to_string(), vec![point])),
        }
    }
    let all = series.iter().flat_map(|(_, p)| p.iter());
    let (t_lo, t_hi) = all.fold((f64::INFINITY, 0.0f64), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let n_hi = series
        .iter()
        .flat_map(|(_, p)| p.iter())
        .fold(0.0f64, |m, p| m.max(p.0));
    let root = SVGBackend::new(path, (900, 620)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Entropic OT of n vs n uniform points, eps = 1e-3 max C, L1 marginal error 1e-3",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d((500.0..n_hi * 1.5).log_scale(), (t_lo / 2.0..t_hi * 2.0).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("n = m (points per cloud)")
        .y_desc("time (s), 2 cores")
        .x_label_formatter(&|x| format!("{x:.0e}"))
        .y_label_formatter(&|y| format!("{y:.0e}"))
        .draw()?;
    let colours = [BLUE, RED, RGBColor(0, 140, 0), RGBColor(200, 120, 0), MAGENTA];
    for ((name, points), colour) in series.iter().zip(colours.iter().cycle()) {
        let colour = *colour;
        chart
            .draw_series(LineSeries::new(points.iter().copied(), colour.stroke_width(2)))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, colour.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
