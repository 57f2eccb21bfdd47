"""Random code against the monitor (tests/guests/chaos.asm): episodes of
random instructions at CPL 3, a quarter of them forms that exit (port and
string I/O on every device's ports, CPUID, VMCALL, RDRAND, the backdoor)
and a quarter accesses to the I/O APIC, HPET and local APIC registers,
beside an innocent memtouch VM. The scenario judges the host: no VM stops
for a reason that names a monitor failure, a chaos VM ends only by running
all its episodes or for a reason the docs give for a guest's doing (an
instruction the device-access emulator does not know, when random bytes
reach a device page), most runs finish, the innocent VM keeps sweeping, and
the shell answers.

register(h) adds the scenarios to the harness module `h`
(run_system_tests.py), whose helpers they use.
"""
import os
import re
import time

# Reasons a VM is stopped for that no guest may be able to cause
# (kernel/vm.c's vm_fail callers): each is a monitor bug, whatever the guest did.
MONITOR_FAILURES = [
    r"VM entry failed", r"VMLAUNCH failed", r"VMRESUME failed", r"a monitor bug",
    r"unexpected exception exit", r"unhandled VM exit", r"I/O exit with access size",
    r"the CPU refused this vCPU's saved FPU state",
    # the host itself (lib/panic.c, the exception handler)
    r"\*\*\* HYPERVISOR PANIC", r"\*\*\* CPU EXCEPTION",
]
# What may end a chaos run early: a device access by an instruction the
# emulator does not know or refuses (docs/devices.md, "Limits").
GUEST_STOPS = [
    r"device access by an unsupported instruction ",
    r"device access by MOVS \(memory to memory\) is not supported",
]

# Seeds, run one after the other, and episodes per run. CHAOS_SEED_BASE in
# the environment shifts every seed (other random code, for a longer hunt).
SEED_BASE = int(os.environ.get("CHAOS_SEED_BASE", "0"))
# CHAOS_ARGS: more of the guests' arguments (trace=1 prints each episode).
EXTRA_ARGS = os.environ.get("CHAOS_ARGS", "")
CHAOS_SEEDS = range(SEED_BASE + 1, SEED_BASE + 4)
CHAOS_EPISODES = 2000


def chaos_vmxs(h, workdir, prefix, seeds, args, memsize, guest="chaos", vcpus=lambda seed: 1):
    """One VM file a seed, NAME = prefix + seed, of vcpus(seed) vCPUs;
    bochs_with's extras."""
    return [h.multiboot_vmx(workdir, f"{prefix}{seed}",
                            f'numvcpus = "{vcpus(seed)}"\n'
                            f'guest.kernel = "../guests/{guest}.bin"\n'
                            f'guest.cmdline = "seed={seed} {args} {EXTRA_ARGS}"\nserial.toHostConsole = "all"\n',
                            memsize) for seed in seeds]


def check_host_unharmed(h, m, log):
    """No VM stopped for a monitor failure in `log`; the innocent memtouch1
    swept through it, still runs and the shell answers."""
    for pattern in MONITOR_FAILURES:
        hit = re.search(r"[^\n]*%s[^\n]*" % pattern, log)
        h.check(not hit, "a monitor failure on the console: " + (hit.group(0) if hit else ""))
    h.check(re.search(r"^\[memtouch1\] memtouch: sweep \d+ ok", log, re.M),
            "memtouch1 swept no more while the chaos guests ran")
    m.expect(r"^\[memtouch1\] memtouch: sweep \d+ ok", 120)
    row = h.vm_row(m, "memtouch1")
    h.check(row["state"] == "running", f"memtouch1 is {row['state']}")
    # Where its one vCPU stands (for a VM that seems stuck): its APIC and
    # where its last exit left it.
    out = m.command("stats exits memtouch1", 60)
    h.check(re.search(r"^vcpu 0 of VM \d+ \(memtouch1\): \w+.*; at RIP 0x[0-9a-f]+, "
                      r"interrupts o(n|ff)[^\n]*, last exit [a-z-]+$", out, re.M),
            "stats exits memtouch1 says nothing of its vCPU:\n" + out)


