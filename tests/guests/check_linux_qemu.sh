#!/usr/bin/env bash
# Boots the unmodified Debian guests (make linux-guests) in plain QEMU's
# microvm, without the hypervisor: this checks the pieces (kernel,
# initramfs, /init, memverify, memtest86+), so a failure under the monitor
# is the monitor's. First QEMU's own firmware (qboot) loads them by the
# Linux boot protocol; then our loader does (see "ours" below).
#
# usage: check_linux_qemu.sh GUEST_DIR TALLY_FILE [LOG_DIR]
# Writes "passed failed" to TALLY_FILE; exits non-zero if any check failed.
set -u
dir=${1:?guest directory}
tally=${2:?tally file}
log_dir=${3:-build/linux-guests-qemu}
qemu=${QEMU_X86_64:-qemu-system-x86_64}
mkdir -p "$log_dir"
passed=0 failed=0
machine="microvm,acpi=off,pit=on,pic=on,rtc=on,isa-serial=on"

# boot NAME SECONDS QEMU-ARGS...: output in $log_dir/NAME.log, status in $rc
# (124: it ran until the timeout).
boot() {
    local name=$1 secs=$2; shift 2
    # No sound device, no display: the same on a machine without either.
    ALSA_CONFIG_PATH=/dev/null DISPLAY= timeout -k 5 "$secs" "$qemu" -M "$machine" \
        -nographic -monitor none -no-reboot -audiodev none,id=snd0 "$@" \
        </dev/null >"$log_dir/$name.log" 2>"$log_dir/$name.err"
    rc=$?
    # memtest86+ draws with terminal escapes: strip them for grep.
    sed 's/\x1b\[[0-9;?]*[A-Za-z]/ /g' "$log_dir/$name.log" | tr -s ' ' >"$log_dir/$name.txt"
}

check() {
    local what=$1; shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "linux-guests-qemu: FAIL $what (qemu status $rc); see $log_dir"
    fi
}
has() { grep -aq -- "$2" "$log_dir/$1.txt"; }
lacks() { ! grep -aq -- "$2" "$log_dir/$1.txt"; }

# Linux: the initramfs's marker, three memverify rounds over 16 MiB, then
# reboot=t's triple fault ends QEMU (-no-reboot) well before the timeout.
start=$(date +%s)
boot linux 90 -m 96 -kernel "$dir/vmlinuz" -initrd "$dir/initramfs.gz" \
    -append "console=ttyS0 reboot=t panic=-1 hvlinux.mib=16 hvlinux.rounds=3 hvlinux.end=reboot"
secs=$(($(date +%s) - start))
check "linux: exits by itself" test "$rc" = 0
check "linux: initramfs marker" has linux "^hvlinux: initramfs up"
for r in 1 2 3; do
    check "linux: memverify round $r" has linux "^memverify: round $r ok (4096 pages)"
done
check "linux: memverify exit 0" has linux "^hvlinux: memverify exit 0"
check "linux: no mismatch" lacks linux "MISMATCH"
check "linux: no panic" lacks linux "Kernel panic"
grep -a "^hvlinux:\|^memverify:" "$log_dir/linux.txt" | sed 's/^/  /'
echo "  (linux: ${secs} s)"

# memtest86+: its screen on the serial port, testing, no errors. One pass
# takes minutes under TCG; 30 s shows it runs (64 MiB: qboot's map of less
# RAM misleads it).
boot memtest 30 -m 64 -kernel "$dir/memtest.bin" -append "console=ttyS0,115200 nopause"
check "memtest: runs until stopped" test "$rc" = 124
check "memtest: banner" has memtest "Memtest86+ v6"
check "memtest: testing" has memtest "Address test"
check "memtest: no errors" lacks memtest "Errors: [1-9]"
grep -ao "Memtest86+ v[0-9.]*\|Memory : [0-9]*MB\|#[0-9] \[[^]]*\]\|Errors: [0-9]*" \
    "$log_dir/memtest.txt" | sort -u | sed 's/^/  /'

