#!/usr/bin/env bash
# The full test suite: installs what it needs, then checks formatting, lints, unit, differential
# and guest-program tests, that the micro benchmarks run and that the fuzz targets build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/fetch-real.sh
bash scripts/sysroot.sh arm64 >/dev/null
bash scripts/sysroot.sh armhf >/dev/null
bash scripts/sysroot-extra.sh >/dev/null
# Needs the Debian mirror; without it the debootstrap tests fail, saying which cache is missing.
for arch in arm64 armhf; do
    bash scripts/rootfs.sh $arch >/dev/null || echo "test.sh: no $arch debootstrap first stage (see above)"
done
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -q -- -D warnings
# The guest-program, real-package and oracle tests run the shipped binary (the `dist` profile:
# the release build linked as one unit), the one users get and the benchmarks measure.
cargo build --profile dist -q -p armrun
export EMULATOR_UNDER_TEST=$(realpath "${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/dist/armrun")
# A hung test fails the run here with a clear message instead of stalling CI.
timeout --foreground 1800 cargo test --workspace --release --no-fail-fast -- --skip oracle_against_qemu
# armrun's tests again with the compiler thread started at the first block handed over: above,
# only programs that hand over 2048 blocks start it. (One test counts the ARMRUN_ variables its
# guest sees, and this run sets one.)
ARMRUN_JIT_THREAD_AFTER=0 timeout --foreground 1200 cargo test --release -p armrun \
    --no-fail-fast -- --skip oracle_against_qemu \
    --skip other_processes_see_the_guest_command_line_and_task_name
# The qemu oracles (A64, AArch32) run on their own so their per-class tables show in the log;
# the main line skips them by their test name.
timeout --foreground 600 cargo test --release -p armrun --test oracle_a64 -- --nocapture
timeout --foreground 600 cargo test --release -p armrun --test oracle_a32 -- --nocapture
# The criterion micro benchmarks run once each (no timing), so they keep building and their
# guest programs keep running to the end.
cargo bench -q -p runtime -- --test
if [ -f fuzz/Cargo.toml ]; then
    cargo check -q --manifest-path fuzz/Cargo.toml --target-dir target/fuzz-check
fi
