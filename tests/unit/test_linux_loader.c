/* vmm/loader_linux.c against a fake guest memory: synthetic bzImage and
 * memtest86+-like headers built here, a good load checked field by field
 * (boot_params, e820, command line, initrd, page tables, GDT, entry state),
 * and every refusal with its message naming the file, and no guest write
 * before it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/guest_loader.h"

#ifndef GUESTS_DEB_DIR
#define GUESTS_DEB_DIR "build/guests-deb"
#endif

#define MIB (1024ull * 1024)
#define GIB (1024ull * MIB)
#define POISON 0xcc

/* ---- fake guest memory: up to two backed windows of guest RAM ------------- */

struct window {
    uint64_t base, len;
    uint8_t *buf;
};
static struct window win[2];
static uint64_t writes, calls, fail_at;
static struct guest_mem_ops ops;

static bool fake_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
    assert_ptr_equal(ctx, win);
    calls++;
    if (fail_at && calls == fail_at)
        return false;
    uint64_t end = gpa + len;
    assert_true(end > gpa);
    assert_true(end <= guest_ram_top(ops.ram_bytes));
    assert_true(end <= 0xA0000 || gpa >= 0x100000); /* never the hole */
    assert_true(end <= guest_ram_low_end(ops.ram_bytes) || gpa >= GUEST_PCI_HOLE_END);
    for (unsigned i = 0; i < 2; i++) {
        if (win[i].buf && gpa >= win[i].base && end <= win[i].base + win[i].len) {
            memcpy(win[i].buf + (gpa - win[i].base), src, len);
            writes++;
            return true;
        }
    }
    fail_msg("write [0x%llx, 0x%llx) outside the backed windows", (unsigned long long)gpa,
             (unsigned long long)end);
    return false;
}

static void mem_window(unsigned i, uint64_t base, uint64_t len)
{
    free(win[i].buf);
    win[i] = (struct window){ base, len, malloc(len) };
    assert_non_null(win[i].buf);
    memset(win[i].buf, POISON, len);
}

/* RAM of `ram` bytes, the first `low` of them backed. */
static void mem_setup(uint64_t ram, uint64_t low)
{
    for (unsigned i = 0; i < 2; i++) {
        free(win[i].buf);
        win[i] = (struct window){ 0, 0, NULL };
    }
    mem_window(0, 0, low);
    writes = calls = fail_at = 0;
    ops = (struct guest_mem_ops){ .write = fake_write, .ctx = win, .ram_bytes = ram };
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 2; i++) {
        free(win[i].buf);
        win[i].buf = NULL;
    }
    return 0;
}

static uint8_t *at(uint64_t gpa)
{
    for (unsigned i = 0; i < 2; i++)
        if (win[i].buf && gpa >= win[i].base && gpa < win[i].base + win[i].len)
            return win[i].buf + (gpa - win[i].base);
    fail_msg("0x%llx is not backed", (unsigned long long)gpa);
    return NULL;
}

static uint64_t gget(uint64_t gpa, unsigned bytes)
{
    uint64_t v = 0;
    memcpy(&v, at(gpa), bytes);
    return v;
}

/* ---- synthetic images ------------------------------------------------------ */

struct spec {
    uint8_t setup_sects, jump, loadflags, relocatable;
    uint16_t version, xloadflags, boot_flag;
    uint32_t magic, syssize, align, init_size, cmdline_size, initrd_max;
    uint64_t pref;
    size_t payload;   /* bytes after the setup sectors */
    int syssize_auto; /* 1: syssize = ceil(payload / 16) */
};

/* Debian's 6.1 bzImage, shrunk: relocatable, 2 MiB aligned, at 16 MiB. */
static struct spec linux_spec(void)
{
    return (struct spec){ .setup_sects = 3, .jump = 0x6a, .loadflags = 0x01, .relocatable = 1,
                          .version = 0x020f, .xloadflags = 0x7f, .boot_flag = 0xaa55,
                          .magic = 0x53726448, .align = 0x200000, .init_size = 0x400000,
                          .cmdline_size = 0x7ff, .initrd_max = 0x7fffffff, .pref = 0x1000000,
                          .payload = 0x3000, .syssize_auto = 1 };
}

