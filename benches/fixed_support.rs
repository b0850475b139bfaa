//! Fixed-support barycentres of histograms on regular grids: the exact LP (`FixedSupportLp`) and
//! IBP (`Ibp`, fixed number of iterations). The POT side is scripts/pot_fixed_support_bench.py
//! (`ot.lp.barycenter`, `ot.bregman.barycenter(method='sinkhorn_log')`) on the same instances,
//! built from the same formulas:
//!
//! - 1-D: n bins x_i = i / (n - 1), M_ij = (x_i - x_j)^2, histograms
//!   h_k(i) = exp(-(i - c_k n)^2 / (2 (s_k n)^2)) + 1e-3, normalised, with
//!   (c_k, s_k) = (0.2, 0.05), (0.6, 0.1), (0.85, 0.04); K = 2 uses the first two.
//! - 2-D: the s x s grid of [0, 1]^2 (x fastest), bumps exp(-|p - c_k|^2 / (2 0.15^2)) + 1e-3
//!   centred at (0.2, 0.2), (0.8, 0.3), (0.5, 0.8).
//!
//! Weights lambda_k = 1 / K. IBP: eps = reg = 1e-3 (costs in [0, 1], as in POT's barycentre
//! example) and exactly 200 iterations on both sides (POT: stopThr = 0).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kantorovich::{CostMatrix, FixedSupportLp, FixedSupportProblem, Ibp};

const CENTRES_1D: [(f64, f64); 3] = [(0.2, 0.05), (0.6, 0.1), (0.85, 0.04)];
const CENTRES_2D: [(f64, f64); 3] = [(0.2, 0.2), (0.8, 0.3), (0.5, 0.8)];
const IBP_ITERATIONS: usize = 200;
const IBP_EPS: f64 = 1e-3;

fn normalised(mut h: Vec<f64>) -> Vec<f64> {
    let total: f64 = h.iter().sum();
    h.iter_mut().for_each(|x| *x /= total);
    h
}

/// The 1-D instance with n bins and K histograms.
fn line(n: usize, k: usize) -> FixedSupportProblem {
    let x: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
    let m: Vec<f64> = x
        .iter()
        .flat_map(|a| x.iter().map(move |b| (a - b) * (a - b)))
        .collect();
    let targets = CENTRES_1D[..k]
        .iter()
        .map(|&(c, s)| {
            let (c, s) = (c * n as f64, s * n as f64);
            normalised(
                (0..n)
                    .map(|i| (-(i as f64 - c).powi(2) / (2.0 * s * s)).exp() + 1e-3)
                    .collect(),
            )
        })
        .collect();
    let costs = vec![CostMatrix::new(n, n, m).unwrap(); k];
    FixedSupportProblem::new(costs, targets, vec![1.0 / k as f64; k]).unwrap()
}

/// The 2-D instance on the s x s grid with K bumps.
fn plane(s: usize, k: usize) -> FixedSupportProblem {
    let g: Vec<f64> = (0..s).map(|i| i as f64 / (s - 1) as f64).collect();
    let p: Vec<[f64; 2]> = g.iter().flat_map(|&y| g.iter().map(move |&x| [x, y])).collect();
    let d2 = |a: &[f64; 2], b: &[f64; 2]| (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
    let m: Vec<f64> = p.iter().flat_map(|a| p.iter().map(move |b| d2(a, b))).collect();
    let targets = CENTRES_2D[..k]
        .iter()
        .map(|&(cx, cy)| {
            normalised(
                p.iter()
                    .map(|q| (-d2(q, &[cx, cy]) / (2.0 * 0.15 * 0.15)).exp() + 1e-3)
                    .collect(),
            )
        })
        .collect();
    let costs = vec![CostMatrix::new(s * s, s * s, m).unwrap(); k];
    FixedSupportProblem::new(costs, targets, vec![1.0 / k as f64; k]).unwrap()
}

fn lp(c: &mut Criterion) {
    let mut group = c.benchmark_group("fixed_support_lp");
    group.sample_size(10);
    let solver = FixedSupportLp::default().max_variables(100_000);
    for (n, k) in [(50, 2), (50, 3), (100, 2), (100, 3)] {
        let problem = line(n, k);
        eprintln!(
            "LP line n={n} K={k}: V = {:.15e}",
            solver.solve(&problem).unwrap().objective
        );
        group.bench_with_input(BenchmarkId::new(format!("line_k{k}"), n), &n, |b, _| {
            b.iter(|| solver.solve(&problem).unwrap().objective)
        });
    }
    for (s, k) in [(6, 3), (8, 3)] {
        let problem = plane(s, k);
        eprintln!(
            "LP plane n={} K={k}: V = {:.15e}",
            s * s,
            solver.solve(&problem).unwrap().objective
        );
        group.bench_with_input(BenchmarkId::new(format!("plane_k{k}"), s * s), &s, |b, _| {
            b.iter(|| solver.solve(&problem).unwrap().objective)
        });
    }
    group.finish();
}

fn ibp(c: &mut Criterion) {
    let mut group = c.benchmark_group("fixed_support_ibp");
    group.sample_size(10);
    let solver = Ibp::new(IBP_EPS).tolerance(0.0).max_iterations(IBP_ITERATIONS);
    for n in [100, 200, 500] {
        for k in [2, 3] {
            let problem = line(n, k);
            let once = solver.solve(&problem).unwrap();
            eprintln!(
                "IBP line n={n} K={k}: sum_k lambda_k <C_k, P_k> = {:.12e}, err = {:.3e}",
                once.transport_cost, once.marginal_error
            );
            group.bench_with_input(BenchmarkId::new(format!("line_k{k}"), n), &n, |b, _| {
                b.iter(|| solver.solve(&problem).unwrap().transport_cost)
            });
        }
    }
    group.finish();
}

criterion_group!(benches, lp, ibp);
criterion_main!(benches);
