#!/usr/bin/env bash
# Sets up everything and runs armrun on a real Debian arm64 program (busybox-static).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cargo build --release -q -p armrun
demo=.cache/demo
mkdir -p "$demo"
if [ ! -x "$demo/bin/busybox" ]; then
    dpkg --add-architecture arm64
    apt-get update -qq
    (cd "$demo" && apt-get download -qq busybox-static:arm64 && dpkg -x busybox-static_*_arm64.deb .)
fi
echo "+ armrun $demo/bin/busybox uname -m"
./target/release/armrun "$demo/bin/busybox" uname -m
echo "+ armrun $demo/bin/busybox sh -c 'echo hello from busybox \$((6*7))'"
./target/release/armrun "$demo/bin/busybox" sh -c 'echo hello from busybox $((6*7))'