/* memtest86+ 6.10: not relocatable, at 1 MiB, and its syssize rounds the
 * file up to the next paragraph. */
static struct spec memtest_spec(void)
{
    return (struct spec){ .setup_sects = 2, .jump = 0x66, .loadflags = 0x01, .relocatable = 0,
                          .version = 0x020c, .xloadflags = 0x09, .boot_flag = 0xaa55,
                          .magic = 0x53726448, .align = 0x1000, .init_size = 0x6acf8,
                          .cmdline_size = 0xff, .initrd_max = 0xffffffff, .pref = 0x100000,
                          .payload = 0x22db8, .syssize_auto = 1 };
}

static uint8_t *image;
static size_t image_size;

static void put_le(size_t off, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        image[off + i] = (uint8_t)(v >> (8 * i));
}

static void build(const struct spec *s)
{
    size_t setup = ((size_t)(s->setup_sects ? s->setup_sects : 4) + 1) * 512;
    free(image);
    image_size = setup + s->payload;
    image = calloc(1, image_size < 0x300 ? 0x300 : image_size);
    assert_non_null(image);
    for (size_t i = setup; i < image_size; i++)
        image[i] = (uint8_t)(i * 7 + 3);
    image[0x1f1] = s->setup_sects;
    put_le(0x1f4, s->syssize_auto ? (s->payload + 15) / 16 : s->syssize, 4);
    put_le(0x1fe, s->boot_flag, 2);
    image[0x200] = 0xeb;
    image[0x201] = s->jump;
    put_le(0x202, s->magic, 4);
    put_le(0x206, s->version, 2);
    image[0x211] = s->loadflags;
    put_le(0x214, 0x100000, 4);
    put_le(0x22c, s->initrd_max, 4);
    put_le(0x230, s->align, 4);
    image[0x234] = s->relocatable;
    put_le(0x236, s->xloadflags, 2);
    put_le(0x238, s->cmdline_size, 4);
    put_le(0x258, s->pref, 8);
    put_le(0x260, s->init_size, 4);
    put_le(0x264, 0x190, 4); /* handover_offset: copied, not used */
}

static int teardown_all(void **state)
{
    free(image);
    image = NULL;
    return teardown(state);
}

static char err[256];
static struct guest_boot_state bs;
static struct linux_params lp;

static int load(void)
{
    err[0] = '\0';
    memset(&bs, 0x5a, sizeof bs);
    return guest_load_linux(image, image_size, &lp, &ops, &bs, err, sizeof err);
}

static void params_reset(void)
{
    lp = (struct linux_params){ .kernel_name = "hv/guests/vmlinuz", .cmdline = "console=ttyS0" };
}

/* ---- good loads -------------------------------------------------------------- */

#define BP LINUX_BOOT_PARAMS_GPA

static void check_e820(unsigned i, uint64_t start, uint64_t len, uint32_t type)
{
    uint64_t e = BP + 0x2d0 + i * 20ull;
    assert_int_equal(gget(e, 8), start);
    assert_int_equal(gget(e + 8, 8), len);
    assert_int_equal(gget(e + 16, 4), type);
}

static void check_identity_map(uint64_t gibs)
{
    uint64_t pml4 = LINUX_PML4_GPA, pdpt = pml4 + 0x1000;
    assert_int_equal(gget(pml4, 8), pdpt | 3);
    for (unsigned i = 1; i < 512; i++)
        assert_int_equal(gget(pml4 + i * 8, 8), 0);
    for (uint64_t g = 0; g < 512; g++)
        assert_int_equal(gget(pdpt + g * 8, 8), g < gibs ? (pdpt + 0x1000 + g * 0x1000) | 3 : 0);
    for (uint64_t g = 0; g < gibs; g++)
        for (uint64_t j = 0; j < 512; j++)
            assert_int_equal(gget(pdpt + 0x1000 + g * 0x1000 + j * 8, 8),
                             (g * GIB + j * 2 * MIB) | 0x83); /* P, RW, 2 MiB */
}

