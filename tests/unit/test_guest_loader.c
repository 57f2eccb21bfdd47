/* vmm/loader_flat.c and vmm/loader_multiboot.c against a fake guest memory:
 * a.out-kludge and ELF32 images built here, every refusal with its exact
 * message (and no guest write before it), and the real hello and memtouch
 * guests from build/guests/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/guest_loader.h"

#ifndef GUEST_BIN_DIR
#define GUEST_BIN_DIR "build/guests"
#endif

#define MIB (1024ull * 1024)
#define POISON 0xcc /* fresh fake RAM, so zeroing is visible */

/* ---- fake guest memory ----------------------------------------------------- */

struct fake_mem {
    uint8_t *buf;       /* backs [0, backed) */
    uint64_t backed;
    uint64_t writes;    /* successful write calls */
    uint64_t fail_at;   /* the write call (1-based) that fails; 0: none */
    uint64_t calls;
};
static struct fake_mem fm;
static struct guest_mem_ops ops;

static bool in_ram(uint64_t gpa, size_t len)
{
    uint64_t end = gpa + len;
    if (end < gpa)
        return false;
    if (end <= 0xA0000)
        return end <= ops.ram_bytes;
    if (gpa >= GUEST_PCI_HOLE_END)
        return end <= guest_ram_top(ops.ram_bytes);
    return gpa >= 0x100000 && end <= guest_ram_low_end(ops.ram_bytes);
}

static bool fake_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
    assert_ptr_equal(ctx, &fm);
    fm.calls++;
    if (fm.fail_at && fm.calls == fm.fail_at)
        return false;
    if (!in_ram(gpa, len))
        return false;
    assert_true(gpa + len <= fm.backed); /* the tests keep loads in the backed part */
    memcpy(fm.buf + gpa, src, len);
    fm.writes++;
    return true;
}

/* RAM of `ram` bytes, of which the first `backed` exist in the fake. */
static void mem_setup(uint64_t ram, uint64_t backed)
{
    free(fm.buf);
    memset(&fm, 0, sizeof fm);
    fm.backed = backed;
    fm.buf = malloc(backed);
    assert_non_null(fm.buf);
    memset(fm.buf, POISON, backed);
    ops = (struct guest_mem_ops){ .write = fake_write, .ctx = &fm, .ram_bytes = ram };
}

static int teardown(void **state)
{
    (void)state;
    free(fm.buf);
    fm.buf = NULL;
    return 0;
}

static uint32_t g32(uint64_t gpa)
{
    uint32_t v;
    memcpy(&v, fm.buf + gpa, 4);
    return v;
}

static uint64_t g64(uint64_t gpa)
{
    uint64_t v;
    memcpy(&v, fm.buf + gpa, 8);
    return v;
}

static bool all_bytes(uint64_t gpa, uint64_t len, uint8_t v)
{
    for (uint64_t i = 0; i < len; i++)
        if (fm.buf[gpa + i] != v)
            return false;
    return true;
}

static void p32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void p16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

static char err[256];
static struct guest_boot_state bs;

/* ---- flat ------------------------------------------------------------------- */

static int flat(const void *img, size_t size, uint64_t load, uint64_t entry,
                enum guest_cpu_mode mode)
{
    struct flat_params p = { .load_addr = load, .entry = entry, .mode = mode };
    err[0] = '\0';
    memset(&bs, 0x5a, sizeof bs);
    return guest_load_flat(img, size, &p, &ops, &bs, err, sizeof err);
}

static void test_flat_prot32(void **state)
{
    (void)state;
    mem_setup(4 * MIB, 4 * MIB);
    uint8_t img[300];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)i;
    assert_int_equal(flat(img, sizeof img, 0x100000, 0x100010, GUEST_MODE_PROT32), 0);
    assert_memory_equal(fm.buf + 0x100000, img, sizeof img);
    assert_int_equal(fm.buf[0x100000 + sizeof img], POISON); /* nothing more written */
    assert_int_equal(bs.mode, GUEST_MODE_PROT32);
    assert_int_equal(bs.rip, 0x100010);
    assert_int_equal(bs.cs_selector, 0);
    assert_int_equal(bs.rsp, 0);
    assert_int_equal(bs.eax, 0);
    assert_int_equal(bs.ebx, 0);

    /* The last byte of low RAM and the last byte of RAM are fine. */
    assert_int_equal(flat(img, sizeof img, 0xA0000 - sizeof img, 0xA0000 - 1,
                          GUEST_MODE_PROT32), 0);
    assert_int_equal(flat(img, sizeof img, 4 * MIB - sizeof img, 4 * MIB - sizeof img,
                          GUEST_MODE_PROT32), 0);
}

static void test_flat_real(void **state)
{
    (void)state;
    mem_setup(2 * MIB, 2 * MIB);
    uint8_t img[0x4000];
    memset(img, 0x90, sizeof img);
    assert_int_equal(flat(img, 512, 0x7c00, 0x7c00, GUEST_MODE_REAL), 0);
    assert_int_equal(bs.mode, GUEST_MODE_REAL);
    assert_int_equal(bs.cs_selector, 0);
    assert_int_equal(bs.rip, 0x7c00);
    /* CS:IP = entry: CS takes the 64 KiB-aligned part. */
    assert_int_equal(flat(img, sizeof img, 0x10000, 0x12345, GUEST_MODE_REAL), 0);
    assert_int_equal(bs.cs_selector, 0x1000);
    assert_int_equal(bs.rip, 0x2345);
    assert_int_equal(((uint64_t)bs.cs_selector << 4) + bs.rip, 0x12345);
}

