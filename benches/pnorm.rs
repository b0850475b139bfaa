//! The p-norm costs c(x, y) = |x - y|_p^q on the instance of `examples/pnorm_shapes.rs`: three
//! 2-D shapes (ring, square outline, cross) of 60 points each, equal weights, start at the ring.
//!
//! - `pnorm_ground/p/q`: the ground barycentre alone, d = 2, K = 3, on 256 triples (one point of
//!   each shape, drawn with `SplitMix64(7)`); the time is per batch of 256 barycentres;
//! - `pnorm_g/step/p/q`: one step mu_0 -> G(mu_0) (3 exact couplings, gluing, 60 barycentres);
//! - `pnorm_g/solve3/p/q`: `FixedPointG` for exactly 3 steps, V evaluated at the 4 iterates.
//!
//! ```text
//! cargo bench --bench pnorm -- --warm-up-time 1 --measurement-time 3
//! ```

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kantorovich::prelude::*;
use kantorovich_testkit::{shapes, SplitMix64};
use std::hint::black_box;

const N: usize = 60;

const FAMILIES: [(f64, f64); 7] = [
    (1.5, 1.5),
    (1.0, 1.0),
    (2.0, 2.0),
    (3.0, 3.0),
    (2.0, 1.0),
    (1.5, 2.0),
    (1.0, 2.0),
];

fn ground(c: &mut Criterion) {
    let plane = Euclidean::new(2).unwrap();
    let clouds = shapes::ring_square_cross(N);
    let mut rng = SplitMix64(7);
    let triples: Vec<[usize; 3]> = (0..256).map(|_| [rng.below(N), rng.below(N), rng.below(N)]).collect();
    let lambdas = [1.0 / 3.0; 3];
    let mut group = c.benchmark_group("pnorm_ground");
    for (p, q) in FAMILIES.into_iter().chain([(3.0, 1.5)]) {
        let cost = PNorm::new(p, q).unwrap();
        let mut out = Vec::with_capacity(2 * triples.len());
        group.bench_function(BenchmarkId::new(format!("{p}"), q), |b| {
            b.iter(|| {
                out.clear();
                for t in &triples {
                    let ys: [&[f64]; 3] = [
                        &clouds[0][2 * t[0]..2 * t[0] + 2],
                        &clouds[1][2 * t[1]..2 * t[1] + 2],
                        &clouds[2][2 * t[2]..2 * t[2] + 2],
                    ];
                    cost.barycenter(&plane, &ys, &lambdas, &mut out).unwrap();
                }
                black_box(out.len())
            })
        });
    }
    group.finish();
}

fn fixed_point_g(c: &mut Criterion) {
    let plane = Euclidean::new(2).unwrap();
    let measures: Vec<_> = shapes::ring_square_cross(N)
        .iter()
        .map(|c| plane.uniform(c.clone()).unwrap())
        .collect();
    let mut group = c.benchmark_group("pnorm_g");
    group.sample_size(20);
    for (p, q) in [(1.5, 1.5), (2.0, 1.0), (1.5, 2.0)] {
        let problem =
            BarycenterProblem::new(plane, measures.clone(), vec![1.0 / 3.0; 3], PNorm::new(p, q).unwrap()).unwrap();
        let init = problem.default_init();
        let g = FixedPointG::default();
        group.bench_function(BenchmarkId::new("step", format!("{p}/{q}")), |b| {
            b.iter(|| g.step(&problem, &init).unwrap())
        });
        let g3 = FixedPointG::default().max_iterations(3).tolerance(f64::NEG_INFINITY);
        group.bench_function(BenchmarkId::new("solve3", format!("{p}/{q}")), |b| {
            b.iter(|| g3.solve(&problem, init.clone()).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, ground, fixed_point_g);
criterion_main!(benches);
