#!/usr/bin/env bash
# Regenerates the issue-19 rows of BENCHMARKS.md: the point-cloud Sinkhorn back-end against
# POT's ot.sinkhorn at n = 5000 (same instance, same run), and the multiscale solver at 10^4 to
# 10^5 points (2-D and 3-D) with time, certified errors and peak memory. Dev-time only.
#
#   bash scripts/large_entropic_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
uptime
cargo build --release -p kantorovich-ot --example sinkhorn_timing --example multiscale_timing
st=target/release/examples/sinkhorn_timing
ms=target/release/examples/multiscale_timing
# dense paths at n = 5000, REL 1e-2, tolerance 1e-6 (L1)
$st 5000 1e-2 all 1e-6
python3 scripts/pot_sinkhorn_kernel.py 5000 1e-2 1e-6
# multiscale: N REL TOL D [check]
$ms 5000 1e-2 1e-6 2 check
$ms 5000 1e-3 1e-6 2 check
$ms 20000 1e-3 1e-6 2
$ms 100000 1e-3 1e-3 2
$ms 100000 1e-3 1e-6 2
$ms 100000 1e-2 1e-3 2
$ms 100000 1e-3 1e-3 3