static void expect_flat_refusal(const void *img, size_t size, uint64_t load, uint64_t entry,
                                enum guest_cpu_mode mode, const char *msg)
{
    uint64_t before = fm.writes;
    assert_int_equal(flat(img, size, load, entry, mode), -1);
    assert_string_equal(err, msg);
    assert_int_equal(fm.writes, before);
}

static void test_flat_refusals(void **state)
{
    (void)state;
    mem_setup(2 * MIB, 2 * MIB);
    uint8_t img[0x2000] = { 0 };
    expect_flat_refusal(img, 0, 0x100000, 0x100000, GUEST_MODE_PROT32, "empty image");
    expect_flat_refusal(NULL, 10, 0x100000, 0x100000, GUEST_MODE_PROT32, "empty image");
    expect_flat_refusal(img, 16, 0x100000, 0x100000, (enum guest_cpu_mode)7,
                        "unknown CPU mode 7");
    expect_flat_refusal(img, sizeof img, 2 * MIB - 0x1000, 2 * MIB - 0x1000, GUEST_MODE_PROT32,
                        "image of 8192 bytes does not fit at 0x1ff000 in 2 MiB of guest RAM");
    expect_flat_refusal(img, 16, 2 * MIB, 2 * MIB, GUEST_MODE_PROT32,
                        "image of 16 bytes does not fit at 0x200000 in 2 MiB of guest RAM");
    expect_flat_refusal(img, 16, UINT64_MAX - 4, UINT64_MAX - 4, GUEST_MODE_PROT32,
                        "image of 16 bytes does not fit at 0xfffffffffffffffb in 2 MiB of "
                        "guest RAM");
    expect_flat_refusal(img, sizeof img, 0x9f000, 0x9f000, GUEST_MODE_PROT32,
                        "image of 8192 bytes at 0x9f000 overlaps the hole at [0xa0000, 0x100000)");
    expect_flat_refusal(img, 16, 0xc0000, 0xc0000, GUEST_MODE_REAL,
                        "image of 16 bytes at 0xc0000 overlaps the hole at [0xa0000, 0x100000)");
    expect_flat_refusal(img, 16, 0x100000, 0x100010, GUEST_MODE_PROT32,
                        "entry 0x100010 is outside the image [0x100000, 0x100010)");
    expect_flat_refusal(img, 16, 0x100000, 0xfffff, GUEST_MODE_PROT32,
                        "entry 0xfffff is outside the image [0x100000, 0x100010)");
    expect_flat_refusal(img, 16, 0x100000, 0x100000, GUEST_MODE_REAL,
                        "real-mode entry 0x100000 is not below 1 MiB");
    fm.fail_at = fm.calls + 1;
    expect_flat_refusal(img, 16, 0x100000, 0x100000, GUEST_MODE_PROT32,
                        "could not write guest memory at 0x100000 (16 bytes)");
}

/* ---- Multiboot: image builders ---------------------------------------------- */

#define MB_MAGIC 0x1BADB002u
static uint8_t img[16384];

/* A header with the given flags at `off`; the a.out fields follow it. */
static void put_header(size_t off, uint32_t flags)
{
    p32(img + off, MB_MAGIC);
    p32(img + off + 4, flags);
    p32(img + off + 8, (uint32_t)-(MB_MAGIC + flags));
}

struct aout {
    uint32_t header, load, load_end, bss_end, entry;
};

/* A header at `off` with a.out fields, the rest of `size` bytes a pattern. */
static void build_aout(size_t size, size_t off, uint32_t flags, struct aout a)
{
    for (size_t i = 0; i < size; i++)
        img[i] = (uint8_t)(i * 7 + 1);
    put_header(off, flags | (1u << 16));
    p32(img + off + 12, a.header);
    p32(img + off + 16, a.load);
    p32(img + off + 20, a.load_end);
    p32(img + off + 24, a.bss_end);
    p32(img + off + 28, a.entry);
}

static int mb(size_t size, const char *cmdline)
{
    err[0] = '\0';
    memset(&bs, 0x5a, sizeof bs);
    struct mb_params mp = { .cmdline = cmdline };
    return guest_load_multiboot(img, size, &mp, &ops, &bs, err, sizeof err);
}

static int mb_named(size_t size, const char *name, const char *cmdline)
{
    err[0] = '\0';
    memset(&bs, 0x5a, sizeof bs);
    struct mb_params mp = { .name = name, .cmdline = cmdline };
    return guest_load_multiboot(img, size, &mp, &ops, &bs, err, sizeof err);
}

static void expect_mb_refusal(size_t size, const char *msg)
{
    uint64_t before = fm.writes;
    assert_int_equal(mb(size, "x"), -1);
    assert_string_equal(err, msg);
    assert_int_equal(fm.writes, before);
}

/* The info page at `info`: flags, mem_*, mmap, cmdline, for `ram` bytes of
 * RAM (past 3 GiB, the rest above the PCI hole, in a fourth mmap entry). */
