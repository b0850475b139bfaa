//! Gaussians and Gaussian mixtures, against POT in scripts/pot_gaussian_bench.py (same instances):
//!
//! - `gaussian/bures_cost/d`: W2^2 between two Gaussians of R^d (d = 2, 10, 50), points built
//!   beforehand (their Cholesky factors are computed once, when a point is created);
//!   `gaussian/bures_cost_from_matrices/d` includes building both points from the raw means and
//!   covariances (validation and factorisation), as POT's `bures_wasserstein_distance` starts
//!   from raw arrays;
//! - `gaussian/barycenter/d`: the Gaussian barycentre of K = 3 Gaussians of R^d, weights
//!   (0.5, 0.3, 0.2), default stopping rule (certified gap <= 1e-10 sum_k lambda_k tr S_k);
//! - `gaussian/mw2_example`: MW2^2 between the first two mixtures of examples/gmm_barycenter.rs
//!   (4 and 5 components), cost matrix and network simplex included;
//! - `gaussian/g_gmm_example`: G on the example's three mixtures (equal weights, at most 50 steps,
//!   from the first mixture), V evaluated at every iterate.
//!
//! Instances: mean 4 cloud(seed, 1, d) - 2, covariance A A^T + 0.1 I with A = cloud(seed', d, d) - 1/2.
//! Before timing, the instances and our results are written to target/gaussian_bench/instances.txt
//! (numbers in shortest round-trip form), which the POT script reads.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use kantorovich::gmm::{mixture_wasserstein_squared, Gmm, GmmBarycenterProblem};
use kantorovich::prelude::*;
use kantorovich::GaussianPoints;
use kantorovich_testkit::{cloud, mixtures};
use std::fmt::Write as _;

const DIMS: [usize; 3] = [2, 10, 50];
const LAMBDAS: [f64; 3] = [0.5, 0.3, 0.2];

/// (means, covariances) of K Gaussians of R^d.
fn instance(d: usize, k: usize) -> (Vec<f64>, Vec<f64>) {
    let mut means = Vec::new();
    let mut covs = Vec::new();
    for t in 0..k as u64 {
        means.extend(cloud(100 * d as u64 + t, 1, d).iter().map(|x| 4.0 * x - 2.0));
        let a: Vec<f64> = cloud(100 * d as u64 + 50 + t, d, d).iter().map(|x| x - 0.5).collect();
        for i in 0..d {
            for j in 0..d {
                let mut s: f64 = (0..d).map(|u| a[i * d + u] * a[j * d + u]).sum();
                if i == j {
                    s += 0.1;
                }
                covs.push(s);
            }
        }
    }
    (means, covs)
}

fn words(values: &[f64]) -> String {
    values.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(" ")
}

fn example_mixtures() -> Vec<Gmm> {
    let plane = Gaussian::new(2).unwrap();
    mixtures::example()
        .into_iter()
        .map(|(m, c, w)| plane.measure(&m, &c, w).unwrap())
        .collect()
}

/// Writes the instances and our answers for scripts/pot_gaussian_bench.py.
fn export(ground: &BuresWasserstein) {
    let mut text = String::from(
        "# written by benches/gaussian.rs for scripts/pot_gaussian_bench.py\n\
         # barycenter d K lambdas means covs | our cov, iterations, gap / scale\n\
         # distance d m1 S1 m2 S2 | our W2^2\n\
         # gmm n weights means covs (the example mixtures); mw2 ours(nu_1, nu_2); g_objective ours\n",
    );
    for d in DIMS {
        let (means, covs) = instance(d, 3);
        let space = Gaussian::new(d).unwrap();
        let ys = space.points(&means, &covs).unwrap();
        let refs: Vec<_> = ys.iter().collect();
        let bar = ground.gaussian_barycenter(&refs, &LAMBDAS).unwrap();
        let _ = writeln!(
            text,
            "barycenter {d} 3 {} {} {} {} {} {:?}",
            words(&LAMBDAS),
            words(&means),
            words(&covs),
            words(&bar.cov),
            bar.iterations,
            bar.gap / bar.scale
        );
        let w2 = ground.cost(ys.get(0), ys.get(1));
        let _ = writeln!(
            text,
            "distance {d} {} {} {} {} {w2:?}",
            words(&means[..d]),
            words(&covs[..d * d]),
            words(&means[d..2 * d]),
            words(&covs[d * d..2 * d * d])
        );
    }
    let gmms = example_mixtures();
    for mu in &gmms {
        let means: Vec<f64> = mu.iter().flat_map(|(p, _)| p.mean().to_vec()).collect();
        let covs: Vec<f64> = mu.iter().flat_map(|(p, _)| p.cov().to_vec()).collect();
        let _ = writeln!(
            text,
            "gmm {} {} {} {}",
            mu.len(),
            words(mu.weights()),
            words(&means),
            words(&covs)
        );
    }
    let _ = writeln!(
        text,
        "mw2 {:?}",
        mixture_wasserstein_squared(&gmms[0], &gmms[1]).unwrap()
    );
    let problem = GmmBarycenterProblem::new(Gaussian::new(2).unwrap(), gmms, vec![1.0 / 3.0; 3], *ground).unwrap();
    let g = FixedPointG::default()
        .max_iterations(50)
        .solve(&problem, problem.default_init())
        .unwrap();
    let _ = writeln!(text, "g_objective {:?} {}", g.objective, g.iterations);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/gaussian_bench");
    if std::fs::create_dir_all(dir).is_ok() {
        let _ = std::fs::write(format!("{dir}/instances.txt"), text);
    }
}

fn gaussian(c: &mut Criterion) {
    let ground = BuresWasserstein::default();
    export(&ground);
    let mut group = c.benchmark_group("gaussian");
    for d in DIMS {
        let (means, covs) = instance(d, 3);
        let space = Gaussian::new(d).unwrap();
        let ys: GaussianPoints = space.points(&means, &covs).unwrap();
        group.bench_with_input(BenchmarkId::new("bures_cost", d), &d, |b, _| {
            b.iter(|| ground.cost(ys.get(0), ys.get(1)))
        });
        group.bench_with_input(BenchmarkId::new("bures_cost_from_matrices", d), &d, |b, _| {
            b.iter(|| {
                let x = space.points(&means[..d], &covs[..d * d]).unwrap();
                let y = space.points(&means[d..2 * d], &covs[d * d..2 * d * d]).unwrap();
                ground.cost(x.get(0), y.get(0))
            })
        });
        let refs: Vec<_> = ys.iter().collect();
        group.bench_with_input(BenchmarkId::new("barycenter", d), &d, |b, _| {
            b.iter(|| ground.gaussian_barycenter(&refs, &LAMBDAS).unwrap())
        });
    }
    let gmms = example_mixtures();
    group.bench_function("mw2_example", |b| {
        b.iter(|| mixture_wasserstein_squared(&gmms[0], &gmms[1]).unwrap())
    });
    let problem = GmmBarycenterProblem::new(Gaussian::new(2).unwrap(), gmms, vec![1.0 / 3.0; 3], ground).unwrap();
    let init = problem.default_init();
    let g = FixedPointG::default().max_iterations(50);
    group.bench_function("g_gmm_example", |b| b.iter(|| g.solve(&problem, init.clone()).unwrap()));
    group.finish();
}

criterion_group!(benches, gaussian);
criterion_main!(benches);
