#!/usr/bin/env bash
# Assembles an arm64 sysroot from Debian's arm64 packages and their dependency closure (cached):
# apt downloads the .debs as if for an empty arm64 system, and each is unpacked with dpkg -x.
# Usage: scripts/sysroot.sh [arch] [bench]   (default arm64); prints the sysroot path.
# With `bench`, a separate sysroot (.cache/sysroot-bench-ARCH) that also holds what only the
# benchmark suite runs: openssl, and cpp-12 for gcc's compiler proper (cc1).
set -euo pipefail
. "$(dirname "$0")/apt.sh"
cd "$(dirname "$0")/.."
arch=${1:-arm64}
pkgs="busybox coreutils dash bash make python3 sqlite3 perl-base gawk sed grep xz-utils gzip bzip2 zstd file findutils"
root=.cache/sysroot-$arch
if [ "${2:-}" = bench ]; then
    pkgs="$pkgs openssl cpp-12"
    root=.cache/sysroot-bench-$arch
fi
stamp="$root/.armrun-packages"
if [ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$pkgs" ]; then
    echo "$root"
    exit 0
fi
apt_add_arch "$arch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/debs/partial"
: > "$work/status"
apt_opts=(-o "APT::Architecture=$arch" -o "APT::Architectures=$arch" -o "Dir::State::status=$work/status"
          -o "Dir::Cache::archives=$work/debs" -o Debug::NoLocking=1)
# shellcheck disable=SC2086
apt-get install -y -qq --download-only "${apt_opts[@]}" $pkgs >/dev/null 2>&1 || {
    apt_update
    # shellcheck disable=SC2086
    apt-get install -y -qq --download-only "${apt_opts[@]}" $pkgs >/dev/null
}
rm -rf "$root"
mkdir -p "$root"
for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$root"; done
# Merge /bin, /sbin and /lib into /usr as Debian's usrmerge does, so /usr/bin/PROG works for all.
for d in bin sbin lib; do
    if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
        mkdir -p "$root/usr/$d"
        cp -a "$root/$d/." "$root/usr/$d/"
        rm -rf "${root:?}/$d"
        ln -s "usr/$d" "$root/$d"
    fi
done
{ echo "$pkgs"; (cd "$work/debs" && ls ./*.deb | sed 's|^\./||; s|\.deb$||'); } > "$stamp"
echo "$root"