static void check_info_at(uint64_t info, uint64_t ram, const char *cmdline)
{
    assert_int_equal(bs.mode, GUEST_MODE_PROT32);
    assert_int_equal(bs.eax, 0x2BADB002);
    assert_int_equal(bs.ebx, info);
    assert_int_equal(bs.rsp, 0);
    assert_int_equal(g32(info + 0), (1u << 0) | (1u << 2) | (1u << 6));
    assert_int_equal(g32(info + 4), 639);
    uint64_t low = ram < GUEST_PCI_HOLE_START ? ram : GUEST_PCI_HOLE_START;
    unsigned n = ram > GUEST_PCI_HOLE_START ? 4 : 3;
    assert_int_equal(g32(info + 8), (low - MIB) / 1024); /* upper memory: up to the hole */
    assert_int_equal(g32(info + 12), 0); /* boot_device: not given */
    uint32_t cmd = g32(info + 16);
    assert_string_equal((const char *)fm.buf + cmd, cmdline);
    assert_true(cmd > info && cmd + strlen(cmdline) < info + 0x1000);
    assert_int_equal(g32(info + 20), 0); /* no modules */
    uint32_t len = g32(info + 44), addr = g32(info + 48);
    assert_int_equal(len, n * 24);
    assert_true(addr >= info + 88 && addr + len <= cmd);
    const uint64_t want[4][3] = {
        { 0, 0x9FC00, 1 }, { 0x9FC00, 0x100000 - 0x9FC00, 2 }, { 0x100000, low - MIB, 1 },
        { GUEST_PCI_HOLE_END, ram - low, 1 },
    };
    for (unsigned i = 0; i < n; i++) {
        uint64_t e = addr + 24u * i;
        assert_int_equal(g32(e), 20);
        assert_int_equal(g64(e + 4), want[i][0]);
        assert_int_equal(g64(e + 12), want[i][1]);
        assert_int_equal(g32(e + 20), want[i][2]);
    }
    assert_true(all_bytes(info + 52, 88 - 52, 0)); /* the rest of v1: zero */
}

static void check_info(uint64_t ram, const char *cmdline)
{
    check_info_at(MULTIBOOT_INFO_GPA, ram, cmdline);
}

/* ---- Multiboot: a.out kludge -------------------------------------------------- */

static void test_aout_load(void **state)
{
    (void)state;
    mem_setup(8 * MIB, 8 * MIB);
    /* Header at file offset 0x40; the file from offset 0x10 loads at
     * 0x200000 (load_addr 0x30 before header_addr), 0x1000 bytes, then
     * 0x3000 bytes of bss. */
    struct aout a = { .header = 0x200030, .load = 0x200000, .load_end = 0x201000,
                      .bss_end = 0x204000, .entry = 0x200100 };
    build_aout(0x2000, 0x40, 0, a);
    assert_int_equal(mb(0x2000, "console=ttyS0 touch=4"), 0);
    assert_int_equal(bs.rip, 0x200100);
    assert_memory_equal(fm.buf + 0x200000, img + 0x10, 0x1000);
    assert_true(all_bytes(0x201000, 0x3000, 0));
    assert_int_equal(fm.buf[0x204000], POISON);
    assert_int_equal(fm.buf[0x1fffff], POISON);
    check_info(8 * MIB, "console=ttyS0 touch=4");
}

static void test_aout_whole_file_no_bss(void **state)
{
    (void)state;
    mem_setup(4 * MIB, 4 * MIB);
    /* load_end_addr 0: the file from load_addr's offset to its end;
     * bss_end_addr 0: no bss. Flags 0 and 1 and optional bits are fine. */
    struct aout a = { .header = 0x100000, .load = 0x100000, .entry = 0x100020 };
    build_aout(777, 0, (1u << 0) | (1u << 1) | (1u << 20), a);
    assert_int_equal(mb(777, NULL), 0);
    assert_int_equal(bs.rip, 0x100020);
    assert_memory_equal(fm.buf + 0x100000, img, 777);
    assert_int_equal(fm.buf[0x100000 + 777], POISON);
    check_info(4 * MIB, "");
}

static void test_header_search(void **state)
{
    (void)state;
    mem_setup(4 * MIB, 4 * MIB);
    struct aout a = { .header = 0x100100, .load = 0x100000, .load_end = 0x100200,
                      .entry = 0x100100 };
    /* A magic with a bad checksum is skipped; the next good one is used. */
    build_aout(0x1000, 0x100, 0, a);
    p32(img + 0x20, MB_MAGIC);
    p32(img + 0x24, 0);
    p32(img + 0x28, 0);
    assert_int_equal(mb(0x1000, ""), 0);
    assert_int_equal(bs.rip, 0x100100);

    /* Not 4-byte aligned: not a header. */
    memset(img, 0, sizeof img);
    put_header(0x102, 1u << 16);
    expect_mb_refusal(0x1000, "no multiboot header in the first 8192 bytes");
    /* Past the first 8 KiB: not found. */
    memset(img, 0, sizeof img);
    put_header(8192, 1u << 16);
    expect_mb_refusal(sizeof img, "no multiboot header in the first 8192 bytes");
    /* Cut by the end of the file. */
    memset(img, 0, sizeof img);
    put_header(0x100, 0);
    expect_mb_refusal(0x108, "no multiboot header in the first 8192 bytes");
    expect_mb_refusal(0, "no multiboot header in the first 8192 bytes");
    /* The magic fields fit in the 8 KiB, the a.out fields do not. */
    memset(img, 0, sizeof img);
    put_header(8192 - 16, 1u << 16);
    expect_mb_refusal(sizeof img, "multiboot header at offset 0x1ff0: the a.out address "
                                  "fields (flag 16) are cut off");
    expect_mb_refusal(8192 - 8, "no multiboot header in the first 8192 bytes");
    put_header(0x200, 1u << 16);
    expect_mb_refusal(0x210, "multiboot header at offset 0x200: the a.out address fields "
                             "(flag 16) are cut off");
    /* NULL image. */
    err[0] = '\0';
    struct mb_params mp = { .cmdline = "" };
    assert_int_equal(guest_load_multiboot(NULL, 100, &mp, &ops, &bs, err, sizeof err), -1);
    assert_string_equal(err, "no multiboot header in the first 8192 bytes");
}

