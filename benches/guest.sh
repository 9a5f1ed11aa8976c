#!/usr/bin/env bash
# Times guest workloads natively, under qemu-aarch64-static and under armrun, in one hyperfine
# run so the ratios come from the same machine state. Usage: benches/guest.sh [scale]
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-1}
bash scripts/deps.sh
cargo build --release -q -p armrun
out=target/bench
mkdir -p "$out"
for prog in intbench fpbench strbench; do
    gcc -O2 -o "$out/$prog-x86_64" "tests/guest/$prog.c" -lm
    aarch64-linux-gnu-gcc -static -O2 -o "$out/$prog-aarch64" "tests/guest/$prog.c" -lm
    hyperfine --warmup 1 --runs 5 --export-markdown "$out/$prog.md" \
        -n native "$out/$prog-x86_64 $scale" \
        -n qemu-aarch64-static "qemu-aarch64-static $out/$prog-aarch64 $scale" \
        -n armrun "target/release/armrun $out/$prog-aarch64 $scale" \
        -n armrun-interp "target/release/armrun --interp $out/$prog-aarch64 $scale"
done
