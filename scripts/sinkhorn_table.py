#!/usr/bin/env python3
"""Markdown table of kantorovich's Sinkhorn benchmarks next to POT's (and GeomLoss's) timings.

Dev-time only. Usage (see scripts/benchmarks.sh):
    cargo bench --bench sinkhorn                              # target/criterion/sinkhorn/...
    python3 scripts/pot_sinkhorn_bench.py --out target/pot_sinkhorn_bench.json
    python3 scripts/sinkhorn_table.py [--criterion DIR] [--pot FILE] [--out FILE]

kantorovich: criterion means of `sinkhorn/dense/N/REL` (cost matrix given, as POT's M) and
`sinkhorn/lazy/N/REL` (matrix-free, end to end). Both stop at a relative L1 marginal error of
1e-6. POT: `ot.sinkhorn(method='sinkhorn_log')` with two stopping rules: `l1_bound`
(stopThr = 1e-6 / sqrt(n) on POT's L2 column error, which guarantees our L1 criterion: the fair
comparison) and `pot_l2` (stopThr = 1e-6 as POT reads it: a looser stop, about 10x to 50x
larger L1 error, that favours POT). Speed-up = POT l1_bound / kantorovich dense.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from bench_table import read_criterion  # noqa: E402


def rel_label(rel):
    return "%.0e" % rel


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--criterion", default="target/criterion")
    parser.add_argument("--pot", default="target/pot_sinkhorn_bench.json")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    criterion = read_criterion(args.criterion)
    with open(args.pot) as f:
        pot = json.load(f)
    entries = pot.get("entries", [])

    def pot_entry(n, rel, rule):
        for e in entries:
            if (e.get("name") == "pot_sinkhorn_log" and e.get("n") == n and e.get("stop_rule") == rule
                    and abs(e.get("rel_eps", 0) - rel) < 1e-12 * rel):
                return e
        return None

    def show(e):
        if e is None:
            return "—"
        if e.get("status") != "ok":
            est = e.get("estimated_seconds")
            return "not run%s" % (" (est. %.0f s)" % est if est else "")
        return "%.3g s (%d it.)" % (e["seconds"], e.get("iterations", 0))

    lines = ["| n | eps / max C | kantorovich dense | kantorovich lazy | POT, L1 <= 1e-6 | POT, stopThr 1e-6 (L2) "
             "| speed-up vs POT (L1 / L2 rule) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n in sorted({e["n"] for e in entries if e.get("name") == "pot_sinkhorn_log"} |
                    {int(k.split("/")[2]) for k in criterion if k.startswith("sinkhorn/")}):
        for rel in (1e-2, 1e-3):
            dense = criterion.get("sinkhorn/dense/%d/%s" % (n, rel_label(rel).replace("e-0", "e-")))
            lazy = criterion.get("sinkhorn/lazy/%d/%s" % (n, rel_label(rel).replace("e-0", "e-")))
            l1, l2 = pot_entry(n, rel, "l1_bound"), pot_entry(n, rel, "pot_l2")
            speed = []
            for e in (l1, l2):
                ok = e is not None and e.get("status") == "ok" and dense
                speed.append("%.1fx" % (e["seconds"] / dense) if ok else "—")
            if dense is None and lazy is None and l1 is None and l2 is None:
                continue
            lines.append("| %d | %s | %s | %s | %s | %s | %s |" % (
                n, rel_label(rel), "—" if dense is None else "%.3g s" % dense,
                "—" if lazy is None else "%.3g s" % lazy, show(l1), show(l2), " / ".join(speed)))
    machine = pot.get("machine", {})
    lines.append("")
    lines.append("POT %s, NumPy %s, %s (%s cores), POT side run %s." % (
        machine.get("pot", "?"), machine.get("numpy", "?"), machine.get("cpu_model", "?"),
        machine.get("cpu_count", "?"), machine.get("date", "?")))
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
        print("wrote %s" % args.out)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