static void test_bzimage_64(void **state)
{
    (void)state;
    struct spec s = linux_spec();
    build(&s);
    mem_setup(96 * MIB, 96 * MIB);
    params_reset();
    uint8_t initrd[10000];
    for (size_t i = 0; i < sizeof initrd; i++)
        initrd[i] = (uint8_t)(i ^ 0x5a);
    lp.initrd = initrd;
    lp.initrd_size = sizeof initrd;
    assert_int_equal(load(), 0);

    /* The kernel at pref_address, byte for byte. */
    size_t setup = 4 * 512;
    assert_memory_equal(at(0x1000000), image + setup, s.payload);
    /* The initrd at the top of RAM, 4 KiB aligned. */
    uint64_t rd = (96 * MIB - sizeof initrd) & ~0xfffull;
    assert_memory_equal(at(rd), initrd, sizeof initrd);

    /* boot_params: the image's header, what the loader fills, the rest 0. */
    assert_memory_equal(at(BP + 0x1f1), image + 0x1f1, 0x210 - 0x1f1);
    assert_int_equal(gget(BP + 0x210, 1), 0xff);                 /* type_of_loader */
    assert_int_equal(gget(BP + 0x211, 1), 0x01);                 /* loadflags */
    assert_int_equal(gget(BP + 0x214, 4), 0x1000000);            /* code32_start */
    assert_int_equal(gget(BP + 0x218, 4), rd);                   /* ramdisk_image */
    assert_int_equal(gget(BP + 0x21c, 4), sizeof initrd);        /* ramdisk_size */
    assert_int_equal(gget(BP + 0x228, 4), LINUX_CMDLINE_GPA);    /* cmd_line_ptr */
    assert_memory_equal(at(BP + 0x22c), image + 0x22c, 0x26c - 0x22c);
    assert_int_equal(gget(BP + 0x0c0, 8), 0);                    /* ext_ramdisk_* */
    assert_int_equal(gget(BP + 0x070, 8), 0);                    /* acpi_rsdp_addr */
    assert_int_equal(gget(BP + 0x1e0, 4), 95 * 1024);            /* alt_mem_k */
    assert_int_equal(gget(BP + 0x26c, 4), 0);                    /* past the header */
    assert_int_equal(gget(BP + 0x000, 8), 0);                    /* screen_info */
    assert_int_equal(gget(BP + 0x1ef, 1), 0);                    /* sentinel */
    assert_int_equal(gget(BP + 0x1e8, 1), 3);                    /* e820_entries */
    check_e820(0, 0, 0x9fc00, 1);
    check_e820(1, 0x9fc00, 0x100000 - 0x9fc00, 2);
    check_e820(2, 0x100000, 95 * MIB, 1);
    assert_int_equal(gget(BP + 0x2d0 + 3 * 20, 8), 0);
    assert_string_equal((const char *)at(LINUX_CMDLINE_GPA), "console=ttyS0");

    /* GDT: __BOOT_CS 64-bit code, __BOOT_DS flat data. */
    assert_int_equal(gget(LINUX_GDT_GPA, 8), 0);
    assert_int_equal(gget(LINUX_GDT_GPA + 0x08, 8), 0);
    assert_int_equal(gget(LINUX_GDT_GPA + 0x10, 8), 0x00af9b000000ffffull);
    assert_int_equal(gget(LINUX_GDT_GPA + 0x18, 8), 0x00cf93000000ffffull);
    check_identity_map(4);

    /* The entry. */
    assert_int_equal(bs.mode, GUEST_MODE_LONG64);
    assert_int_equal(bs.rip, 0x1000000 + 0x200);
    assert_int_equal(bs.rsi, BP);
    assert_int_equal(bs.rsp, LINUX_STACK_TOP);
    assert_int_equal(bs.cs_selector, 0x10);
    assert_int_equal(bs.ds_selector, 0x18);
    assert_int_equal(bs.gdt_base, LINUX_GDT_GPA);
    assert_int_equal(bs.gdt_limit, 31);
    assert_int_equal(bs.cr0, 0x80000031);
    assert_int_equal(bs.cr3, LINUX_PML4_GPA);
    assert_int_equal(bs.cr4, 0x20);
    assert_int_equal(bs.efer, 0x500);
    assert_int_equal(bs.eax, 0);
    assert_int_equal(bs.ebx, 0);
}

