#!/usr/bin/env python3
"""System tests: boot the real image in QEMU and Bochs, drive the debug
shell over COM1, judge by what the serial port prints.

Usage: run_system_tests.py --image build/esp.img [--only NAME ...] [--list]
Each scenario has hard time limits; a failure prints the serial tail.
Later issues add scenarios with @scenario.
"""
import argparse
import contextlib
import datetime
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_scenarios  # noqa: E402
import memtouch_fill_scenarios  # noqa: E402
import swap_scenarios  # noqa: E402
import overcommit_scenarios  # noqa: E402
import irq_scenarios  # noqa: E402
import smp_scenarios  # noqa: E402  (issues 13 and 14: several vCPUs)
import linux_scenarios  # noqa: E402
from machine import (BOCHS_HEADLESS, Bochs, MachineError, Qemu,  # noqa: E402
                     bochs_swap_disk, make_workdir)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
SCENARIOS = []

QEMU_BOOT_S = 120
BOCHS_BOOT_S = 300

import hostile_output_scenarios  # noqa: E402  (issue #11 items 7-14)
import console_acpi_scenarios  # noqa: E402  (issue 14: vm console, guest ACPI)
import chaos_scenarios  # noqa: E402  (random CPL-3 code against the monitor)


class Failure(Exception):
    pass


def scenario(emulator):
    def wrap(fn):
        SCENARIOS.append((fn.__name__, emulator, fn))
        return fn
    return wrap


def check(cond, what):
    if not cond:
        raise Failure(what)


def variant_image(workdir, name, cfg_text=None, extra=(), kernel=None):
    """An ESP like build/esp.img but with another host.cfg (None: none) and
    optionally another kernel file ("-": none)."""
    out = os.path.join(workdir, name + ".img")
    cfg = "-"
    if cfg_text is not None:
        cfg = os.path.join(workdir, name + ".cfg")
        with open(cfg, "w") as f:
            f.write(cfg_text)
    args = [os.path.join(ROOT, "tools", "make-esp.sh"), out, "131040",
            os.path.join(BUILD, "BOOTX64.EFI"), kernel or os.path.join(BUILD, "kernel.elf"), cfg]
    for src, dest in extra:
        args += [src, dest]
    subprocess.run(args, check=True)
    return out


# ---- shared checks ------------------------------------------------------

def boot_to_prompt(m, limit):
    m.expect(r"kernel entered", limit)
    m.expect(r"^hv> ", 60)
    # The prompt is erased and drawn again below each line a guest prints.
    # When an autostarted guest's first lines came before this match ran (a
    # busy host reads the serial port late), the prompt matched is the last
    # one drawn and those lines were passed over: look again from the end of
    # the boot log, where guest output begins.
    m.serial.rewind_after_line("hv: ready")


def check_mem(m):
    out = m.command("mem")
    acc = re.search(r"accounted: free (\d+) \+ used (\d+) = (\d+) of (\d+) usable", out)
    check(acc, "mem printed no 'accounted' line:\n" + out)
    free, used, total, usable = (int(x) for x in acc.groups())
    check(free + used == total, f"mem: {free} + {used} != {total}")
    check(usable > 0 and total * 100 >= usable * 99,
          f"mem accounts for {total} of {usable} usable pages (< 99%)")
    mapline = re.search(r"^map:\s+usable (\d+)", out, re.M)
    check(mapline and int(mapline.group(1)) == usable, "mem: map line disagrees")
    check("free lists consistent" in out, "mem: allocator self-check failed:\n" + out)
    check(re.search(r"by owner:.* kernel \d+", out), "mem: no kernel pages by owner")
    return free, used, usable


def check_shell_basics(m):
    out = m.command("version")
    check(re.search(r"^hv \S+", out, re.M), "version: " + out)
    out = m.command("help")
    for c in ("mem", "cpu", "log", "uptime", "poweroff", "reboot"):
        check(c in out, f"help does not list {c}")
    out = m.command("frobnicate now")
    check("unknown command 'frobnicate'" in out, "unknown command not reported: " + out)
    out = m.command("fault")
    check("usage: fault" in out, "missing argument not reported: " + out)
    out = m.command("loglevel loud")
    check("not one of" in out, "bad loglevel not reported: " + out)
    out = m.command("uptime")
    check(re.search(r"^up \d+:\d\d:\d\d\.\d{3}, \d+ timer ticks", out, re.M), "uptime: " + out)
    out = m.command("log")
    check("kernel entered" in out and "uefi: boot: hv UEFI stage" in out,
          "log lacks the boot lines:\n" + out[-2000:])
    check(re.search(r"lines kept, \d+ suppressed", out), "log: no summary line")
    out = m.command("irqs")
    timer = re.search(r"irq 0x20 timer\s+(\d+)", out)
    com1 = re.search(r"irq 0x24 com1\s+(\d+)", out)
    check(timer and int(timer.group(1)) > 0, "no timer interrupts:\n" + out)
    check(com1 and int(com1.group(1)) > 0, "typed input did not raise COM1 interrupts:\n" + out)


@contextlib.contextmanager
def booted(m, limit):
    """A machine at its first prompt; always killed afterwards."""
    try:
        boot_to_prompt(m, limit)
        yield m
    finally:
        m.kill()


def start_vm(m, name):
    """`vm start NAME`, then rewinds to where the command began: the guest's
    first lines may be printed before the prompt the command waited for."""
    mark = m.serial.pos
    out = m.command(f"vm start {name}", 60)
    check(f"{name} is id" in out, f"vm start {name}:\n" + out)
    m.serial.pos = min(mark, m.serial.pos)


def time_of_day(m):
    """The hypervisor's time of day (`uptime`), in seconds since 1970; it
    must come from the firmware's clock, not the fallback date."""
    out = m.command("uptime", 60)
    t = re.search(r"^time of day: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC "
                  r"\(the firmware's clock", out, re.M)
    check(t, "uptime: no time of day from the firmware:\n" + out)
    shown = datetime.datetime.strptime(t.group(1), "%Y-%m-%d %H:%M:%S")
    return shown.replace(tzinfo=datetime.timezone.utc).timestamp()


