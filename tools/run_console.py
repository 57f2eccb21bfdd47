#!/usr/bin/env python3
"""Bridges this terminal to Bochs' COM1 (a TCP socket), in raw mode, so the
hv> shell works as on a serial line. Ctrl-] quits and stops Bochs."""
import argparse
import os
import select
import sys
import termios
import tty

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "system"))
from machine import Bochs  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bochs", required=True, help="ESP disk image")
    ap.add_argument("--workdir", default="build/run", help="where Bochs' files go")
    args = ap.parse_args()
    workdir = os.path.abspath(args.workdir)
    m = Bochs(os.path.abspath(args.bochs), workdir)
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd) if os.isatty(fd) else None
    try:
        if old:
            tty.setraw(fd)
        shown = 0
        while m.proc.poll() is None:
            r, _, _ = select.select([fd], [], [], 0.05)
            data = m.serial.raw_since(shown)
            if data:
                shown += len(data)
                os.write(sys.stdout.fileno(), data)
            if r:
                data = os.read(fd, 64)
                if not data or b"\x1d" in data:
                    break
                m.conn.sendall(data)
    finally:
        if old:
            termios.tcsetattr(fd, termios.TCSADRAIN, old)
        m.kill()
        print("\nrun: Bochs stopped")


if __name__ == "__main__":
    main()
