#!/usr/bin/env bash
# Boots each test guest in plain QEMU (which loads Multiboot v1 kernels with
# -kernel) and checks its serial output and exit status. This checks the
# guests themselves, without the hypervisor: the system tests check them
# under the monitor. QEMU's isa-debug-exit makes QEMU exit with
# (status << 1) | 1, cut to 8 bits by the shell: statuses from 128 up lose
# their top bit (bad_port's 255 arrives as 127).
#
# usage: check_guests.sh GUEST_DIR TALLY_FILE [LOG_DIR]
# Writes "passed failed" to TALLY_FILE; exits non-zero if any check failed.
set -u
dir=${1:?guest directory}
tally=${2:?tally file}
qemu=${QEMU_I386:-qemu-system-i386}
log_dir=${3:-build/guests-qemu}
mkdir -p "$log_dir"
passed=0 failed=0

if ! command -v "$qemu" >/dev/null; then
    echo "guests-qemu: $qemu not found"
    echo "0 1" > "$tally"
    exit 1
fi

# set_status RC: $status from QEMU's exit code RC (isa-debug-exit's
# (status << 1) | 1), "timeout", or "qemu-N" for a plain QEMU exit.
set_status() {
    local rc=$1
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        status=timeout
    elif [ $((rc & 1)) -eq 1 ]; then
        status=$((rc >> 1))
    else
        status=qemu-$rc
    fi
}