static void test_flag_refusals(void **state)
{
    (void)state;
    mem_setup(4 * MIB, 4 * MIB);
    struct aout a = { .header = 0x100000, .load = 0x100000, .entry = 0x100020 };
    build_aout(0x100, 0, 1u << 2, a);
    expect_mb_refusal(0x100, "the image asks for a video mode (multiboot flag 2): no display");
    build_aout(0x100, 0, (1u << 3) | (1u << 15), a);
    expect_mb_refusal(0x100, "the image requires unsupported multiboot features (flags 0x8008)");
}

static void test_aout_refusals(void **state)
{
    (void)state;
    mem_setup(4 * MIB, 4 * MIB);
    struct aout a;

    a = (struct aout){ .header = 0x100000, .load = 0x100004, .entry = 0x100020 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "a.out kludge: load_addr 0x100004 is above header_addr 0x100000");

    a = (struct aout){ .header = 0x100010, .load = 0x100000, .entry = 0x100020 };
    build_aout(0x100, 8, 0, a);
    expect_mb_refusal(0x100, "a.out kludge: load_addr 0x100000 is 0x10 bytes before the header, "
                             "which is at file offset 0x8");

    a = (struct aout){ .header = 0x100000, .load = 0x100000, .load_end = 0xfffff,
                       .entry = 0x100020 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "a.out kludge: load_end_addr 0xfffff is below load_addr 0x100000");

    a = (struct aout){ .header = 0x100000, .load = 0x100000, .load_end = 0x100101,
                       .entry = 0x100020 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "a.out kludge: 0x101 bytes to load from file offset 0x0, but the "
                             "image has only 256 bytes");

    a = (struct aout){ .header = 0x100000, .load = 0x100000, .load_end = 0x100080,
                       .bss_end = 0x10007f, .entry = 0x100020 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "a.out kludge: bss_end_addr 0x10007f is below the end of the "
                             "loaded data 0x100080");
    /* load_end 0 (to the end of the file): bss_end is checked against that. */
    a = (struct aout){ .header = 0x100000, .load = 0x100000, .bss_end = 0x1000ff,
                       .entry = 0x100020 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "a.out kludge: bss_end_addr 0x1000ff is below the end of the "
                             "loaded data 0x100100");

    a = (struct aout){ .header = 0x100000, .load = 0x100000, .load_end = 0x100000,
                       .entry = 0x100000 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "a.out kludge: nothing to load");

    a = (struct aout){ .header = 0x100000, .load = 0x100000, .load_end = 0x100080,
                       .bss_end = 0x100100, .entry = 0x100100 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "entry point 0x100100 is outside the image [0x100000, 0x100100)");
    a.entry = 0xfffff;
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "entry point 0xfffff is outside the image [0x100000, 0x100100)");
}