static void test_memtest_64(void **state)
{
    (void)state;
    struct spec s = memtest_spec();
    build(&s);
    mem_setup(8 * MIB, 8 * MIB);
    params_reset();
    lp.kernel_name = "hv/guests/memtest.bin";
    lp.cmdline = "console=ttyS0,115200 nopause";
    assert_int_equal(load(), 0);
    /* At 1 MiB, the whole payload (syssize rounds it up by 8 bytes: those
     * are not in the file and not written). */
    assert_memory_equal(at(0x100000), image + 3 * 512, s.payload);
    assert_int_equal(*at(0x100000 + s.payload), POISON);
    assert_int_equal(bs.mode, GUEST_MODE_LONG64);
    assert_int_equal(bs.rip, 0x100200);
    assert_int_equal(gget(BP + 0x214, 4), 0x100000);
    assert_int_equal(gget(BP + 0x218, 8), 0); /* no initrd */
    assert_int_equal(gget(BP + 0x206, 2), 0x020c);
    assert_int_equal(gget(BP + 0x264, 4), 0x190); /* copied up to 0x268 */
    assert_int_equal(gget(BP + 0x268, 4), 0);
    check_e820(2, 0x100000, 7 * MIB, 1);
    assert_string_equal((const char *)at(LINUX_CMDLINE_GPA), "console=ttyS0,115200 nopause");
    check_identity_map(4);
}

static void test_entry32(void **state)
{
    (void)state;
    struct spec s = linux_spec();
    s.version = 0x020a; /* 2.10: enough for the 32-bit entry */
    s.xloadflags = 0;
    build(&s);
    mem_setup(64 * MIB, 64 * MIB);
    params_reset();
    lp.entry32 = true;
    assert_int_equal(load(), 0);
    assert_int_equal(bs.mode, GUEST_MODE_PROT32);
    assert_int_equal(bs.rip, 0x1000000);
    assert_int_equal(bs.rsi, BP);
    assert_int_equal(bs.cs_selector, 0x10);
    assert_int_equal(bs.ds_selector, 0x18);
    assert_int_equal(bs.gdt_limit, 31);
    assert_int_equal(bs.cr0 | bs.cr3 | bs.cr4 | bs.efer, 0);
    assert_int_equal(gget(LINUX_GDT_GPA + 0x10, 8), 0x00cf9b000000ffffull);
    assert_int_equal(gget(LINUX_PML4_GPA, 8), 0xccccccccccccccccull); /* no page tables */
}

/* The initrd below initrd_addr_max, below the kernel when the kernel is in
 * the way, and beside an ACPI region (which the e820 map shows). */
static void test_initrd_placement(void **state)
{
    (void)state;
    struct spec s = linux_spec();
    static uint8_t rd[3 * MIB];
    memset(rd, 0x42, sizeof rd);
    params_reset();
    lp.initrd = rd;
    lp.initrd_size = sizeof rd;

    s.initrd_max = 0x2ffffff; /* the last byte it may use */
    s.xloadflags = 0x01;      /* without XLF_CAN_BE_LOADED_ABOVE_4G it binds */
    build(&s);
    mem_setup(64 * MIB, 64 * MIB);
    assert_int_equal(load(), 0);
    assert_int_equal(gget(BP + 0x218, 4), 0x3000000 - 3 * MIB);

    /* Kernel [16 MiB, 58 MiB) in 60 MiB: no room above it. */
    s = linux_spec();
    s.init_size = 42 * MIB;
    build(&s);
    mem_setup(60 * MIB, 60 * MIB);
    assert_int_equal(load(), 0);
    assert_int_equal(gget(BP + 0x218, 4), 16 * MIB - 3 * MIB);
    assert_memory_equal(at(13 * MIB), rd, sizeof rd);

    /* An ACPI region at [60, 62) MiB of 64: the initrd goes below it. */
    s = linux_spec();
    build(&s);
    mem_setup(64 * MIB, 64 * MIB);
    lp.acpi_base = 60 * MIB;
    lp.acpi_size = 2 * MIB;
    lp.acpi_rsdp = 60 * MIB + 0x40;
    assert_int_equal(load(), 0);
    assert_int_equal(gget(BP + 0x218, 4), 57 * MIB);
    assert_int_equal(gget(BP + 0x070, 8), 60 * MIB + 0x40);
    assert_int_equal(gget(BP + 0x1e8, 1), 5);
    check_e820(2, 0x100000, 59 * MIB, 1);
    check_e820(3, 60 * MIB, 2 * MIB, 3);
    check_e820(4, 62 * MIB, 2 * MIB, 1);

    /* An ACPI region where the kernel wants to be moves it up; one at the
     * top of RAM leaves no empty RAM entry. */
    lp.initrd = NULL;
    lp.acpi_base = 17 * MIB;
    lp.acpi_size = 4096;
    assert_int_equal(load(), 0);
    assert_int_equal(bs.rip, 18 * MIB + 0x200);
    lp.acpi_base = 63 * MIB;
    lp.acpi_size = MIB;
    assert_int_equal(load(), 0);
    assert_int_equal(gget(BP + 0x1e8, 1), 4);
    check_e820(3, 63 * MIB, MIB, 3);
}

