//! Stress test of the p-norm ground barycentre: for 23 pairs (p, q), `cases` random instances each,
//! reports failures (no certificate within the iteration cap), Newton iterations, the largest
//! certified relative gap, and the worst violation of f(y) >= f(xbar) - gap over 20 points y near
//! xbar (should be at rounding level, ~1e-15).
//!
//! ```text
//! cargo run --release -p kantorovich-geometry --example pnorm_stress [cases [regime]]
//! ```
//!
//! regime 0 (default): d = 1..=4, K = 1..=5, coordinates in [-2, 2] (on the integer grid half of
//! the time), weights in [0.01, 1.01) or 0.05. regime 1: the same moved by offsets up to 1e6 and
//! scaled by 1e-8..1e8 (tests the rounding floor). regime 2: d = 1..=10, K = 1..=25, a third of the
//! weights in [1e-6, 1].

use kantorovich_geometry::PNorm;

/// splitmix64
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

const PAIRS: [(f64, f64); 23] = [
    (1.0, 1.5),
    (1.0, 2.0),
    (1.0, 3.0),
    (1.5, 1.0),
    (2.0, 1.0),
    (3.0, 1.0),
    (1.5, 2.0),
    (3.0, 2.0),
    (2.0, 3.0),
    (1.2, 3.5),
    (4.0, 1.7),
    (10.0, 2.0),
    (1.5, 1.5),
    (3.0, 3.0),
    (1.01, 1.0),
    (30.0, 1.3),
    (100.0, 1.0),
    (1.0, 1.0001),
    (2.0, 10.0),
    (1.0, 1.0),
    (2.0, 2.0),
    (7.0, 1.0),
    (60.0, 60.0),
];

fn main() {
    let mut args = std::env::args().skip(1);
    let cases: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let regime: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    for (p, q) in PAIRS {
        let cost = PNorm::new(p, q).expect("valid p, q");
        let mut rng = Rng(42);
        let (mut failures, mut max_iterations, mut iterations) = (0, 0, 0usize);
        let (mut max_gap, mut worst) = (0.0f64, 0.0f64);
        for _ in 0..cases {
            let (d, k) = if regime == 2 {
                (1 + (rng.next() % 10) as usize, 1 + (rng.next() % 25) as usize)
            } else {
                (1 + (rng.next() % 4) as usize, 1 + (rng.next() % 5) as usize)
            };
            let coarse = rng.next() % 2 == 0;
            let (offset, scale) = if regime == 1 {
                let sign = if rng.next() % 2 == 0 { 1.0 } else { -1.0 };
                (
                    sign * 10f64.powf(12.0 * rng.uniform() - 6.0),
                    10f64.powf(16.0 * rng.uniform() - 8.0),
                )
            } else {
                (0.0, 1.0)
            };
            let ys: Vec<Vec<f64>> = (0..k)
                .map(|_| {
                    (0..d)
                        .map(|_| {
                            let v = 4.0 * rng.uniform() - 2.0;
                            offset + scale * if coarse { v.round() } else { v }
                        })
                        .collect()
                })
                .collect();
            let lambdas: Vec<f64> = (0..k)
                .map(|_| {
                    if regime == 2 && rng.next() % 3 == 0 {
                        10f64.powf(-6.0 * rng.uniform())
                    } else if rng.next() % 5 == 0 {
                        0.05
                    } else {
                        rng.uniform() + 0.01
                    }
                })
                .collect();
            let refs: Vec<&[f64]> = ys.iter().map(|y| y.as_slice()).collect();
            match cost.solve(&refs, &lambdas) {
                Ok(s) => {
                    max_iterations = max_iterations.max(s.iterations);
                    iterations += s.iterations;
                    if s.objective > 0.0 {
                        max_gap = max_gap.max(s.gap / s.objective);
                    }
                    let size = s.point.iter().fold(1e-300f64, |m, c| m.max(c.abs()));
                    for _ in 0..20 {
                        let r = 10f64.powf(-8.0 * rng.uniform()) * size;
                        let y: Vec<f64> = s.point.iter().map(|c| c + r * (2.0 * rng.uniform() - 1.0)).collect();
                        let f = cost.objective(&y, &refs, &lambdas);
                        worst = worst.max((s.objective - s.gap - f) / s.objective.max(1e-300));
                    }
                }
                Err(e) => {
                    failures += 1;
                    if failures <= 3 {
                        println!("  p = {p}, q = {q}: {e}");
                    }
                }
            }
        }
        println!(
            "p = {p:>5}, q = {q:>6}: {failures} failures in {cases}, Newton iterations mean {:.1} max {max_iterations}, \
             largest relative gap {max_gap:.1e}, worst violation {worst:.1e}",
            iterations as f64 / cases as f64
        );
    }
}
