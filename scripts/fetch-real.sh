#!/usr/bin/env bash
# Fetches real Debian ARM programs (cached): busybox-static for arm64 into .cache/real and for
# armel (soft-float 32-bit ARM) into .cache/real-armel.
set -euo pipefail
. "$(dirname "$0")/apt.sh"
cd "$(dirname "$0")/.."
fetch() { # fetch ARCH DIR
    local arch=$1 dir=$2 tmp
    [ -x "$dir/bin/busybox" ] && return 0
    mkdir -p "$dir"
    apt_add_arch "$arch"
    tmp=$(mktemp -d)
    chmod 777 "$tmp"
    (cd "$tmp" && apt-get download -qq "busybox-static:$arch" 2>/dev/null || { apt_update && apt-get download -qq "busybox-static:$arch"; })
    dpkg -x "$tmp"/busybox-static_*_"$arch".deb "$dir"
    rm -rf "$tmp"
}
fetch arm64 .cache/real
fetch armel .cache/real-armel