/* More than 3 GiB: the PCI hole at [3 GiB, 4 GiB), RAM's rest above 4 GiB
 * (as on a PC), the identity map grows past it, and a kernel that says so
 * takes its initrd above 4 GiB (ext_ramdisk_image). */
static void test_above_4g(void **state)
{
    (void)state;
    struct spec s = linux_spec();
    build(&s);
    uint8_t rd[5000];
    memset(rd, 0x17, sizeof rd);
    params_reset();
    lp.initrd = rd;
    lp.initrd_size = sizeof rd;
    mem_setup(6 * GIB, 32 * MIB + 0x1000000);
    mem_window(1, 7 * GIB - MIB, MIB);
    assert_int_equal(load(), 0);
    uint64_t want = 7 * GIB - 0x2000;          /* 6 GiB of RAM ends at 7 GiB */
    assert_int_equal(gget(BP + 0x218, 4), (uint32_t)want);
    assert_int_equal(gget(BP + 0x0c0, 4), 1); /* ext_ramdisk_image: bits 32-63 */
    assert_int_equal(gget(BP + 0x0c4, 4), 0);
    assert_memory_equal(at(want), rd, sizeof rd);
    check_identity_map(7);
    assert_int_equal(gget(BP + 0x1e8, 1), 4);
    check_e820(2, 0x100000, 3 * GIB - MIB, 1);
    check_e820(3, 4 * GIB, 3 * GIB, 1);        /* the hole is not in the map */
    assert_int_equal(gget(BP + 0x1e0, 4), (3 * GIB - MIB) >> 10); /* up to the hole */

    /* An initrd larger than the RAM above 4 GiB goes below the hole. */
    static uint8_t big[2 * MIB];
    memset(big, 0x29, sizeof big);
    lp.initrd = big;
    lp.initrd_size = sizeof big;
    mem_setup(3 * GIB + MIB, 32 * MIB + 0x1000000);
    mem_window(1, 3 * GIB - 4 * MIB, 4 * MIB);
    assert_int_equal(load(), 0);
    assert_int_equal(gget(BP + 0x218, 4), 3 * GIB - 2 * MIB);
    assert_int_equal(gget(BP + 0x0c0, 4), 0);
    assert_memory_equal(at(3 * GIB - 2 * MIB), big, sizeof big);
    check_e820(3, 4 * GIB, MIB, 1);
    lp.initrd = rd;
    lp.initrd_size = sizeof rd;
    mem_setup(6 * GIB, 32 * MIB + 0x1000000);

    /* Without XLF_CAN_BE_LOADED_ABOVE_4G it stays below initrd_addr_max. */
    s.xloadflags = 0x01;
    build(&s);
    mem_window(1, 0x80000000 - MIB, MIB);
    assert_int_equal(load(), 0);
    assert_int_equal(gget(BP + 0x218, 4), 0x80000000 - 0x2000);
    assert_int_equal(gget(BP + 0x0c0, 4), 0);
}

/* ---- refusals ----------------------------------------------------------------- */

