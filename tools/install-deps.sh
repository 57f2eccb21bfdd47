#!/usr/bin/env bash
# Installs the Debian packages the build, the emulators and the tests need,
# only when one is missing, so `make run` and `make test` work on a fresh
# Debian 12 machine and cost nothing on a prepared one. With arguments, it
# installs those packages instead (`make traces` asks for valgrind, which
# only recording the trace corpus needs).
set -eu
PKGS="clang lld nasm gnu-efi mtools dosfstools ovmf qemu-system-x86 bochs bochsbios
      vgabios libcmocka-dev liblz4-dev libclang-rt-14-dev gnuplot-nox
      python3 make"
if [ "$#" -gt 0 ]; then PKGS="$*"; fi
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: not root; run as root or install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
