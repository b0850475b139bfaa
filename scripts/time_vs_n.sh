#!/usr/bin/env bash
# The data of the book's time-against-n plot (chapter "Large problems"): uniform clouds of the
# unit square (cloud(1, n, 2) vs cloud(2, n, 2)), |x - y|^2, eps = 1e-3 x max C, tolerance 1e-3
# on the L1 marginal error, timed for each path: MultiscaleSinkhorn as it chooses, its truncated
# kernel alone (grid products off), dense Sinkhorn on PointCloudCost, and GeomLoss (multiscale,
# the settings of scripts/geomloss_large.py) when the venv of scripts/geomloss_venv.sh exists.
# Writes book/src/data/time_vs_n.csv; `cargo run --release --example large_problems` draws it.
# Dev-time only.
#
#   bash scripts/time_vs_n.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p kantorovich-ot --example multiscale_timing --example sinkhorn_timing
ms=target/release/examples/multiscale_timing
st=target/release/examples/sinkhorn_timing
out=book/src/data/time_vs_n.csv
uptime
echo "path,n,seconds" > "$out"
seconds() { sed -n 's/.*: \([0-9.]*\) s,.*/\1/p' | head -1; }
for n in 1000 3000 10000 30000 100000 300000 1000000; do
    line=$($ms $n 1e-3 1e-3 2 | sed -n 1p)
    echo "$line" | cut -c1-200
    echo "MultiscaleSinkhorn,$n,$(echo "$line" | seconds)" >> "$out"
    eps=$(echo "$line" | sed -n 's/.*max = \([0-9.e-]*\):.*/\1/p')
    if [ "$n" -le 300000 ]; then
        line=$(NO_GRID=1 $ms $n 1e-3 1e-3 2 | sed -n 1p)
        echo "$line" | cut -c1-200
        echo "truncated kernel only,$n,$(echo "$line" | seconds)" >> "$out"
    fi
    if [ "$n" -le 20000 ]; then
        line=$($st $n 1e-3 cloud 1e-3 | grep '^cloud')
        echo "$line" | cut -c1-200
        echo "dense Sinkhorn (PointCloudCost),$n,$(echo "$line" | seconds)" >> "$out"
    fi
    if [ -x target/geomloss-venv/bin/python ]; then
        line=$(target/geomloss-venv/bin/python scripts/geomloss_large.py $n "$eps" 2 target/time_vs_n 2>&1 | grep '^geomloss')
        echo "$line" | cut -c1-200
        echo "GeomLoss (KeOps CPU),$n,$(echo "$line" | seconds)" >> "$out"
    fi
done
uptime
cat "$out"
