#!/bin/sh
# /init of the test initramfs (tools/mkinitramfs.py): busybox, memverify,
# the virtio balloon's modules and ACPI's button driver.
# Kernel command line words it reads (others are the kernel's):
#   hvlinux.mib=N     MiB memverify checks (default 16)
#   hvlinux.rounds=N  memverify rounds (default 3; 0: forever)
#   hvlinux.end=WHAT  then: poweroff (default), reboot (with the kernel's
#                     reboot=t, a triple fault: ends QEMU -no-reboot and a VM),
#                     halt, or shell (a shell on the console)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# The virtio balloon (Debian builds it as modules; the kernel finds the
# device through the DSDT's LNRO0005), dependencies first.
# ACPI's button driver (a module too) handles the fixed power button.
for m in virtio_ring virtio virtio_mmio virtio_balloon button; do
    insmod /lib/modules/$m.ko || echo "hvlinux: insmod $m failed"
done
echo "hvlinux: initramfs up"

mib=16 rounds=3 end=poweroff
for w in $(cat /proc/cmdline); do
    case "$w" in
        hvlinux.mib=*) mib=${w#*=} ;;
        hvlinux.rounds=*) rounds=${w#*=} ;;
        hvlinux.end=*) end=${w#*=} ;;
    esac
done
echo "hvlinux: $(grep MemTotal /proc/meminfo | tr -s ' ')"
/bin/memverify "$mib" "$rounds"
echo "hvlinux: memverify exit $?"

case "$end" in
    shell) exec setsid cttyhack sh ;;
    reboot) echo "hvlinux: reboot"; reboot -f ;;
    halt) echo "hvlinux: halt"; halt -f ;;
    *) echo "hvlinux: poweroff"; poweroff -f ;;
esac
# poweroff returned (no way to power off): never let init exit (a panic).
while :; do sleep 3600; done
