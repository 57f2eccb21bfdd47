#!/usr/bin/env python3
"""extract-vmlinux.py BZIMAGE OUT

Writes the uncompressed kernel ELF that Debian's XZ bzImage carries, for the
PVH entry (vmm/loader_pvh.c, docs/guests.md "The PVH entry"). The bzImage's
setup header says where its payload is (payload_offset at 0x248 and
payload_length at 0x24c, from the start of the protected-mode code); the
payload is an XZ stream (the kernel's BCJ x86 + LZMA2, which Python's lzma
reads) followed by the 4-byte uncompressed size.

What is written is compacted so that it fits beside the other guests on a
64 MiB ESP: the same ELF header, the same program headers and the same
loaded bytes, but each PT_LOAD's trailing zero bytes are left to p_memsz
(as a loader zeroes bss anyway), the segments are packed one after the
other (page-aligned file offsets), and the section headers (which no loader
reads) are dropped. The PT_NOTE segment is pointed at its bytes inside the
packed segment that holds them. Debian's 66 MB vmlinux becomes about 35 MB.

It refuses (exit status 1, a one-line reason) a file that is not a bzImage
with an XZ payload, a payload that is not an ELF64 x86-64 executable, or
one without the Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, type 18),
and checks its output: every PT_LOAD's memory image and the entry note the
same as in the uncompressed ELF.
"""
import lzma
import os
import struct
import sys

XEN_ELFNOTE_PHYS32_ENTRY = 18
PT_LOAD, PT_NOTE = 1, 4
EHDR, PHDR = 64, 56
PAGE = 4096


def fail(msg):
    sys.exit(f"extract-vmlinux: {msg}")


def payload(bz, name):
    if len(bz) < 0x250 or bz[0x202:0x206] != b"HdrS":
        fail(f"{name}: no Linux setup header (\"HdrS\" at 0x202)")
    setup = ((bz[0x1f1] or 4) + 1) * 512
    off, length = struct.unpack_from("<II", bz, 0x248)
    start = setup + off
    if start + length > len(bz) or bz[start:start + 6] != b"\xfd7zXZ\x00":
        fail(f"{name}: the payload at 0x{start:x} is not an XZ stream")
    dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    elf = dec.decompress(bz[start:start + length])
    if not dec.eof:
        fail(f"{name}: the XZ stream is truncated")
    return elf


def phdrs(elf):
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    if phentsize != PHDR or phoff + phnum * PHDR > len(elf):
        fail("program headers out of the file")
    return phoff, [list(struct.unpack_from("<IIQQQQQQ", elf, phoff + i * PHDR))
                   for i in range(phnum)]


def pvh_entry(elf, ph):
    """The XEN_ELFNOTE_PHYS32_ENTRY value from the PT_NOTE segments."""
    for typ, _, off, _, _, filesz, _, _ in ph:
        if typ != PT_NOTE:
            continue
        pos, end = off, off + filesz
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz]
            desc_at = pos + 12 + (namesz + 3 & ~3)
            desc = elf[desc_at:desc_at + descsz]
            if name == b"Xen\0" and ntype == XEN_ELFNOTE_PHYS32_ENTRY and descsz in (4, 8):
                return int.from_bytes(desc, "little")
            pos = desc_at + (descsz + 3 & ~3)
    return None


def memory_image(elf, ph):
    """Each PT_LOAD's (paddr, bytes up to p_memsz), as a loader sees it."""
    return [(p[4], elf[p[2]:p[2] + p[5]].ljust(p[6], b"\0")) for p in ph if p[0] == PT_LOAD]


def compact(elf):
    phoff, ph = phdrs(elf)
    out = bytearray(elf[:EHDR])
    struct.pack_into("<Q", out, 0x28, 0)               # e_shoff: no section headers
    struct.pack_into("<HHH", out, 0x3a, 0, 0, 0)       # e_shentsize, e_shnum, e_shstrndx
    struct.pack_into("<Q", out, 0x20, EHDR)            # e_phoff: right after the header
    pos = -(-(EHDR + len(ph) * PHDR) // PAGE) * PAGE
    moved = []                                         # (old offset, old end, new offset)
    data = bytearray()
    new = [p[:] for p in ph]
    for p in new:
        if p[0] != PT_LOAD:
            continue
        seg = elf[p[2]:p[2] + p[5]].rstrip(b"\0")
        moved.append((p[2], p[2] + p[5], pos))
        p[2], p[5] = pos, len(seg)
        data += bytes(pos - EHDR - len(ph) * PHDR - len(data)) + seg
        pos = -(-(pos + len(seg)) // PAGE) * PAGE
    for p in new:
        if p[0] != PT_NOTE:
            continue
        home = [m for m in moved if m[0] <= p[2] and p[2] + p[5] <= m[1]]
        # The note's bytes must have survived the trim of their segment.
        if not home or p[2] - home[0][0] + p[5] > next(
                q[5] for q in new if q[0] == PT_LOAD and q[2] == home[0][2]):
            fail("a PT_NOTE segment lies outside the loaded segments' bytes")
        p[2] = home[0][2] + p[2] - home[0][0]
    for p in new:
        out += struct.pack("<IIQQQQQQ", *p)
    return bytes(out + data)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[0])
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, "rb") as f:
        elf = payload(f.read(), src)
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        fail(f"{src}: the payload is not a little-endian ELF64 file")
    etype, machine = struct.unpack_from("<HH", elf, 0x10)
    if etype != 2 or machine != 62:
        fail(f"{src}: the payload is ELF type {etype} machine {machine}, not an x86-64 "
             "executable")
    _, ph = phdrs(elf)
    entry = pvh_entry(elf, ph)
    if entry is None:
        fail(f"{src}: the kernel has no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY): "
             "built without CONFIG_PVH")
    small = compact(elf)
    _, sph = phdrs(small)
    if memory_image(small, sph) != memory_image(elf, ph) or pvh_entry(small, sph) != entry:
        fail("the compacted ELF does not load as the original does")
    tmp = dst + ".tmp"
    with open(tmp, "wb") as f:
        f.write(small)
    os.replace(tmp, dst)
    print(f"extract-vmlinux: {dst}: {len(small) // 1024} KiB (uncompressed ELF "
          f"{len(elf) // 1024} KiB), PVH entry 0x{entry:x}")


if __name__ == "__main__":
    main()
