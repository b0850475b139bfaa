//! Checks potentials written by another solver (scripts/geomloss_large.py) on the benchmark
//! instance `cloud(1, n, d)` vs `cloud(2, n, d)` (uniform weights, |x - y|^2) at eps: the L1
//! errors of both marginals of the plan P_ij = a_i b_j exp((f_i + g_j - C_ij) / eps), its
//! transport cost <C, P>, the dual value sum a f + sum b g - eps (sum P - 1), and T_eps of P,
//! all by dense passes on `PointCloudCost` (about 5 s per pass at n = 10^5 on 2 cores).
//!
//! ```text
//! cargo run --release -p kantorovich-ot --example potential_check -- N EPS D DIR
//! ```

use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::{CostBackend, PointCloudCost};
use kantorovich_testkit::cloud;

fn read(path: &str) -> Result<Vec<f64>, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    Ok(bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).ok_or("N")?.parse()?;
    let eps: f64 = args.get(2).ok_or("EPS")?.parse()?;
    let d: usize = args.get(3).map_or(Ok(2), |s| s.parse())?;
    let dir = args.get(4).map_or("target/geomloss", |s| s.as_str());
    let (f, g) = (read(&format!("{dir}/f.bin"))?, read(&format!("{dir}/g.bin"))?);
    if f.len() != n || g.len() != n {
        return Err(format!("{} and {} potentials for n = {n}", f.len(), g.len()).into());
    }
    let space = Euclidean::new(d)?;
    let mu = space.uniform(cloud(1, n, d))?;
    let nu = space.uniform(cloud(2, n, d))?;
    let cost = PointCloudCost::new(&mu, &nu, &SquaredEuclidean)?.ok_or("no point cloud")?;
    let w = 1.0 / n as f64;
    let inv_eps = 1.0 / eps;
    let u: Vec<f64> = f.iter().map(|x| x * inv_eps + w.ln()).collect();
    let v: Vec<f64> = g.iter().map(|x| x * inv_eps + w.ln()).collect();
    let (mut row_mass, mut row_cost) = (vec![0.0; n], vec![0.0; n]);
    cost.row_moments(&u, &v, inv_eps, &mut row_mass, &mut row_cost);
    let mut col_lse = vec![0.0; n];
    cost.col_log_sum_exp(&u, &v, inv_eps, &mut col_lse);
    let col_mass: Vec<f64> = col_lse.iter().map(|l| l.exp()).collect();
    let row_error: f64 = row_mass.iter().map(|m| (m - w).abs()).sum();
    let col_error: f64 = col_mass.iter().map(|m| (m - w).abs()).sum();
    let mass: f64 = row_mass.iter().sum();
    let transport: f64 = row_cost.iter().sum();
    let dual = w * (f.iter().sum::<f64>() + g.iter().sum::<f64>()) - eps * (mass - 1.0);
    // <C, P> + eps KL(P | a b^T) = sum P (f_i + g_j) - eps (sum P - 1)
    let pfg: f64 = f.iter().zip(&row_mass).map(|(x, m)| x * m).sum::<f64>()
        + g.iter().zip(&col_mass).map(|(x, m)| x * m).sum::<f64>();
    println!(
        "potentials of {dir}: L1 marginal errors rows {row_error:.2e} columns {col_error:.2e}, \
         <C,P> {transport:.12}, dual {dual:.12}, T_eps of the plan {:.12}",
        pfg - eps * (mass - 1.0)
    );
    Ok(())
}
