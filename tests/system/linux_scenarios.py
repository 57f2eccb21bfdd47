"""Debian's Linux kernel and memtest86+ under the monitor in Bochs (issue
14): `vm start linux` (config/vms/linux.vmx: the stock bzImage, the test
initramfs) until the initramfs's marker, memverify's three rounds and its
poweroff through ACPI S5 (status 0): about 100 s, in `make test` (which
fetches the Debian packages through `make linux-guests`). `vm start
memtest` until it completes a pass with no errors takes over 20 minutes
(its bit-fade test waits 2 x 80 s of guest time): `make linux-bochs` only.

Linux needs the UART's interrupt (IRQ 4) to get its user-space lines out
(its 8250 driver waits for THRE interrupts); without it the kernel's own
lines come out but the marker stopped after 16 bytes.

register(h) adds the scenarios to the harness module `h`
(run_system_tests.py), whose helpers they use.
"""
import os
import re
import time


def register(h):
    scenario, check = h.scenario, h.check

    def vm_running(m):
        return h.vm_row(m, "linux")["state"] == "running"

    @scenario("bochs")
    def bochs_linux_initramfs(workdir, image):
        gdir = os.path.join(h.BUILD, "guests-linux")
        files = [(os.path.join(gdir, f), "hv/guests/" + f) for f in ("vmlinuz", "initramfs.gz")]
        for path, _ in files:
            check(os.path.exists(path), f"{path} missing: run `make linux-guests` first")
        with h.booted(h.bochs_with(workdir, "linux", [], files), h.BOCHS_BOOT_S) as m:
            t0 = time.monotonic()
            h.start_vm(m, "linux")
            first = m.expect(r"^\[linux\] ([^\r\n]+)\r?\n", 900)
            t_first = time.monotonic() - t0
            print(f"figure: linux: first console line after {t_first:.0f} s: {first.group(1)!r}")
            m.expect(r"^\[linux\] hvlinux: initramfs up", 2400)
            t_up = time.monotonic() - t0
            print(f"figure: linux: `vm start` to the initramfs marker: {t_up:.0f} s of wall time")
            m.expect(r"^\[linux\] memverify: round 1 ok", 600)
            print(f"figure: linux: memverify round 1 ok after {time.monotonic() - t0:.0f} s")
            m.expect(r"^hv> ", 30)
            out = m.command("stats exits linux", 60)
            print("figure: linux exits:\n" + out)
            # It got here on timer interrupts (calibration, jiffies, the
            # scheduler tick): some were injected.
            check(re.search(r"^\s+(interrupt-window|preemption-timer)\s+\d+", out, re.M),
                  "no sign of timer interrupts:\n" + out)
            check(vm_running(m), "the linux VM is not running after its first round")
            # Then its last rounds and `poweroff -f`: ACPI S5 through the
            # FADT's PM1a_CNT ends the VM powered off, status 0.
            m.expect(r"^\[linux\] memverify: round 3 ok", 600)
            m.expect(r"vm linux: powered off \(.*\): exit status 0", 300)
            print(f"figure: linux: powered off {time.monotonic() - t0:.0f} s after `vm start`")
            row = h.vm_row(m, "linux")
            check(row["state"] == "exited" and "powered off" in row["note"],
                  f"vm list after the poweroff: {row}")
            h.poweroff(m, 300)


def register_memtest(h):
    scenario, check = h.scenario, h.check

    @scenario("bochs")
    def bochs_memtest_pass(workdir, image):
        # memtest86+ (config/vms/memtest.vmx, 16 MiB): it starts, draws its
        # screen on COM1 and completes a pass with no errors. Its screen is
        # cursor-addressed, so the pass counter is read from `vm console`.
        path = os.path.join(h.BUILD, "guests-linux", "memtest.bin")
        check(os.path.exists(path), f"{path} missing: run `make linux-guests` first")
        with h.booted(h.bochs_with(workdir, "memtest", [], [(path, "hv/guests/memtest.bin")]),
                      h.BOCHS_BOOT_S) as m:
            t0 = time.monotonic()
            h.start_vm(m, "memtest")
            m.expect(r"^\[memtest\] .*[Mm]emtest86\+", 600)
            print(f"figure: memtest86+: first screen after {time.monotonic() - t0:.0f} s")
            deadline = time.monotonic() + 1800
            while True:
                check(time.monotonic() < deadline, "memtest86+ finished no pass in 30 minutes")
                check(h.vm_row(m, "memtest")["state"] == "running", "memtest stopped")
                out = m.command("vm console memtest", 60)
                errs = re.findall(r"Errors:\s+(\d+)", out)
                check(all(e == "0" for e in errs), "memtest86+ found errors:\n" + out[-1500:])
                if re.search(r"Pass:\s+[1-9]", out):
                    break
                time.sleep(30)
            print(f"figure: memtest86+: pass 1 complete, 0 errors, after "
                  f"{time.monotonic() - t0:.0f} s of wall time")
            out = m.command("stats exits memtest", 60)
            print("figure: memtest exits:\n" + out)
            h.poweroff(m, 300)
