"""Hostile input that attacks the host's console, log and limits (issue #11
items 7-14): config files of junk and hostile bytes, many boot files, and
sixteen copies of tests/guests/hostile_console.asm at once. Each scenario
failed before its fix (see the commit messages).

register(h) adds the scenarios to the harness module `h`
(run_system_tests.py), whose helpers they use.
"""
import os
import re
import time


def hostile_host_cfg(lines):
    """A host.cfg of `lines` bad lines of several kinds (unknown keys, junk,
    bad values), with good keys only after them."""
    out = []
    for i in range(lines):
        out.append(("unknown.key%d = 1" % i, "?junk line %d" % i, 'timer.hz = "x%d' % i)[i % 3])
    out += ['timer.hz = "50"', 'vm.autostart = "abcdefghijklmnopqrstuvwxyz0123456,hello"']
    return "\n".join(out) + "\n"


def register(h):
    scenario, check, Qemu, booted = h.scenario, h.check, h.Qemu, h.booted
    variant_image, esp_extras, poweroff = h.variant_image, h.esp_extras, h.poweroff
    QEMU_BOOT_S, BOCHS_BOOT_S = h.QEMU_BOOT_S, h.BOCHS_BOOT_S

    @scenario("qemu")
    def qemu_hostile_host_config(workdir, image):
        # 3,000 bad lines: the boot reaches the shell about as fast as a normal
        # one, the console gets a bounded number of config lines, the known key
        # after them applies, and a too-long autostart name is refused whole.
        img = variant_image(workdir, "hostilecfg", hostile_host_cfg(3000))
        m = Qemu(img, workdir)
        t0 = time.monotonic()
        with booted(m, QEMU_BOOT_S):
            took = time.monotonic() - t0
            text = m.serial.since(0)
            shown = len(re.findall(r"config: hv/host\.cfg:\d+: ", text))
            check(shown <= 21, f"{shown} config problem lines printed (at most 21)")
            check("more problems in this file are counted, not shown" in text,
                  "no line says the rest are counted:\n" + m.tail(30))
            check(re.search(r"config: hv/host\.cfg read, 3000 problem\(s\)", text),
                  "the summary does not count all 3000 problems:\n" + m.tail(30))
            out = m.command("config")
            check('timer.hz = "50"' in out,
                  "timer.hz after 3000 bad lines was not applied:\n" + out)
            check(re.search(r"autostart: 'abcdefghijklmnopqrstuvwxyz0123456' not started: "
                            r"a VM "
                            r"name is at most 31 bytes", text),
                  "a 33-byte autostart name was not refused with the reason:\n" + m.tail(30))
            check("abcdefghijklmnopqrstuvwxyz01234:" not in text and
                  "vm abcdefghijklmnopqrstuvwxyz01234 " not in text,
                  "a 33-byte autostart name was cut to 31 and used")
            out = m.command("vm start abcdefghijklmnopqrstuvwxyz0123456")
            check("refused: a VM name is at most 31 bytes" in out, "vm start, long name:\n" + out)
            print(f"figure: boot to the prompt with 3000 bad config lines: {took:.1f} s")
            check(took < 60, f"boot took {took:.0f} s")
            check(poweroff(m, 30) == 0, "qemu exit status")


    @scenario("qemu")
    def qemu_hostile_bytes_in_config(workdir, image):
        # Bytes that are not UTF-8 in host.name and a .vmx value never reach the
        # terminal raw: refused with the bad bytes escaped, the default kept, and
        # a bad required line is not also called missing.
        cfg = os.path.join(workdir, "host.cfg")
        with open(cfg, "wb") as f:
            f.write(b'host.name = "h\xffst\xc2\x9b2J"\n')
        vmx = os.path.join(workdir, "evil.vmx")
        with open(vmx, "wb") as f:
            f.write(b'displayName = "ev\x1b[2Jil"\nmemsize = "4"\n'
                    b'guest.kernel = "../guests/hello.bin"\n')
        img = variant_image(workdir, "hostilebytes", None, [(cfg, "hv/host.cfg"),
                                                            (vmx, "hv/vms/evil.vmx")])
        with booted(Qemu(img, workdir), QEMU_BOOT_S) as m:
            m.command("vm start evil")
            raw = m.serial.raw_since(0)
            raw = raw[raw.find(b"kernel entered"):]  # the firmware draws with escapes
            text = m.serial.since(0)
            check(re.search(r"host\.cfg:1: host\.name: expected UTF-8 text, got "
                            r"'h\\xffst\\xc2\\x9b2J'", text),
                  "bad host.name not refused with escaped bytes:\n" + m.tail(30))
            check(re.search(r"evil\.vmx:1: displayName: byte 0x1b in the value", text),
                  "bad displayName line not named:\n" + m.tail(30))
            check("required key is missing" not in text,
                  "a bad line was also reported as a missing key:\n" + m.tail(30))
            for bad in (b"\x1b[2J", b"\xff", b"\xc2\x9b"):
                check(bad not in raw, f"raw {bad!r} reached the serial console")
            out = m.command("config")
            check('host.name = "hv"' in out, "the default host name was not kept:\n" + out)
            check(poweroff(m, 30) == 0, "qemu exit status")


    @scenario("qemu")
    def qemu_many_boot_files(workdir, image):
        # 200 VM files under \hv\vms: the 200th is on the boot partition too.
        extra = []
        vdir = os.path.join(workdir, "vms")
        os.makedirs(vdir, exist_ok=True)
        for i in range(200):
            p = os.path.join(vdir, "vm%03d.vmx" % i)
            with open(p, "w") as f:
                f.write('displayName = "vm%03d"\nmemsize = "4"\n'
                        'guest.kernel = "../guests/hello.bin"\n' % i)
            extra.append((p, "hv/vms/vm%03d.vmx" % i))
        # a file eight levels down is read; 30 directories nested deeper are
        # named for the first 10, then counted
        deep = os.path.join(workdir, "deep.vmx")
        with open(deep, "w") as f:
            f.write("# a file deep down\n")
        extra.append((deep, "hv/a/b/c/d/e/f/g/deep.vmx"))
        extra += [(deep, "hv/a/b/c/d/e/f/g/d%02d/x.vmx" % i) for i in range(30)]
        img = variant_image(workdir, "manyfiles", "", esp_extras() + extra)
        with booted(Qemu(img, workdir), QEMU_BOOT_S) as m:
            text = m.serial.since(0)
            named = len(re.findall(r"^boot: warning: hv/a/b/c/d/e/f/g/d\d\d is nested too deep",
                                   text, re.M))
            check(named == 10, f"{named} skipped directories named (10, then a count)")
            check("boot: warning: 20 more files or directories under \\hv skipped" in text,
                  "the skipped directories were not counted:\n" + m.tail(40))
            check("files under \\hv fill" not in text, "a region limit was hit")
            out = m.command("files", 60)
            n = re.search(r"^(\d+) file\(s\) loaded", out, re.M)
            check(n and int(n.group(1)) >= 200 + len(esp_extras()),
                  "files does not list every file:\n" + out[-600:])
            check("hv/vms/vm199.vmx" in out, "the 200th VM file is not listed")
            check("hv/a/b/c/d/e/f/g/deep.vmx" in out, "a file eight levels down is not listed")
            out = m.command("vm start vm199")
            check("no VM file" not in out, "vm199.vmx is 'not on the boot partition':\n" + out)
            out = m.command("log")
            check("vm vm199: not started: no VT-x" in out, "vm199 was not read:\n" + out[-1500:])
            h.check_mem(m)
            check(poweroff(m, 30) == 0, "qemu exit status")


    @scenario("bochs")
    def bochs_hostile_console(workdir, image):
        # Sixteen copies of the hostile guest (tests/guests/hostile_console.asm) start at
        # boot and end within moments of each other: every lifecycle line is
        # printed and kept, their terminal escapes never reach the host terminal
        # raw, their MSR and port storms log a bounded number of lines, and a
        # 17th VM finds a slot once they have ended.
        names = ["h%02d" % i for i in range(1, 18)]
        extra = []
        for n in names:
            p = os.path.join(workdir, n + ".vmx")
            with open(p, "w") as f:
                f.write(f'displayName = "{n}"\nmemsize = "4"\n'
                        'guest.kernel = "../guests/hostile_console.bin"\n'
                        'serial.toHostConsole = "all"\n'
                        + ('guest.cmdline = "lines=80"\n' if n == "h01" else ""))
            extra.append((p, f"hv/vms/{n}.vmx"))
        m = h.bochs_with(workdir, "hostile", ['vm.autostart = "%s"' % ",".join(names[:16])], extra)
        with booted(m, BOCHS_BOOT_S):
            for n in names[:16]:
                m.serial.pos = 0
                m.expect(r"vm %s: exited with status 0" % n, 120)
            m.expect(r"^hv> ", 30)
            text = m.serial.since(0)  # what was printed as it happened
            out = m.command("log", 60)
            kept = set(re.findall(r"vm (h\d\d): exited with status 0", out))
            check(len(kept) == 16, f"log keeps the exit lines of {sorted(kept)} only")
            suppressed = sum(int(x) for x in re.findall(
                r"(\d+) (?:messages suppressed|of its warnings were not shown)", text))
            check(suppressed <= 16 * 34,
                  f"{suppressed} messages suppressed: the storms were logged")
            for n in names[:16]:
                # each VM's warnings have a budget of their own: another VM's
                # storm does not hide its first line
                check(f"vm {n}: rdmsr of unknown MSR 0xdead0000 " in text,
                      f"{n}: its first unknown MSR was not logged")
                msr_lines = len(re.findall(r"vm %s: rdmsr of unknown MSR" % n, text))
                check(msr_lines <= 16, f"{n}: {msr_lines} MSR lines (at most 16)")
            # h01's 84 lines (80 at once): those kept off the console are
            # counted there, even though h01 ended before another line could say so
            shown = len(re.findall(r"^\[h01\] hostile_console: ", text, re.M))
            shown += 1  # the line of escapes
            hidden = sum(int(x) for x in re.findall(r"^\[h01\] \.\.\. (\d+) lines not shown", text,
                                                    re.M))
            check(hidden > 0 and shown + hidden == 84,
                  f"h01: {shown} lines shown + {hidden} counted != 84")
            for n in ("h01", "h16"):
                out = m.command(f"stats exits {n}", 60)
                check("unknown MSR accesses 600, unknown I/O port accesses 512" in out,
                      f"{n}: accesses not counted:\n" + out)
                out = m.command(f"vm console {n}", 60)
                check("\\x1b[2J\\x1b]0;owned\\x07\\xff \\xc2\\x9b31m" in out,
                      f"vm console {n} does not show the escapes escaped:\n" + out)
                check("hostile_console: #GP taken 600" in out,
                      f"{n} did not survive its #GPs:\n" + out)
            raw = m.serial.raw_since(0)
            raw = raw[raw.find(b"kernel entered"):]  # the firmware draws with escapes
            for bad in (b"\x1b[2J", b"\x1b]0;", b"\x07", b"\xff", b"\xc2\x9b"):
                check(bad not in raw, f"raw {bad!r} from a guest reached the host terminal")
            out = m.command("vm start h17", 60)
            check("h17 is id" in out, "a 17th VM found no slot after 16 ended:\n" + out)
            m.serial.pos = 0
            m.expect(r"vm h17: takes slot \d+ from ended VM h\d\d", 10)
            m.expect(r"vm h17: exited with status 0", 60)
            poweroff(m, 120)
