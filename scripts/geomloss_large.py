#!/usr/bin/env python3
"""Dev-time (issue 19): GeomLoss + KeOps on CPU on the large entropic benchmark instances, for the
side-by-side table of BENCHMARKS.md. Runs in the throw-away venv of scripts/geomloss_venv.sh:

    target/geomloss-venv/bin/python scripts/geomloss_large.py N EPS [D] [OUT]

Instance: x = cloud(1, N, D), y = cloud(2, N, D) (the splitmix64 points of
crates/kantorovich-testkit and scripts/pot_bench.py), uniform weights, cost |x - y|^2, and EPS
absolute (multiscale_timing prints it: REL x max C). GeomLoss's cost is |x - y|^2 / 2, so it
runs with blur = sqrt(EPS / 2) and its value and potentials are doubled to compare.

Settings (the issue's): SamplesLoss('sinkhorn', p=2, blur, debias=False, scaling=0.9,
backend='multiscale'), with cluster_scale 0.05 when EPS >= 1e-2 (about REL 1e-2 here) and
GeomLoss's default clusters below. The timed call is the one with potentials=True (one call,
after an untimed call on 50 points that compiles the KeOps kernels). Prints the time, the peak
resident memory of the process and the doubled value, and writes the doubled potentials as raw
float64 to OUT/f.bin and OUT/g.bin (default target/geomloss), which
`cargo run --release -p kantorovich-ot --example potential_check -- N EPS D OUT` checks (marginal
errors and values of their plan, with the same code for both libraries).
"""
import os
import resource
import sys
import time

import numpy as np
import torch
from geomloss import SamplesLoss

MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64_uniforms(seed, count):
    """The generator of scripts/pot_bench.py, vectorised (uint64 arithmetic wraps mod 2^64)."""
    with np.errstate(over="ignore"):
        state = np.uint64(seed) + np.arange(1, count + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = state
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def cloud(seed, n, d):
    return splitmix64_uniforms(seed, n * d).reshape(n, d)


def main():
    n, eps = int(sys.argv[1]), float(sys.argv[2])
    d = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    out = sys.argv[4] if len(sys.argv) > 4 else "target/geomloss"
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(os.cpu_count())
    x, y = torch.from_numpy(cloud(1, n, d)), torch.from_numpy(cloud(2, n, d))
    a = torch.full((n,), 1.0 / n, dtype=torch.float64)
    b = torch.full((n,), 1.0 / n, dtype=torch.float64)
    blur = (eps / 2.0) ** 0.5
    kwargs = dict(p=2, blur=blur, debias=False, scaling=0.9, backend="multiscale")
    if eps >= 1e-2:
        kwargs["cluster_scale"] = 0.05
    small = torch.full((50,), 1.0 / 50, dtype=torch.float64)
    SamplesLoss("sinkhorn", potentials=True, **kwargs)(small, x[:50], small, y[:50])  # compile
    start = time.perf_counter()
    f, g = SamplesLoss("sinkhorn", potentials=True, **kwargs)(a, x, b, y)
    seconds = time.perf_counter() - start
    f, g = 2.0 * f.numpy().ravel(), 2.0 * g.numpy().ravel()
    value = float(a.numpy() @ f + b.numpy() @ g)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    f.astype(np.float64).tofile(os.path.join(out, "f.bin"))
    g.astype(np.float64).tofile(os.path.join(out, "g.bin"))
    print(
        f"geomloss n={n} d={d} eps={eps:.6e} {kwargs}: {seconds:.3f} s, value (doubled) {value:.12f}, "
        f"peak resident memory {peak:.0f} MB (process), potentials in {out}"
    )


if __name__ == "__main__":
    main()