def check_time_of_day(m, within_s=120):
    """The time of day is this machine's: the emulator's RTC starts at it
    (QEMU follows it; Bochs starts there and runs at emulated speed)."""
    shown = time_of_day(m)
    off = abs(shown - time.time())
    check(off < within_s, f"uptime: the time of day is {off:.0f} s from this machine's")
    return shown


def poweroff(m, limit):
    m.send("poweroff\r")
    m.expect(r"powering off", 30)
    return m.wait_exit(limit)


# ---- scenarios ----------------------------------------------------------

@scenario("qemu")
def qemu_shell(workdir, image):
    with booted(Qemu(image, workdir), QEMU_BOOT_S) as m:
        check_shell_basics(m)
        check_mem(m)
        out = m.command("cpu")
        check(re.search(r"^VT-x:\s+\S", out, re.M), "cpu: no VT-x line:\n" + out)
        check(re.search(r"^clock:\s+tsc \d+\.\d{3} MHz \(PIT channel 2\)", out, re.M),
              "cpu: TSC not calibrated against the PIT:\n" + out)
        # QEMU's TCG never emulated VMX: the kernel must say so plainly.
        check("absent (CPUID.1:ECX.VMX = 0)" in out, "cpu: VT-x absence not explained:\n" + out)
        out = m.command("config")
        check('timer.hz = "100"' in out, "config: " + out)
        check_time_of_day(m)
        out = m.command("files")
        check("hv/host.cfg" in out, "files: " + out)
        rc = poweroff(m, 30)
        check(rc == 0, f"qemu exit status {rc} after poweroff")


@scenario("qemu")
def qemu_bad_config(workdir, image):
    img = variant_image(workdir, "badcfg", 'log.level = "loud"\n'
                        'timer.hz = "50"\n'
                        'no.such.key = "1"\n'
                        'this line is broken\n'
                        'mem.minFreePct = "200"\n' +
                        "".join(f'junk{i} = "x"\n' for i in range(1, 13)))
    with booted(Qemu(img, workdir), QEMU_BOOT_S) as m:
        out = m.command("log")
        check(re.search(r"hv/host\.cfg:1: log\.level: .*loud", out), "bad enum not named:\n" + out)
        check(re.search(r"hv/host\.cfg:3: no\.such\.key: unknown key", out),
              "unknown key not named:\n" + out)
        check(re.search(r"hv/host\.cfg:4: ", out), "broken line not named:\n" + out)
        check(re.search(r"hv/host\.cfg:5: mem\.minFreePct: .*200", out),
              "out-of-range value not named:\n" + out)
        # A file with many problems reports every one (no log throttling).
        check(re.search(r"hv/host\.cfg:17: junk12: unknown key", out),
              "the 16th problem of the file was not reported:\n" + out)
        out = m.command("config")
        check('timer.hz = "50"' in out, "a good key next to bad ones was not applied:\n" + out)
        check('log.level = "info"' in out and 'mem.minFreePct = "0"' in out,
              "defaults not kept for bad keys:\n" + out)
        rc = poweroff(m, 30)
        check(rc == 0, f"qemu exit status {rc}")


@scenario("qemu")
def qemu_no_config(workdir, image):
    with booted(Qemu(variant_image(workdir, "nocfg", None), workdir), QEMU_BOOT_S) as m:
        out = m.command("log")
        check("hv/host.cfg not found on the boot partition; using defaults" in out,
              "missing config not reported:\n" + out)
        check_mem(m)
        check(poweroff(m, 30) == 0, "qemu exit status")


@scenario("qemu")
def qemu_uefi_stage_errors(workdir, image):
    # Before the kernel runs, the UEFI stage says what is wrong on the
    # console (OVMF mirrors it to the serial port) and stops.
    m = Qemu(variant_image(workdir, "nokernel", "", kernel="-"), workdir)
    try:
        m.expect(r"boot: FATAL: cannot read \\hv\\kernel\.elf \(status 0x[0-9a-f]+\)", 60)
        m.expect(r"boot: cannot start the hypervisor; halting", 10)
    finally:
        m.kill()
    junk = os.path.join(workdir, "junk.elf")
    with open(junk, "wb") as f:
        f.write(b"this is not an ELF file\n" * 10)
    m = Qemu(variant_image(workdir, "junkkernel", "", kernel=junk), workdir)
    try:
        m.expect(r"boot: FATAL: \\hv\\kernel\.elf is not an ELF file", 60)
    finally:
        m.kill()


@scenario("qemu")
def qemu_high_memory(workdir, image):
    # 4 GiB on the pc machine puts 1 GiB above the 4 GiB boundary.
    with booted(Qemu(image, workdir, memory="4G"), QEMU_BOOT_S) as m:
        free, used, usable = check_mem(m)
        check(usable > (3800 << 8), f"only {usable} usable pages of 4 GiB")
        check(poweroff(m, 30) == 0, "qemu exit status")


@scenario("qemu")
def qemu_exception_dump(workdir, image):
    with booted(Qemu(image, workdir), QEMU_BOOT_S) as m:
        m.send("fault pf\r")
        m.expect(r"\*\*\* CPU EXCEPTION #PF page fault \(vector 14, error 0x2\) on CPU 0", 30)
        m.expect(r"^RIP=[0-9a-f]{16} CS=0008", 10)
        m.expect(r"^RAX=", 10)
        m.expect(r"^CR0=[0-9a-f]{16} CR2=0000000000000010", 10)
        m.expect(r"page fault: write to a non-present page at 0x10 in kernel mode", 10)
        m.expect(r"^backtrace: 0xffffffff8", 10)
        m.expect(r"^\*\*\* halted", 10)
        # A clean halt: nothing more, and the machine stays up (no reset).
        time.sleep(2)
        check(m.proc.poll() is None, "the machine reset or exited instead of halting")