def register(h):
    scenario = h.scenario

    @scenario("bochs")
    def bochs_chaos_guest(workdir, image):
        """Random CPL-3 code (three seeds, one run after another) hits the
        monitor's exits and device models; no VM stops for a monitor
        failure, runs end only by finishing or for a documented guest
        reason, most finish, and the innocent VM and the shell carry on."""
        run_ring3(h, workdir, "chaos", "chaos")

    @scenario("bochs")
    def bochs_chaos_guest_ring0(workdir, image):
        """Random CPL-0 code (12 runs, one after another): CR, DR and MSR
        writes, HLT with interrupts off, task switches into a TSS of random
        contents, every port. A run ends as it may (its episodes done, a
        triple fault, a reset, a power-off, a hang the shell kills); no VM
        stops for a monitor failure, and the innocent VM and the shell carry
        on."""
        run_ring0(h, workdir, "chaos0_", "chaos")

    @scenario("bochs")
    def bochs_chaos64_guest(workdir, image):
        """The same in 64-bit mode at CPL 3 (tests/guests/chaos64.asm):
        device accesses with REX prefixes and RIP-relative addresses,
        SYSCALL, SWAPGS; the same judgement."""
        run_ring3(h, workdir, "chaos64_", "chaos64")

    @scenario("bochs")
    def bochs_chaos64_guest_ring0(workdir, image):
        """The same in 64-bit mode at CPL 0: a random bit of CR0, CR4, CR8,
        EFER, the APIC base or another MSR flipped, which long mode forbids
        as often as not, SYSRET, INVPCID, x2APIC MSRs, IPIs of random
        contents; every other run in a VM of several vCPUs, whose siblings
        the random code's INIT and SIPI IPIs start at random pages in real
        mode; the same judgement."""
        run_ring0(h, workdir, "chaos64r0_", "chaos64", SMP_VCPUS, RING0_SEEDS_64)


def run_ring3(h, workdir, prefix, guest):
    """CHAOS_SEEDS runs of `guest` at CPL 3, one after another, beside
    memtouch1, judged as bochs_chaos_guest says."""
    check = h.check
    extras = chaos_vmxs(h, workdir, prefix, CHAOS_SEEDS, f"episodes={CHAOS_EPISODES}", 4,
                        guest)
    m = h.bochs_with(workdir, guest, ['vm.autostart = "memtouch1"'], extras)
    finished, stopped = [], []
    with h.booted(m, h.BOCHS_BOOT_S):
        h.wait_sweeps(m, "memtouch1", 1, 120)
        start = m.serial.pos
        for seed in CHAOS_SEEDS:
            name = f"{prefix}{seed}"
            h.start_vm(m, name)
            end = m.expect(r"^\[%s\] chaos: (PASS|FAIL)[^\n]*\n|vm %s: stopped: ([^\n]*)\n"
                           % (name, name), 600)
            if end.group(1) == "PASS":
                done = re.search(r"PASS (\d+) episodes", end.group(0))
                check(done and int(done.group(1)) == CHAOS_EPISODES, end.group(0))
                m.expect(r"vm %s: exited with status 0" % name, 60)
                finished.append(seed)
                continue
            check(end.group(2) and any(re.search(p, end.group(2)) for p in GUEST_STOPS),
                  f"{name} ended: " + end.group(0))
            stopped.append((seed, end.group(2)))
        print(f"{guest}: {len(finished)} runs of {CHAOS_EPISODES} episodes finished, "
              f"{len(stopped)} stopped: {stopped}", flush=True)
        check(len(finished) * 2 >= len(CHAOS_SEEDS),
              f"only {len(finished)} of {len(CHAOS_SEEDS)} runs finished: {stopped}")
        check_host_unharmed(h, m, m.serial.since(start))


# ring=0: runs of random CPL-0 code, each until it ends one way or another.
RING0_SEEDS = range(SEED_BASE + 1, SEED_BASE + 1 + int(os.environ.get("CHAOS_RUNS", "12")))
RING0_EPISODES = 1000
RING0_QUIET_S = 5           # a run that prints nothing for this long is killed (a hang)
RING0_MIN_EPISODES = 400    # all runs together (chaos 1,400-1,900 seen, chaos64 4,800-6,400),
                            # so the test did something


