#!/usr/bin/env bash
# Assembles a second, cached arm64 sysroot for the Go and Java tests (tests/real_go_java.rs):
# Debian's fzf (a Go program) and openjdk-17-jre-headless with the libraries a headless JVM
# loads (libc6, libgcc-s1, libstdc++6, zlib1g). Unlike scripts/sysroot.sh it downloads exactly
# these packages, not their dependency closure: the JRE's declared dependencies (CUPS, fonts,
# ALSA, NSS, ca-certificates-java...) serve AWT, printing, sound and TLS, which `java -version`
# and a small class do not load, and would add 50 MB more to download.
# About 47 MB of .debs (the JRE is 43 MB), 200 MB unpacked; a minute on a fast mirror, once.
# Usage: scripts/sysroot-extra.sh; prints the sysroot path.
set -euo pipefail
. "$(dirname "$0")/apt.sh"
cd "$(dirname "$0")/.."
arch=arm64
pkgs="fzf openjdk-17-jre-headless libc6 libgcc-s1 libstdc++6 zlib1g"
root=.cache/sysroot-extra-$arch
stamp="$root/.armrun-packages"
if [ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$pkgs" ]; then
    echo "$root"
    exit 0
fi
apt_add_arch "$arch"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
arch_pkgs=$(for p in $pkgs; do echo "$p:$arch"; done)
# apt-get download writes into the current directory; a stale package list is refreshed once.
# shellcheck disable=SC2086
(cd "$work" && apt-get download -qq $arch_pkgs >/dev/null 2>&1) || {
    apt_update
    # shellcheck disable=SC2086
    (cd "$work" && apt-get download -qq $arch_pkgs >/dev/null)
}
rm -rf "$root"
mkdir -p "$root"
for deb in "$work"/*.deb; do dpkg -x "$deb" "$root"; done
# Merge /bin, /sbin and /lib into /usr as Debian's usrmerge does (as scripts/sysroot.sh).
for d in bin sbin lib; do
    if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
        mkdir -p "$root/usr/$d"
        cp -a "$root/$d/." "$root/usr/$d/"
        rm -rf "${root:?}/$d"
        ln -s "usr/$d" "$root/$d"
    fi
done
# The JRE's maintainer scripts would make /usr/bin/java (alternatives) and the CDS archive;
# the tests run /usr/lib/jvm/java-17-openjdk-arm64/bin/java directly, without either.
{ echo "$pkgs"; (cd "$work" && ls ./*.deb | sed 's|^\./||; s|\.deb$||'); } > "$stamp"
echo "$root"
