#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_pvh_loader (tests/fuzz/corpus/pvh_loader/):
small synthetic ELF64 kernels laid out as Debian's vmlinux is (PT_LOAD
segments at 16 MiB and up with bss, a PT_NOTE with a GNU build-id and Xen's
PHYS32_ENTRY, 8 bytes as Linux writes it, or 4 as Xen's headers say), not
the kernel itself. Each seed is the fuzzer's 5 option bytes (see
tests/fuzz/fuzz_pvh_loader.c) then the image. Run it again after changing
the input format."""
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus",
                                                         "pvh_loader")


def note(owner, ntype, desc):
    name = owner.encode() + b"\0"
    pad = lambda b: b + bytes(-len(b) % 4)
    return struct.pack("<III", len(name), len(desc), ntype) + pad(name) + pad(desc)


def elf(segments, entry, entry_bytes=8, extra_notes=b""):
    """segments: (paddr, filesz, memsz); their bytes follow the notes."""
    notes = note("GNU", 3, bytes(range(20))) + note("Xen", 18, entry.to_bytes(entry_bytes, "little"))
    notes += extra_notes
    nph = len(segments) + 1
    off = 64 + nph * 56
    note_off = off
    data_off = note_off + len(notes)
    phdrs, data = b"", b""
    for paddr, filesz, memsz in segments:
        phdrs += struct.pack("<IIQQQQQQ", 1, 7, data_off + len(data), 0xffffffff80000000 + paddr,
                             paddr, filesz, memsz, 0x1000)
        data += bytes((i * 7 + 3) & 0xff for i in range(filesz))
    phdrs += struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(notes), len(notes), 4)
    ehdr = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, segments[0][0], 64, 0, 0, 64, 56, nph, 0, 0, 0)
    return ehdr + phdrs + notes + data


def seed(name, ram, fail, opt, initrd_units, image):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([ram, fail, opt]) + struct.pack("<H", initrd_units) + image)


os.makedirs(OUT, exist_ok=True)
debian = [(0x1000000, 0x300, 0x300), (0x2a00000, 0x100, 0x2000), (0x3044000, 0x40, 0x1000),
          (0x3079000, 0x80, 0x8000)]
seed("debian-96m-initrd", 95, 0, 2, 4000, elf(debian, 0x1000050))
seed("debian-no-initrd", 95, 0, 0, 0, elf(debian, 0x1000050))
seed("debian-entry4", 95, 0, 2, 16, elf(debian, 0x1000050, 4))
seed("debian-too-small", 31, 0, 2, 16, elf(debian, 0x1000050))
seed("debian-write-fails", 95, 3, 2, 16, elf(debian, 0x1000050))
seed("debian-long-cmdline", 95, 0, 8, 0, elf(debian, 0x1000050))
seed("small-6g", 0x85, 0, 2, 100, elf([(0x100000, 0x200, 0x1000)], 0x100010))
seed("entry-in-bss", 15, 0, 0, 0, elf([(0x100000, 0x200, 0x1000)], 0x100400))
seed("two-entries", 15, 0, 0, 0, elf([(0x100000, 0x200, 0x1000)], 0x100010,
                                     extra_notes=note("Xen", 18, (0x100020).to_bytes(8, "little"))))