static void test_placement_refusals(void **state)
{
    (void)state;
    mem_setup(4 * MIB, 4 * MIB);
    struct aout a;

    /* Over the info page's usual place, from below and from inside: the
     * info moves to the highest page below the EBDA, as a boot loader puts
     * it wherever the kernel is not (kvm-unit-tests' realmode links at
     * 0x8000). */
    a = (struct aout){ .header = 0x8000, .load = 0x8000, .load_end = 0x9001, .entry = 0x8000 };
    build_aout(0x1001, 0, 0, a);
    assert_int_equal(mb(0x1001, "x"), 0);
    assert_int_equal(bs.ebx, 0x9e000);
    check_info_at(0x9e000, 4 * MIB, "x");
    assert_memory_equal(fm.buf + 0x8000, img, 0x1001);
    a = (struct aout){ .header = 0x9ff0, .load = 0x9ff0, .load_end = 0xa000,
                       .bss_end = 0xb000, .entry = 0x9ff0 };
    build_aout(0x100, 0, 0, a);
    assert_int_equal(mb(0x100, ""), 0);
    check_info_at(0x9e000, 4 * MIB, "");
    /* Over that page too: the next one down. */
    a = (struct aout){ .header = 0x9d800, .load = 0x9d800, .load_end = 0x9d900,
                       .bss_end = 0x9f000, .entry = 0x9d800 };
    build_aout(0x100, 0, 0, a);
    mem_setup(4 * MIB, 4 * MIB);
    assert_int_equal(mb(0x100, ""), 0);
    check_info_at(0x9000, 4 * MIB, "");
    a.bss_end = 0x9f000;
    a.header = a.load = a.entry = 0x8800;
    a.load_end = 0x8900;
    build_aout(0x100, 0, 0, a);
    assert_int_equal(mb(0x100, ""), 0);
    check_info_at(0x7000, 4 * MIB, ""); /* 0x8000-0x9e000 all overlap [0x8800, ...) */
    /* Over every page from the second to the EBDA: refused. */
    a = (struct aout){ .header = 0x1000, .load = 0x1000, .load_end = 0x1100,
                       .bss_end = 0x9f000, .entry = 0x1000 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "the image covers every page below 640 KiB: no room for the "
                             "multiboot info");
    /* Just after the info page is fine. */
    a = (struct aout){ .header = 0xa000, .load = 0xa000, .entry = 0xa000 };
    build_aout(0x100, 0, 0, a);
    assert_int_equal(mb(0x100, ""), 0);

    /* The hole: bss running into it, and an image inside it. */
    a = (struct aout){ .header = 0x9f000, .load = 0x9f000, .load_end = 0x9f100,
                       .bss_end = 0xa0001, .entry = 0x9f000 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "image range [0x9f000, 0xa0001) overlaps the hole at [0xa0000, "
                             "0x100000)");
    a = (struct aout){ .header = 0xfff00, .load = 0xfff00, .entry = 0xfff00 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "image range [0xfff00, 0x100000) overlaps the hole at [0xa0000, "
                             "0x100000)");

    /* Beyond RAM, by one byte of bss. */
    a = (struct aout){ .header = 0x3fff00, .load = 0x3fff00, .load_end = 0x400000,
                       .bss_end = 0x400001, .entry = 0x3fff00 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "image range [0x3fff00, 0x400001) goes beyond the 4 MiB of guest "
                             "RAM");
    a.bss_end = 0xffffffff;
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "image range [0x3fff00, 0xffffffff) goes beyond the 4 MiB of guest "
                             "RAM");

    /* Guest RAM too small for Multiboot at all. */
    mem_setup(MIB, MIB);
    a = (struct aout){ .header = 0x10000, .load = 0x10000, .entry = 0x10000 };
    build_aout(0x100, 0, 0, a);
    expect_mb_refusal(0x100, "multiboot needs more than 1 MiB of guest RAM, not 1024 KiB");
}

static void test_cmdline_limits(void **state)
{
    (void)state;
    mem_setup(4 * MIB, 4 * MIB);
    struct aout a = { .header = 0x100000, .load = 0x100000, .entry = 0x100000 };
    build_aout(0x100, 0, 0, a);
    /* The command line fills the rest of the info page [0x9100, 0xa000)
     * with its NUL: 3839 bytes at most. */
    static char line[4000];
    memset(line, 'a', 3839);
    line[3839] = '\0';
    assert_int_equal(mb(0x100, line), 0);
    uint32_t cmd = g32(MULTIBOOT_INFO_GPA + 16);
    assert_int_equal(cmd, 0x9100);
    assert_string_equal((const char *)fm.buf + cmd, line);
    assert_int_equal(fm.buf[0x9fff], 0);
    line[3839] = 'a';
    line[3840] = '\0';
    uint64_t before = fm.writes;
    assert_int_equal(mb(0x100, line), -1);
    assert_string_equal(err, "command line (the kernel's name, a space and guest.cmdline) is "
                             "longer than 3839 bytes");
    assert_int_equal(fm.writes, before);

    /* With the kernel's name first, as boot loaders give it: the limit
     * counts the name and the space. */
    assert_int_equal(mb_named(0x100, "../guests/k.bin", "touch=4 sweeps=2"), 0);
    check_info(4 * MIB, "../guests/k.bin touch=4 sweeps=2");
    assert_int_equal(mb_named(0x100, "k", ""), 0);
    check_info(4 * MIB, "k ");
    memset(line, 'a', 3837);
    line[3837] = '\0';
    assert_int_equal(mb_named(0x100, "k", line), 0);
    assert_int_equal(fm.buf[0x9fff], 0);
    line[3837] = 'a';
    line[3838] = '\0';
    before = fm.writes;
    assert_int_equal(mb_named(0x100, "k", line), -1);
    assert_int_equal(fm.writes, before);
}

/* One module (guest.initrd): page-aligned above the image and 1 MiB, in
 * the info's mods list with its name after the command line. */
