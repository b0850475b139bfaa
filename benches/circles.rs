//! Projections onto circles, on the instance of `examples/circle_projections.rs`: four circles of
//! radius 1.5 centred at (+-3, 0), (0, +-3), targets the projections of an 80-point cross, start 80
//! uniform points of [-2, 2]^2. Measures one step of G from the start and from the fifth iterate
//! (couplings and ground barycentres, without evaluating V), and one ground barycentre (K = 4).

use criterion::{criterion_group, criterion_main, Criterion};
use kantorovich::geometry::{Circle, CircleProjections};
use kantorovich::prelude::*;
use kantorovich_testkit::{shapes, SplitMix64};
use std::hint::black_box;

fn circles(c: &mut Criterion) {
    let plane = Euclidean::new(2).unwrap();
    let circles: Vec<Circle> = [[3.0, 0.0], [0.0, 3.0], [-3.0, 0.0], [0.0, -3.0]]
        .iter()
        .map(|&o| Circle::new(o, 1.5).unwrap())
        .collect();
    let mut rng = SplitMix64(7);
    let hidden: Vec<f64> = shapes::cross(&mut rng, 80, [0.0, 0.0])
        .chunks(2)
        .flat_map(|p| [0.9 * p[0] + 0.3, 0.9 * p[1] + 0.2])
        .collect();
    let targets = circles
        .iter()
        .map(|c| {
            plane
                .uniform(hidden.chunks(2).flat_map(|p| c.project(p)).collect())
                .unwrap()
        })
        .collect();
    let ground = CircleProjections::new(circles).unwrap();
    let problem = BarycenterProblem::new(plane, targets, vec![0.25; 4], ground.clone()).unwrap();
    let start = plane
        .uniform((0..160).map(|_| 4.0 * rng.uniform() - 2.0).collect())
        .unwrap();
    let g = FixedPointG::default();
    let mut fifth = start.clone();
    for _ in 0..5 {
        fifth = g.step(&problem, &fifth).unwrap();
    }

    let mut group = c.benchmark_group("circles");
    group.sample_size(20);
    group.bench_function("g_step_from_start", |b| b.iter(|| g.step(&problem, &start).unwrap()));
    group.bench_function("g_step_from_fifth_iterate", |b| {
        b.iter(|| g.step(&problem, &fifth).unwrap())
    });
    let ys: Vec<[f64; 2]> = (0..4)
        .map(|k| [problem.measures()[k].point(3)[0], problem.measures()[k].point(3)[1]])
        .collect();
    let refs: Vec<&[f64]> = ys.iter().map(|y| y.as_slice()).collect();
    let mut out = Vec::with_capacity(2);
    group.bench_function("ground_barycenter_k4", |b| {
        b.iter(|| {
            out.clear();
            ground
                .barycenter(&plane, black_box(&refs), &[0.25; 4], &mut out)
                .unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, circles);
criterion_main!(benches);
