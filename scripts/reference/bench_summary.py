#!/usr/bin/python3
"""Summarises the JSON lines of scripts/bench.sh: per system and batch × beam
point, the median target tokens/s over the repetitions, and per pair of
systems the median of the ratios taken within each repetition.

  bench_summary.py RESULTS.jsonl [--base go]
  bench_summary.py --record RESULTS.jsonl --system NAME --rep N < one JSON line

--record tags the JSON line of one run (from translate-cli bench --json,
bench_ct2.py or bench_decode.py) with its system, repetition and the load
average, appends it to RESULTS.jsonl and prints it as one line of text.
"""

import argparse
import collections
import json
import statistics
import sys


def record(a):
    r = json.loads(sys.stdin.read())
    with open("/proc/loadavg") as f:
        load = float(f.read().split()[0])
    r.update(system=a.system, rep=a.rep, load_avg=load)
    with open(a.record, "a") as f:
        f.write(json.dumps(r) + "\n")
    print(f"rep {a.rep} batch {r['batch']} beam {r['beam']} {a.system:<12} {r['tok_s']:8.1f} tok/s  "
          f"load {r['load_s']:.2f} s  peak RSS {r['peak_rss_mb']:.0f} MB  (load average {load})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results", nargs="?")
    ap.add_argument("--base", default="go", help="the system whose ratios to the others are printed")
    ap.add_argument("--record", help="append one run read from stdin to this file")
    ap.add_argument("--system")
    ap.add_argument("--rep", type=int)
    a = ap.parse_args()
    if a.record:
        return record(a)
    rows = [json.loads(line) for line in open(a.results) if line.strip()]
    by = collections.defaultdict(dict)  # (batch, beam) -> system -> rep -> row
    for r in rows:
        by[(r["batch"], r["beam"])].setdefault(r["system"], {})[r["rep"]] = r
    systems = sorted({r["system"] for r in rows})
    points = sorted(by)
    head = "| system | " + " | ".join(f"batch {b} {'greedy' if k == 1 else f'beam {k}'}" for b, k in points) + " |"
    print(head)
    print("|" + "---|" * (len(points) + 1))
    for s in systems:
        cells = []
        for p in points:
            runs = by[p].get(s, {})
            cells.append(f"{statistics.median([r['tok_s'] for r in runs.values()]):.1f}" if runs else "–")
        print(f"| {s} | " + " | ".join(cells) + " |")
    for base in [x for x in systems if x.startswith(a.base)]:
        for s in systems:
            if s == base:
                continue
            cells = []
            for p in points:
                b, o = by[p].get(base, {}), by[p].get(s, {})
                ratios = [b[k]["tok_s"] / o[k]["tok_s"] for k in b if k in o]
                cells.append(f"{statistics.median(ratios):.2f}×" if ratios else "–")
            print(f"| {base} ÷ {s} | " + " | ".join(cells) + " |")
    print()
    print("| system | peak RSS MB (batch 1, greedy) | load s |")
    print("|---|---|---|")
    first = points[0]
    for s in systems:
        runs = by[first].get(s, {})
        if runs:
            rss = statistics.median([r["peak_rss_mb"] for r in runs.values()])
            load = statistics.median([r["load_s"] for r in runs.values()])
            print(f"| {s} | {rss:.0f} | {load:.2f} |")
    steps = [(p, r) for p in points for s, runs in by[p].items() if s.startswith("go") for r in runs.values() if "step_p50_ms" in r]
    if steps:
        print()
        print("| system | point | step p50 ms | step p99 ms |")
        print("|---|---|---|---|")
        agg = collections.defaultdict(list)
        for p, r in steps:
            agg[(r["system"], p)].append(r)
        for (s, p), rs in sorted(agg.items()):
            print(f"| {s} | batch {p[0]} beam {p[1]} | {statistics.median([r['step_p50_ms'] for r in rs]):.2f} | {statistics.median([r['step_p99_ms'] for r in rs]):.2f} |")


if __name__ == "__main__":
    main()
