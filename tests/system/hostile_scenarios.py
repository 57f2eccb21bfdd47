"""Hostile guests (issue 11): one hostile action per VM (tests/guests/
hostile_cpu.asm, `case=N`) beside an innocent memtouch VM. Each scenario judges
that the hostile VM got what a CPU would give it, that only it was affected,
and that the innocent VM and the shell kept running.

register(h) adds the scenarios to the harness module `h`
(run_system_tests.py), whose helpers they use.
"""
import os
import re
import time


def vmx(name, cmdline, memsize=4, extra=""):
    return (f'displayName = "{name}"\nmemsize = "{memsize}"\nguest.type = "multiboot"\n'
            f'guest.kernel = "../guests/hostile_cpu.bin"\nguest.cmdline = "{cmdline}"\n'
            f'serial.toHostConsole = "all"\n{extra}')


HOSTILE_VMS = {
    "h_xsetbv": vmx("h_xsetbv", "case=1"),
    "h_crmsr": vmx("h_crmsr", "case=2"),
    "h_drwrite": vmx("h_drwrite", "case=3"),
    "h_drread": vmx("h_drread", "case=4"),
    "h_flood": vmx("h_flood", "case=5"),
    "h_lazystack": vmx("h_lazystack", "case=6"),
    "h_cpuid": vmx("h_cpuid", "case=7"),
    "h_bios": vmx("h_bios", "case=8"),
    "h_fwcfg": vmx("h_fwcfg", "case=9 mem=6", memsize=6),
    "h_pae": vmx("h_pae", "case=10"),
    "h_vmcall": vmx("h_vmcall", "case=11"),
    # 64-bit: CR8 at 15 (every interrupt class masked), spinning.
    "h_cr8": ('displayName = "h_cr8"\nmemsize = "4"\nguest.type = "multiboot"\n'
              'guest.kernel = "../guests/longmode.bin"\nguest.cmdline = "cr8=1"\n'
              'serial.toHostConsole = "all"\n'),
    # Exits in a tight loop: CPUID about 4 billion times.
    "h_storm": ('displayName = "h_storm"\nmemsize = "4"\nguest.type = "multiboot"\n'
                'guest.kernel = "../guests/cpuid.bin"\nguest.cmdline = "n=4000000000"\n'
                'serial.toHostConsole = "all"\n'),
    # Not hostile: a Multiboot module (guest.initrd), this very file.
    "h_module": ('# the module text: this file\ndisplayName = "h_module"\nmemsize = "4"\n'
                 'guest.kernel = "../guests/hello.bin"\nguest.initrd = "h_module.vmx"\n'
                 'serial.toHostConsole = "all"\n'),
    # More memory than any machine here has, and more vCPUs than one.
    "h_huge": ('displayName = "h_huge"\nmemsize = "65536"\n'
               'guest.kernel = "../guests/hello.bin"\n'),
    # A Linux guest, before the monitor has interrupts: refused with the reason.
    "h_linux": ('displayName = "h_linux"\nmemsize = "96"\nguest.type = "linux"\n'
                'guest.kernel = "../guests/hello.bin"\n'),
    "h_smp": ('displayName = "h_smp"\nmemsize = "4"\nnumvcpus = "5"\n'
              'guest.kernel = "../guests/hello.bin"\n'),
}


def hostile_extras(workdir):
    out = []
    for name, text in HOSTILE_VMS.items():
        path = os.path.join(workdir, name + ".vmx")
        with open(path, "w") as f:
            f.write(text)
        out.append((path, f"hv/vms/{name}.vmx"))
    return out


def cpu_tsc(h, m, name):
    out = m.command(f"stats exits {name}", 60)
    row = re.search(r"^cpu of VM \d+ \(%s\): \d+ ms \(TSC (\d+)\)" % re.escape(name), out, re.M)
    h.check(row, f"stats exits {name} has no cpu line:\n" + out)
    return int(row.group(1))


def uptime(h, m):
    out = m.command("uptime", 60)
    up = re.search(r"up (\d+):(\d+):(\d+)\.(\d+), (\d+) timer ticks at (\d+) Hz", out)
    h.check(up, "uptime:\n" + out)
    hh, mm, ss, ms, ticks, hz = (int(x) for x in up.groups())
    return hh * 3600 + mm * 60 + ss + ms / 1000, ticks, hz


