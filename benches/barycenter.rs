//! One full run of H and of G: K = 3 uniform measures of 200 uniform points in [0,1]^2
//! (`cloud(10 + k, 200, 2)`), equal weights, start `cloud(20, 200, 2)`, 10 iterations, squared
//! Euclidean cost; end to end (cost matrices included), as POT's
//! `ot.lp.free_support_barycenter` in scripts/pot_bench.py (which runs exactly 10 steps too).
//! Our runs also evaluate V at each of the 11 iterates (K more exact OT solves per step than POT's H).

use criterion::{criterion_group, criterion_main, Criterion};
use kantorovich::prelude::*;
use kantorovich_testkit::cloud;

fn barycenter(c: &mut Criterion) {
    let plane = Euclidean::new(2).unwrap();
    let measures = (0..3).map(|k| plane.uniform(cloud(10 + k, 200, 2)).unwrap()).collect();
    let problem = BarycenterProblem::new(plane, measures, vec![1.0 / 3.0; 3], SquaredEuclidean).unwrap();
    let init = plane.uniform(cloud(20, 200, 2)).unwrap();
    let mut group = c.benchmark_group("barycenter");
    group.sample_size(20);
    let h = FixedPointH::default().max_iterations(10).tolerance(f64::NEG_INFINITY);
    group.bench_function("fixed_point_h", |b| b.iter(|| h.solve(&problem, init.clone()).unwrap()));
    let g = FixedPointG::default().max_iterations(10).tolerance(f64::NEG_INFINITY);
    group.bench_function("fixed_point_g", |b| b.iter(|| g.solve(&problem, init.clone()).unwrap()));
    group.finish();
}

criterion_group!(benches, barycenter);
criterion_main!(benches);
