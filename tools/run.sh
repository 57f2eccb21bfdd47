#!/usr/bin/env bash
# make run: boot the image with the serial console on this terminal.
# QEMU with KVM when the host has nested VT-x (guests run at full speed);
# otherwise Bochs, which emulates VT-x with EPT. HV_EMULATOR=qemu|bochs
# overrides the choice (QEMU without KVM has no VT-x: the shell works, guests
# do not).
set -euo pipefail
image=${1:-build/esp.img}
emu=${HV_EMULATOR:-}
if [ -z "$emu" ]; then
    if [ -w /dev/kvm ] && grep -qw vmx /proc/cpuinfo; then emu=kvm; else emu=bochs; fi
fi
work=build/run
mkdir -p "$work"
case "$emu" in
kvm|qemu)
    cp "$image" "$work/disk.img"  # the firmware may write to its disk
    truncate -s 256M "$work/swap.img"   # a blank swap disk (host-run.cfg's swap.device)
    accel=()
    [ "$emu" = kvm ] && accel=(-enable-kvm -cpu host)
    echo "run: QEMU ${accel[*]:-(TCG, no VT-x)}; Ctrl-A X quits"
    # Headless as in tests/system/machine.py (QEMU_HEADLESS): null audio for
    # the PC speaker, no display, no NIC, so a machine without them runs it.
    exec qemu-system-x86_64 -M pc,pcspk-audiodev=snd0 -audiodev none,id=snd0 \
        -display none -net none -m 1G "${accel[@]}" -bios /usr/share/ovmf/OVMF.fd \
        -drive file="$work/disk.img",format=raw,if=ide \
        -drive file="$work/swap.img",format=raw,if=ide,index=1 -serial mon:stdio -no-reboot
    ;;
bochs)
    echo "run: Bochs (VT-x emulated, slow); about 10 s to the firmware, Ctrl-A X quits"
    exec python3 tools/run_console.py --bochs "$image" --workdir "$work"
    ;;
*)
    echo "run: unknown HV_EMULATOR '$emu' (qemu, kvm, bochs)" >&2
    exit 2
    ;;
esac