def shares(h, m, names, seconds):
    """Each VM's share of the CPU over `seconds` of wall time, from the TSC
    its vCPUs held the CPU (guest and monitor time alike)."""
    before = {n: cpu_tsc(h, m, n) for n in names}
    time.sleep(seconds)
    used = {n: cpu_tsc(h, m, n) - before[n] for n in names}
    total = sum(used.values())
    h.check(total > 0, f"no CPU time used: {used}")
    return {n: used[n] / total for n in names}


def register(h):
    scenario, check, Bochs, booted = h.scenario, h.check, h.Bochs, h.booted

    def hostile_machine(workdir, name, cfg_lines=()):
        return h.bochs_with(workdir, name, cfg_lines, hostile_extras(workdir))

    def ended(m, name, status):
        m.expect(r"vm %s: exited with status %d" % (name, status), 120)

    def passes(m, name):
        """Starts hostile VM `name`; its verdict line must be PASS, then it exits 0."""
        h.start_vm(m, name)
        verdict = m.expect(r"^\[%s\] hostile: (PASS|FAIL)[^\n]*\n" % name, 120)
        check(verdict.group(1) == "PASS", verdict.group(0))
        ended(m, name, 0)

    @scenario("bochs")
    def bochs_hostile_cpu_state(workdir, image):
        """XSETBV, CR and MSR writes a CPU refuses are the guest's #GP (the
        host survives, no VM entry fails); CR8 is the VM's task priority,
        not the host's; a Multiboot module arrives; debug registers do not leak from
        one VM to the next; an event whose delivery exits (its stack page
        not backed yet) is delivered again; VMs that cannot be backed or have more vCPUs
        than the monitor runs are refused with the reason."""
        m = hostile_machine(workdir, "hostile_cpu", ['vm.autostart = "memtouch1"'])
        with booted(m, h.BOCHS_BOOT_S):
            h.wait_sweeps(m, "memtouch1", 1, 120)
            passes(m, "h_xsetbv")
            passes(m, "h_crmsr")
            h.start_vm(m, "h_drwrite")
            m.expect(r"\[h_drwrite\] hostile: debug registers set; halting", 60)
            m.expect(r"vm h_drwrite: every vCPU halted", 60)
            passes(m, "h_drread")
            # An event whose delivery faults in the EPT still arrives.
            passes(m, "h_lazystack")
            # What CPUID advertises works.
            passes(m, "h_cpuid")
            # The BIOS area reads as ROM (a guest scanning it for tables).
            passes(m, "h_bios")
            # QEMU's fw_cfg answers what small test kernels ask it.
            passes(m, "h_fwcfg")
            # PAE paging turned on by a CR0 write the monitor carries out.
            passes(m, "h_pae")
            # VMCALL answers as KVM's hypercalls do (it was #UD).
            passes(m, "h_vmcall")
            # CR8 is the VM's own task priority: a guest spinning at CR8 15
            # leaves the host's interrupts (timer, console) alone.
            h.start_vm(m, "h_cr8")
            m.expect(r"\[h_cr8\] long: cr8 is the APIC's task priority; spinning at cr8 15", 60)
            t0, ticks0, hz = uptime(h, m)
            time.sleep(5)
            t1, ticks1, _ = uptime(h, m)
            rate = (ticks1 - ticks0) / (t1 - t0)
            print(f"figure: host timer at {rate:.0f} Hz of {hz} beside a guest at CR8 15")
            check(rate >= 0.8 * hz, f"the host timer ran at {rate:.0f} Hz of {hz} beside CR8 15")
            out = m.command("vm stop h_cr8", 60)
            check("h_cr8 stopped" in out, "vm stop h_cr8:\n" + out)
            # A Multiboot module arrives whole, named, where the info says.
            h.start_vm(m, "h_module")
            size = len(HOSTILE_VMS["h_module"])
            m.expect(r"\[h_module\] hello: module %d bytes named 'h_module\.vmx': "
                     r"# the module text: this file\r?\n" % size, 60)
            ended(m, "h_module", 0)

            out = m.command("vm start h_huge", 60)
            check("h_huge did not start" in out, "a 64 GiB VM started:\n" + out)
            out = m.command("vm start h_smp", 60)
            check("h_smp did not start" in out, "a 5-vCPU VM started:\n" + out)
            out = m.command("vm start h_linux", 60)
            check("h_linux did not start" in out, "a linux guest started:\n" + out)
            out = m.command("log", 60)
            # A Multiboot image given as a Linux kernel: the loader names the
            # file and what is wrong with its boot header.
            check(re.search(r"vm h_linux: not started: \.\./guests/hello\.bin: (\d+ bytes is too "
                            r"small for a Linux boot header|no boot sector signature)", out),
                  "no linux reason:\n" + out)
            # 64 GiB: even its overhead (physmap, EPT, victim storage) does
            # not fit, and the message says so with the figures.
            check(re.search(r"vm h_huge: not started: reservation 0 MiB \+ \d+ MiB overhead "
                            r"does not fit in the \d+ MiB unreserved \(MinFree \d+ MiB kept\)",
                            out), "no admission reason:\n" + out)
            check(re.search(r"hv/vms/h_smp\.vmx:3: numvcpus: 5 virtual CPUs asked; this "
                            r"monitor runs at most 4 per VM", out), "no numvcpus reason:\n" + out)

            # The innocent VM never noticed.
            mark = m.serial.pos
            m.expect(r"^\[memtouch1\] memtouch: sweep \d+ ok", 120)
            m.serial.pos = mark
            check("MISMATCH" not in m.serial.since(0), "memtouch1 saw a mismatch")
            check(h.vm_row(m, "memtouch1")["state"] == "running", "memtouch1 is not running")
            h.check_mem(m)
            h.poweroff(m, 120)

    @scenario("bochs")
    def bochs_hostile_exit_storm_fair_share(workdir, image):
        """A VM that exits in a tight loop (CPUID forever), and one that
        floods COM1, get their share of the CPU and no more: a busy memtouch
        beside them keeps sweeping with its fair share, the host timer keeps
        its rate, and the shell answers."""
        m = hostile_machine(workdir, "hostile_storm", ['vm.autostart = "memtouch1,h_storm"'])
        with booted(m, h.BOCHS_BOOT_S):
            m.expect(r"\[h_storm\] cpuid: 4000000000 x leaf 0", 120)
            h.wait_sweeps(m, "memtouch1", 2, 120)
            m.expect(r"^hv> ", 10)
            t0, ticks0, hz = uptime(h, m)
            got = shares(h, m, ["memtouch1", "h_storm"], 20)
            t1, ticks1, _ = uptime(h, m)
            rate = (ticks1 - ticks0) / (t1 - t0)
            print(f"figure: CPU shares, storm beside memtouch: "
                  f"{', '.join(f'{n} {s:.0%}' for n, s in got.items())}; "
                  f"host timer {rate:.0f} Hz of {hz}")
            for n, s in got.items():
                check(0.40 <= s <= 0.60, f"{n} got {s:.0%} of the CPU, not 50% +- 10%: {got}")
            check(rate >= 0.8 * hz, f"the host timer ran at {rate:.0f} Hz of {hz}")
            mark = m.serial.pos
            m.expect(r"^\[memtouch1\] memtouch: sweep \d+ ok", 120)
            m.serial.pos = mark

            h.start_vm(m, "h_flood")
            m.expect(r"\[h_flood\] hostile: flood line \d+", 60)
            got = shares(h, m, ["memtouch1", "h_storm", "h_flood"], 20)
            print(f"figure: CPU shares with a COM1 flood too: "
                  f"{', '.join(f'{n} {s:.0%}' for n, s in got.items())}")
            for n, s in got.items():
                check(0.23 <= s <= 0.43, f"{n} got {s:.0%} of the CPU, not a third: {got}")
            t0 = time.monotonic()
            out = m.command("vm list", 60)
            took = time.monotonic() - t0
            print(f"figure: 'vm list' answered in {took:.1f} s during the storm and flood")
            check("h_flood" in out and took < 10, f"shell took {took:.1f} s:\n{out}")
            check("MISMATCH" not in m.serial.since(0), "memtouch1 saw a mismatch")
            h.poweroff(m, 120)
