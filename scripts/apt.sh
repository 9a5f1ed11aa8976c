#!/usr/bin/env bash
# Sourced by the setup scripts: refreshing Debian's package lists in a way that survives a mirror
# in the middle of a sync. `apt-get update` exits 100 when any one index fails to download (seen
# in CI: "File has unexpected size ... Mirror sync in progress?" for one foreign architecture's
# security index), although every other list was refreshed. A failed refresh is retried; if it
# still fails, the scripts go on with the lists apt has, and the install or download that follows
# fails with apt's own message if it really needed the missing index.

# apt_update: refreshes the package lists, retrying once after a pause (a sync takes minutes to
# hours, so longer waits would only slow every script that refreshes).
apt_update() {
    apt-get update -qq && return 0
    sleep 15
    apt-get update -qq && return 0
    echo "apt.sh: apt-get update failed twice; going on with the package lists apt has" >&2
}

# apt_add_arch ARCH: makes ARCH's packages known to apt (dpkg --add-architecture, then a refresh).
apt_add_arch() {
    dpkg --print-foreign-architectures | grep -qx "$1" && return 0
    dpkg --add-architecture "$1"
    apt_update
}