# run NAME APPEND [QEMU ARGS...]: boots NAME.bin with a hard timeout; sets
# $out and $status (the guest's exit status, or "timeout", or "qemu-N" for a
# plain QEMU exit).
run() {
    local name=$1 append=$2 rc
    shift 2
    out=$(timeout -k 5 "${run_limit:-30}" "$qemu" -kernel "$dir/$name.bin" -append "$append" \
          -serial stdio -display none -monitor none -no-reboot -m 64 \
          -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" </dev/null 2>"$log_dir/$name.err")
    rc=$?
    printf '%s\n' "$out" > "$log_dir/$name.log"
    set_status $rc
}

# run_wakeup NAME APPEND: as run, with QEMU's monitor on stdin, where
# `system_wakeup` is typed after 4 s (QEMU then sets WAK_STS and, as if the
# power button had been pressed, PWRBTN_STS); the serial port goes to a file.
run_wakeup() {
    local name=$1 append=$2 rc
    rm -f "$log_dir/$name.serial"
    { sleep 4; echo system_wakeup; } |
        timeout -k 5 "${run_limit:-30}" "$qemu" -kernel "$dir/$name.bin" -append "$append" \
            -serial file:"$log_dir/$name.serial" -display none -monitor stdio -no-reboot -m 64 \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 >/dev/null 2>"$log_dir/$name.err"
    rc=$?
    out=$(cat "$log_dir/$name.serial" 2>/dev/null)
    printf '%s\n' "$out" > "$log_dir/$name.log"
    set_status $rc
}

# check WHAT CONDITION...: counts one check.
check() {
    local what=$1; shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "guests-qemu: FAIL $what (status $status); output:"
        printf '    %s\n' "$out"
    fi
}
has_line() { printf '%s\n' "$out" | grep -qxF -- "$1"; }
has_line_re() { printf '%s\n' "$out" | grep -qxE -- "$1"; }
count_lines() { printf '%s\n' "$out" | grep -cE -- "$1"; }

run hello ""
check "hello: status 0" test "$status" = 0
check "hello: its line" has_line "hello from the guest"

run memtouch "sweeps=3 touch=4"
check "memtouch: status 0" test "$status" = 0
check "memtouch: first line" has_line "memtouch: touching 0x200000-0x500000 (768 pages)"
check "memtouch: three sweeps" test "$(count_lines '^memtouch: sweep [123] ok \(768 pages\)$')" = 3
check "memtouch: no mismatch" test "$(count_lines MISMATCH)" = 0

run memtouch "touch=1"
check "memtouch touch=1: refused with status 2" test "$status" = 2

# idle=1 sleeps in HLT with interrupts on for good: on a PC (SeaBIOS here)
# the BIOS left the 18.2 Hz tick open, which the guest must mask first, or
# the tick arrives as vector 8 and it triple-faults (QEMU then exits 0).
run_limit=5 run memtouch "sweeps=1 touch=4 idle=1"
check "memtouch idle=1: still asleep after 5 s" test "$status" = timeout
check "memtouch idle=1: its line" has_line "memtouch: idle, waiting in hlt"

run cpuid "n=1000"
check "cpuid: status 0" test "$status" = 0
check "cpuid: done line" has_line "cpuid: done 1000"

# INS/OUTS: plain QEMU is the reference for what the CPU does.
run mmioforms ""
check "mmioforms: status 0" test "$status" = 0
check "mmioforms: ok line" has_line "mmioforms: ok"

# The text screen: QEMU's display adapter is the reference. (With -vga none
# QEMU still keeps what is written there, so the case without one is
# checked under the monitor only, bochs_vga_text_memory.)
run vgatext ""
check "vgatext: status 0" test "$status" = 0
check "vgatext: ok line" has_line "vgatext: ok"

run stringio ""
check "stringio: status 0" test "$status" = 0
check "stringio: rep outsb line" has_line "stringio: rep outsb ok"
check "stringio: backward line" has_line "stringio: backward outsb ok"
check "stringio: a16 line" has_line "stringio: a16 outsb ok"
check "stringio: insb line" has_line "stringio: rep insb ok (10000 bytes across 3 pages)"
check "stringio: done" has_line "stringio: done"

# Task switches: plain QEMU is the reference for what the CPU does.
run taskswitch ""
check "taskswitch: status 0" test "$status" = 0
check "taskswitch: call line" has_line "taskswitch: call and iret ok"
check "taskswitch: jmp line" has_line "taskswitch: jmp ok"
check "taskswitch: gate line" has_line "taskswitch: #GP through a task gate ok (error code 0x1230)"
check "taskswitch: int line" has_line "taskswitch: int 0x40 through a task gate ok"
check "taskswitch: 16-bit tss line" has_line "taskswitch: 16-bit tss ok"
check "taskswitch: done" has_line "taskswitch: done"

# Debug registers and single-step: plain QEMU is the reference.
run debugregs ""
check "debugregs: status 0" test "$status" = 0
check "debugregs: dr7 line" has_line "debugregs: dr7 kept across exits"
check "debugregs: breakpoint line" has_line "debugregs: execute breakpoint ok"
check "debugregs: watchpoint line" has_line "debugregs: write watchpoint ok"
check "debugregs: single-step line" has_line "debugregs: single-step ok (6 traps)"
check "debugregs: i/o breakpoint line" has_line "debugregs: i/o breakpoint ok"
check "debugregs: done" has_line "debugregs: done"

# pc-testdev: QEMU's own device is the reference for the monitor's model.
run testdev "" -device pc-testdev
check "testdev: status 0" test "$status" = 0
for line in "latch ok" "iomem ok" "string i/o ok" "edge irq ok" "level irq ok" "page drop ok" \
    "done"; do
    check "testdev: $line" has_line "testdev: $line"
done
run testdev ""
check "testdev without the device: status 2" test "$status" = 2
check "testdev without the device: its line" has_line "testdev: no device"

run bad_port ""
check "bad_port: status 255 (seen as 127)" test "$status" = 127
check "bad_port: read line" has_line "bad_port: read 0xff"

# A triple fault resets the machine; with -no-reboot QEMU then exits 0.
run bad_triple ""
check "bad_triple: QEMU stopped on the triple fault" test "$status" = qemu-0
check "bad_triple: first line, printed once" \
    test "$(count_lines '^bad_triple: zero-limit IDT, int3$')" = 1

# QEMU's TCG returns 0 for unknown MSRs instead of raising #GP, so the guest
# survives there; only its first line is checked. bad_beyond: QEMU's TCG
# reads unassigned addresses as 0 (a PC bus gives all ones) and then runs
# the zeros at 0xe0000000 for good, so it is not checked here at all.
run bad_msr ""
check "bad_msr: first line" has_line "bad_msr: rdmsr 0xdeadbeef, zero-limit IDT"

# ACPI against SeaBIOS's tables (ACPI 1.0: the RSDT) and QEMU's PIIX4 PM:
# S5 ends QEMU; S3 sleeps until the RTC alarm and SeaBIOS's resume path
# jumps to the guest's waking vector, the reference the monitor's S3
# follows (tests/system/console_acpi_scenarios.py runs the same guest).
run acpi_poweroff ""
check "acpi_poweroff: S5 ends QEMU" test "$status" = qemu-0
check "acpi_poweroff: its S5 line" has_line "acpi: PM1a_CNT 0x604 S5 type 0; powering off"
run acpi_poweroff "s3=1"
check "acpi_poweroff s3=1: status 0" test "$status" = 0
check "acpi_poweroff s3=1: suspended" \
    has_line "acpi: PM1a_CNT 0x604 S3 type 1; waking vector 0x1000; suspending"
check "acpi_poweroff s3=1: resumed" \
    has_line "acpi: resumed from S3: RAM kept, PM1_STS has WAK_STS and the wake event's"

run_wakeup acpi_poweroff "s3=2"
check "acpi_poweroff s3=2: woken by system_wakeup, status 0" test "$status" = 0
check "acpi_poweroff s3=2: resumed" \
    has_line "acpi: resumed from S3: RAM kept, PM1_STS has WAK_STS and the wake event's"

# The HPET against QEMU's (100 MHz, every timer 64-bit and periodic
# capable): the same guest runs under the monitor (tests/system/
# irq_scenarios.py), whose HPET has the ICH's 14.31818 MHz. Without one
# (-machine hpet=off, as hpet0.present = FALSE) there is no HPET table.
run hpet ""
check "hpet: status 0" test "$status" = 0
check "hpet: found through ACPI" has_line "hpet: at 0xfed00000, 3 timers, period 10000000 fs"
check "hpet: counter rate" has_line_re "hpet: counter rate (9[0-9]|10[0-9]|110)% of its period's"
check "hpet: legacy periodic on IRQ 0" \
    has_line_re "hpet: legacy periodic 20 interrupts in (9[0-9]|1[0-9][0-9])% of the expected time"
check "hpet: one-shot on IRQ 8" has_line "hpet: one-shot on IRQ 8 ok"
check "hpet: level status" has_line "hpet: level status ok"
run hpet "" -machine hpet=off
check "hpet: none with hpet=off, status 3" test "$status" = 3
check "hpet: none with hpet=off, its line" has_line "hpet: no HPET table"

# VMware's backdoor against QEMU's vmport (on by default in its PC): the
# same version and product type; from ring 3 with IOPL 0 QEMU raises the
# #GP the TSS's bitmap asks for, where the monitor, as ESX, answers
# (tests/system/irq_scenarios.py runs it so).
run backdoor ""
check "backdoor: status 0" test "$status" = 0
check "backdoor: version and type" has_line "backdoor: version 6, type 2"
check "backdoor: unknown command" has_line "backdoor: unknown command kept EBX"
# QEMU's vmport has no GETTIMEFULL, and answers GETMEMSIZE in bytes where
# VMware (and the monitor) answer MiB: the line is there, its value QEMU's.
check "backdoor: QEMU has no GETTIMEFULL" has_line "backdoor: no GETTIMEFULL"
check "backdoor: memory size line" has_line_re "backdoor: memory size [0-9]+"
run backdoor "user=1"
check "backdoor user=1: status 0" test "$status" = 0
check "backdoor user=1: QEMU refuses ring 3" has_line "backdoor: user-mode call refused with #GP"
run backdoor "" -machine vmport=off
check "backdoor: none with vmport=off, status 3" test "$status" = 3
# GuestRPC (backdoor command 30): QEMU's vmport does not have it, so the
# guest finds no channel; under the monitor, the system test bochs_backdoor.
run guestrpc ""
check "guestrpc: none under QEMU's vmport, status 3" test "$status" = 3
check "guestrpc: none line" has_line "guestrpc: none"

echo "$passed $failed" > "$tally"
echo "guests-qemu: $passed passed, $failed failed (logs: $log_dir)"
[ "$failed" -eq 0 ]
