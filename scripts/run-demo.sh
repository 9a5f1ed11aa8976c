#!/usr/bin/env bash
# Sets up everything and runs armrun on a real Debian arm64 program (busybox-static).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cargo build --profile dist -q -p armrun
bash scripts/fetch-real.sh
demo=.cache/real
echo "+ armrun $demo/bin/busybox uname -m"
./target/x86_64-unknown-linux-gnu/dist/armrun "$demo/bin/busybox" uname -m
echo "+ armrun $demo/bin/busybox sh -c 'echo hello from busybox \$((6*7))'"
./target/x86_64-unknown-linux-gnu/dist/armrun "$demo/bin/busybox" sh -c 'echo hello from busybox $((6*7))'
