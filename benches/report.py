#!/usr/bin/env python3
"""Prints a table from hyperfine JSON exports with commands named native, qemu and armrun:
median wall time of each, armrun/native and qemu/armrun with their spread (from the fastest
and slowest runs), and the geometric mean of each ratio over the workloads of each target
(the export's folder name: aarch64, armhf) and over all.

`report.py --speed PREFIX` instead turns `openssl speed -mr` results (PREFIX.native.txt,
PREFIX.qemu.txt, PREFIX.armrun.txt: one `+F:N:ALG:bytes-per-second` line a run) into such an
export on stdout, each throughput as the time to process 256 MiB.

`report.py --merge EXPORT...` writes one export on stdout with each command's runs from all of
the given ones (the suite's rounds of one run each)."""
import json
import math
import os
import statistics
import sys

SPEED_BYTES = 256 << 20


def times(results, name):
    for r in results:
        if r["command"] == name:
            return r["times"]
    raise SystemExit(f"no '{name}' command in the export")


def speed_export(prefix):
    results = []
    for name in ("native", "qemu", "armrun"):
        with open(f"{prefix}.{name}.txt") as f:
            rates = [float(line.strip().split(":")[-1]) for line in f if line.startswith("+F:")]
        if not rates or min(rates) <= 0:
            raise SystemExit(f"{prefix}.{name}.txt: no openssl speed result")
        results.append({"command": name, "times": [SPEED_BYTES / r for r in rates]})
    json.dump({"results": results}, sys.stdout)


def merge_exports(paths):
    runs = {}
    for p in paths:
        with open(p) as f:
            for r in json.load(f)["results"]:
                runs.setdefault(r["command"], []).extend(r["times"])
    results = [{"command": name, "times": t} for name, t in runs.items()]
    json.dump({"results": results}, sys.stdout)


def geo(xs):
    return math.exp(sum(map(math.log, xs)) / len(xs))


def main(paths):
    groups = {}
    for p in paths:
        res = json.load(open(p))["results"]
        t = {n: times(res, n) for n in ("native", "qemu", "armrun")}
        med = {n: statistics.median(v) for n, v in t.items()}
        slowdown = med["armrun"] / med["native"]
        speedup = med["qemu"] / med["armrun"]
        spread_s = (min(t["armrun"]) / max(t["native"]), max(t["armrun"]) / min(t["native"]))
        spread_q = (min(t["qemu"]) / max(t["armrun"]), max(t["qemu"]) / min(t["armrun"]))
        name = os.path.basename(p).removesuffix(".json")
        group = os.path.basename(os.path.dirname(p))
        groups.setdefault(group, []).append((name, med, slowdown, spread_s, speedup, spread_q))
    print(f"{'workload':<16} {'native':>9} {'qemu':>9} {'armrun':>9}"
          f" {'armrun/native':>22} {'qemu/armrun':>20}")
    every = []
    for group, rows in groups.items():
        print(f"[{group}]")
        for name, med, s, ss, q, qs in rows:
            print(f"{name:<16} {med['native']*1e3:>7.0f}ms {med['qemu']*1e3:>7.0f}ms"
                  f" {med['armrun']*1e3:>7.0f}ms {s:>7.2f}x ({ss[0]:.2f}-{ss[1]:.2f})"
                  f" {q:>6.2f}x ({qs[0]:.2f}-{qs[1]:.2f})")
        print(f"{'geomean ' + group:<16} {'':>29} {geo([r[2] for r in rows]):>7.2f}x {'':>13}"
              f" {geo([r[4] for r in rows]):>6.2f}x")
        every += rows
    if len(groups) > 1:
        print(f"{'geomean all':<16} {'':>29} {geo([r[2] for r in every]):>7.2f}x {'':>13}"
              f" {geo([r[4] for r in every]):>6.2f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--speed"]:
        speed_export(sys.argv[2])
    elif sys.argv[1:2] == ["--merge"]:
        merge_exports(sys.argv[2:])
    else:
        main(sys.argv[1:])
