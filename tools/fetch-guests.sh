#!/usr/bin/env bash
# fetch-guests.sh DIR
# Downloads the Debian packages the unmodified guests come from (never
# committed: the build fetches them) and extracts them under DIR/root:
#   DIR/root/boot/vmlinuz-*            linux-image-<version>-amd64 (bzImage)
#   DIR/root/boot/memtest86+x64.bin    memtest86+ (Linux boot header, 64-bit)
#   DIR/root/bin/busybox               busybox-static
#   DIR/root/usr/bin/vmware-rpctool    open-vm-tools (VMware's GuestRPC tool,
#                                      dynamic: with libc6's libc and loader)
# and links them as DIR/vmlinuz, DIR/memtest.bin, DIR/busybox. A second run
# with the packages already in DIR/debs downloads nothing.
set -euo pipefail
dir=${1:?usage: fetch-guests.sh DIR}
mkdir -p "$dir/debs"
cd "$dir"

# linux-image-amd64 is a metapackage: the kernel is in the versioned package
# it depends on, which is what `apt-get download` must be given as well.
kernel_pkg() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1
}
kpkg=$(kernel_pkg)
# A fresh machine may have no package lists yet: fetch them once (as root).
if [ -z "$kpkg" ] && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && kpkg=$(kernel_pkg)
fi
if [ -z "$kpkg" ]; then
    echo "fetch-guests: apt-cache knows no linux-image-amd64 (run apt-get update?)" >&2
    exit 1
fi
pkgs="linux-image-amd64 $kpkg busybox-static memtest86+ open-vm-tools libc6"

missing=""
for p in $pkgs; do
    ls debs/"${p}"_*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "fetch-guests: downloading$missing"
    # apt drops privileges to _apt for downloads; it needs to write here.
    chmod 0777 debs
    # shellcheck disable=SC2086
    (cd debs && apt-get download -qq $missing 2>&1 | grep -v 'unsandboxed' || true)
    for p in $missing; do
        ls debs/"${p}"_*.deb >/dev/null 2>&1 ||
            { echo "fetch-guests: apt-get download $p failed" >&2; exit 1; }
    done
fi

# Extract only when a package is newer than the last extraction.
stamp=root/.extracted
if [ ! -e "$stamp" ] || [ -n "$(find debs -name '*.deb' -newer "$stamp")" ]; then
    rm -rf root
    mkdir -p root
    for p in $pkgs; do
        dpkg-deb -x "$(ls debs/"${p}"_*.deb | tail -n1)" root
    done
    touch "$stamp"
fi

vmlinuz=$(ls root/boot/vmlinuz-* | tail -n1)
for f in "$vmlinuz" root/boot/memtest86+x64.bin root/bin/busybox root/usr/bin/vmware-rpctool \
         root/lib/x86_64-linux-gnu/libc.so.6 root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2; do
    [ -s "$f" ] || { echo "fetch-guests: $f missing after extraction" >&2; exit 1; }
done
ln -sf "${vmlinuz}" vmlinuz
ln -sf root/boot/memtest86+x64.bin memtest.bin
ln -sf root/bin/busybox busybox
echo "fetch-guests: $(basename "$vmlinuz"), memtest86+x64.bin, busybox in $dir"
