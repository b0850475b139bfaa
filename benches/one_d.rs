//! One-dimensional exact OT with h(t) = t^2 between uniform measures on `cloud(1, n, 1)` and
//! `cloud(2, n, 1)`, with the plan (`ot_1d`) and cost only (`ot_1d_cost`), and the sliced
//! Wasserstein distance SW_2 between uniform measures on `cloud(3, n, 2)` and `cloud(4, n, 2)`
//! with 50 directions; the POT side is scripts/pot_one_d_bench.py (`ot.emd_1d` with a sparse
//! plan, `ot.emd2_1d`, `ot.sliced_wasserstein_distance`) on the same points. Prints the values
//! once, to compare with the script's.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kantorovich::geometry::Euclidean;
use kantorovich::ot::{ot_1d, ot_1d_cost, sliced_wasserstein};
use kantorovich::SlicedBarycenter;
use kantorovich_testkit::{cloud, shapes};

fn one_d(c: &mut Criterion) {
    let mut group = c.benchmark_group("one_d");
    group.sample_size(20);
    for n in [1_000, 10_000, 100_000] {
        let (x, y) = (cloud(1, n, 1), cloud(2, n, 1));
        let w = vec![1.0 / n as f64; n];
        let plan = ot_1d(&x, &w, &y, &w, |t| t * t).unwrap();
        eprintln!("n = {n}: W2^2 = {:.15e} ({} plan entries)", plan.cost, plan.plan.nnz());
        group.bench_with_input(BenchmarkId::new("ot_1d_sq", n), &n, |b, _| {
            b.iter(|| ot_1d(&x, &w, &y, &w, |t| t * t).unwrap().cost)
        });
        group.bench_with_input(BenchmarkId::new("ot_1d_cost_sq", n), &n, |b, _| {
            b.iter(|| ot_1d_cost(&x, &w, &y, &w, |t| t * t).unwrap())
        });
    }
    let plane = Euclidean::new(2).unwrap();
    for n in [1_000, 10_000] {
        let mu = plane.uniform(cloud(3, n, 2)).unwrap();
        let nu = plane.uniform(cloud(4, n, 2)).unwrap();
        group.bench_with_input(BenchmarkId::new("sliced_w2_50_directions", n), &n, |b, _| {
            b.iter(|| sliced_wasserstein(&mu, &nu, 2.0, 50, 0).unwrap())
        });
    }
    group.finish();
}

/// The sliced barycentre of the ring, square and cross (`shapes::ring_square_cross(200)`, equal
/// weights) from a uniform cloud of 200 points, 64 directions, 20 iterations (no early stop).
/// POT 0.9.7 has no sliced barycentre to compare with.
fn sliced_barycenter(c: &mut Criterion) {
    let plane = Euclidean::new(2).unwrap();
    let measures: Vec<_> = shapes::ring_square_cross(200)
        .into_iter()
        .map(|p| plane.uniform(p).unwrap())
        .collect();
    let init = plane
        .uniform(cloud(5, 200, 2).iter().map(|c| 4.0 * c - 2.0).collect())
        .unwrap();
    let solver = SlicedBarycenter::default().max_iterations(20).tolerance(0.0);
    let result = solver.solve(&measures, &[1.0; 3], init.clone()).unwrap();
    eprintln!(
        "sliced barycentre: F = {:.6} -> {:.6} in {} iterations",
        result.trace[0].objective, result.objective, result.iterations
    );
    let mut group = c.benchmark_group("sliced_barycenter");
    group.sample_size(10);
    group.bench_function("ring_square_cross_200_L64_20_iterations", |b| {
        b.iter(|| solver.solve(&measures, &[1.0; 3], init.clone()).unwrap().objective)
    });
    group.finish();
}

criterion_group!(benches, one_d, sliced_barycenter);
criterion_main!(benches);
