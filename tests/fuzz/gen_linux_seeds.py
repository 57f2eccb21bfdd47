#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_linux_loader (tests/fuzz/corpus/linux_loader/):
small synthetic images with the setup-header values of Debian's kernel and
memtest86+ (measured: docs/guests.md), not the images themselves. Each seed
is the fuzzer's 8 option bytes (see tests/fuzz/fuzz_linux_loader.c) then
the image. Run it again after changing the input format."""
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "linux_loader")


def image(setup_sects, version, jump, xlf, reloc, align, pref, init_size, cmdline_size,
          initrd_max, payload=512, extra=0):
    setup = ((setup_sects or 4) + 1) * 512
    img = bytearray(setup + payload + extra)
    for i in range(setup, len(img)):
        img[i] = (i * 7 + 3) & 0xff
    img[0x1f1] = setup_sects
    struct.pack_into("<I", img, 0x1f4, (payload + 15) // 16)
    struct.pack_into("<H", img, 0x1fe, 0xAA55)
    img[0x200], img[0x201] = 0xEB, jump
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, version)
    img[0x211] = 0x01
    struct.pack_into("<I", img, 0x214, 0x100000)
    struct.pack_into("<I", img, 0x22C, initrd_max)
    struct.pack_into("<I", img, 0x230, align)
    img[0x234] = reloc
    img[0x235] = align.bit_length() - 1
    struct.pack_into("<H", img, 0x236, xlf)
    struct.pack_into("<I", img, 0x238, cmdline_size)
    struct.pack_into("<Q", img, 0x258, pref)
    struct.pack_into("<I", img, 0x260, init_size)
    return bytes(img)


def opts(ram, fail_at=0, flags=0, initrd_units=0, acpi_mib=0, acpi_pages=0):
    return struct.pack("<BBBHHB", ram, fail_at, flags, initrd_units, acpi_mib, acpi_pages)


debian = image(39, 0x020F, 0x6A, 0x7F, 1, 0x200000, 0x1000000, 0x3F98000, 0x7FF, 0x7FFFFFFF,
               extra=0x5C0)  # signed: bytes past syssize
memtest = image(2, 0x020C, 0x66, 0x09, 0, 0x1000, 0x100000, 0x6ACF8, 0xFF, 0xFFFFFFFF,
                payload=0x1B8)  # syssize rounds up by 8
seeds = {
    "debian-96m-initrd": opts(95, flags=2, initrd_units=40) + debian,
    "debian-acpi": opts(127, flags=2 | 4, initrd_units=8, acpi_mib=120, acpi_pages=16) + debian,
    "debian-6g-above4g": opts(0x85, flags=2, initrd_units=4) + debian,
    "debian-too-small": opts(63) + debian,
    "debian-entry32": opts(95, flags=1) + debian,
    "debian-oom": opts(95, fail_at=3, flags=2, initrd_units=1) + debian,
    "memtest-8m": opts(7) + memtest,
    "memtest-long-cmdline": opts(7, flags=8) + memtest,
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