static void test_module(void **state)
{
    (void)state;
    static const char env[] = "NR_CPUS=2\nMEMSIZE=4\n";
    mem_setup(4 * MIB, 4 * MIB);
    struct aout a = { .header = 0x100000, .load = 0x100000, .load_end = 0x100100,
                      .bss_end = 0x102001, .entry = 0x100000 };
    build_aout(0x100, 0, 0, a);
    struct mb_params mp = { .name = "k.bin", .cmdline = "x=1", .module = env,
                            .module_size = sizeof env - 1, .module_name = "../guests/env" };
    assert_int_equal(guest_load_multiboot(img, 0x100, &mp, &ops, &bs, err, sizeof err), 0);
    const uint64_t info = MULTIBOOT_INFO_GPA;
    assert_int_equal(g32(info + 0), (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6));
    assert_int_equal(g32(info + 20), 1);
    uint32_t mods = g32(info + 24);
    assert_true(mods > info + 88 && mods + 16 <= g32(info + 16)); /* between mmap and cmdline */
    assert_true(mods >= g32(info + 48) + g32(info + 44));
    assert_int_equal(g32(mods), 0x103000);                        /* the bss's end, aligned */
    assert_int_equal(g32(mods + 4), 0x103000 + sizeof env - 1);
    assert_memory_equal(fm.buf + 0x103000, env, sizeof env - 1);
    assert_string_equal((const char *)fm.buf + g32(mods + 8), "../guests/env");
    assert_int_equal(g32(mods + 12), 0);
    assert_string_equal((const char *)fm.buf + g32(info + 16), "k.bin x=1");
    assert_true(g32(mods + 8) + sizeof "../guests/env" <= info + 0x1000);

    /* An image in low memory: the module still goes above 1 MiB. */
    a = (struct aout){ .header = 0x10000, .load = 0x10000, .entry = 0x10000 };
    build_aout(0x100, 0, 0, a);
    mp.module_size = 0; /* an empty file is a module too */
    assert_int_equal(guest_load_multiboot(img, 0x100, &mp, &ops, &bs, err, sizeof err), 0);
    assert_int_equal(g32(g32(info + 24)), 0x100000);
    assert_int_equal(g32(g32(info + 24) + 4), 0x100000);

    /* Too big for RAM above the image: refused before anything is written. */
    a = (struct aout){ .header = 0x3ff000, .load = 0x3ff000, .entry = 0x3ff000 };
    build_aout(0x100, 0, 0, a);
    mp.module_size = 0x1000;
    uint64_t before = fm.writes;
    assert_int_equal(guest_load_multiboot(img, 0x100, &mp, &ops, &bs, err, sizeof err), -1);
    assert_string_equal(err, "the module \"../guests/env\" (4096 bytes) does not fit above the "
                             "image: [0x400000, 0x401000) goes beyond guest RAM");
    assert_int_equal(fm.writes, before);
    /* The command line and the module's name share the info page. */
    static char line[4000];
    memset(line, 'a', 3839 - 6 - 1 - 13);
    line[3839 - 6 - 1 - 13] = '\0';
    a = (struct aout){ .header = 0x100000, .load = 0x100000, .entry = 0x100000 };
    build_aout(0x100, 0, 0, a);
    mp.cmdline = line;
    mp.module_size = sizeof env - 1;
    assert_int_equal(guest_load_multiboot(img, 0x100, &mp, &ops, &bs, err, sizeof err), 0);
    assert_int_equal(fm.buf[0x9fff], 0);
    assert_string_equal((const char *)fm.buf + 0x9fff - 13, "../guests/env");
    strcat(line, "a");
    assert_int_equal(guest_load_multiboot(img, 0x100, &mp, &ops, &bs, err, sizeof err), -1);
    assert_string_equal(err, "the command line (3826 bytes) and the module's name (13 bytes) do "
                             "not fit in the 3840 bytes of the info page left for them");
}

static void test_write_failures(void **state)
{
    (void)state;
    struct aout a = { .header = 0x100000, .load = 0x100000, .load_end = 0x100100,
                      .bss_end = 0x100800, .entry = 0x100000 };
    build_aout(0x100, 0, 0, a);
    /* Each write in turn fails: the image, the bss chunks, the info page. */
    static const char *const msgs[] = {
        "could not write guest memory at 0x100000 (256 bytes)",
        "could not write guest memory at 0x100100 (512 bytes)",
        "could not write guest memory at 0x100300 (512 bytes)",
        "could not write guest memory at 0x100500 (512 bytes)",
        "could not write guest memory at 0x100700 (256 bytes)",
        "could not write guest memory at 0x9000 (128 bytes)",
        "could not write guest memory at 0x9080 (72 bytes)",
        "could not write guest memory at 0x9100 (3 bytes)",
        "could not write guest memory at 0x9103 (1 bytes)",
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        mem_setup(4 * MIB, 4 * MIB);
        fm.fail_at = i + 1;
        assert_int_equal(mb(0x100, "abc"), -1);
        assert_string_equal(err, msgs[i]);
    }
    mem_setup(4 * MIB, 4 * MIB);
    fm.fail_at = 10;
    assert_int_equal(mb(0x100, "abc"), 0);
}

/* ---- Multiboot: ELF32 ---------------------------------------------------------- */

struct phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz;
};

/* An ELF32 i386 executable: ehdr, phdrs at 0x34, a multiboot header (flags
 * 0) at 0x100, and a pattern everywhere else. */
