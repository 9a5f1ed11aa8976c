#!/usr/bin/env bash
# The first stage of a minimal Debian root file system for ARCH (arm64 or armhf), made by
# `debootstrap --foreign --variant=minbase` and cached as a tarball (.cache/rootfs-ARCH.tar):
# the second stage, which runs the packages' maintainer scripts under emulation, is what the
# tests do with it. Usage: scripts/rootfs.sh ARCH; prints the tarball's path.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:?usage: scripts/rootfs.sh arm64|armhf}
tar=.cache/rootfs-$arch.tar
if [ ! -f "$tar" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    debootstrap --foreign --arch="$arch" --variant=minbase bookworm "$work/root" \
        http://deb.debian.org/debian >"$work/log" 2>&1 || { tail -20 "$work/log" >&2; exit 1; }
    mkdir -p .cache
    tar -C "$work/root" -cf "$tar.part" .
    mv "$tar.part" "$tar"
fi
echo "$tar"
