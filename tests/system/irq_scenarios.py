"""Virtual interrupts and timers (issue 14): a guest that programs the 8254
and takes its interrupts through the 8259 with HLT between them, checking
their count and rate against its own TSC calibration (channel 2 through
port 0x61), and sleeps between them instead of spinning.

register(h) adds the scenarios to the harness module `h`
(run_system_tests.py), whose helpers they use.
"""
import re


def register(h):
    scenario, check, Bochs, booted = h.scenario, h.check, h.Bochs, h.booted

    @scenario("bochs")
    def bochs_pit_interrupts_with_hlt(workdir, image):
        with booted(Bochs(image, workdir), h.BOCHS_BOOT_S) as m:
            h.start_vm(m, "irqtimer")
            cal = m.expect(r"^\[irqtimer\] irqtimer: tsc per 10 ms (\d+)\r?\n", 120)
            res = m.expect(r"^\[irqtimer\] irqtimer: pit (\d+) ticks in (\d+)% of the "
                           r"expected time, (\d+) halts\r?\n", 180)
            lapic = m.expect(r"^\[irqtimer\] irqtimer: lapic (\d+) periodic ticks in (\d+)% of "
                             r"the expected time\r?\n", 120)
            dl = m.expect(r"^\[irqtimer\] irqtimer: tsc-deadline (\d+) interrupts in (\d+)% of "
                          r"the expected time\r?\n", 120)
            m.expect(r"^\[irqtimer\] irqtimer: ok", 30)
            m.expect(r"vm irqtimer: exited with status 0", 60)
            print(f"figure: irqtimer: local APIC timer, periodic: {lapic.group(1)} interrupts "
                  f"in {lapic.group(2)}% of the expected time; TSC-deadline: {dl.group(1)} in "
                  f"{dl.group(2)}%")
            ticks, pct, halts = (int(x) for x in res.groups())
            print(f"figure: irqtimer: {ticks} PIT interrupts at 100 Hz took {pct}% of the "
                  f"time the guest's TSC calibration ({cal.group(1)} per 10 ms) expects, "
                  f"{halts} HLTs")
            m.expect(r"^hv> ", 10)
            out = m.command("stats exits irqtimer", 60)
            hlt = re.search(r"^\s+hlt\s+(\d+)\s+(\d+)\s+(\d+)$", out, re.M)
            check(hlt and int(hlt.group(1)) >= ticks - 1, "HLT exits missing:\n" + out)
            # Three phases of `ticks` interrupts, each HLT woken by one:
            # a wake-up with nothing to deliver would add HLTs.
            check(int(hlt.group(1)) <= 3 * ticks + 3, "HLTs woken for nothing:\n" + out)
            # Each HLT sleeps until the next tick: a wake-up with nothing to
            # deliver would show as an extra HLT (the guest halts again).
            check(halts <= ticks + 2, f"{halts} HLTs for {ticks} ticks: woken without an interrupt")
            cpu = re.search(r"^cpu of VM \d+ \(irqtimer\): (\d+) ms", out, re.M)
            check(cpu, "no cpu line:\n" + out)
            # The ticks span ticks * 10 ms; a vCPU that spun instead of
            # sleeping would have held the CPU for all of it.
            check(int(cpu.group(1)) * 4 < ticks * 10,
                  f"irqtimer held the CPU {cpu.group(1)} ms over {ticks * 10} ms of ticks")
            print("figure: irqtimer exits:\n" + out)
            h.poweroff(m, 120)

    @scenario("bochs")
    def bochs_big_vm_pci_hole(workdir, image):
        # A VM of 5 GiB: RAM stops at 3 GiB and goes on at 4 GiB, as on a
        # PC, so the local APIC's page (0xfee00000) stays the APIC's and its
        # timer interrupts arrive. Before the PCI hole, RAM reached past
        # 0xfee00000 and the guest's APIC writes went to a RAM page.
        vmx = h.multiboot_vmx(workdir, "irqbig", 'guest.kernel = "../guests/irqtimer.bin"\n' +
                              h.ALL_LINES, memsize=5120)
        # Admission wants the 5 GiB backed: a sparse swap disk of ~5 GiB.
        m = h.bochs_with(workdir, "irqbig", ['swap.device = "ata0-slave"'], [vmx],
                         [h.bochs_swap_disk(workdir, "irqbig", 10500)])
        with booted(m, h.BOCHS_BOOT_S) as m:
            h.start_vm(m, "irqbig")
            lapic = m.expect(r"^\[irqbig\] irqtimer: lapic (\d+) periodic ticks in (\d+)% of "
                             r"the expected time\r?\n", 240)
            m.expect(r"^\[irqbig\] irqtimer: ok", 60)
            m.expect(r"vm irqbig: exited with status 0", 60)
            print(f"figure: irqbig (5120 MiB): local APIC timer {lapic.group(1)} ticks in "
                  f"{lapic.group(2)}% of the expected time")
            h.poweroff(m, 120)

    @scenario("bochs")
    def bochs_backdoor(workdir, image):
        # VMware's backdoor (tests/guests/backdoor.asm, which guests-qemu
        # runs against QEMU's vmport): from ring 0, and from ring 3 with
        # IOPL 0 and every port denied by the TSS, where the monitor
        # intercepts the CPU's #GP and answers; an IN from another port
        # there still raises the guest's #GP. With
        # monitor_control.restrict_backdoor the ring-3 call gets the #GP.
        # GuestRPC (tests/guests/guestrpc.asm, config/vms/guestrpc.vmx):
        # the guest reads the .vmx's guestinfo.greeting, sets a variable
        # the shell's `vm guestinfo` then shows, and logs a line.
        vmx = h.multiboot_vmx(workdir, "backdoor_r",
                              'guest.kernel = "../guests/backdoor.bin"\nguest.cmdline = "user=1"\n'
                              'monitor_control.restrict_backdoor = "TRUE"\n' + h.ALL_LINES)
        m = h.bochs_with(workdir, "backdoor", ['vm.autostart = "backdoor,backdoor_r,guestrpc"'],
                         [vmx])
        with booted(m, h.BOCHS_BOOT_S) as m:
            start = m.serial.pos
            m.expect(r"^\[backdoor\] backdoor: version 6, type 2\r?\n", 120)
            m.expect(r"^\[backdoor\] backdoor: unknown command kept EBX\r?\n", 60)
            tod = int(m.expect(r"^\[backdoor\] backdoor: time of day (\d+)\r?\n", 60).group(1))
            m.expect(r"^\[backdoor\] backdoor: memory size 4\r?\n", 60)
            m.expect(r"^\[backdoor\] backdoor: user-mode call answered: version 6\r?\n", 60)
            m.expect(r"^\[backdoor\] backdoor: user-mode IN from port 0x1234 raised #GP 0\r?\n",
                     60)
            m.expect(r"vm backdoor: exited with status 0", 60)
            m.serial.pos = start
            m.expect(r"^\[backdoor_r\] backdoor: version 6, type 2\r?\n", 120)
            m.expect(r"^\[backdoor_r\] backdoor: user-mode call refused with #GP\r?\n", 60)
            m.expect(r"vm backdoor_r: exited with status 0", 60)
            m.serial.pos = start
            m.expect(r"^\[guestrpc\] guestrpc: channel 0 open\r?\n", 120)
            m.expect(r"^\[guestrpc\] guestrpc: greeting reply: 1 hello from the host\r?\n", 60)
            m.expect(r"^\[guestrpc\] guestrpc: set and read back\r?\n", 60)
            m.expect(r"^\[guestrpc\] guestrpc: high-bandwidth set and read back\r?\n", 60)
            m.expect(r"vm guestrpc: guest log: guestrpc test guest says hello", 60)
            m.expect(r"^\[guestrpc\] guestrpc: 8 channels, the ninth refused\r?\n", 60)
            m.expect(r"vm guestrpc: exited with status 0", 60)
            m.expect(r"^hv> ", 10)
            out = m.command("vm guestinfo guestrpc", 60)
            for want in (r'^guestinfo\.greeting = "hello from the host"\r?$',
                         r'^guestinfo\.fromguest = "set by the guest, the fast way"\r?$',
                         r"guestrpc: 2 variables in \d+ of 16384 bytes; GuestRPC requests 7;"):
                check(re.search(want, out, re.M), f"vm guestinfo: {want} expected:\n" + out)
            out = m.command("stats exits guestrpc", 60)
            check(re.search(r"GuestRPC requests 7, messages by the high-bandwidth port 4", out),
                  "guestrpc: 7 requests, 2 of them (4 messages) by the high-bandwidth port "
                  "expected:\n" + out)
            out = m.command("vm guestinfo guestrpc greeting", 60)
            check(re.search(r'^guestinfo\.greeting = "hello from the host"', out, re.M),
                  "vm guestinfo NAME KEY: the one variable expected:\n" + out)
            out = m.command("vm guestinfo guestrpc greeting again", 60)
            check("guestrpc is exited" in out, "setting an ended VM's variable: refused:\n" + out)
            # GETTIMEFULL is the host's time of day (under Bochs the firmware's
            # clock, an hour behind this machine's: check_time_of_day).
            host = int(h.check_time_of_day(m, 2 * 3600))
            check(-5 < host - tod < 120, f"GETTIMEFULL said {tod}, the host's time of day is "
                  f"{host}")
            print(f"figure: backdoor: GETTIMEFULL {host - tod:+d} s from the host's time of day")
            out = m.command("stats exits backdoor", 60)
            got = re.search(r"backdoor calls (\d+), guest #GPs intercepted and given back (\d+)",
                            out)
            check(got and got.group(1) == "5" and got.group(2) == "1",
                  "backdoor: 5 calls (four from ring 0, one from ring 3) and one #GP given "
                  "back expected:\n" + out)
            out = m.command("stats exits backdoor_r", 60)
            got = re.search(r"backdoor calls (\d+), guest #GPs intercepted and given back (\d+)",
                            out)
            # Restricted (and no pseudo counters), nothing needs the #GP: it
            # is not intercepted, the CPU delivers it to the guest itself.
            check(got and got.group(1) == "4" and got.group(2) == "0" and
                  not re.search(r"^\s+exception", out, re.M),
                  "backdoor_r: 4 calls from ring 0 and no #GP intercepted expected:\n" + out)
            h.poweroff(m, 120)

    @scenario("bochs")
    def bochs_hpet(workdir, image):
        # The HPET guest (tests/guests/hpet.asm), which guests-qemu runs
        # against QEMU's HPET too; and with hpet0.present = FALSE the VM
        # has no HPET table (and its page is unknown memory).
        vmx = h.multiboot_vmx(workdir, "nohpet", 'guest.kernel = "../guests/hpet.bin"\n'
                              'hpet0.present = "FALSE"\n' + h.ALL_LINES)
        m = h.bochs_with(workdir, "hpet", ['vm.autostart = "hpet,nohpet"'], [vmx])
        with booted(m, h.BOCHS_BOOT_S) as m:
            start = m.serial.pos
            m.expect(r"^\[hpet\] hpet: at 0xfed00000, 3 timers, period 69841279 fs\r?\n", 120)
            rate = m.expect(r"^\[hpet\] hpet: counter rate (\d+)% of its period's\r?\n", 120)
            per = m.expect(r"^\[hpet\] hpet: legacy periodic 20 interrupts in (\d+)% of the "
                           r"expected time\r?\n", 180)
            m.expect(r"^\[hpet\] hpet: one-shot on IRQ 8 ok\r?\n", 60)
            m.expect(r"^\[hpet\] hpet: level status ok\r?\n", 60)
            m.expect(r"^\[hpet\] hpet: ok\r?\n", 30)
            m.expect(r"vm hpet: exited with status 0", 60)
            r, p = int(rate.group(1)), int(per.group(1))
            check(90 <= r <= 110, f"HPET counter rate {r}% of its period's")
            check(90 <= p <= 130, f"HPET periodic interrupts at {p}% of the expected time")
            print(f"figure: hpet: counter at {r}% of 14.31818 MHz against the PIT; 20 legacy "
                  f"periodic interrupts in {p}% of 20 x 10 ms")
            m.serial.pos = start
            m.expect(r"^\[nohpet\] hpet: no HPET table\r?\n", 120)
            m.expect(r"vm nohpet: exited with status 3", 60)
            m.expect(r"^hv> ", 10)
            h.poweroff(m, 120)
