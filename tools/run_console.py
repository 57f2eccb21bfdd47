#!/usr/bin/env python3
"""Bridges this terminal to Bochs' COM1 (a TCP socket), in raw mode, so the
hv> shell works as on a serial line. Ctrl-A X quits and stops Bochs, as in
QEMU's -serial mon:stdio (Ctrl-] is the hv> shell's: it detaches `vm console`);
Ctrl-A followed by anything else passes both bytes on."""
import argparse
import os
import select
import sys
import termios
import tty

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "system"))
from machine import Bochs  # noqa: E402

SWAP_CYLINDERS = 520   # x 16 heads x 63 sectors x 512 bytes: 256 MiB


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bochs", required=True, help="ESP disk image")
    ap.add_argument("--workdir", default="build/run", help="where Bochs' files go")
    args = ap.parse_args()
    workdir = os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    # A blank swap disk as the primary slave (config/host-run.cfg's
    # swap.device), so the sample VMs can overcommit memory: sparse, 256 MiB.
    swap = os.path.join(workdir, "swap.img")
    with open(swap, "wb") as f:
        f.truncate(SWAP_CYLINDERS * 16 * 63 * 512)
    m = Bochs(os.path.abspath(args.bochs), workdir, extra_lines=[
        f"ata0-slave: type=disk, path={swap}, mode=flat, cylinders={SWAP_CYLINDERS}, "
        "heads=16, spt=63"])
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd) if os.isatty(fd) else None
    try:
        if old:
            tty.setraw(fd)
        shown = 0
        ctrl_a = False  # the last byte typed was Ctrl-A
        while m.proc.poll() is None:
            r, _, _ = select.select([fd], [], [], 0.05)
            data = m.serial.raw_since(shown)
            if data:
                shown += len(data)
                os.write(sys.stdout.fileno(), data)
            if r:
                data = os.read(fd, 64)
                if not data:
                    break
                out = bytearray()
                quit_now = False
                for b in data:
                    if ctrl_a:
                        ctrl_a = False
                        if b in b"xX":
                            quit_now = True
                            break
                        out.append(0x01)
                    if b == 0x01:
                        ctrl_a = True
                    else:
                        out.append(b)
                if out:
                    m.conn.sendall(bytes(out))
                if quit_now:
                    break
    finally:
        if old:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)
        m.kill()
        print("\nrun: Bochs stopped")


if __name__ == "__main__":
    main()
