#!/usr/bin/env bash
# Dev-time only (not in CI): a throw-away venv with GeomLoss, KeOps and torch (about 5.5 GB, CUDA
# wheels included; they run on CPU) at target/geomloss-venv, for scripts/geomloss_large.py.
#
#   bash scripts/geomloss_venv.sh            # creates the venv once
#   target/geomloss-venv/bin/python scripts/geomloss_large.py 100000 1e-2
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/geomloss-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet numpy==2.4.6 torch==2.15.0 geomloss==0.3.1 pykeops==2.3 keopscore==2.3
"$venv/bin/python" -c "import torch, geomloss, pykeops; print('torch', torch.__version__, 'geomloss', geomloss.__version__, 'pykeops', pykeops.__version__)"
