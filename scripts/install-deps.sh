#!/bin/sh
# Install the Debian packages uvfio needs, quietly, only when missing.
set -e
pkgs="meson ninja-build pkg-config gcc clang libclang-rt-14-dev libjson-c-dev libcmocka-dev libxxhash-dev spin valgrind python3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "uvfio: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
