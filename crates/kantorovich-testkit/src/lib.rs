//! Deterministic instances shared by kantorovich's tests, benchmarks and examples.
//!
//! `cloud(seed, n, d)` draws n points of [0,1)^d from splitmix64; scripts/pot_bench.py and
//! scripts/make_fixtures.py implement the same generator, so the Rust and POT sides see
//! identical instances.
#![warn(missing_docs)]

/// splitmix64: a small, fast, well-mixed 64-bit generator. The field is the state.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1): (z >> 11) 2^-53.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in 0..k (k > 0; the modulo bias is irrelevant for tests).
    pub fn below(&mut self, k: usize) -> usize {
        (self.next_u64() % k as u64) as usize
    }
}

/// n points of [0,1)^d, coordinates row by row: the state starts at `seed` and n d uniforms are
/// drawn in order.
///
/// ```
/// let c = kantorovich_testkit::cloud(1, 2, 2);
/// assert_eq!(c[0], 0.5665615751722809); // the value scripts/pot_bench.py computes
/// ```
pub fn cloud(seed: u64, n: usize, d: usize) -> Vec<f64> {
    let mut rng = SplitMix64(seed);
    (0..n * d).map(|_| rng.uniform()).collect()
}

/// Seeded 2-D shapes for the examples: `n` points each, flat `[x0, y0, x1, y1, ..]`, around
/// `centre`, drawn from `rng`.
pub mod shapes {
    use crate::SplitMix64;
    use std::f64::consts::TAU;

    /// The examples' standard instance: a ring around (-3, 0), a square outline around (3, 0) and
    /// a cross around (0, 4), `n` points each, drawn in that order from `SplitMix64(2025)`.
    pub fn ring_square_cross(n: usize) -> [Vec<f64>; 3] {
        let mut rng = SplitMix64(2025);
        [
            ring(&mut rng, n, [-3.0, 0.0]),
            square(&mut rng, n, [3.0, 0.0]),
            cross(&mut rng, n, [0.0, 4.0]),
        ]
    }

    /// A ring of radius 0.8 to 1.
    pub fn ring(rng: &mut SplitMix64, n: usize, centre: [f64; 2]) -> Vec<f64> {
        (0..n)
            .flat_map(|_| {
                let (a, r) = (TAU * rng.uniform(), 0.8 + 0.2 * rng.uniform());
                [centre[0] + r * a.cos(), centre[1] + r * a.sin()]
            })
            .collect()
    }

    /// The outline of the square [-1, 1]^2, slightly jittered.
    pub fn square(rng: &mut SplitMix64, n: usize, centre: [f64; 2]) -> Vec<f64> {
        (0..n)
            .flat_map(|_| {
                let s = 2.0 * rng.uniform() - 1.0;
                let jitter = 0.05 * (rng.uniform() - 0.5);
                let (x, y) = match rng.next_u64() % 4 {
                    0 => (s, -1.0 + jitter),
                    1 => (s, 1.0 + jitter),
                    2 => (-1.0 + jitter, s),
                    _ => (1.0 + jitter, s),
                };
                [centre[0] + x, centre[1] + y]
            })
            .collect()
    }

    /// A cross of two bars of length 2 and width 0.25.
    pub fn cross(rng: &mut SplitMix64, n: usize, centre: [f64; 2]) -> Vec<f64> {
        (0..n)
            .flat_map(|_| {
                let s = 2.0 * rng.uniform() - 1.0;
                let w = 0.25 * (rng.uniform() - 0.5);
                let (x, y) = if rng.next_u64() % 2 == 0 { (s, w) } else { (w, s) };
                [centre[0] + x, centre[1] + y]
            })
            .collect()
    }
}

/// Seeded Gaussian mixtures in the plane for the GMM example and benchmark.
pub mod mixtures {
    use crate::SplitMix64;
    use std::f64::consts::PI;

    /// `n` Gaussians scattered around `centre`, as (means, covariances, weights): means within 2.5
    /// of it in each coordinate (flat, point after point), covariances R diag(a, b) R^T with
    /// standard deviations sqrt(a), sqrt(b) in [0.15, 0.75] and a random rotation R (row by row,
    /// matrix after matrix, exactly symmetric), weights 0.2 + uniform (not normalised).
    pub fn planar(rng: &mut SplitMix64, n: usize, centre: [f64; 2]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let (mut means, mut covs, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            means.push(centre[0] + 5.0 * rng.uniform() - 2.5);
            means.push(centre[1] + 5.0 * rng.uniform() - 2.5);
            let (a, b) = (
                (0.15 + 0.6 * rng.uniform()).powi(2),
                (0.15 + 0.6 * rng.uniform()).powi(2),
            );
            let t = PI * rng.uniform();
            let (c, s) = (t.cos(), t.sin());
            let off = (a - b) * c * s;
            covs.extend([a * c * c + b * s * s, off, off, a * s * s + b * c * c]);
            weights.push(0.2 + rng.uniform());
        }
        (means, covs, weights)
    }

    /// The three mixtures of the GMM example (4, 5 and 3 components around (-5, 0), (5, 0) and
    /// (0, 7), drawn in that order from SplitMix64(4)).
    pub fn example() -> Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> {
        let mut rng = SplitMix64(4);
        [(4, [-5.0, 0.0]), (5, [5.0, 0.0]), (3, [0.0, 7.0])]
            .into_iter()
            .map(|(n, centre)| planar(&mut rng, n, centre))
            .collect()
    }
}
pub mod shapes3d;

/// The peak resident memory of this process (VmHWM of /proc/self/status on Linux, e.g.
/// "51204 kB"), or "n/a" elsewhere: for the timing examples' reports.
pub fn peak_resident_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l[6..].trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}
