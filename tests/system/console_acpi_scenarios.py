"""The guest's console and what it is told through ACPI (issue 14):
`vm console` attached both ways to a polling echo guest (tests/guests/
echo.asm) and detached with Ctrl-]; a chatty guest under the default
serial.toHostConsole = "first" (its first 10 lines, a notice, then at its end
the count and its last lines, none lost silently); a guest that finds the
RSDP in the BIOS area, checks the tables and powers off through PM1a_CNT
(tests/guests/acpi_poweroff.asm), one that suspends to RAM (S3) and is woken
by its RTC alarm, and one that resets through the FADT's RESET_REG and is
restarted, a bounded number of times.

register(h) adds the scenarios to the harness module `h`
(run_system_tests.py), whose helpers they use.
"""
import os
import re
import time

from linux_scenarios import DETACH

VMS = {
    "echo": 'guest.kernel = "../guests/echo.bin"\nserial.toHostConsole = "all"\n',
    # Default routing ("first"): 30 numbered lines and "echo: ready".
    "chatty": 'guest.kernel = "../guests/echo.bin"\nguest.cmdline = "lines=30"\n',
    "acpi": 'guest.kernel = "../guests/acpi_poweroff.bin"\nserial.toHostConsole = "all"\n',
    "acpireset": ('guest.kernel = "../guests/acpi_poweroff.bin"\nguest.cmdline = "reset=1"\n'
                  'serial.toHostConsole = "all"\n'),
    "acpis3": ('guest.kernel = "../guests/acpi_poweroff.bin"\nguest.cmdline = "s3=1"\n'
               'serial.toHostConsole = "all"\n'),
    "acpis3btn": ('guest.kernel = "../guests/acpi_poweroff.bin"\nguest.cmdline = "s3=2"\n'
                  'serial.toHostConsole = "all"\n'),
}


def vm_files(h, workdir):
    return [h.multiboot_vmx(workdir, name, body) for name, body in VMS.items()]