static void expect_refusal(const char *msg)
{
    uint64_t before = writes;
    if (load() != -1)
        fail_msg("loaded, expected a refusal with '%s'", msg);
    if (!strstr(err, msg))
        fail_msg("expected '%s' in '%s'", msg, err);
    if (strncmp(err, lp.kernel_name, strlen(lp.kernel_name)) != 0 &&
        strncmp(err, "hv/guests/initrd.gz: ", 21) != 0)
        fail_msg("'%s' names no file", err);
    assert_int_equal(writes, before); /* nothing written */
    assert_null(strchr(err, '\n'));
}

static void refuse_spec(struct spec s, const char *msg)
{
    build(&s);
    expect_refusal(msg);
}

static void test_header_refusals(void **state)
{
    (void)state;
    mem_setup(64 * MIB, 64 * MIB);
    params_reset();
    struct spec s = linux_spec();

    build(&s);
    image_size = 0x28f;
    expect_refusal("hv/guests/vmlinuz: 655 bytes is too small for a Linux boot header (0x290 bytes)");
    s = linux_spec(); s.boot_flag = 0x55aa;
    refuse_spec(s, "no boot sector signature 0xaa55 at 0x1fe (found 0x55aa)");
    s = linux_spec(); s.magic = 0x53726449;
    refuse_spec(s, "no setup header (\"HdrS\" at 0x202): not a Linux bzImage");
    s = linux_spec(); s.version = 0x020b;
    refuse_spec(s, "boot protocol 2.11 is older than 2.12");
    s = linux_spec(); s.version = 0x0209;
    lp.entry32 = true;
    refuse_spec(s, "boot protocol 2.09 is older than 2.10");
    lp.entry32 = false;
    s = linux_spec(); s.jump = 0x61;
    refuse_spec(s, "setup header ends at 0x263, outside [0x264, 0x290]");
    s = linux_spec(); s.jump = 0x8f;
    refuse_spec(s, "setup header ends at 0x291, outside [0x264, 0x290]");
    s = linux_spec();
    build(&s);
    image[0x1f1] = 200; /* past the end of the file */
    expect_refusal("setup_sects 200 (0x19200 bytes of setup) leaves no kernel in the 14336-byte image");
    s = linux_spec(); s.loadflags = 0x80;
    refuse_spec(s, "loadflags 0x80: not LOADED_HIGH (a zImage, loaded at 64 KiB)");
    s = linux_spec(); s.xloadflags = 0x7e;
    refuse_spec(s, "xloadflags 0x7e: no 64-bit entry (XLF_KERNEL_64)");
    s = linux_spec(); s.syssize_auto = 0; s.syssize = 0;
    refuse_spec(s, "syssize says 0x0 bytes of kernel, the image has 0x3000 after its setup");
    s = linux_spec(); s.syssize_auto = 0; s.syssize = 0x301; /* one paragraph more */
    refuse_spec(s, "syssize says 0x3010 bytes of kernel, the image has 0x3000 after its setup");
    s = linux_spec(); s.syssize_auto = 0; s.syssize = 0xffffffff;
    refuse_spec(s, "syssize says 0xffffffff0 bytes of kernel");
    s = linux_spec(); s.align = 0;
    refuse_spec(s, "kernel_alignment 0x0 is not a power of two of 4 KiB or more");
    s = linux_spec(); s.align = 0x3000;
    refuse_spec(s, "kernel_alignment 0x3000 is not");
    s = linux_spec(); s.align = 0x800;
    refuse_spec(s, "kernel_alignment 0x800 is not");
    /* A kernel that is not relocatable may have any alignment field. */
    s = linux_spec(); s.align = 0; s.relocatable = 0;
    build(&s);
    assert_int_equal(load(), 0);
}

