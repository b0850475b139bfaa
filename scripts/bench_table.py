#!/usr/bin/env python3
"""Markdown table comparing kantorovich's criterion benchmarks with POT's reference timings.

Dev-time only: nothing in building or testing the Rust library needs Python.

Usage:
    cargo bench                                   # writes target/criterion/...
    python3 scripts/pot_bench.py                  # writes target/pot_bench.json
    python3 scripts/bench_table.py [--criterion target/criterion] [--pot target/pot_bench.json]
                                   [--out FILE]   # Markdown to FILE, else to stdout

Criterion (0.5) results are found by walking the criterion directory for `new/estimates.json`:
a bench `F` with parameter `P` in a group `G` is stored in G/F/P/new/, one without parameter in
G/F/new/ (names made filename-safe: '/', ':', '?', ... become '_'). The id is read from the
sibling new/benchmark.json ("full_id", e.g. "exact_ot/network_simplex/100") when present, else
taken from the path. The time is the "mean" point estimate (nanoseconds).

Mapping (criterion id -> POT entry of pot_bench.py):
    exact_ot/network_simplex/N      -> emd, n = N (solve only, cost matrix given)
    barycenter/fixed_point_h[/P]    -> free_support_barycenter
    barycenter/fixed_point_g[/P]    -> free_support_barycenter_generic_costs (true_fixed_point)
Other criterion benchmarks are listed with no POT column.
"""

import argparse
import datetime
import json
import os
import platform
import re
import sys

# (regex on the criterion full id, POT entry name, whether the regex's group 1 is n)
MAPPING = [
    (re.compile(r"^exact_ot/network_simplex/(\d+)$"), "emd", True),
    (re.compile(r"^barycenter/fixed_point_h(?:/(\d+))?$"), "free_support_barycenter", False),
    (re.compile(r"^barycenter/fixed_point_g(?:/(\d+))?$"), "free_support_barycenter_generic_costs",
     False),
]


def read_criterion(root):
    """{full_id: mean seconds} for every benchmark under `root` (a target/criterion directory)."""
    results = {}
    if not os.path.isdir(root):
        return results
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        if os.path.basename(dirpath) != "new" or "estimates.json" not in filenames:
            continue
        bench_dir = os.path.dirname(dirpath)
        rel = os.path.relpath(bench_dir, root)
        if rel.split(os.sep)[0] == "report":
            continue
        full_id = rel.replace(os.sep, "/")
        meta_path = os.path.join(dirpath, "benchmark.json")
        if os.path.isfile(meta_path):
            try:
                with open(meta_path) as f:
                    full_id = json.load(f).get("full_id") or full_id
            except (OSError, ValueError):
                pass
        try:
            with open(os.path.join(dirpath, "estimates.json")) as f:
                mean_ns = json.load(f)["mean"]["point_estimate"]
        except (OSError, ValueError, KeyError, TypeError) as err:
            print("warning: skipping %s: %s" % (dirpath, err), file=sys.stderr)
            continue
        results[full_id] = float(mean_ns) * 1e-9
    return results


def read_pot(path):
    """(entries, report) from pot_bench.py's JSON (a {"entries": [...]} object or a bare list)."""
    if not path or not os.path.isfile(path):
        return [], {}
    with open(path) as f:
        data = json.load(f)
    if isinstance(data, list):
        return data, {}
    return data.get("entries", []), data


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def fmt_seconds(s):
    if s is None:
        return "—"
    return "%.4g" % s if s >= 1e-3 else "%.3e" % s