static size_t build_elf(size_t size, uint32_t entry, const struct phdr *ph, uint16_t n)
{
    for (size_t i = 0; i < size; i++)
        img[i] = (uint8_t)(i * 13 + 5);
    memset(img, 0, 52);
    memcpy(img, "\177ELF", 4);
    img[4] = 1; /* ELFCLASS32 */
    img[5] = 1; /* little-endian */
    img[6] = 1; /* EV_CURRENT */
    p16(img + 16, 2);  /* ET_EXEC */
    p16(img + 18, 3);  /* EM_386 */
    p32(img + 20, 1);
    p32(img + 24, entry);
    p32(img + 28, 52); /* e_phoff */
    p16(img + 40, 52);
    p16(img + 42, 32); /* e_phentsize */
    p16(img + 44, n);
    for (uint16_t i = 0; i < n; i++) {
        uint8_t *p = img + 52 + 32 * i;
        memset(p, 0, 32);
        p32(p, ph[i].type);
        p32(p + 4, ph[i].offset);
        p32(p + 8, ph[i].vaddr);
        p32(p + 12, ph[i].paddr);
        p32(p + 16, ph[i].filesz);
        p32(p + 20, ph[i].memsz);
    }
    put_header(0x100 + 0x40u * (n > 5 ? (unsigned)n / 2 : 0), 0);
    return size;
}

static void test_elf_load(void **state)
{
    (void)state;
    mem_setup(8 * MIB, 8 * MIB);
    /* A kernel linked at 0xC0100000, loaded at 1 MiB: text, a note, and
     * data + bss. The entry is translated through p_vaddr -> p_paddr. */
    const struct phdr ph[] = {
        { 1, 0x1000, 0xC0100000, 0x100000, 0x800, 0x800 },
        { 4, 0x1800, 0, 0, 0x20, 0x20 },                   /* PT_NOTE: not loaded */
        { 1, 0x1800, 0xC0102000, 0x102000, 0x400, 0x2400 },
        { 1, 0, 0, 0x300000, 0, 0 },                       /* empty PT_LOAD: skipped */
    };
    size_t size = build_elf(0x2000, 0xC0100010, ph, 4);
    assert_int_equal(mb(size, "root=x"), 0);
    assert_int_equal(bs.rip, 0x100010);
    assert_memory_equal(fm.buf + 0x100000, img + 0x1000, 0x800);
    assert_int_equal(fm.buf[0x100800], POISON);
    assert_memory_equal(fm.buf + 0x102000, img + 0x1800, 0x400);
    assert_true(all_bytes(0x102400, 0x2000, 0));
    assert_int_equal(fm.buf[0x104400], POISON);
    check_info(8 * MIB, "root=x");
    /* More than 3 GiB: mem_upper stops at the PCI hole, the mmap lists the
     * RAM above 4 GiB. */
    mem_setup(8192 * MIB, 8 * MIB);
    assert_int_equal(mb(size, "root=x"), 0);
    check_info(8192 * MIB, "root=x");
    mem_setup(8 * MIB, 8 * MIB);

    /* An entry given as a physical address is taken as is. */
    size = build_elf(0x2000, 0x102010, ph, 4);
    assert_int_equal(mb(size, ""), 0);
    assert_int_equal(bs.rip, 0x102010);
}

static void test_elf_refusals(void **state)
{
    (void)state;
    mem_setup(4 * MIB, 4 * MIB);
    const struct phdr ok = { 1, 0x1000, 0x100000, 0x100000, 0x100, 0x200 };
    size_t size;

    size = build_elf(0x2000, 0x100000, &ok, 1);
    img[0] = 0x7e;
    expect_mb_refusal(size, "not an ELF file, and the multiboot header has no a.out address "
                            "fields (flag 16)");
    /* ELF magic but shorter than an ELF header. */
    memset(img, 0, 64);
    memcpy(img, "\177ELF", 4);
    put_header(16, 0);
    expect_mb_refusal(40, "not an ELF file, and the multiboot header has no a.out address "
                          "fields (flag 16)");
    /* An ELF header of zeros after the magic. */
    size = build_elf(0x2000, 0x100000, &ok, 1);
    memset(img, 0, 0x100);
    memcpy(img, "\177ELF", 4);
    expect_mb_refusal(size, "ELF: not 32-bit little-endian (class 0, data 0)");

    size = build_elf(0x2000, 0x100000, &ok, 1);
    img[4] = 2;
    expect_mb_refusal(size, "ELF: not 32-bit little-endian (class 2, data 1)");
    size = build_elf(0x2000, 0x100000, &ok, 1);
    img[5] = 2;
    expect_mb_refusal(size, "ELF: not 32-bit little-endian (class 1, data 2)");
    size = build_elf(0x2000, 0x100000, &ok, 1);
    p16(img + 16, 3);
    expect_mb_refusal(size, "ELF: type 3 is not an executable (ET_EXEC, 2)");
    size = build_elf(0x2000, 0x100000, &ok, 1);
    p16(img + 18, 62);
    expect_mb_refusal(size, "ELF: machine 62 is not i386 (EM_386, 3)");
    size = build_elf(0x2000, 0x100000, &ok, 0);
    expect_mb_refusal(size, "ELF: no program headers");
    size = build_elf(0x2000, 0x100000, &ok, 1);
    p16(img + 42, 31);
    expect_mb_refusal(size, "ELF: program header size 31 is below 32");
    size = build_elf(0x2000, 0x100000, &ok, 1);
    p32(img + 28, 0x2000 - 31);
    expect_mb_refusal(size, "ELF: 1 program headers of 32 bytes at offset 0x1fe1 go past the "
                            "end of the image (8192 bytes)");
    size = build_elf(0x2000, 0x100000, &ok, 1);
    p32(img + 28, 0xffffffff);
    expect_mb_refusal(size, "ELF: 1 program headers of 32 bytes at offset 0xffffffff go past "
                            "the end of the image (8192 bytes)");
    size = build_elf(0x2000, 0x100000, &ok, 1);
    p16(img + 44, 0xffff);
    expect_mb_refusal(size, "ELF: 65535 program headers of 32 bytes at offset 0x34 go past the "
                            "end of the image (8192 bytes)");

    struct phdr bad = ok;
    bad.memsz = 0xff;
    size = build_elf(0x2000, 0x100000, &bad, 1);
    expect_mb_refusal(size, "ELF: segment 0 has p_memsz 0xff below p_filesz 0x100");
    bad = ok;
    bad.offset = 0x1f01;
    size = build_elf(0x2000, 0x100000, &bad, 1);
    expect_mb_refusal(size, "ELF: segment 0 (0x100 bytes at offset 0x1f01) goes past the end "
                            "of the image (8192 bytes)");
    bad.offset = 0xffffff00;
    size = build_elf(0x2000, 0x100000, &bad, 1);
    expect_mb_refusal(size, "ELF: segment 0 (0x100 bytes at offset 0xffffff00) goes past the "
                            "end of the image (8192 bytes)");

    /* Only segments that load nothing. */
    const struct phdr none[] = { { 4, 0x1000, 0, 0x100000, 0x10, 0x10 },
                                 { 1, 0x1000, 0, 0x100000, 0, 0 } };
    size = build_elf(0x2000, 0x100000, none, 2);
    expect_mb_refusal(size, "ELF: no loadable segment");

    size = build_elf(0x2000, 0x100200, &ok, 1);
    expect_mb_refusal(size, "ELF: entry point 0x100200 is not in a loaded segment");

    /* Placement: the second segment is checked too, before anything loads. */
    const struct phdr two[] = { ok, { 1, 0x1000, 0xa0000, 0xa0000, 0x10, 0x10 } };
    size = build_elf(0x2000, 0x100000, two, 2);
    expect_mb_refusal(size, "image range [0xa0000, 0xa0010) overlaps the hole at [0xa0000, "
                            "0x100000)");

    /* A segment in the PCI hole of a VM with RAM above 4 GiB. */
    mem_setup(8192 * MIB, 4 * MIB);
    const struct phdr high = { 1, 0x1000, 0xfffff000, 0xfffff000, 0x100, 0x2000 };
    size = build_elf(0x2000, 0xfffff000, &high, 1);
    expect_mb_refusal(size, "image range [0xfffff000, 0x100001000) goes beyond the 3072 MiB of "
                            "guest RAM below the PCI hole");
}