static void test_placement_refusals(void **state)
{
    (void)state;
    mem_setup(64 * MIB, 64 * MIB);
    params_reset();
    struct spec s = linux_spec();

    s.init_size = 0xffffffff;
    refuse_spec(s, "needs [0x1000000, 0x100ffffff) (init_size 0xffffffff) but guest RAM ends at 0x4000000");
    s = linux_spec(); s.init_size = 48 * MIB + 1;
    refuse_spec(s, "needs [0x1000000, 0x4000001)");
    s = linux_spec(); s.init_size = 48 * MIB; /* exactly to the top */
    build(&s);
    assert_int_equal(load(), 0);
    s = linux_spec(); s.pref = 0xfffffffffffff000ull;
    refuse_spec(s, "pref_address 0xfffffffffffff000 is beyond guest RAM (0x4000000)");
    s = linux_spec(); s.pref = 64 * MIB - 0x1000;
    refuse_spec(s, "needs [0x4000000, 0x4400000)");
    s = memtest_spec(); s.pref = 0x1000;
    refuse_spec(s, "not relocatable, and pref_address 0x1000 is below 1 MiB");
    s = memtest_spec(); s.pref = 0x3fa0000; /* runs there: needs init_size from there */
    refuse_spec(s, "needs [0x100000, 0x400acf8) (init_size 0x6acf8)");
    /* An ACPI region inside a non-relocatable kernel's range. */
    s = memtest_spec();
    lp.acpi_base = 0x120000;
    lp.acpi_size = 0x1000;
    refuse_spec(s, "[0x100000, 0x16acf8) overlaps the ACPI tables at [0x120000, 0x121000)");
    lp.acpi_base = 0x80000; /* below 1 MiB */
    refuse_spec(s, "ACPI region [0x80000, +0x1000) is not in guest RAM above 1 MiB");
    lp.acpi_base = 64 * MIB - 0x800; /* past the top */
    refuse_spec(s, "ACPI region [0x3fff800, +0x1000) is not in guest RAM above 1 MiB");
    lp.acpi_base = 0xfffffffffffff800ull; /* the sum wraps */
    refuse_spec(s, "ACPI region [0xfffffffffffff800, +0x1000) is not in guest RAM");
    lp.acpi_size = 0;

    /* RAM itself. */
    s = linux_spec();
    build(&s);
    mem_setup(MIB, MIB);
    expect_refusal("guest RAM of 1 MiB: Linux here needs more than 1 MiB and at most 64 GiB");
    mem_setup(65 * GIB, 64 * MIB);
    expect_refusal("guest RAM of 66560 MiB");
    /* 64 GiB exactly is the most the identity map covers. */
    mem_setup(64 * GIB, 32 * MIB);
    mem_window(1, 0x1000000, 0x3000);
    assert_int_equal(load(), 0);
    assert_int_equal(gget(LINUX_PML4_GPA + 0x1000 + 63 * 8, 8), (LINUX_PML4_GPA + 0x2000 + 63 * 0x1000) | 3);
}

static void test_cmdline_and_initrd_refusals(void **state)
{
    (void)state;
    mem_setup(64 * MIB, 64 * MIB);
    params_reset();
    struct spec s = linux_spec();

    s.cmdline_size = 12; /* "console=ttyS0" is 13 */
    refuse_spec(s, "command line is longer than 12 bytes (cmdline_size 0xc)");
    s.cmdline_size = 13;
    build(&s);
    assert_int_equal(load(), 0);
    assert_string_equal((const char *)at(LINUX_CMDLINE_GPA), "console=ttyS0");
    /* A huge cmdline_size is capped by the room the loader has. */
    s.cmdline_size = 0xffffffff;
    build(&s);
    static char longline[LINUX_CMDLINE_ROOM + 1];
    memset(longline, 'a', sizeof longline - 1);
    lp.cmdline = longline;
    expect_refusal("command line is longer than 65535 bytes (cmdline_size 0xffffffff)");
    longline[LINUX_CMDLINE_ROOM - 1] = '\0';
    assert_int_equal(load(), 0);
    assert_int_equal(*at(LINUX_CMDLINE_GPA + LINUX_CMDLINE_ROOM - 1), 0);
    params_reset();

    /* Initrds that do not fit: above the kernel is [20, 64) MiB, below it
     * [1, 16) MiB. */
    s = linux_spec();
    build(&s);
    static uint8_t rd[45 * MIB];
    lp.initrd = rd;
    lp.initrd_name = "hv/guests/initrd.gz";
    lp.initrd_size = 44 * MIB;
    assert_int_equal(load(), 0);
    assert_int_equal(gget(BP + 0x218, 4), 20 * MIB);
    lp.initrd_size = 44 * MIB + 1;
    expect_refusal("hv/guests/initrd.gz: 46137345 bytes do not fit in RAM below 0x4000000 "
                   "beside the kernel at [0x1000000, 0x1400000)");
    s.initrd_max = 0x1ffffff; /* 32 MiB: only below the kernel, 15 MiB */
    s.xloadflags = 0x01;
    build(&s);
    lp.initrd_size = 15 * MIB;
    assert_int_equal(load(), 0);
    assert_int_equal(gget(BP + 0x218, 4), MIB);
    lp.initrd_size = 15 * MIB + 1;
    expect_refusal("do not fit in RAM below 0x2000000");
    s.initrd_max = 0x000fffff; /* below 1 MiB: nowhere */
    build(&s);
    lp.initrd_size = 1;
    expect_refusal("1 bytes do not fit in RAM below 0x100000");
    /* An initrd pointer with size 0 is no initrd. */
    lp.initrd_size = 0;
    assert_int_equal(load(), 0);
    assert_int_equal(gget(BP + 0x218, 8), 0);
}

