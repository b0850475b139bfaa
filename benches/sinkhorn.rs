//! Entropic optimal transport with Sinkhorn: n = m uniform points in [0,1]^2 (`cloud(1, n, 2)`
//! and `cloud(2, n, 2)`, as in scripts/pot_sinkhorn_bench.py), uniform weights, squared
//! Euclidean cost, eps = 1e-2 and 1e-3 times max C, stopping at a relative L1 marginal error of
//! 1e-6.
//!
//! - `dense/n/eps`: the cost matrix is built outside the timed region (as for POT's
//!   `ot.sinkhorn(a, b, M, reg, method='sinkhorn_log')`);
//! - `lazy/n/eps`: end to end with the matrix-free back-end (its construction, which evaluates
//!   every cost once to check it and find max C, is timed).
//!
//! Larger sizes (2*10^4, 10^5) take minutes per run: they are timed once by
//! `cargo run --release -p kantorovich-ot --example sinkhorn_timing` (see BENCHMARKS.md).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kantorovich::prelude::*;
use kantorovich::CostMatrix;
use kantorovich::{CostBackend, LazyCost};
use kantorovich_testkit::cloud;
use std::time::Duration;

fn sinkhorn(c: &mut Criterion) {
    let mut group = c.benchmark_group("sinkhorn");
    let plane = Euclidean::new(2).unwrap();
    for n in [1000, 5000] {
        let mu = plane.uniform(cloud(1, n, 2)).unwrap();
        let nu = plane.uniform(cloud(2, n, 2)).unwrap();
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let max = cost.max_abs();
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(if n >= 5000 { 60 } else { 10 }));
        for rel in [1e-2, 1e-3] {
            let solver = Sinkhorn::new(rel * max).tolerance(1e-6).max_iterations(100_000);
            let id = format!("{n}/{rel:e}");
            group.bench_with_input(BenchmarkId::new("dense", &id), &n, |b, _| {
                b.iter(|| {
                    let s = solver.solve(mu.weights(), nu.weights(), &cost).unwrap();
                    assert!(s.converged);
                    s
                })
            });
            group.bench_with_input(BenchmarkId::new("lazy", &id), &n, |b, _| {
                b.iter(|| {
                    let lazy = LazyCost::new(&mu, &nu, &SquaredEuclidean).unwrap();
                    let s = solver.solve(mu.weights(), nu.weights(), &lazy).unwrap();
                    assert!(s.converged);
                    s
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, sinkhorn);
criterion_main!(benches);