@scenario("qemu")
def qemu_invalid_opcode_and_panic(workdir, image):
    with booted(Qemu(image, workdir), QEMU_BOOT_S) as m:
        m.send("fault ud\r")
        m.expect(r"\*\*\* CPU EXCEPTION #UD invalid opcode \(vector 6, error 0x0\) on CPU 0", 30)
        m.expect(r"^RIP=ffffffff8", 10)
        m.expect(r"^\*\*\* halted", 10)
    with booted(Qemu(image, workdir), QEMU_BOOT_S) as m:
        m.send("fault panic\r")
        m.expect(r"\*\*\* HYPERVISOR PANIC: panic requested from the shell", 30)
        m.expect(r"^backtrace: 0xffffffff8", 10)
        m.expect(r"^\*\*\* halted", 10)


@scenario("qemu")
def qemu_reboot(workdir, image):
    # QEMU runs with -no-reboot, so a reset ends the process: proof that the
    # reset took, without booting twice.
    with booted(Qemu(image, workdir), QEMU_BOOT_S) as m:
        m.send("reboot\r")
        m.expect(r"hv: rebooting", 30)
        m.wait_exit(30)


@scenario("bochs")
def bochs_headless_guard(workdir, image):
    """The harness runs Bochs with an empty ALSA configuration, so a machine
    with a sound card fails like CI's when a bochsrc lacks the null sound
    driver; and an emulator that dies before the firmware is reported in one
    line with its own last error."""
    without_sound = BOCHS_HEADLESS.replace("sound: driver=dummy\n", "")
    check(without_sound != BOCHS_HEADLESS, "the headless bochsrc lost its sound line")
    try:
        Bochs(image, workdir, headless=without_sound).kill()
    except MachineError as e:
        said = str(e)
        check("\n" not in said and "never connected" in said, "not one line: " + said)
        check(re.search(r"ALSA|buffer overflow", said), "Bochs' own error missing: " + said)
        return
    raise Failure("Bochs without `sound: driver=dummy` booted: the empty ALSA "
                  "configuration no longer stands in for a machine without sound")


@scenario("bochs")
def bochs_shell(workdir, image):
    with booted(Bochs(image, workdir), BOCHS_BOOT_S) as m:
        out = m.command("cpu", 60)
        check(re.search(r"^VT-x:\s+present", out, re.M), "Bochs VT-x not seen:\n" + out)
        check(re.search(r"^EPT:\s+yes \(4-level yes", out, re.M), "EPT not reported:\n" + out)
        check(re.search(r"unrestricted guest: yes", out), "unrestricted guest:\n" + out)
        check_mem(m)
        check_shell_basics(m)
        poweroff(m, 120)


# ---- VT-x guests (Bochs) -------------------------------------------------

def bochs_with(workdir, name, cfg_lines=(), extra=(), bochs_lines=()):
    """Bochs booting build/esp.img with extra host.cfg lines (and extra
    bochsrc lines, e.g. a second disk)."""
    with open(os.path.join(ROOT, "config", "host.cfg")) as f:
        base = f.read()
    img = variant_image(workdir, name, base + "".join(l + "\n" for l in cfg_lines),
                        esp_extras() + list(extra))
    return Bochs(img, workdir, extra_lines=bochs_lines)


ALL_LINES = 'serial.toHostConsole = "all"\n'


def multiboot_vmx(workdir, name, body, memsize=4):
    """A Multiboot VM's .vmx file `name` in workdir (`body`: its other lines,
    guest.kernel among them), with where it goes on the image's ESP: one
    entry of bochs_with's `extra`."""
    path = os.path.join(workdir, name + ".vmx")
    with open(path, "w") as f:
        f.write(f'displayName = "{name}"\nmemsize = "{memsize}"\nguest.type = "multiboot"\n' +
                body)
    return (path, f"hv/vms/{name}.vmx")


def esp_extras():
    """The guests and VM files build/esp.img carries, for variant images.
    The VM files are copies that send every guest line to the host console
    (the sample VMs keep the default, "first", for `make run`): scenarios
    judge guests by their lines."""
    out = []
    gdir = os.path.join(BUILD, "guests")
    for g in sorted(os.listdir(gdir)):
        if g.endswith(".bin"):
            out.append((os.path.join(gdir, g), "hv/guests/" + g))
    vdir = os.path.join(ROOT, "config", "vms")
    adir = os.path.join(BUILD, "system", "vms-all-lines")
    os.makedirs(adir, exist_ok=True)
    for v in sorted(os.listdir(vdir)):
        with open(os.path.join(vdir, v)) as f:
            text = f.read()
        if "serial.toHostConsole" not in text:
            text += ALL_LINES
        # Scenarios run in parallel (--jobs): write each copy whole, then
        # rename it, so no image is built from a half-written file.
        tmp = os.path.join(adir, f".{v}.{os.getpid()}")
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, os.path.join(adir, v))
        out.append((os.path.join(adir, v), "hv/vms/" + v))
    return out


def vm_row(m, name):
    out = m.command("vm list", 60)
    row = re.search(r"^(\d+)\s+%s\s+(\S+)\s+(\d+)\s+(\d+)MB\s+(\d+)\s+(\d+)\s*(.*)$"
                    % re.escape(name), out, re.M)
    check(row, f"vm list has no row for {name}:\n" + out)
    vid, state, vcpus, mb, pages, exits, note = row.groups()
    return {"id": int(vid), "state": state, "pages": int(pages), "exits": int(exits),
            "mb": int(mb), "note": note.strip()}


def wait_sweeps(m, name, n, limit):
    for i in range(1, n + 1):
        m.expect(r"^\[%s\] memtouch: sweep %d ok" % (re.escape(name), i), limit)


