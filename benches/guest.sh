#!/usr/bin/env bash
# Times guest workloads natively (the same C source built for x86-64), under qemu-aarch64-static
# and under armrun, in one hyperfine run per workload so the ratios come from the same machine
# state, then prints medians, ratios and their geometric means (benches/report.py).
# Usage: benches/guest.sh [scale] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-1}
runs=${2:-5}
bash scripts/deps.sh
cargo build --profile dist -q -p armrun
out=target/bench
mkdir -p "$out"
for prog in intbench fpbench strbench; do
    gcc -O2 -o "$out/$prog-x86_64" "tests/guest/$prog.c" -lm
    aarch64-linux-gnu-gcc -static -O2 -o "$out/$prog-aarch64" "tests/guest/$prog.c" -lm
    hyperfine -N --warmup 1 --runs "$runs" --export-json "$out/$prog.json" \
        -n native "$out/$prog-x86_64 $scale" \
        -n qemu "qemu-aarch64-static $out/$prog-aarch64 $scale" \
        -n armrun "target/x86_64-unknown-linux-gnu/dist/armrun $out/$prog-aarch64 $scale" >/dev/null
done
python3 benches/report.py "$out"/{intbench,fpbench,strbench}.json