def sort_key(full_id):
    # Mapped benchmarks first, in MAPPING order; numbers sort numerically inside the id
    # ("network_simplex/500" before ".../1000").
    rank = next((i for i, (regex, _, _) in enumerate(MAPPING) if regex.match(full_id)), len(MAPPING))
    return [(rank, 0, "")] + [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", full_id)]


def build_rows(criterion, pot_entries):
    pot = {}
    for e in pot_entries:
        pot[(e.get("name"), e.get("n"))] = e
    pot_by_name = {}
    for e in pot_entries:
        pot_by_name.setdefault(e.get("name"), e)

    rows = []
    used = set()
    for full_id in sorted(criterion, key=sort_key):
        rust_s = criterion[full_id]
        pot_entry, n = None, None
        for regex, pot_name, group_is_n in MAPPING:
            m = regex.match(full_id)
            if not m:
                continue
            if group_is_n:
                n = int(m.group(1))
                pot_entry = pot.get((pot_name, n))
            else:
                pot_entry = pot_by_name.get(pot_name)
                if m.group(1) is not None:
                    n = int(m.group(1))
                elif pot_entry is not None:
                    n = pot_entry.get("n")
            if pot_entry is not None:
                used.add((pot_entry.get("name"), pot_entry.get("n")))
            break
        pot_s = pot_entry.get("seconds") if pot_entry else None
        rows.append((full_id, n, rust_s, pot_s, pot_entry.get("name") if pot_entry else None))
    # POT references whose kantorovich counterpart has not been benchmarked (yet).
    mapped_names = {name for _, name, _ in MAPPING}
    for e in pot_entries:
        key = (e.get("name"), e.get("n"))
        if e.get("name") in mapped_names and key not in used:
            rows.append(("(none) ~ POT " + e["name"], e.get("n"), None, e.get("seconds"), e["name"]))
    return rows


def render(rows, pot_report, criterion_root, pot_path):
    machine = pot_report.get("machine", {}) if pot_report else {}
    pot_version = (pot_report or {}).get("pot_version") or machine.get("pot") or "—"
    lines = []
    lines.append("| benchmark | n | kantorovich (s) | POT (s) | POT / kantorovich |")
    lines.append("| --- | ---: | ---: | ---: | ---: |")
    for full_id, n, rust_s, pot_s, pot_name in rows:
        ratio = "%.2f" % (pot_s / rust_s) if rust_s and pot_s is not None else "—"
        label = full_id if pot_name is None or full_id.startswith("(none)") else \
            "%s ~ POT %s" % (full_id, pot_name)
        lines.append("| %s | %s | %s | %s | %s |" % (
            label, "—" if n is None else n, fmt_seconds(rust_s), fmt_seconds(pot_s), ratio))
    if not rows:
        lines.append("| (no results found) | | | | |")
    lines.append("")
    lines.append("kantorovich: criterion mean, from `%s`. POT: best of repetitions of "
                 "`scripts/pot_bench.py`, from `%s`. A ratio above 1 means kantorovich is "
                 "faster." % (criterion_root, pot_path))
    lines.append("")
    lines.append("Machine: %s, %s logical cores; POT %s; table made %s."
                 % (cpu_model(), os.cpu_count(), pot_version,
                    datetime.date.today().isoformat()))
    if machine:
        same = machine.get("cpu_model") == cpu_model() and machine.get("cpu_count") == os.cpu_count()
        lines.append("POT timings taken %s on %s (%s cores), Python %s, NumPy %s%s."
                     % (machine.get("date", "?"), machine.get("cpu_model", "?"),
                        machine.get("cpu_count", "?"), machine.get("python", "?"),
                        machine.get("numpy", "?"),
                        "" if same else " (a different machine from this one)"))
    if pot_report.get("quick"):
        lines.append("")
        lines.append("Warning: the POT file comes from a `--quick` run (one repetition, n <= 1000).")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--criterion", default="target/criterion",
                        help="criterion output directory (default target/criterion)")
    parser.add_argument("--pot", default="target/pot_bench.json",
                        help="JSON written by scripts/pot_bench.py (default target/pot_bench.json)")
    parser.add_argument("--out", default=None, help="write the Markdown here instead of stdout")
    args = parser.parse_args(argv)

    criterion = read_criterion(args.criterion)
    pot_entries, pot_report = read_pot(args.pot)
    if not criterion:
        print("warning: no criterion results under %s" % args.criterion, file=sys.stderr)
    if not pot_entries:
        print("warning: no POT results in %s" % args.pot, file=sys.stderr)
    text = render(build_rows(criterion, pot_entries), pot_report, args.criterion, args.pot)
    if args.out:
        out_dir = os.path.dirname(args.out)
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
        print("wrote %s" % args.out)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
