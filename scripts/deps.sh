#!/usr/bin/env bash
# Installs what building and testing armrun needs on Debian (run as root): the Debian cross
# compilers for the guest test programs, qemu-user-static as the test oracle and benchmark
# baseline, a JDK (javac compiles the class tests/real_go_java.rs runs) and the Rust components.
# Safe to run again; it skips what is already there.
set -euo pipefail
. "$(dirname "$0")/apt.sh"
need=()
for p in gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf gcc-arm-linux-gnueabi \
         qemu-user-static hyperfine gawk sqlite3 zstd file python3 debootstrap \
         openjdk-17-jdk-headless; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt_update
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "deps.sh: cargo (rustup) is required" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt >/dev/null 2>&1 || true