@scenario("bochs")
def bochs_guests_together(workdir, image):
    # The acceptance run: hello, two memtouch VMs and a bad one at
    # once, from vm.autostart; the host shell keeps answering throughout.
    # stringio beside them: INS/OUTS carried out by the monitor; taskswitch:
    # hardware task switches carried out by the monitor; debugregs: DR7,
    # breakpoints and single-step across exits.
    m = bochs_with(workdir, "together",
                   ['vm.autostart = "hello,memtouch1,memtouch2,bad_triple,stringio,taskswitch,'
                    'debugregs"'])
    try:
        m.expect(r"vm hello: started as id", BOCHS_BOOT_S)
        start = m.serial.pos
        m.expect(r"^\[hello\] hello from the guest", 60)
        m.expect(r"vm hello: exited with status 0", 60)
        m.serial.pos = start
        m.expect(r"vm bad_triple: stopped: triple fault \(vCPU 0, RIP 0x[0-9a-f]+\)", 60)
        m.serial.pos = start
        for line in ("rep outsb ok", "backward outsb ok", "a16 outsb ok",
                     r"rep insb ok \(10000 bytes across 3 pages\)", "done"):
            m.expect(r"^\[stringio\] stringio: %s\r?\n" % line, 120)
        m.expect(r"vm stringio: exited with status 0", 60)
        m.serial.pos = start
        for line in ("call and iret ok", "jmp ok",
                     r"#GP through a task gate ok \(error code 0x1230\)",
                     "int 0x40 through a task gate ok", "16-bit tss ok", "done"):
            m.expect(r"^\[taskswitch\] taskswitch: %s\r?\n" % line, 120)
        m.expect(r"vm taskswitch: exited with status 0", 60)
        m.serial.pos = start
        for line in ("dr7 kept across exits", "execute breakpoint ok", "write watchpoint ok",
                     r"single-step ok \(6 traps\)", "i/o breakpoint ok", "done"):
            m.expect(r"^\[debugregs\] debugregs: %s\r?\n" % line, 120)
        m.expect(r"vm debugregs: exited with status 0", 60)
        m.serial.pos = start
        wait_sweeps(m, "memtouch1", 3, 120)
        m.serial.pos = start
        wait_sweeps(m, "memtouch2", 3, 120)
        m.expect(r"^hv> ", 10)
        check("MISMATCH" not in m.serial.since(0), "memtouch reported a mismatch")
        r1, r2 = vm_row(m, "memtouch1"), vm_row(m, "memtouch2")
        check(r1["state"] == "running" and r2["state"] == "running", "memtouch not running")
        check(vm_row(m, "hello")["state"] == "exited", "hello not exited")
        bad = vm_row(m, "bad_triple")
        check(bad["state"] == "failed" and "triple fault" in bad["note"], f"bad: {bad}")
        # A running VM: its ring, then attached to its serial port until
        # Ctrl-] detaches.
        m.send("vm console memtouch1\r")
        m.expect(r"vm console memtouch1\n", 60)
        start = m.serial.pos
        m.expect(r"-- attached to memtouch1's serial port; Ctrl-\] detaches --", 60)
        out = m.serial.since(start)
        check(re.search(r"memtouch: sweep 3 ok", out), "vm console lacks sweeps:\n" + out)
        m.send("\x1d")
        m.expect(r"-- detached from memtouch1: detached by the operator --", 30)
        m.expect(r"^hv> ", 30)
        out = m.command("stats exits memtouch1", 60)
        check(re.search(r"^\s+ept-violation\s+\d+", out, re.M), "no EPT exits:\n" + out)
        # Its vCPU as the last exit left it: mode, registers, code at EIP.
        out = m.command("vm regs memtouch1", 60)
        check(re.search(r"^vcpu 0 of VM \d+ \(memtouch1\): \w+, as its last exit left it\n"
                        r"  RIP [0-9a-f]{16} RFLAGS [0-9a-f]{8}, CPL 0, 32-bit protected mode, "
                        r"[\w -]*paging[\w -]*, ", out, re.M)
              and re.search(r"^  RAX [0-9a-f]{16} RBX [0-9a-f]{16} RCX ", out, re.M)
              and re.search(r"^  code at 0x[0-9a-f]+:( [0-9a-f]{2}){16}$", out, re.M),
              "vm regs:\n" + out)
        out = m.command("vm regs memtouch1 1", 60)
        check("'1' is not a vCPU of memtouch1 (0 to 0)" in out, "vm regs, vCPU 1:\n" + out)
        out = m.command("vm regs hello", 60)
        check("hello is exited; an ended VM's vCPUs are gone" in out, "vm regs of an exited VM:\n" + out)
        # Its RAM: the image's Multiboot header at 1 MiB (magic 0x1BADB002).
        out = m.command("vm peek memtouch1 0x100000 20", 60)
        check(re.search(r"^0x00100000: 02 b0 ad 1b ", out, re.M)
              and re.search(r"^0x00100010: [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} {38}\|",
                            out, re.M), "vm peek:\n" + out)
        out = m.command("vm peek memtouch1 0xfee00000 16", 60)
        check("0xfee00000-0xfee0000f: not RAM" in out, "vm peek outside RAM:\n" + out)
        check_mem(m)
        # Stopping frees every page the VM held.
        out = m.command("vm stop memtouch2", 60)
        check("memtouch2 stopped" in out, "vm stop: " + out)
        m.serial.pos = 0
        freed = m.expect(r"vm memtouch2: (\d+) guest pages returned to the free pool", 10)
        # memtouch2 touches a fixed range, fully touched by sweep 1.
        check(int(freed.group(1)) == r2["pages"], f"freed {freed.group(1)} pages, held {r2['pages']}")
        m.command("vm kill %d" % r1["id"], 60)
        out = m.command("mem", 60)
        check(not re.search(r"by owner:.* vm \d+", out), "VM pages left after all VMs ended:\n" + out)
        poweroff(m, 120)
    finally:
        m.kill()


def bad_guest(workdir, name, expect_lines, then=None):
    with booted(Bochs(os.path.abspath(os.path.join(BUILD, "esp.img")), workdir), BOCHS_BOOT_S) as m:
        for vm, lines in [(name, expect_lines)] + ([then] if then else []):
            start = m.serial.pos
            m.send(f"vm start {vm}\r")
            for pat in lines:
                m.expect(pat, 60)
            m.expect(r"vm %s: \d+ guest pages returned to the free pool" % vm, 60)
            check("survived" not in m.serial.since(start), f"{vm} survived its misbehaviour")
        # It stopped only itself: the host still runs guests.
        start_vm(m, "hello")
        m.expect(r"vm hello: exited with status 0", 60)
        poweroff(m, 120)


