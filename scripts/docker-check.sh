#!/usr/bin/env bash
# Checks the README's Docker instructions end to end, as root and offline: registers armrun's
# binfmt_misc entries from a container, runs arm64 and armhf containers, builds an image whose
# RUN step is an arm64 program, then removes the entries and the images it made. Without Docker
# Hub, the ARM images are the debootstrap first stages that scripts/rootfs.sh caches, loaded as
# arm64 and arm/v7 images named armrun-check/*. Starts dockerd (without touching the host's
# network) when none answers and stops it afterwards; skips with a message when none can run.
# Not part of scripts/test.sh or CI. Usage: scripts/docker-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bm=/proc/sys/fs/binfmt_misc
work=$(mktemp -d)
started=""
daemon=""
disabled=()
cleanup() {
    set +e
    [ -n "${bin:-}" ] && "$bin" binfmt uninstall
    for e in "${disabled[@]}"; do echo 1 >"$bm/$e" && echo "re-enabled binfmt entry $e"; done
    [ -n "$daemon" ] && docker image ls --format '{{.Repository}}:{{.Tag}}' 'armrun-check/*' |
        xargs -r docker rmi >/dev/null
    if [ -n "$started" ]; then kill "$started" 2>/dev/null; wait "$started"; fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ -e "$bm/armrun-aarch64" ] || [ -e "$bm/armrun-arm" ]; then
    echo "docker-check: armrun's binfmt entries exist already; armrun binfmt uninstall first" >&2
    exit 1
fi
[ -e "$bm/register" ] || mount -t binfmt_misc binfmt_misc "$bm"
if ! docker info >/dev/null 2>&1; then
    if ! command -v dockerd >/dev/null; then
        echo "docker-check: skipped: no dockerd (apt-get install docker.io)"
        exit 0
    fi
    # No bridge and no iptables rules: the containers here need no network.
    dockerd --iptables=false --ip-forward=false --bridge=none >"$work/dockerd.log" 2>&1 &
    started=$!
    for _ in $(seq 30); do
        docker info >/dev/null 2>&1 && break
        kill -0 "$started" 2>/dev/null || break # dockerd exited
        sleep 1
    done
    docker info >/dev/null 2>&1 || {
        tail -5 "$work/dockerd.log"
        echo "docker-check: skipped: dockerd does not start (log above)"
        exit 0
    }
fi
daemon=1

cargo build --profile dist -q -p armrun
bin=$(realpath "${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/dist/armrun")
cp "$bin" "$work/armrun"

# Other entries for ARM ELF executables (Debian's qemu-arm, qemu-aarch64) would run the
# programs instead of armrun: disabled until the end. Their magic (qemu's, as armrun's) is
# the ELF identification of a 32- or 64-bit little-endian file, ending with e_machine.
for f in "$bm"/*; do
    e=${f##*/}
    case $e in register | status | armrun-*) continue ;; esac
    if grep -qx enabled "$f" && grep -qE '^magic 7f454c460[12]01.*(b700|2800)$' "$f"; then
        echo 0 >"$f"
        disabled+=("$e")
        echo "disabled binfmt entry $e"
    fi
done

# An image from a root file system tarball with a given platform (docker import records the
# host's). The first stage's /proc is a symlink, which BuildKit's runc refuses as a mount point.
load() { # ARCH DOCKER_ARCH VARIANT
    local tar layer=$work/layer.tar sum
    tar=$(bash scripts/rootfs.sh "$1")
    cp "$tar" "$layer"
    tar --delete -f "$layer" ./proc
    mkdir -p "$work/d/proc"
    tar -rf "$layer" -C "$work/d" ./proc
    sum=$(sha256sum "$layer" | cut -d' ' -f1)
    cat >"$work/config.json" <<EOF
{"architecture": "$2", "variant": "$3", "os": "linux", "config": {"Cmd": ["/bin/sh"]},
 "rootfs": {"type": "layers", "diff_ids": ["sha256:$sum"]}}
EOF
    cat >"$work/manifest.json" <<EOF
[{"Config": "config.json", "RepoTags": ["armrun-check/debian:$1"], "Layers": ["layer.tar"]}]
EOF
    tar -C "$work" -cf - layer.tar config.json manifest.json | docker load -q
    rm "$layer"
}
load arm64 arm64 ""
load armhf arm v7
# Stands in for debian:bookworm in the install container, which uses only the mounted armrun.
tar -cf "$work/empty.tar" -T /dev/null
docker import "$work/empty.tar" armrun-check/empty >/dev/null

fail=0
check() { # WHAT EXPECTED COMMAND...
    local what=$1 want=$2 got
    shift 2
    got=$("$@" 2>&1) || true
    if [ "$got" = "$want" ]; then echo "ok: $what: $got"; else
        echo "FAILED: $what: got '$got', want '$want'"
        fail=1
    fi
}
pipeline='printf "c\na\nb\n" | sort | tr a-z A-Z | paste -sd,'
if docker run --rm --platform linux/arm64 armrun-check/debian:arm64 true 2>/dev/null; then
    echo "FAILED: an arm64 program ran before armrun was registered"
    fail=1
fi

# The README's install command; the image needs nothing but the mounted armrun.
install=(-v "$work/armrun:/armrun" armrun-check/empty /armrun binfmt install)
echo "+ docker run --rm --privileged ${install[*]}"
if ! docker run --rm --privileged "${install[@]}"; then
    # Where the host lacks a capability (a VM's bounding set), --privileged cannot be applied;
    # mounting binfmt_misc and writing its register file need only these.
    echo "+ docker run --rm --cap-add SYS_ADMIN --security-opt systempaths=unconfined ${install[*]}"
    docker run --rm --cap-add SYS_ADMIN --security-opt systempaths=unconfined "${install[@]}"
fi
"$bin" binfmt status
check "flag F on both entries" "F F" \
    sh -c "grep -h '^flags:' $bm/armrun-aarch64 $bm/armrun-arm | grep -o F | paste -sd' '"
check "arm64 uname -m" aarch64 \
    docker run --rm --platform linux/arm64 armrun-check/debian:arm64 uname -m
check "arm64 pipeline" A,B,C \
    docker run --rm --platform linux/arm64 armrun-check/debian:arm64 sh -c "$pipeline"
check "armhf uname -m" armv7l \
    docker run --rm --platform linux/arm/v7 armrun-check/debian:armhf uname -m
check "armhf pipeline" A,B,C \
    docker run --rm --platform linux/arm/v7 armrun-check/debian:armhf sh -c "$pipeline"

mkdir "$work/ctx"
printf 'FROM armrun-check/debian:arm64\nRUN (uname -m; dpkg --print-architecture) > /built-on\n' \
    >"$work/ctx/Dockerfile"
docker build -q --network none --platform linux/arm64 -t armrun-check/built "$work/ctx" >/dev/null
check "docker build, RUN step" "aarch64 arm64" \
    docker run --rm --platform linux/arm64 armrun-check/built sh -c 'echo $(cat /built-on)'

echo "docker-check: $([ $fail = 0 ] && echo passed || echo FAILED) in ${SECONDS}s"
exit $fail
