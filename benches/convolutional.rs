//! Convolutional barycentres of three images (ring, square, cross) at eps = 0.004 on the unit
//! square (POT's `plot_convolutional_barycenter` example's `reg`), 64^2 to 512^2.
//!
//! Both sides run the same fixed number of iterations (`ITERATIONS`, tolerance 0, from the same
//! first iterate), so the times compare the same work and the barycentres can be compared entry
//! by entry. The instances and our barycentres are exported to target/convolutional_bench/ for
//! scripts/pot_convolutional_bench.py. 64^2 to 256^2 are criterion benchmarks; 512^2 takes
//! seconds per solve, so it is a plain timed run (best of 3) printed by this binary.
//!
//! ```sh
//! cargo bench --bench convolutional -- --warm-up-time 1 --measurement-time 5
//! python3 scripts/pot_convolutional_bench.py
//! ```

use criterion::{criterion_group, Criterion};
use kantorovich::{ConvolutionalBarycenter, Grid};
use std::io::Write;
use std::time::Instant;

/// POT's example: `reg = 0.004` on linspace(0, 1, n) per axis.
const EPS: f64 = 0.004;
/// Iterations per solve on both sides (see the BENCHMARKS section for how many convergence takes).
const ITERATIONS: usize = 100;
const SIZES: [usize; 4] = [64, 128, 256, 512];

/// Ring, filled square and cross on an n x n image (unit coordinates), each of mass 1.
fn shapes(n: usize) -> [Vec<f64>; 3] {
    let t = |i: usize| i as f64 / (n - 1) as f64;
    let draw = |inside: &dyn Fn(f64, f64) -> bool| -> Vec<f64> {
        let img: Vec<f64> = (0..n * n)
            .map(|k| if inside(t(k / n), t(k % n)) { 1.0 } else { 0.0 })
            .collect();
        let total: f64 = img.iter().sum();
        img.iter().map(|m| m / total).collect()
    };
    let ring = draw(&|y, x| {
        let r = ((x - 0.5).powi(2) + (y - 0.5).powi(2)).sqrt();
        (0.22..=0.34).contains(&r)
    });
    let square = draw(&|y, x| (x - 0.5).abs() <= 0.2 && (y - 0.5).abs() <= 0.2);
    let cross = draw(&|y, x| {
        let (dx, dy) = ((x - 0.5).abs(), (y - 0.5).abs());
        (dx <= 0.06 && dy <= 0.35) || (dy <= 0.06 && dx <= 0.35)
    });
    [ring, square, cross]
}

fn export(path: &std::path::Path, values: &[f64]) {
    let mut file = std::fs::File::create(path).expect("create bench export");
    for v in values {
        file.write_all(&v.to_le_bytes()).expect("write bench export");
    }
}

fn solver() -> ConvolutionalBarycenter {
    ConvolutionalBarycenter::new(EPS)
        .tolerance(0.0)
        .max_iterations(ITERATIONS)
}

const WEIGHTS: [f64; 3] = [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0];

fn bench(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/convolutional_bench");
    std::fs::create_dir_all(&dir).expect("create target/convolutional_bench");
    let mut group = c.benchmark_group("convolutional");
    group.sample_size(10);
    // CONV_BENCH_SIZES=512 (a comma-separated list) runs only those sizes
    let only: Option<Vec<usize>> = std::env::var("CONV_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|t| t.trim().parse().ok()).collect());
    for n in SIZES
        .into_iter()
        .filter(|n| only.as_ref().is_none_or(|o| o.contains(n)))
    {
        let grid = Grid::unit_square(n, n).expect("grid");
        let inputs = shapes(n);
        let result = solver().solve(&grid, &inputs, &WEIGHTS).expect("solve");
        for (k, input) in inputs.iter().enumerate() {
            export(&dir.join(format!("input_{n}_{k}.f64")), input);
        }
        export(&dir.join(format!("ours_{n}.f64")), &result.barycenter);
        if n <= 256 {
            group.bench_function(format!("eps0.004_{ITERATIONS}it_{n}x{n}_3inputs"), |b| {
                b.iter(|| solver().solve(&grid, &inputs, &WEIGHTS).expect("solve"))
            });
        } else {
            let best = (0..3)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(solver().solve(&grid, &inputs, &WEIGHTS).expect("solve"));
                    start.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min);
            println!("convolutional/eps0.004_{ITERATIONS}it_{n}x{n}_3inputs (plain timing, best of 3): {best:.3} s");
        }
        // how long convergence takes: marginal error 1e-6 (L1, masses 1)
        if std::env::var_os("CONV_BENCH_CONVERGE").is_some() {
            let start = Instant::now();
            let r = ConvolutionalBarycenter::new(EPS)
                .tolerance(1e-6)
                .max_iterations(100_000)
                .solve(&grid, &inputs, &WEIGHTS);
            let r = r.expect("solve");
            println!(
                "converge {n}x{n}: {} iterations to error {:.2e} ({}), {:.3} s",
                r.iterations,
                r.error,
                r.converged,
                start.elapsed().as_secs_f64()
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