@scenario("bochs")
def bochs_bad_triple(workdir, image):
    # Under the reason, the vCPU as it stopped (vmm/vcpu_dump.h): its mode,
    # the IDT it loaded with limit 0, and the code at CS:EIP, read from RAM.
    p = r"error: vm bad_triple: vCPU 0: "
    return bad_guest(workdir, "bad_triple", [
        r"error: vm bad_triple: stopped: triple fault",
        p + r"RIP [0-9a-f]{16} RFLAGS [0-9a-f]{8}, CPL 0, 32-bit protected mode, paging off, ",
        p + r"RAX [0-9a-f]{16} RBX ",
        p + r"CR0 [0-9a-f]+ CR2 ",
        p + r"GDTR base 0x[0-9a-f]+ limit 0x[0-9a-f]+, IDTR base 0x[0-9a-f]+ limit 0x0\r?\n",
        p + r"code at 0x[0-9a-f]+:( [0-9a-f]{2}){16}\r?\n"])


@scenario("bochs")
def bochs_bad_beyond(workdir, image):
    # By default memory that is neither RAM nor a device is a PC bus with
    # nothing there: the write is dropped and logged, the read gives all
    # ones, and only the jump there (code cannot run from nothing) stops the
    # VM. With monitor.unknownMemory = "stop" the write stops it.
    return bad_guest(workdir, "bad_beyond", [
        r"vm bad_beyond: write of guest-physical 0xe0000000, neither RAM nor a device "
        r"\(RIP 0x[0-9a-f]+\): dropped",
        r"\[bad_beyond\] bad_beyond: read 0xffffffff",
        r"error: vm bad_beyond: stopped: instruction fetch from memory that is neither RAM nor a "
        r"device at guest-physical 0xe0000000"],
        then=("bad_beyond_stop", [
            r"error: vm bad_beyond_stop: stopped: write of guest-physical 0xe0000000 outside RAM "
            r"and MMIO \(vCPU 0, RIP 0x[0-9a-f]+; monitor.unknownMemory = \"stop\"\)"]))


@scenario("bochs")
def bochs_testdev(workdir, image):
    # QEMU's pc-testdev with testdev.present (kvm-unit-tests need it): the
    # same checks guests-qemu makes against QEMU's own device; without the
    # key the ports read as all ones, as on a PC.
    with booted(Bochs(image, workdir), BOCHS_BOOT_S) as m:
        start_vm(m, "testdev")
        for line in ("latch ok", "iomem ok", "string i/o ok", "edge irq ok", "level irq ok",
                     "page drop ok", "done"):
            m.expect(r"^\[testdev\] testdev: %s\r?\n" % line, 60)
        m.expect(r"vm testdev: exited with status 0", 60)
        # Every access reached the device: none fell to the unknown port or
        # the unknown memory path.
        out = m.command("stats exits testdev", 60)
        check("unknown I/O port accesses 0, unknown memory accesses 0" in out,
              "testdev's accesses missed the device:\n" + out)
        # The window's 16 pages went back with the VM.
        check_mem(m)
        owners = re.search(r"^by owner:.*$", m.command("mem", 60), re.M)
        check(owners and "devmem" not in owners.group(0), f"the window's pages stayed: {owners}")
        start_vm(m, "testdev_absent")
        m.expect(r"\[testdev_absent\] testdev: no device", 60)
        m.expect(r"vm testdev_absent: exited with status 2", 60)
        poweroff(m, 120)


@scenario("bochs")
def bochs_mmio_rmw_forms(workdir, image):
    # tests/guests/mmioforms.asm: INC, DEC, NOT, NEG, the bit tests,
    # CMPXCHG and XADD on the local APIC's TPR, emulated by the monitor;
    # guests-qemu runs the same checks against QEMU's APIC.
    vmx = multiboot_vmx(workdir, "mmioforms", 'guest.kernel = "../guests/mmioforms.bin"\n' + ALL_LINES)
    m = bochs_with(workdir, "mmioforms", [], [vmx])
    with booted(m, BOCHS_BOOT_S):
        start_vm(m, "mmioforms")
        end = m.expect(r"\[mmioforms\] mmioforms: (ok|FAIL[^\n]*)|vm mmioforms: stopped: [^\n]*", 60)
        check(end.group(1) == "ok", "mmioforms: " + end.group(0))
        m.expect(r"vm mmioforms: exited with status 0", 60)
        poweroff(m, 120)


@scenario("bochs")
def bochs_vga_text_memory(workdir, image):
    # tests/guests/vgatext.asm: the text screen at 0xB8000 keeps what is
    # written, scrolls with REP MOVSD from display memory to display memory
    # and takes an SSE2 copy (svga.present, the default: memory, no exits);
    # with svga.present = "FALSE" it reads all ones and the guest says so.
    # `vm peek` shows the screen it left (stay=1: it halts there).
    body = 'guest.kernel = "../guests/vgatext.bin"\n' + ALL_LINES
    vmx = multiboot_vmx(workdir, "vgatext", body + 'guest.cmdline = "stay=1"\n')
    novga = multiboot_vmx(workdir, "novga", body + 'svga.present = "FALSE"\n')
    m = bochs_with(workdir, "vgatext", [], [vmx, novga])
    with booted(m, BOCHS_BOOT_S):
        start_vm(m, "vgatext")
        end = m.expect(r"\[vgatext\] vgatext: (ok|FAIL[^\n]*|no display memory)|"
                       r"vm vgatext: stopped: [^\n]*", 60)
        check(end.group(1) == "ok", "vgatext: " + end.group(0))
        m.expect(r"vm vgatext: every vCPU halted", 60)
        # The screen's 4,000 bytes written, scrolled and copied without an
        # exit: the EPT violations are the guest's own first touches of RAM.
        out = m.command("stats exits vgatext", 60)
        ept = re.search(r"^\s+ept-violation\s+(\d+)", out, re.M)
        check(ept is None or int(ept.group(1)) < 50, "display memory exits:\n" + out)
        # Its top row after the scroll: 'b' (0x62) grey on black, 80 times.
        out = m.command("vm peek vgatext 0xb8000 16", 60)
        check("(display memory)" in out and
              "0x000b8000: 62 07 62 07 62 07 62 07 62 07 62 07 62 07 62 07  |b.b.b.b.b.b.b.b.|" in out,
              "vm peek of the screen:\n" + out)
        m.command("vm kill vgatext", 60)
        start_vm(m, "novga")
        m.expect(r"\[novga\] vgatext: no display memory", 60)
        m.expect(r"vm novga: exited with status 2", 60)
        poweroff(m, 120)


