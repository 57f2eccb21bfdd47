"""memtouch's fill= kinds under the monitor (issue 13): one VM per kind runs
its sweeps without a mismatch, and a VM whose guest flips a bit of one page
between two sweeps (the corrupt= hook, standing in for a monitor that lost
data) is reported as a MISMATCH and ends with status 1, alone.

register(h) adds the scenarios to the harness module `h`
(run_system_tests.py), whose helpers they use.
"""
import os
import re

KINDS = ["zero", "text", "random", "mix"]
SWEEPS = 3


def vmx(workdir, name, cmdline):
    path = os.path.join(workdir, name + ".vmx")
    with open(path, "w") as f:
        f.write(f'displayName = "{name}"\nmemsize = "16"\nguest.type = "multiboot"\n'
                f'guest.kernel = "../guests/memtouch.bin"\nguest.cmdline = "{cmdline}"\n')
    return (path, f"hv/vms/{name}.vmx")


def register(h):
    scenario, check = h.scenario, h.check

    @scenario("bochs")
    def bochs_memtouch_fill(workdir, image):
        """Four memtouch VMs, fill=zero, text, random and mix (4 MiB touched,
        3 sweeps, every word checked in both passes), exit 0; a fifth with
        fill=mix corrupt=1 reports the flipped bit in sweep 2 and exits 1."""
        vms = [vmx(workdir, "fill" + k, f"touch=4 sweeps={SWEEPS} fill={k}") for k in KINDS]
        vms.append(vmx(workdir, "fillbad", f"touch=4 sweeps={SWEEPS} fill=mix corrupt=1"))
        names = ["fill" + k for k in KINDS] + ["fillbad"]
        m = h.bochs_with(workdir, "fill", ['vm.autostart = "%s"' % ",".join(names)], extra=vms)
        with h.booted(m, h.BOCHS_BOOT_S):
            start = 0                    # autostarted VMs may print before the prompt
            for k in KINDS:
                m.serial.pos = start
                m.expect(r"^\[fill%s\] memtouch: fill %s, every word checked" % (k, k), 120)
                h.wait_sweeps(m, "fill" + k, SWEEPS, 120)
                m.expect(r"vm fill%s: exited with status 0" % k, 60)
            m.serial.pos = start
            m.expect(r"^\[fillbad\] memtouch: sweep 1 ok", 120)
            m.expect(r"^\[fillbad\] memtouch: test hook: flipped bit 6 of byte 2050 of page "
                     r"0x380000", 60)
            bad = m.expect(r"^\[fillbad\] memtouch: MISMATCH page 0x380000 word 512 expected "
                           r"(0x[0-9a-f]+) found (0x[0-9a-f]+)", 60)
            check(int(bad.group(1), 16) ^ int(bad.group(2), 16) == 0x400000,
                  "the mismatch is not the flipped bit: " + bad.group(0))
            m.expect(r"vm fillbad: exited with status 1", 60)
            m.expect(r"^hv> ", 10)
            log = m.serial.since(start)
            check(not re.search(r"^\[fill(zero|text|random|mix)\] .*MISMATCH", log, re.M),
                  "a VM without the hook saw a mismatch:\n" + log[-3000:])
            check("[fillbad] memtouch: sweep 2 ok" not in log,
                  "the sweep after the flipped bit passed")
            for name in names:
                check(h.vm_row(m, name)["state"] == "exited", f"{name} did not exit")
            h.poweroff(m, 120)
