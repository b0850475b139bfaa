//! Agreement with an independent implementation: optimal costs computed by POT's `ot.emd`
//! (Python Optimal Transport 0.9.7, a C++ network simplex) on the benchmark instances
//! x = cloud(1, n, 2), y = cloud(2, n, 2), uniform weights, squared Euclidean cost.

mod common;

use common::{check_certificate, cloud};
use kantorovich_core::CostMatrix;
use kantorovich_geometry::{Euclidean, SquaredEuclidean};
use kantorovich_ot::NetworkSimplex;

#[test]
fn optimal_costs_match_pot() {
    let plane = Euclidean::new(2).unwrap();
    for (n, pot) in [
        (100, 0.011069798416252379),
        (500, 0.004841425014348641),
        (1000, 0.0015892581466425606),
    ] {
        let mu = plane.uniform(cloud(1, n, 2)).unwrap();
        let nu = plane.uniform(cloud(2, n, 2)).unwrap();
        let cost = CostMatrix::between(&mu, &nu, &SquaredEuclidean).unwrap();
        let sol = NetworkSimplex::default()
            .solve(mu.weights(), nu.weights(), &cost)
            .unwrap();
        assert!(
            (sol.cost - pot).abs() <= 1e-12 * pot,
            "n = {n}: {} here, {pot} for POT",
            sol.cost
        );
        check_certificate(mu.weights(), nu.weights(), &cost, &sol).unwrap();
        // uniform weights, n = m: an optimal vertex is a permutation
        assert_eq!(sol.plan.nnz(), n);
    }
}