# The same two through our loader: linux_loader_dump writes the guest memory
# vmm/loader_linux.c fills (boot_params, e820, page tables, GDT, kernel,
# initrd) and linuxboot_stub enters the kernel in the state the loader asks
# for. The e820 map is ours (96 or 16 MiB of QEMU's 256), so a kernel that
# runs here runs on what the monitor will be given. acpi=off: QEMU's tables
# are not in our map.
ours() {
    local name=$1 kernel=$2 initrd=$3 mib=$4 cmdline=$5
    shift 5
    mkdir -p "$log_dir/$name"
    if ! "$dir/linux_loader_dump" "$kernel" "$initrd" "$mib" "$cmdline" "$log_dir/$name" "$@" \
        >"$log_dir/$name.dump" 2>&1; then
        cat "$log_dir/$name.dump"
        return 1
    fi
    sed 's/^/  /' "$log_dir/$name.dump"
}
start=$(date +%s)
if ours ours-linux "$dir/vmlinuz" "$dir/initramfs.gz" 96 \
    "console=ttyS0 acpi=off reboot=t panic=-1 hvlinux.mib=16 hvlinux.rounds=3 hvlinux.end=reboot"; then
    d=$log_dir/ours-linux
    boot ours-linux 90 -m 256 -kernel "$dir/linuxboot_stub.bin" \
        -initrd "$d/low.bin,$d/high.bin,$d/state.bin"
else
    rc=loader; : >"$log_dir/ours-linux.txt"
fi
secs=$(($(date +%s) - start))
check "ours-linux: exits by itself" test "$rc" = 0
check "ours-linux: our e820 map" has ours-linux "BIOS-e820: \[mem 0x0000000000100000-0x0000000005ffffff\] usable"
check "ours-linux: initramfs marker" has ours-linux "^hvlinux: initramfs up"
for r in 1 2 3; do
    check "ours-linux: memverify round $r" has ours-linux "^memverify: round $r ok (4096 pages)"
done
check "ours-linux: memverify exit 0" has ours-linux "^hvlinux: memverify exit 0"
check "ours-linux: no panic" lacks ours-linux "Kernel panic"
grep -a "BIOS-e820\|^hvlinux:\|^memverify:" "$log_dir/ours-linux.txt" | sed 's/^/  /'
echo "  (ours-linux: ${secs} s)"

# The 32-bit entry (linux_params.entry32): paging off, CS:EIP = 0x10:load.
if ours ours-linux32 "$dir/vmlinuz" "$dir/initramfs.gz" 96 \
    "console=ttyS0 acpi=off reboot=t panic=-1 hvlinux.mib=16 hvlinux.rounds=1 hvlinux.end=reboot" \
    entry32; then
    d=$log_dir/ours-linux32
    boot ours-linux32 90 -m 256 -kernel "$dir/linuxboot_stub.bin" \
        -initrd "$d/low.bin,$d/high.bin,$d/state.bin"
else
    rc=loader; : >"$log_dir/ours-linux32.txt"
fi
check "ours-linux32: exits by itself" test "$rc" = 0
check "ours-linux32: memverify round 1" has ours-linux32 "^memverify: round 1 ok (4096 pages)"
check "ours-linux32: memverify exit 0" has ours-linux32 "^hvlinux: memverify exit 0"

if ours ours-memtest "$dir/memtest.bin" - 16 "console=ttyS0,115200 nopause"; then
    d=$log_dir/ours-memtest
    boot ours-memtest 30 -m 256 -kernel "$dir/linuxboot_stub.bin" \
        -initrd "$d/low.bin,$d/high.bin,$d/state.bin"
else
    rc=loader; : >"$log_dir/ours-memtest.txt"
fi
check "ours-memtest: runs until stopped" test "$rc" = 124
check "ours-memtest: banner" has ours-memtest "Memtest86+ v6"
check "ours-memtest: our 16 MiB" has ours-memtest "Memory : 16MB"
check "ours-memtest: testing" has ours-memtest "Address test"
check "ours-memtest: no errors" lacks ours-memtest "Errors: [1-9]"
grep -ao "Memory : [0-9]*MB\|#[0-9] \[[^]]*\]\|Errors: [0-9]*" "$log_dir/ours-memtest.txt" |
    sort -u | sed 's/^/  /'
# The dumps are 100 MB: keep the logs only.
rm -f "$log_dir"/ours-*/*.bin

echo "$passed $failed" >"$tally"
echo "linux-guests-qemu: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
