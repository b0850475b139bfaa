#!/usr/bin/env bash
# Regenerates BENCHMARKS.md's table: criterion benches of kantorovich and POT's timings on the
# same instances, in the same run. Dev-time only (needs Python with POT: see requirements-bench.txt).
#
#   pip install -r scripts/requirements-bench.txt
#   bash scripts/benchmarks.sh            # writes target/bench_table.md and target/sinkhorn_table.md
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench exact_ot --bench barycenter
python3 scripts/pot_bench.py --out target/pot_bench.json
python3 scripts/bench_table.py --criterion target/criterion --pot target/pot_bench.json --out target/bench_table.md
cat target/bench_table.md

# Entropic OT (issue 3): criterion Sinkhorn benches, then POT's sinkhorn_log on the same instances
# (one repetition each; calls estimated above 600 s are skipped and listed as such).
cargo bench --bench sinkhorn
python3 scripts/pot_sinkhorn_bench.py --sizes 1000,5000 --repetitions 1 --no-geomloss --time-budget 600 \
    --out target/pot_sinkhorn_bench.json
python3 scripts/sinkhorn_table.py --criterion target/criterion --pot target/pot_sinkhorn_bench.json \
    --out target/sinkhorn_table.md
cat target/sinkhorn_table.md

# Bures-Wasserstein and GMM (issue 4): criterion benches (they also export their instances and
# answers to target/gaussian_bench/instances.txt), then POT on the same instances, one BLAS thread.
cargo bench --bench gaussian
python3 scripts/pot_gaussian_bench.py --out target/gaussian_table.md --json target/pot_gaussian_bench.json

# Fixed-support barycentres (issue 5): the exact LP and IBP, then POT's ot.lp.barycenter and
# ot.bregman.barycenter(method='sinkhorn_log') on the same instances, with the combined table.
cargo bench --bench fixed_support
python3 scripts/pot_fixed_support_bench.py --criterion target/criterion | tee target/fixed_support_table.md

# Convolutional barycentres (issue 5): criterion at 64^2-256^2 and a plain timed run at 512^2
# (both export the images and our barycentres to target/convolutional_bench/), then POT's
# convolutional_barycenter2d on the same images and iteration count, and the max difference.
CONV_BENCH_CONVERGE=1 cargo bench --bench convolutional -- --warm-up-time 1 --measurement-time 3
python3 scripts/pot_convolutional_bench.py --converge

# One-dimensional OT and sliced Wasserstein (issue 5): ot_1d / ot_1d_cost / sliced_wasserstein /
# SlicedBarycenter, then POT's emd_1d, emd2_1d and sliced_wasserstein_distance on the same points.
cargo bench --bench one_d -- --warm-up-time 1 --measurement-time 3
python3 scripts/pot_one_d_bench.py
