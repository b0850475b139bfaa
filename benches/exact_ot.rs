//! Exact optimal transport with the network simplex: n = m uniform points in [0,1]^2, squared
//! Euclidean cost, uniform weights. The cost matrix is built outside the timed region, as for
//! POT's `ot.emd(a, b, M)` in scripts/pot_bench.py (same instances: `cloud(1, n, 2)` and
//! `cloud(2, n, 2)`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kantorovich::prelude::*;
use kantorovich::CostMatrix;
use kantorovich_testkit::cloud;
use std::time::Duration;

fn exact_ot(c: &mut Criterion) {
    let mut group = c.benchmark_group("exact_ot");
    let plane = Euclidean::new(2).unwrap();
    for n in [100, 500, 1000, 2000, 5000] {
        let mu = plane.uniform(cloud(1, n, 2)).unwrap();
        let nu = plane.uniform(cloud(2, n, 2)).unwrap();
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let solver = NetworkSimplex::default();
        if n >= 2000 {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(if n >= 5000 { 60 } else { 20 }));
        }
        group.bench_with_input(BenchmarkId::new("network_simplex", n), &n, |b, _| {
            b.iter(|| solver.solve(mu.weights(), nu.weights(), &cost).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, exact_ot);
criterion_main!(benches);
