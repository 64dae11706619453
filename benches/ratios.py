#!/usr/bin/env python3
"""Prints the ours/floor ratios of the last `cargo bench` run (criterion medians).

Reads $CARGO_TARGET_DIR/criterion (default target/criterion)/**/new/{benchmark,estimates}.json
(stdlib only). Usage:
    python3 benches/ratios.py [--markdown] [CRITERION_DIR]
"""
import json
import os
import sys

# The performance targets (BENCHMARKS.md, "Targets"): epoll within 1.10x of the hand-written
# floor, poll and select 1.15x.
TARGET = {"epoll": 1.10, "poll": 1.15, "select": 1.15}


def fmt_ns(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def load(root):
    medians = {}
    for dirpath, _dirs, files in os.walk(root):
        if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            est = json.load(f)
        key = (bench["group_id"], bench.get("value_str") or "", bench["function_id"])
        medians[key] = est["median"]["point_estimate"]
    return medians


def case_order(value):
    # "N=1024 K=16" / "N=10+1" / "64 connections": sort numerically where possible.
    nums = []
    for part in value.replace("+", " ").replace("=", " ").split():
        try:
            nums.append(int(part))
        except ValueError:
            pass
    return nums, value


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    markdown = "--markdown" in sys.argv
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    root = args[0] if args else os.path.join(target, "criterion")
    medians = load(root)
    if not medians:
        sys.exit(f"no criterion results under {root}: run `cargo bench` first")

    cases = sorted({(g, v) for g, v, _ in medians}, key=lambda gv: (gv[0], case_order(gv[1])))
    rows = []
    misses = 0
    for group, value in cases:
        floor = medians.get((group, value, "floor"))
        if floor is None:
            continue
        backend = group.split("/")[-1]
        target = TARGET.get(backend)
        for (g, v, func), ns in sorted(medians.items()):
            if (g, v) != (group, value) or func == "floor":
                continue
            ratio = ns / floor
            verdict = ""
            if target is not None and not group.startswith("echo"):
                ok = ratio <= target
                misses += not ok
                verdict = f"≤ {target:.2f}: " + ("ok" if ok else "MISSED")
            rows.append((group, value, func, fmt_ns(ns), fmt_ns(floor), f"{ratio:.3f}", verdict))

    header = ("group", "case", "ours", "ours median", "floor median", "ours/floor", "target")
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
        for r in [header] + rows:
            print("  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip())
    print(f"\n{len(rows)} comparisons, {misses} over target")


if __name__ == "__main__":
    main()
