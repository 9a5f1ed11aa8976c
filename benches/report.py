#!/usr/bin/env python3
"""Prints a table from hyperfine JSON exports with commands named native, qemu and armrun:
median wall time of each, armrun/native and qemu/armrun with their spread (from the fastest
and slowest runs), and the geometric mean of each ratio over all workloads."""
import json
import math
import os
import statistics
import sys


def times(results, name):
    for r in results:
        if r["command"] == name:
            return r["times"]
    raise SystemExit(f"no '{name}' command in the export")


def main(paths):
    rows, slow, fast = [], [], []
    for p in paths:
        res = json.load(open(p))["results"]
        t = {n: times(res, n) for n in ("native", "qemu", "armrun")}
        med = {n: statistics.median(v) for n, v in t.items()}
        slowdown = med["armrun"] / med["native"]
        speedup = med["qemu"] / med["armrun"]
        spread_s = (min(t["armrun"]) / max(t["native"]), max(t["armrun"]) / min(t["native"]))
        spread_q = (min(t["qemu"]) / max(t["armrun"]), max(t["qemu"]) / min(t["armrun"]))
        name = os.path.basename(p).removesuffix(".json")
        rows.append((name, med, slowdown, spread_s, speedup, spread_q))
        slow.append(slowdown)
        fast.append(speedup)
    print(f"{'workload':<13} {'native':>9} {'qemu':>9} {'armrun':>9}"
          f" {'armrun/native':>22} {'qemu/armrun':>20}")
    for name, med, s, ss, q, qs in rows:
        print(f"{name:<13} {med['native']*1e3:>7.0f}ms {med['qemu']*1e3:>7.0f}ms"
              f" {med['armrun']*1e3:>7.0f}ms {s:>7.2f}x ({ss[0]:.2f}-{ss[1]:.2f})"
              f" {q:>6.2f}x ({qs[0]:.2f}-{qs[1]:.2f})")
    geo = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
    print(f"{'geomean':<13} {'':>9} {'':>9} {'':>9} {geo(slow):>7.2f}x {'':>14}"
          f" {geo(fast):>6.2f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
