#!/usr/bin/env bash
# Regenerates BENCHMARKS.md's table: criterion benches of kantorovich and POT's timings on the
# same instances, in the same run. Dev-time only (needs Python with POT: see requirements-bench.txt).
#
#   pip install -r scripts/requirements-bench.txt
#   bash scripts/benchmarks.sh            # writes target/bench_table.md
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench exact_ot --bench barycenter
python3 scripts/pot_bench.py --out target/pot_bench.json
python3 scripts/bench_table.py --criterion target/criterion --pot target/pot_bench.json --out target/bench_table.md
cat target/bench_table.md
