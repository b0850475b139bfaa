//! Linear projection costs on the size of `examples/projections_w1.rs`: a trefoil knot in R^3 seen
//! through the three coordinate planes, N = 300 points per view (`shapes3d::trefoil`, seed 2025,
//! jitter 0.01), equal weights, start = the (x, y) view lifted to z = 0.
//!
//! - `g_step/*`: one step of G from the start (3 exact couplings 300 x 300, then 300 ground
//!   barycentres), for the W1 costs |P_k x - y| and the squared costs |P_k x - y|^2;
//! - `g_solve/w1_10_steps`: 10 steps of G with the W1 costs, V evaluated at each of the 11 iterates,
//!   glued atoms below 1e-9 dropped (as in the example);
//! - `ground/*`: 1000 ground barycentres alone, B(y_1, y_2, y_3) for triples of target points
//!   (y_1 = atom t of view 1, y_2 = atom 7t mod N of view 2, y_3 = atom 13t mod N of view 3).

use criterion::{criterion_group, criterion_main, Criterion};
use kantorovich::prelude::*;
use kantorovich::DiscreteMeasure;
use kantorovich_testkit::{shapes3d, SplitMix64};

const N: usize = 300;

fn instance() -> (
    Vec<LinearMap>,
    Vec<DiscreteMeasure<Euclidean>>,
    DiscreteMeasure<Euclidean>,
) {
    let space = Euclidean::new(3).unwrap();
    let maps: Vec<LinearMap> = [[0, 1], [1, 2], [0, 2]]
        .iter()
        .map(|c| LinearMap::coordinates(3, c).unwrap())
        .collect();
    let mut rng = SplitMix64(2025);
    let targets: Vec<_> = maps
        .iter()
        .map(|m| {
            let sample = space.uniform(shapes3d::trefoil(&mut rng, N, 0.01)).unwrap();
            m.image(&sample).unwrap()
        })
        .collect();
    let init = maps[0].lift(&targets[0]).unwrap();
    (maps, targets, init)
}

fn projections(c: &mut Criterion) {
    let (maps, targets, init) = instance();
    let space = Euclidean::new(3).unwrap();
    let lambdas = vec![1.0 / 3.0; 3];
    let w1 = BarycenterProblem::new(
        space,
        targets.clone(),
        lambdas.clone(),
        LinearProjectionsW1::new(maps.clone()).unwrap(),
    )
    .unwrap();
    let squared = BarycenterProblem::new(
        space,
        targets.clone(),
        lambdas.clone(),
        LinearProjections::new(maps.clone()).unwrap(),
    )
    .unwrap();

    let mut group = c.benchmark_group("g_step");
    group.sample_size(20);
    let g = FixedPointG::default();
    group.bench_function("w1", |b| b.iter(|| g.step(&w1, &init).unwrap()));
    group.bench_function("squared", |b| b.iter(|| g.step(&squared, &init).unwrap()));
    group.finish();

    let mut group = c.benchmark_group("g_solve");
    group.sample_size(10);
    let g10 = FixedPointG::default()
        .max_iterations(10)
        .tolerance(f64::NEG_INFINITY)
        .mass_threshold(1e-9);
    group.bench_function("w1_10_steps", |b| b.iter(|| g10.solve(&w1, init.clone()).unwrap()));
    group.finish();

    // 1000 triples of target points
    let triples: Vec<[&[f64]; 3]> = (0..1000)
        .map(|t| {
            [
                targets[0].point(t % N),
                targets[1].point((7 * t) % N),
                targets[2].point((13 * t) % N),
            ]
        })
        .collect();
    let mut group = c.benchmark_group("ground");
    group.sample_size(20);
    let mut out = Vec::with_capacity(3 * triples.len());
    group.bench_function("w1_1000", |b| {
        b.iter(|| {
            out.clear();
            for ys in &triples {
                w1.ground().barycenter(&space, ys, &lambdas, &mut out).unwrap();
            }
        })
    });
    group.bench_function("squared_1000", |b| {
        b.iter(|| {
            out.clear();
            for ys in &triples {
                squared.ground().barycenter(&space, ys, &lambdas, &mut out).unwrap();
            }
        })
    });
    group.finish();
}

criterion_group!(benches, projections);
criterion_main!(benches);
