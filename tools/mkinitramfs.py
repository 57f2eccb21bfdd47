#!/usr/bin/env python3
"""mkinitramfs.py OUT.gz BUSYBOX INIT [NAME=FILE | mod:NAME=FILE | path:/PATH=FILE]...

Writes a gzip'd cpio archive in the "newc" format the Linux kernel unpacks
as its initramfs (Documentation/driver-api/early-userspace/buffer-format.rst):
/init (the INIT script), /bin/busybox with a link for each of its applets
(the list comes from `BUSYBOX --list-full`; busybox-static runs on the
build machine), /dev/console (the kernel opens it for init before anything
mounts /dev), the usual empty directories, each extra FILE as
/bin/NAME, each mod:NAME=FILE (a kernel module from the kernel's own
package, which INIT loads with busybox's insmod) as /lib/modules/NAME, and
each path:/DIR/NAME=FILE (a shared library, the dynamic loader) as
/DIR/NAME. Owners are root and times 0, so the same inputs give the same
bytes. Pure Python: no cpio, no root."""
import gzip
import os
import subprocess
import sys


class Cpio:
    def __init__(self):
        self.data = bytearray()
        self.ino = 1

    def entry(self, name, mode, body=b"", rdev=(0, 0), nlink=1):
        name_b = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, nlink, 0, len(body), 0, 0, rdev[0], rdev[1],
                  len(name_b), 0]
        self.ino += 1
        self.data += b"070701" + b"".join(b"%08x" % f for f in fields) + name_b
        self.pad()
        self.data += body
        self.pad()

    def pad(self):
        self.data += b"\0" * (-len(self.data) % 4)

    def dir(self, name):
        self.entry(name, 0o040755, nlink=2)

    def file(self, name, path, mode=0o100755):
        with open(path, "rb") as f:
            self.entry(name, mode, f.read())

    def symlink(self, name, target):
        self.entry(name, 0o120777, target.encode())

    def finish(self):
        self.entry("TRAILER!!!", 0)
        return bytes(self.data)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    out, busybox, init = sys.argv[1:4]
    extras = [a.split("=", 1) for a in sys.argv[4:]]
    applets = subprocess.run([busybox, "--list-full"], check=True, capture_output=True,
                             text=True).stdout.split()
    c = Cpio()
    dirs = {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "root",
            "etc", "lib", "lib/modules"}
    for d in sorted(dirs):
        c.dir(d)
    c.entry("dev/console", 0o020600, rdev=(5, 1))
    c.file("init", init)
    c.file("bin/busybox", busybox)
    for a in sorted(set(applets)):
        d = os.path.dirname(a)
        if a == "bin/busybox" or d not in dirs:
            continue
        c.symlink(a, os.path.relpath("bin/busybox", d))
    for name, path in extras:
        if name.startswith("mod:"):
            c.file("lib/modules/" + name[4:], path, 0o100644)
        elif name.startswith("path:/"):
            # A file at its own place (a dynamic program's libraries and
            # loader), its directories made first.
            dest = name[len("path:/"):]
            parts = dest.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    c.dir(d)
            c.file(dest, path)
        else:
            c.file("bin/" + name, path)
    data = c.finish()
    with open(out + ".tmp", "wb") as f:
        f.write(gzip.compress(data, 9, mtime=0))
    os.replace(out + ".tmp", out)
    print(f"mkinitramfs: {out}: {len(applets)} applets, {len(data)} bytes before gzip")


main()