# The 64-bit CPL-0 runs: eight (about 9,000 episodes in 60 s), those of even
# seeds in VMs of SMP_VCPUS vCPUs (the odd ones have one).
RING0_SEEDS_64 = RING0_SEEDS[:8]
SMP_VCPUS = 2


def run_ring0(h, workdir, prefix, guest, smp_vcpus=1, seeds=RING0_SEEDS):
    """Runs of `guest` at CPL 0 (a seed each), one after another, beside
    memtouch1, judged as bochs_chaos_guest_ring0 says; the runs of even
    seeds in VMs of smp_vcpus vCPUs."""
    check = h.check
    extras = chaos_vmxs(h, workdir, prefix, seeds,
                        f"episodes={RING0_EPISODES} ring=0", 8, guest,
                        lambda seed: smp_vcpus if seed % 2 == 0 else 1)
    m = h.bochs_with(workdir, prefix.rstrip("_"), ['vm.autostart = "memtouch1"'], extras)
    outcomes, episodes = {}, 0
    with h.booted(m, h.BOCHS_BOOT_S):
        h.wait_sweeps(m, "memtouch1", 1, 120)
        start = m.serial.pos
        for seed in seeds:
            name = f"{prefix}{seed}"
            run_start = m.serial.pos
            h.start_vm(m, name)
            # the end of the run, or a progress line (every 64 episodes)
            ends = (r"^\[%s\] chaos: (PASS|FAIL|\d+ episodes)[^\n]*\n|vm %s: (stopped|exited|"
                    r"powered off|reset by the guest)[^\n]*\n" % (name, name))
            how = None
            while how is None:
                try:
                    end = m.expect(ends, RING0_QUIET_S)
                except h.MachineError:
                    how = "hang"
                    break
                if end.group(1) and end.group(1).endswith("episodes"):
                    continue
                how = end.group(1) or end.group(2)
            if how == "hang":
                # what it was doing, for whoever looks into the hang: its
                # exits so far, the CPU time it used and where each vCPU
                # stands, twice (whether it moves: stuck, or only slow)
                print(f"{guest} ring 0: {name} printed nothing for {RING0_QUIET_S} s; "
                      f"its exits:\n" + m.command(f"stats exits {name}", 60), flush=True)
                time.sleep(3)
                print(f"{guest} ring 0: {name} 3 s later:\n" +
                      "\n".join(line for line in
                                m.command(f"stats exits {name}", 60).splitlines()
                                if line.startswith(("cpu of", "vcpu", "time of"))), flush=True)
            if how == "reset by the guest":
                m.expect(r"vm %s: (started as id|not started)" % name, 60)  # the restart
            if how in ("hang", "reset by the guest"):
                # still live (or started again): the shell ends it
                out = m.command(f"vm kill {name}", 60)
                # (it may have ended on its own at that moment: the log
                # scan below judges how)
                check(f"{name} stopped" in out or "is not running" in out,
                      f"vm kill {name}:\n" + out)
            elif how == "FAIL":
                m.expect(r"vm %s: exited with status 1" % name, 60)
            run = m.serial.since(run_start)
            done = [int(x) for x in re.findall(r"^\[%s\] chaos: (\d+) episodes" % name,
                                               run, re.M)]
            passed = re.search(r"^\[%s\] chaos: PASS (\d+)" % name, run, re.M)
            episodes += int(passed.group(1)) if passed else max(done, default=0)
            outcomes[how] = outcomes.get(how, 0) + 1
        log = m.serial.since(start)
        reasons = sorted(set(re.findall(r"vm %s\d+: stopped: ([^(\n]*)" % prefix, log)))
        print(f"{guest} ring 0: {episodes} episodes in {len(seeds)} runs; ended: "
              f"{outcomes}; stop reasons: {reasons}", flush=True)
        check(episodes >= RING0_MIN_EPISODES,
              f"only {episodes} episodes ran in all (outcomes {outcomes})")
        check_host_unharmed(h, m, log)