/* A write that fails at any point is a refusal with the address. */
static void test_write_failures(void **state)
{
    (void)state;
    struct spec s = linux_spec();
    build(&s);
    params_reset();
    uint8_t rd[100];
    lp.initrd = rd;
    lp.initrd_size = sizeof rd;
    mem_setup(64 * MIB, 64 * MIB);
    assert_int_equal(load(), 0);
    uint64_t total = calls;
    assert_true(total > 10);
    for (uint64_t i = 1; i <= total; i++) {
        mem_setup(64 * MIB, 64 * MIB);
        fail_at = i;
        assert_int_equal(load(), -1);
        if (strncmp(err, "hv/guests/vmlinuz: could not write guest memory at 0x", 53) != 0)
            fail_msg("write %llu: '%s'", (unsigned long long)i, err);
        assert_int_equal(calls, i); /* stops at the first failure */
    }
}

/* The real images when `make linux-guests` has fetched them (skipped when
 * not: the unit tests never need the network). */
static bool read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    free(image);
    image = malloc(32 * MIB);
    assert_non_null(image);
    image_size = fread(image, 1, 32 * MIB, f);
    fclose(f);
    return image_size > 0;
}

static void test_real_debian_images(void **state)
{
    (void)state;
    if (!read_file(GUESTS_DEB_DIR "/vmlinuz"))
        skip();
    mem_setup(96 * MIB, 96 * MIB);
    params_reset();
    assert_int_equal(load(), 0);
    assert_int_equal(bs.mode, GUEST_MODE_LONG64);
    assert_int_equal(bs.rip, 0x1000200); /* Debian's CONFIG_PHYSICAL_START */
    assert_int_equal(gget(BP + 0x206, 2) >= 0x020c, 1);
    /* The signed image carries bytes past syssize: not loaded. */
    uint64_t sys = gget(BP + 0x1f4, 4) * 16;
    assert_memory_equal(at(0x1000000), image + (image[0x1f1] + 1) * 512, sys);

    assert_true(read_file(GUESTS_DEB_DIR "/memtest.bin"));
    mem_setup(16 * MIB, 16 * MIB);
    lp.kernel_name = "hv/guests/memtest.bin";
    assert_int_equal(load(), 0);
    assert_int_equal(bs.rip, 0x100200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_bzimage_64, teardown_all),
        cmocka_unit_test_teardown(test_memtest_64, teardown_all),
        cmocka_unit_test_teardown(test_entry32, teardown_all),
        cmocka_unit_test_teardown(test_initrd_placement, teardown_all),
        cmocka_unit_test_teardown(test_above_4g, teardown_all),
        cmocka_unit_test_teardown(test_header_refusals, teardown_all),
        cmocka_unit_test_teardown(test_placement_refusals, teardown_all),
        cmocka_unit_test_teardown(test_cmdline_and_initrd_refusals, teardown_all),
        cmocka_unit_test_teardown(test_write_failures, teardown_all),
        cmocka_unit_test_teardown(test_real_debian_images, teardown_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
