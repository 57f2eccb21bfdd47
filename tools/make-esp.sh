#!/usr/bin/env bash
# make-esp.sh OUT SECTORS BOOTX64.EFI KERNEL.ELF HOST.CFG [EXTRA_FILE DEST]...
# Writes a FAT32 ESP image: \EFI\BOOT\BOOTX64.EFI, \hv\kernel.elf,
# \hv\host.cfg, and any EXTRA_FILE at \DEST (e.g. hv/vms/a.vmx). A kernel or
# config of "-" leaves that file out (for tests of what happens without it).
set -euo pipefail
out=$1 sectors=$2 efi=$3 kernel=$4 cfg=$5
shift 5
tmp="$out.tmp"
rm -f "$tmp"
truncate -s $((sectors * 512)) "$tmp"
mformat -i "$tmp" -F -v HVESP ::
mmd -i "$tmp" ::/EFI ::/EFI/BOOT ::/hv
mcopy -i "$tmp" "$efi" ::/EFI/BOOT/BOOTX64.EFI
[ "$kernel" = "-" ] || mcopy -i "$tmp" "$kernel" ::/hv/kernel.elf
[ "$cfg" = "-" ] || mcopy -i "$tmp" "$cfg" ::/hv/host.cfg
while [ $# -ge 2 ]; do
    # each missing ancestor directory, outermost first
    dir=$(dirname "$2") sub=""
    for part in ${dir//\// }; do
        [ "$part" = "." ] && continue
        sub="$sub/$part"
        mmd -i "$tmp" -D s "::$sub" 2>/dev/null || true
    done
    mcopy -o -i "$tmp" "$1" "::/$2"
    shift 2
done
mv "$tmp" "$out"