def register(h):
    scenario, check, booted = h.scenario, h.check, h.booted

    def attach(m, name):
        """`vm console NAME` on a running VM: its ring, then attached."""
        m.send(f"vm console {name}\r")
        m.expect(re.escape(f"vm console {name}") + r"\n", 60)
        m.expect(re.escape(f"-- attached to {name}'s serial port; Ctrl-] detaches --"), 60)

    @scenario("bochs")
    def bochs_console_attach_and_acpi_poweroff(workdir, image):
        m = h.bochs_with(workdir, "console_acpi", ['vm.autostart = "acpi,echo,chatty"'],
                         vm_files(h, workdir))
        with booted(m, h.BOCHS_BOOT_S):
            # ACPI: the RSDP found by a scan, checksums good, S5 powers off.
            m.serial.pos = 0
            m.expect(r"^\[acpi\] acpi: RSDP at 0xf0000", 120)
            m.expect(r"^\[acpi\] acpi: FACS at 0xf00c0: waking vector and Global Lock written",
                     60)
            m.expect(r"^\[acpi\] acpi: PM1a_CNT 0x604 S5 type 5; powering off", 60)
            m.expect(r"vm acpi: powered off \(ACPI S5 through PM1a_CNT\): exit status 0", 60)
            check("acpi: FAIL" not in m.serial.since(0), "the ACPI guest failed a check:\n"
                  + m.serial.since(0)[-3000:])
            row = h.vm_row(m, "acpi")
            check(row["state"] == "exited" and "powered off" in row["note"], f"acpi: {row}")

            # S3: suspended on SLP_EN (nothing runs after the OUT), woken by
            # the RTC alarm, the BSP at the FACS's waking vector in real
            # mode with RAM kept and WAK_STS and RTC_STS set (the guest
            # checks, as it does under QEMU and SeaBIOS in guests-qemu).
            mark = m.serial.pos
            h.start_vm(m, "acpis3")
            m.expect(r"^\[acpis3\] acpi: PM1a_CNT 0x604 S3 type 1; waking vector 0x1000; "
                     r"suspending", 120)
            m.expect(r"vm acpis3: suspended to RAM \(ACPI S3\)", 60)
            m.expect(r"vm acpis3: woke from S3: resuming at 0x1000 in real mode", 60)
            m.expect(r"^\[acpis3\] acpi: resumed from S3: RAM kept, PM1_STS has WAK_STS and "
                     r"the wake event's", 60)
            m.expect(r"vm acpis3: exited with status 0", 60)
            # With nothing enabled it sleeps until the power button, whose
            # status the resumed guest finds (PWRBTN_STS, as QEMU's
            # system_wakeup sets it in guests-qemu).
            h.start_vm(m, "acpis3btn")
            m.expect(r"vm acpis3btn: suspended to RAM \(ACPI S3\)", 120)
            m.expect(r"^hv> ", 30)
            time.sleep(3)
            check("vm acpis3btn: woke" not in m.serial.since(mark), "it woke by itself")
            out = m.command("vm power-button acpis3btn", 60)
            check("pressed for acpis3btn" in out, "vm power-button: " + out)
            m.expect(r"vm acpis3btn: woke from S3: resuming at 0x1000 in real mode", 60)
            m.expect(r"vm acpis3btn: exited with status 0", 60)
            out = m.command("vm power-button acpis3btn", 60)
            check("acpis3btn is exited" in out, "vm power-button on an ended VM: " + out)
            check("acpi: FAIL" not in m.serial.since(mark), "an S3 guest failed a check:\n"
                  + m.serial.since(mark)[-3000:])

            # The chatty guest under "first": 10 lines and one notice.
            m.serial.pos = 0
            m.expect(r"^\[chatty\] \.\.\. further lines not shown here "
                     r"\(serial.toHostConsole = first\): vm console chatty", 120)

            # Attach to echo: typed input reaches the guest's UART (polled
            # LSR.DR), its answer comes back, Ctrl-] detaches.
            m.serial.pos = 0
            m.expect(r"^\[echo\] echo: ready", 120)
            m.expect(r"^hv> ", 30)
            attach(m, "echo")
            mark = m.serial.pos
            m.send("hello there\r")
            m.expect(r"^echo: hello there$", 60)
            m.send(DETACH)
            m.expect(r"-- detached from echo: detached by the operator --", 30)
            m.expect(r"^hv> ", 30)
            check("[echo] echo: hello there" not in m.serial.since(mark),
                  "a line the operator saw attached was also routed as [echo]")
            out = m.command("vm list", 60)
            check(re.search(r"^\d+\s+echo\s+running", out, re.M), "echo not running:\n" + out)
            # Typing at the prompt again is the shell's, not the guest's.
            out = m.command("uptime", 60)
            check(re.search(r"^up \d+:", out, re.M), "the shell did not answer:\n" + out)
            # Attach again: the ring's earlier output is shown first, and the
            # guest's end detaches.
            attach(m, "echo")
            check("echo: hello there" in m.serial.since(mark), "the ring was not shown")
            m.send("quit\r")
            m.expect(r"^echo: bye$", 60)
            m.expect(r"-- detached from echo: exited --", 60)
            m.expect(r"^hv> ", 30)
            m.serial.pos = mark
            m.expect(r"vm echo: exited with status 0", 30)
            # Nothing but what was typed reached the guest (Bochs' COM1 can
            # add a stray NUL after a CR: the attach drops NULs).
            check("echo: control byte" not in m.serial.since(0),
                  "a byte nobody typed reached the guest:\n" + m.serial.since(0)[-2000:])

            # The chatty guest ends: the count of what was held back and its
            # last lines; shown + counted = all 31 of its lines.
            mark = m.serial.pos
            out = m.command("vm stop chatty", 60)
            check("chatty stopped" in out, "vm stop chatty: " + out)
            text = m.serial.since(0)
            shown = len(re.findall(r"^\[chatty\] echo: (line \d+|ready)$", text, re.M))
            counted = sum(int(n) for n in re.findall(
                r"^\[chatty\] \.\.\. (\d+) lines not shown \(vm console chatty\)", text, re.M))
            check(shown == 10 + 5 and counted == 31 - 15,
                  f"chatty: {shown} lines shown, {counted} counted (want 15 and 16)")
            check(re.search(r"^\[chatty\] echo: line 30$", text, re.M) and
                  re.search(r"^\[chatty\] echo: ready$", text, re.M),
                  "chatty's last lines were not shown at its end")

            # A reset through RESET_REG restarts the VM, at most 5 times a
            # minute; then it stays ended with the reason.
            h.start_vm(m, "acpireset")
            m.expect(r"^\[acpireset\] acpi: resetting through port 0xcf9", 120)
            m.expect(r"vm acpireset: reset by the guest \(port 0xcf9 value 0x6\): restarting it",
                     60)
            m.expect(r"vm acpireset: reset by the guest; not restarted: 6 resets within a minute",
                     300)
            text = m.serial.since(0)
            starts = len(re.findall(r"vm acpireset: started as id", text))
            check(starts == 6, f"acpireset started {starts} times, not 6")
            check("acpi: FAIL" not in text, "the reset guest failed a check")
            h.check_mem(m)
            h.poweroff(m, 120)
