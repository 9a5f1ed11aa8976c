#!/usr/bin/env bash
# Fetches real Debian arm64 programs into .cache/real (cached): busybox-static for now.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/real
if [ ! -x "$dir/bin/busybox" ]; then
    mkdir -p "$dir"
    dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64; apt-get update -qq; }
    tmp=$(mktemp -d)
    chmod 777 "$tmp"
    (cd "$tmp" && apt-get download -qq busybox-static:arm64 2>/dev/null || { apt-get update -qq && apt-get download -qq busybox-static:arm64; })
    dpkg -x "$tmp"/busybox-static_*_arm64.deb "$dir"
    rm -rf "$tmp"
fi