/* ---- the real guests ------------------------------------------------------------ */

static size_t read_guest(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.bin", GUEST_BIN_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run make first)", path);
    size_t n = fread(img, 1, sizeof img, f);
    assert_true(feof(f)); /* the guests are a few KiB */
    fclose(f);
    return n;
}

static void check_guest(const char *name, const char *cmdline)
{
    mem_setup(16 * MIB, 4 * MIB);
    size_t size = read_guest(name);
    assert_true(size > 32 && size < 8192);
    /* The guests' header is first: magic, flags (mem info + a.out), the
     * a.out fields; load_end = the file's end, _start right after it. */
    uint32_t v[8];
    memcpy(v, img, sizeof v);
    assert_int_equal(v[0], MB_MAGIC);
    assert_int_equal(v[1], (1u << 1) | (1u << 16));
    assert_int_equal(v[3], 0x100000);
    assert_int_equal(v[4], 0x100000);
    assert_int_equal(v[5], 0x100000 + size);
    assert_true(v[6] > v[5] && v[6] < 0x200000);
    assert_int_equal(v[7], 0x100020);

    assert_int_equal(mb(size, cmdline), 0);
    assert_int_equal(bs.rip, 0x100020);
    assert_memory_equal(fm.buf + 0x100000, img, size);
    assert_true(all_bytes(0x100000 + size, v[6] - v[5], 0));
    check_info(16 * MIB, cmdline);
}

static void test_real_hello(void **state)
{
    (void)state;
    check_guest("hello", "");
}

static void test_real_memtouch(void **state)
{
    (void)state;
    check_guest("memtouch", "sweeps=3 touch=4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_flat_prot32, teardown),
        cmocka_unit_test_teardown(test_flat_real, teardown),
        cmocka_unit_test_teardown(test_flat_refusals, teardown),
        cmocka_unit_test_teardown(test_aout_load, teardown),
        cmocka_unit_test_teardown(test_aout_whole_file_no_bss, teardown),
        cmocka_unit_test_teardown(test_header_search, teardown),
        cmocka_unit_test_teardown(test_flag_refusals, teardown),
        cmocka_unit_test_teardown(test_aout_refusals, teardown),
        cmocka_unit_test_teardown(test_placement_refusals, teardown),
        cmocka_unit_test_teardown(test_cmdline_limits, teardown),
        cmocka_unit_test_teardown(test_module, teardown),
        cmocka_unit_test_teardown(test_write_failures, teardown),
        cmocka_unit_test_teardown(test_elf_load, teardown),
        cmocka_unit_test_teardown(test_elf_refusals, teardown),
        cmocka_unit_test_teardown(test_real_hello, teardown),
        cmocka_unit_test_teardown(test_real_memtouch, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