@scenario("bochs")
def bochs_bad_port(workdir, image):
    return bad_guest(workdir, "bad_port", [
        r"vm bad_port: write of unknown I/O port 0x1234: ignored",
        r"\[bad_port\] bad_port: read 0xff",
        r"vm bad_port: exited with status 255"])


@scenario("bochs")
def bochs_bad_msr(workdir, image):
    return bad_guest(workdir, "bad_msr", [
        r"vm bad_msr: rdmsr of unknown MSR 0xdeadbeef at RIP 0x[0-9a-f]+: #GP injected",
        r"error: vm bad_msr: stopped: triple fault"])


@scenario("bochs")
def bochs_exit_cost_and_lazy_memory(workdir, image):
    # Prints two figures (deterministic in Bochs, where a TSC tick is one
    # instruction): the root-mode cost of a CPUID exit, and the pages a VM
    # holds when it touched 4 of its 16 MiB.
    with booted(Bochs(image, workdir), BOCHS_BOOT_S) as m:
        m.send("vm start cpuid\r")
        m.expect(r"\[cpuid\] cpuid: done 100000", 120)
        m.expect(r"vm cpuid: exited with status 0", 30)
        out = m.command("stats exits cpuid", 60)
        row = re.search(r"^\s+cpuid\s+(\d+)\s+(\d+)\s+(\d+)$", out, re.M)
        check(row, "no cpuid row:\n" + out)
        count, total, mean = (int(x) for x in row.groups())
        check(count >= 100000 and mean == total // count, f"inconsistent stats: {row.group(0)}")
        print(f"figure: CPUID exit, mean root-mode cost {mean} TSC ticks "
              f"(= instructions in Bochs) over {count} exits")
        m.send("vm start memtouch2\r")
        wait_sweeps(m, "memtouch2", 3, 120)
        m.expect(r"^hv> ", 10)
        r = vm_row(m, "memtouch2")
        total_pages = r["mb"] * 256
        print(f"figure: memtouch2 touched 4 of {r['mb']} MiB and holds {r['pages']} of "
              f"{total_pages} pages")
        check(0 < r["pages"] < total_pages // 3, f"lazy allocation does not show: {r}")
        # Every EPT violation of memtouch2 is a first touch (the sampler uses
        # accessed bits where the CPU has them, as Bochs does), so the row's
        # mean is the cost of one lazy fault-in.
        out = m.command("stats exits memtouch2", 60)
        row = re.search(r"^\s+ept-violation\s+(\d+)\s+(\d+)\s+(\d+)$", out, re.M)
        check(row, "no ept-violation row:\n" + out)
        count, total, mean = (int(x) for x in row.groups())
        print(f"figure: first touch (EPT violation), mean root-mode cost {mean} TSC ticks "
              f"over {count} faults")
        poweroff(m, 120)


@scenario("bochs")
def bochs_flat_real_mode_halt(workdir, image):
    # A flat binary in real mode; once it halts (interrupts off) it must cost
    # nothing: its exit count stays put while another guest runs.
    with booted(Bochs(image, workdir), BOCHS_BOOT_S) as m:
        start_vm(m, "realmode")
        # What a BIOS leaves for a boot sector (vmm/bios_handoff.h): its tick
        # wakes STI;HLT, INT 12h and 15h answer, the data area names COM1.
        m.expect(r"\[realmode\] realmode: (bios tick, int 12h 640 KiB, int 15h unsupported, "
                 r"COM1 0x3f8|FAIL bios state)", 60)
        check("FAIL" not in m.serial.since(0), "realmode: the BIOS state is not what a PC has")
        m.expect(r"\[realmode\] realmode: hello from 16-bit real mode, halting", 60)
        m.expect(r"vm realmode: every vCPU halted; it uses no CPU time now", 60)
        m.expect(r"^hv> ", 10)
        before = vm_row(m, "realmode")
        check(before["state"] == "halted", f"realmode: {before}")
        start_vm(m, "memtouch2")
        wait_sweeps(m, "memtouch2", 2, 120)
        m.expect(r"^hv> ", 10)
        after = vm_row(m, "realmode")
        check(after["exits"] == before["exits"] and after["state"] == "halted",
              f"a halted VM kept running: {before} -> {after}")
        out = m.command("vm stop realmode", 60)
        check("realmode stopped" in out, out)
        poweroff(m, 120)


@scenario("bochs")
def bochs_fpu_state_per_vcpu(workdir, image):
    # Two guests keep different values in every XMM lane, updated and checked
    # each round, while the scheduler switches between them hundreds of times.
    with booted(Bochs(image, workdir), BOCHS_BOOT_S) as m:
        mark = m.serial.pos
        start_vm(m, "fpu1")
        start_vm(m, "fpu2")
        for name in ("fpu1", "fpu2"):
            m.serial.pos = min(mark, m.serial.pos)
            for r in (1, 2, 3):
                m.expect(r"^\[%s\] fpu: round %d ok" % (name, r << 18), 180)
        m.expect(r"^hv> ", 10)
        check("MISMATCH" not in m.serial.since(0), "an XMM lane was lost across switches:\n" +
              m.tail(20))
        out = m.command("stats exits fpu1", 60)
        pre = re.search(r"^\s+preemption-timer\s+(\d+)", out, re.M)
        check(pre and int(pre.group(1)) >= 20, "too few preemptions to prove anything:\n" + out)
        m.command("vm kill fpu1", 60)
        m.command("vm kill fpu2", 60)
        poweroff(m, 120)


@scenario("bochs")
def bochs_longmode_syscall_msrs_per_vcpu(workdir, image):
    # Two 64-bit guests live on SWAPGS (which changes KERNEL_GS_BASE without
    # an exit) and SYSCALL/SYSRET with different GS bases, through hundreds of
    # switches between them: any syscall-MSR value lost or mixed up is a
    # MISMATCH, and RDMSR must read the value SWAPGS left.
    with booted(Bochs(image, workdir), BOCHS_BOOT_S) as m:
        mark = m.serial.pos
        start_vm(m, "long1")
        start_vm(m, "long2")
        for name in ("long1", "long2"):
            m.serial.pos = min(mark, m.serial.pos)
            m.expect(r"^\[%s\] long: in 64-bit mode, seed" % name, 60)
            first = m.expect(r"^\[%s\] long: (round %d ok|MISMATCH[^\n]*)\n" % (name, 1 << 16),
                             120)
            check(first.group(1).startswith("round"), first.group(0))
        deadline = time.monotonic() + 240
        while True:
            check("MISMATCH" not in m.serial.since(0), "a syscall MSR was lost:\n" + m.tail(20))
            switches = 0
            for name in ("long1", "long2"):
                check(vm_row(m, name)["state"] == "running", f"{name} ended:\n" + m.tail(20))
                out = m.command(f"stats exits {name}", 60)
                n = re.search(r"^cpu of VM \d+ \(%s\): .* in (\d+) slices" % name, out, re.M)
                check(n, "no slice count:\n" + out)
                switches += int(n.group(1))
            if switches >= 300:
                break
            check(time.monotonic() < deadline, f"only {switches} switches in 240 s")
            time.sleep(5)
        check("MISMATCH" not in m.serial.since(0), "a syscall MSR was lost:\n" + m.tail(20))
        rounds = re.findall(r"^\[long[12]\] long: round (\d+) ok", m.serial.since(0), re.M)
        print(f"figure: long1/long2 took the CPU {switches} times, {len(rounds)} reports "
              f"of 65536 SYSCALL rounds, without a mismatch")
        m.command("vm kill long1", 60)
        m.command("vm kill long2", 60)
        poweroff(m, 120)


@scenario("bochs")
def bochs_memsched_sampling(workdir, image):
    # The policy core on real VMs: the working-set estimate must tell a VM
    # that touches all its memory from one that halted after one page, and
    # memsched must run its balance cycles on them. Twice: with the default
    # policy (recent), whose aging scans of the EPT accessed bits are the
    # estimate, and with CLOCK, which keeps ESX's sampler beside it.
    for policy, source in (("recent", "aging scans"), ("clock", "the sampler")):
        m = bochs_with(workdir, "memsched-" + policy,
                       ['mem.samplePeriod = "1"', 'mem.balancePeriod = "1"',
                        f'mem.victimPolicy = "{policy}"', 'vm.autostart = "memtouch1,realmode"'])
        with booted(m, BOCHS_BOOT_S):
            wait_sweeps(m, "memtouch1", 3, 180)
            deadline = time.monotonic() + 240
            while True:
                out = m.command("memsched", 60)
                rows = {r[1]: r for r in re.findall(
                    r"^(\d+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)%\s+(\d+)\s+(\d+)\s+(\d+)$",
                    out, re.M)}
                check("memtouch1" in rows and "realmode" in rows, "memsched rows:\n" + out)
                if int(rows["memtouch1"][8]) >= 4 and int(rows["realmode"][8]) >= 4:
                    break
                check(time.monotonic() < deadline, "sampling periods do not advance:\n" + out)
                time.sleep(5)
            said = "aging scans of the accessed bits" if policy == "recent" else "the sampler"
            check(f"ACTIVE and PERIODS from {said} (mem.victimPolicy {policy})" in out,
                  "estimate source not stated:\n" + out)
            busy, idle = int(rows["memtouch1"][5]), int(rows["realmode"][5])
            print(f"figure: active memory ({policy}, {source}): memtouch1 {busy}%, "
                  f"realmode {idle}%")
            check(busy >= 70, f"memtouch1 touches ~88% of its pages, estimated {busy}%:\n" + out)
            check(idle <= 10, f"realmode is idle, estimated {idle}%:\n" + out)
            state = re.search(r"memsched: state (\w+), \d+ pages free, MinFree (\d+), (\d+) "
                              r"balance", out)
            check(state and int(state.group(3)) >= 2, "memsched did not balance:\n" + out)
            check(int(rows["memtouch1"][4]) >= int(rows["memtouch1"][3]),
                  "a busy VM with memory to spare got a target below what it holds:\n" + out)
            poweroff(m, 120)


@scenario("qemu")
def qemu_vm_without_vtx_and_bad_vmx(workdir, image):
    broken = os.path.join(workdir, "broken.vmx")
    with open(broken, "w") as f:
        f.write('displayName = "broken"\nmemsize = "lots"\nguest.kernel = "../guests/hello.bin"\n'
                'no.such.key = "1"\n')
    img = variant_image(workdir, "vms", open(os.path.join(ROOT, "config", "host.cfg")).read(),
                        esp_extras() + [(broken, "hv/vms/broken.vmx")])
    with booted(Qemu(img, workdir), QEMU_BOOT_S) as m:
        out = m.command("vm start broken")
        check("broken did not start" in out, "broken vmx started?\n" + out)
        out = m.command("log")
        check(re.search(r"vm: hv/vms/broken\.vmx:2: memsize: ", out), "bad memsize not named:\n" + out)
        check(re.search(r"vm: hv/vms/broken\.vmx:4: no\.such\.key: unknown key", out),
              "unknown key not named:\n" + out)
        out = m.command("vm start hello")
        check("hello did not start" in out, out)
        out = m.command("log")
        check("vm hello: not started: no VT-x on this CPU" in out, "no reason given:\n" + out)
        out = m.command("vm start nosuchvm")
        check("no VM file hv/vms/nosuchvm.vmx" in out, out)
        out = m.command("vm list")
        check("guests cannot run here: no VT-x" in out, out)
        check(poweroff(m, 30) == 0, "qemu exit status")


hostile_scenarios.register(sys.modules[__name__])
swap_scenarios.register(sys.modules[__name__])
overcommit_scenarios.register(sys.modules[__name__])
memtouch_fill_scenarios.register(sys.modules[__name__])
irq_scenarios.register(sys.modules[__name__])
smp_scenarios.register(sys.modules[__name__])
linux_scenarios.register(sys.modules[__name__])   # needs `make linux-guests`


# Seconds the longest scenarios take alone (from `make test` logs). Only the
# order --jobs starts them in: longest first, so that no long scenario is
# started last and runs on alone at the end. Others count as 20 s.
EXPECTED_S = {
    "bochs_linux_initramfs": 330, "bochs_memtest_pass": 165, "bochs_overcommit_1_5x": 150,
    "bochs_overcommit_2x": 90, "bochs_smp_overcommit": 70,
    "bochs_hostile_exit_storm_fair_share": 65, "bochs_memsched_sampling": 56,
    "bochs_linux_smp2": 56, "bochs_hostile_cpu_state": 38, "bochs_swap_read_error": 36,
    "bochs_chaos_guest_ring0": 50, "bochs_chaos_guest": 30, "bochs_chaos64_guest_ring0": 70,
    "bochs_chaos64_guest": 25,
}


def run_here(name, emu, fn, image):
    """Runs one scenario in this process; True if it passed."""
    wd = make_workdir(os.path.join(BUILD, "system"), name)
    t0 = time.monotonic()
    try:
        fn(wd, image)
        print(f"system: PASS {name} ({time.monotonic() - t0:.1f} s)", flush=True)
        return True
    except (Failure, MachineError, subprocess.CalledProcessError) as e:
        print(f"system: FAIL {name} ({time.monotonic() - t0:.1f} s): {e}", flush=True)
        log = os.path.join(wd, f"{emu}-serial.log")
        if os.path.exists(log):
            with open(log, errors="replace") as f:
                lines = f.read().splitlines()
            print(f"--- last lines of {log} ---")
            print("\n".join(lines[-60:]))
            print("---")
        # Again after the serial tail, so a log that keeps only the end
        # of the output still says which scenario failed and why.
        print(f"system: FAIL {name}: {str(e)[-1500:]}", flush=True)
        return False


def run_parallel(names, image, jobs, linux):
    """Runs each scenario in a child process (`--only NAME --child`), `jobs`
    at a time, and prints each one's output whole when it ends, so lines
    of scenarios running together do not interleave. Each emulator is one
    host thread and each scenario has its own work directory and COM1
    port. The first failure stops the run: the scenarios still running are
    killed, with their emulators. Returns (passed, failed)."""
    pending = sorted(names, key=lambda n: -EXPECTED_S.get(n, 20))
    running = []   # (name, Popen, output file)
    passed = failed = 0
    outdir = os.path.join(BUILD, "system")
    os.makedirs(outdir, exist_ok=True)
    try:
        while pending or running:
            while pending and len(running) < jobs and not failed:
                name = pending.pop(0)
                out = open(os.path.join(outdir, f".{name}.out"), "w+")
                cmd = [sys.executable, os.path.abspath(__file__), "--image", image,
                       "--only", name, "--child"] + (["--linux"] if linux else [])
                # A session of its own, so a kill reaches the emulator too.
                p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
                running.append((name, p, out))
            if failed or not running:
                break
            time.sleep(0.2)
            for entry in list(running):
                name, p, out = entry
                if p.poll() is None:
                    continue
                running.remove(entry)
                out.seek(0)
                sys.stdout.write(out.read())
                sys.stdout.flush()
                out.close()
                if p.returncode == 0:
                    passed += 1
                else:
                    failed += 1
                    if p.returncode < 0:   # the child printed nothing of it
                        print(f"system: FAIL {name}: killed by signal {-p.returncode}",
                              flush=True)
    finally:
        for name, p, out in running:
            os.killpg(p.pid, 9)
            p.wait()
            out.close()
            print(f"system: stopped {name}: another scenario failed", flush=True)
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", default=os.path.join(BUILD, "esp.img"))
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--emulator", choices=["qemu", "bochs"])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--linux", action="store_true",
                    help="also the long Linux scenario (bochs_linux_pit_oneshot; `make linux-bochs`)")
    ap.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4),
                    help="scenarios run at once (default: one per host CPU, at most 4)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.linux:
        linux_scenarios.register_long(sys.modules[__name__])
    if args.list:
        for name, emu, _ in SCENARIOS:
            print(f"{name} ({emu})")
        return 0
    image = os.path.abspath(args.image)
    selected = []
    for name, emu, fn in SCENARIOS:
        if args.only and name not in args.only:
            continue
        # Benchmarks (bench_*) print figures and take long: only when named.
        # They also run alone: their figures are the machine's whole speed.
        if name.startswith("bench_") and not args.only:
            continue
        if args.emulator and emu != args.emulator:
            continue
        selected.append((name, emu, fn))
    if args.child:
        return 0 if all(run_here(n, e, f, image) for n, e, f in selected) else 1
    benches = any(n.startswith("bench_") for n, _, _ in selected)
    if args.jobs > 1 and len(selected) > 1 and not benches:
        passed, failed = run_parallel([n for n, _, _ in selected], image, args.jobs, args.linux)
    else:
        passed = failed = 0
        for name, emu, fn in selected:
            if run_here(name, emu, fn, image):
                passed += 1
            else:
                failed += 1
                break  # the first failure stops the run
    os.makedirs(os.path.join(BUILD, "results"), exist_ok=True)
    with open(os.path.join(BUILD, "results", "system.tally"), "w") as f:
        f.write(f"{passed} {failed}\n")
    print(f"system: {passed} passed, {failed} failed")
    return 1 if failed else 0


hostile_output_scenarios.register(sys.modules[__name__])
console_acpi_scenarios.register(sys.modules[__name__])
chaos_scenarios.register(sys.modules[__name__])


if __name__ == "__main__":
    sys.exit(main())
