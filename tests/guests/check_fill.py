#!/usr/bin/env python3
"""Boots memtouch with each fill= kind in plain QEMU (no hypervisor needed),
dumps the pages it wrote, and has memtouch_fill_check measure them with the
project's codec (and liblz4): zero pages are tags, text compresses 2-4x,
random does not compress. Also checks, in the same QEMU runs, that the
corrupt= test hook is reported as a MISMATCH with exit status 1.

Without the isa-debug-exit device the guest's exit is a write to nothing and
it halts, so after its last sweep line its memory stays as it left it: the
QEMU monitor's pmemsave then copies the touched range out.

usage: check_fill.py GUEST_DIR CHECKER TALLY_FILE [LOG_DIR]
"""
import os
import re
import subprocess
import sys
import time

GUEST_DIR, CHECKER, TALLY = sys.argv[1:4]
LOG_DIR = sys.argv[4] if len(sys.argv) > 4 else "build/memtouch-fill"
QEMU = os.environ.get("QEMU_I386", "qemu-system-i386")
TOUCH_MB = 4                      # pages 0x200-0x4ff: 768 pages, 256 per mix kind
DUMP_BYTES = (TOUCH_MB - 1) << 20
passed = failed = 0


def check(what, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"memtouch-fill: FAIL {what}\n{detail}")


def boot(name, append, dump=None, exit_device=False, limit=30):
    """Runs memtouch; returns (serial text, exit status or None). With
    `dump`, waits for the guest's last sweep and saves its pages there."""
    serial = os.path.join(LOG_DIR, name + ".serial")
    if os.path.exists(serial):
        os.remove(serial)
    args = [QEMU, "-kernel", os.path.join(GUEST_DIR, "memtouch.bin"), "-append", append,
            "-serial", "file:" + serial, "-display", "none", "-monitor", "stdio",
            "-no-reboot", "-m", "64"]
    if exit_device:
        args += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline and p.poll() is None:
            text = open(serial, errors="replace").read() if os.path.exists(serial) else ""
            if dump and re.search(r"^memtouch: sweep %s ok" % dump[1], text, re.M):
                time.sleep(0.5)           # the exit write and HLT follow the line
                p.stdin.write(f"pmemsave 0x200000 {DUMP_BYTES:#x} \"{dump[0]}\"\nquit\n")
                p.stdin.flush()
                p.wait(limit)
                break
            time.sleep(0.1)
    except subprocess.TimeoutExpired:
        pass
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    text = open(serial, errors="replace").read() if os.path.exists(serial) else ""
    rc = p.returncode
    status = rc >> 1 if exit_device and rc is not None and rc & 1 else None
    return text, status


def main():
    os.makedirs(LOG_DIR, exist_ok=True)
    all_dumps = {}
    for kind in ["zero", "text", "random", "mix"]:
        dumps = []
        for sweeps in (2, 3):
            path = os.path.abspath(os.path.join(LOG_DIR, f"{kind}-{sweeps}.bin"))
            if os.path.exists(path):
                os.remove(path)
            text, _ = boot(f"{kind}-{sweeps}", f"touch={TOUCH_MB} sweeps={sweeps} fill={kind}",
                           dump=(path, sweeps))
            ok = os.path.exists(path) and os.path.getsize(path) == DUMP_BYTES
            check(f"{kind}: {sweeps} sweeps and a dump", ok and "MISMATCH" not in text, text)
            dumps.append(path)
        if not all(os.path.exists(d) for d in dumps):
            continue
        r = subprocess.run([CHECKER, kind, "2"] + dumps, capture_output=True, text=True)
        sys.stdout.write(r.stdout)
        check(f"{kind}: generation 2 measured", r.returncode == 0, r.stdout + r.stderr)
        r = subprocess.run([CHECKER, kind, "3", dumps[1]], capture_output=True, text=True)
        check(f"{kind}: generation 3 measured", r.returncode == 0, r.stdout + r.stderr)
        all_dumps[kind] = dumps[0]

        # The test hook: one flipped bit after sweep 1 is sweep 2's MISMATCH.
        text, status = boot(f"{kind}-corrupt", f"touch={TOUCH_MB} sweeps=3 fill={kind} corrupt=1",
                            exit_device=True)
        m = re.search(r"^memtouch: MISMATCH page 0x380000 word 512 expected (0x[0-9a-f]+) "
                      r"found (0x[0-9a-f]+)$", text, re.M)
        check(f"{kind}: a flipped bit is a MISMATCH, status 1",
              m and int(m.group(1), 16) ^ int(m.group(2), 16) == 0x400000 and status == 1 and
              "sweep 2 ok" not in text, f"status {status}\n{text}")
    # Bad arguments stop the guest with status 2 and say why.
    for append, line in [("touch=4 fill=textual", "memtouch: fill= must be zero, text, random or mix"),
                         ("touch=4 fill= sweeps=1", "memtouch: fill= must be zero, text, random or mix"),
                         ("touch=4 sweeps=1 corrupt=1", "memtouch: corrupt= needs fill=")]:
        text, status = boot("refused", append, exit_device=True)
        check(f"'{append}' refused with status 2", status == 2 and line in text,
              f"status {status}\n{text}")
    # The checker can fail: each kind's pages, measured as another kind's.
    for pages, claimed in [("random", "text"), ("text", "random"), ("text", "zero"),
                           ("zero", "text"), ("mix", "random")]:
        if pages in all_dumps:
            r = subprocess.run([CHECKER, claimed, "2", all_dumps[pages]], capture_output=True,
                               text=True)
            check(f"{pages} pages fail the {claimed} checks", r.returncode == 1,
                  r.stdout + r.stderr)
    with open(TALLY, "w") as f:
        f.write(f"{passed} {failed}\n")
    print(f"memtouch-fill: {passed} passed, {failed} failed (logs: {LOG_DIR})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
