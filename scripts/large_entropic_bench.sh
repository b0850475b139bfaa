#!/usr/bin/env bash
# Regenerates the issue-19 rows of BENCHMARKS.md: the point-cloud Sinkhorn back-end against
# POT's ot.sinkhorn at n = 5000 (same instance, same run), the multiscale solver from 5,000 to
# 10^6 points (2-D and 3-D) with time, certified errors and peak memory, and, when the venv of
# scripts/geomloss_venv.sh exists, GeomLoss on the same 10^5-point instances, both libraries'
# potentials checked by the same dense passes (potential_check). Dev-time only.
#
#   bash scripts/large_entropic_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
uptime
cargo build --release -p kantorovich-ot --example sinkhorn_timing --example multiscale_timing --example potential_check
cargo build --release -p kantorovich-barycenter --example large_h_eps
st=target/release/examples/sinkhorn_timing
ms=target/release/examples/multiscale_timing
check=target/release/examples/potential_check
# dense paths at n = 5000, REL 1e-2, tolerance 1e-6 (L1), and one kernel pass of each back-end
$st 5000 1e-2 all 1e-6
$st 5000 1e-2 kernel
python3 scripts/pot_sinkhorn_kernel.py 5000 1e-2 1e-6
# multiscale: N REL TOL D [check]
$ms 5000 1e-2 1e-6 2 check
$ms 5000 1e-3 1e-6 2 check
$ms 20000 1e-3 1e-6 2
for rel in 1e-2 1e-3; do
    for tol in 1e-3 1e-6; do
        WRITE_POTENTIALS=target/bench19/ours_${rel}_${tol} $ms 100000 $rel $tol 2
    done
    NO_GRID=1 $ms 100000 $rel 1e-3 2
done
$ms 100000 1e-2 1e-3 3
$ms 100000 1e-3 1e-3 3
$ms 1000000 1e-2 1e-3 2
$ms 1000000 1e-3 1e-3 2
uptime
# H_eps of three 10^5-point clouds, 10 steps: N REL TOL STEPS
for rel in 1e-2 1e-3; do
    for tol in 1e-3 1e-6; do
        target/release/examples/large_h_eps 100000 $rel $tol 10
    done
done
# H_eps side by side with POT (dense, so smaller n; REL 1e-2 only: POT's sinkhorn underflows at 1e-3)
for n in 1000 3000 5000; do
    WRITE_POINTS=target/ours_h_eps.bin target/release/examples/large_h_eps $n 1e-2 1e-6 10
    python3 scripts/pot_h_eps.py $n 1e-2 10 target/ours_h_eps.bin
done
uptime
# GeomLoss side by side (eps = REL x max C = REL x 1.983820809853518 at 10^5, printed above)
if [ -x target/geomloss-venv/bin/python ]; then
    for rel in 1e-2 1e-3; do
        eps=$(python3 -c "print(repr($rel * 1.983820809853518))")
        target/geomloss-venv/bin/python scripts/geomloss_large.py 100000 "$eps" 2 target/bench19/geomloss_$rel 2>&1 | grep -v Warning
        $check 100000 "$eps" 2 target/bench19/geomloss_$rel
        for tol in 1e-3 1e-6; do
            $check 100000 "$eps" 2 target/bench19/ours_${rel}_${tol}
        done
    done
fi
uptime
