//! Seeded 3-D shapes for the examples and benchmarks: `n` points each, flat
//! `[x0, y0, z0, x1, y1, z1, ..]`, drawn from `rng`.

use crate::SplitMix64;
use std::f64::consts::TAU;

/// A trefoil knot, (sin t + 2 sin 2t, cos t - 2 cos 2t, -sin 3t) for t uniform in [0, 2 pi),
/// scaled by 1/3 (so it fits in [-1, 1]^3) and jittered by up to `jitter` per coordinate.
/// Its three coordinate views are the trefoil itself (x, y) and two wavy bands (y, z), (x, z).
pub fn trefoil(rng: &mut SplitMix64, n: usize, jitter: f64) -> Vec<f64> {
    (0..n)
        .flat_map(|_| {
            let t = TAU * rng.uniform();
            let point = [
                (t.sin() + 2.0 * (2.0 * t).sin()) / 3.0,
                (t.cos() - 2.0 * (2.0 * t).cos()) / 3.0,
                -(3.0 * t).sin() / 3.0,
            ];
            point.map(|c| c + jitter * (2.0 * rng.uniform() - 1.0))
        })
        .collect()
}
