/* vmm/loader_pvh.c and loader_pvh_elf.c against a fake guest memory:
 * synthetic ELF64 kernels built here (PT_LOAD segments, a PT_NOTE with the
 * Xen PVH entry), a good load checked field by field (segments, bss left
 * alone, initrd, hvm_start_info, memory map, modlist, command line, entry
 * state), every refusal with its message naming the file and no guest
 * write before it, and Debian's vmlinux when `make linux-guests` built it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/guest_loader.h"
#include "vmm/loader_e820.h"

#ifndef GUESTS_LINUX_DIR
#define GUESTS_LINUX_DIR "build/guests-linux"
#endif

#define MIB (1024ull * 1024)
#define POISON 0xcc
#define NAME "hv/guests/vmlinux"

/* ---- fake guest memory: RAM [0, ram), the first `backed` bytes backed ------ */

static uint8_t *mem;
static uint64_t backed, writes, calls, fail_at;
static struct guest_mem_ops ops;

static bool fake_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
    assert_ptr_equal(ctx, &mem);
    calls++;
    if (fail_at && calls == fail_at)
        return false;
    uint64_t end = gpa + len;
    assert_true(end > gpa);
    assert_true(end <= ops.ram_bytes);
    assert_true(end <= 0xA0000 || gpa >= 0x100000); /* never the hole */
    assert_true(end <= backed);
    memcpy(mem + gpa, src, len);
    writes++;
    return true;
}

static void mem_setup(uint64_t ram)
{
    free(mem);
    backed = ram;
    mem = malloc(ram);
    assert_non_null(mem);
    memset(mem, POISON, ram);
    writes = calls = fail_at = 0;
    ops = (struct guest_mem_ops){ .write = fake_write, .ctx = &mem, .ram_bytes = ram };
}

static uint64_t gget(uint64_t gpa, unsigned bytes)
{
    uint64_t v = 0;
    assert_true(gpa + bytes <= backed);
    memcpy(&v, mem + gpa, bytes);
    return v;
}

/* ---- synthetic images -------------------------------------------------------
 * [0, 64) ELF header, [64, ...) program headers, [0x800, 0x900) notes,
 * [0x1000, 0x4000) the segments' bytes. The default: two PT_LOADs (text at
 * 16 MiB, 0x2000 bytes; data at 18 MiB, 0x1000 bytes and 0x4000 of bss)
 * and one PT_NOTE: a GNU build-id note, then Xen's PHYS32_ENTRY (8 bytes,
 * as Linux writes it) = 16 MiB + 0x850. */
#define IMG_SIZE   0x4000u
#define NOTE_OFF   0x800u
#define TEXT_PA    0x1000000ull
#define DATA_PA    0x1200000ull
#define ENTRY      (TEXT_PA + 0x850)

static uint8_t image[IMG_SIZE + 0x100];
static size_t image_size;
static unsigned nph;

static void put(size_t off, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        image[off + i] = (uint8_t)(v >> (8 * i));
}

static size_t ph(unsigned i) { return 64 + i * 56u; }

static void add_ph(uint32_t type, uint64_t off, uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
    size_t p = ph(nph++);
    put(p, type, 4);
    put(p + 4, 7, 4);
    put(p + 0x08, off, 8);
    put(p + 0x10, 0xffffffff80000000ull + paddr, 8);
    put(p + 0x18, paddr, 8);
    put(p + 0x20, filesz, 8);
    put(p + 0x28, memsz, 8);
    put(p + 0x30, 0x1000, 8);
    put(0x38, nph, 2);
}

/* A note at `off`: returns where the next one goes. */
static size_t note(size_t off, const char *owner, uint32_t namesz, uint32_t type,
                   const void *desc, uint32_t descsz)
{
    put(off, namesz, 4);
    put(off + 4, descsz, 4);
    put(off + 8, type, 4);
    memcpy(image + off + 12, owner, strlen(owner) + 1);
    size_t d = off + 12 + ((namesz + 3) & ~3u);
    memcpy(image + d, desc, descsz);
    return d + ((descsz + 3) & ~3u);
}

/* The default image; its note segment is [NOTE_OFF, returned end). */
static size_t build(void)
{
    memset(image, 0, sizeof image);
    image_size = IMG_SIZE;
    nph = 0;
    memcpy(image, "\x7f" "ELF", 4);
    image[4] = 2;  /* ELFCLASS64 */
    image[5] = 1;  /* little-endian */
    image[6] = 1;  /* EV_CURRENT */
    put(0x10, 2, 2);    /* ET_EXEC */
    put(0x12, 62, 2);   /* EM_X86_64 */
    put(0x14, 1, 4);
    put(0x18, TEXT_PA, 8);
    put(0x20, 64, 8);   /* e_phoff */
    put(0x34, 64, 2);
    put(0x36, 56, 2);
    for (size_t i = 0x1000; i < IMG_SIZE; i++)
        image[i] = (uint8_t)(i * 7 + 3);
    static const uint8_t id[20] = { 1, 2, 3 };
    uint64_t entry = ENTRY;
    size_t end = note(NOTE_OFF, "GNU", 4, 3, id, sizeof id);
    end = note(end, "Xen", 4, 18, &entry, 8);
    add_ph(1, 0x1000, TEXT_PA, 0x2000, 0x2000);
    add_ph(1, 0x3000, DATA_PA, 0x1000, 0x5000);
    add_ph(4, NOTE_OFF, TEXT_PA + 0x1400, end - NOTE_OFF, end - NOTE_OFF);
    return end;
}

static char err[256];
static struct guest_boot_state bs;
static struct pvh_params pp;
static uint8_t initrd[10000];

static void params_reset(void)
{
    for (size_t i = 0; i < sizeof initrd; i++)
        initrd[i] = (uint8_t)(i ^ 0x5a);
    pp = (struct pvh_params){ .kernel_name = NAME, .cmdline = "console=ttyS0",
                              .initrd = initrd, .initrd_size = sizeof initrd,
                              .initrd_name = "hv/guests/initramfs.gz", .rsdp = 0xE0000 };
}

static int load(void)
{
    err[0] = '\0';
    memset(&bs, 0x5a, sizeof bs);
    return guest_load_pvh(image, image_size, &pp, &ops, &bs, err, sizeof err);
}

static int teardown(void **state)
{
    (void)state;
    free(mem);
    mem = NULL;
    return 0;
}

/* ---- good loads -------------------------------------------------------------- */

#define SI PVH_START_INFO_GPA

static void test_good_image(void **state)
{
    (void)state;
    build();
    mem_setup(96 * MIB);
    params_reset();
    assert_int_equal(load(), 0);

    /* The segments at their p_paddr; bss is never written (RAM starts
     * zeroed), so the fake's poison is still there. */
    assert_memory_equal(mem + TEXT_PA, image + 0x1000, 0x2000);
    assert_memory_equal(mem + DATA_PA, image + 0x3000, 0x1000);
    assert_int_equal(mem[DATA_PA + 0x1000], POISON);
    assert_int_equal(mem[DATA_PA + 0x4fff], POISON);
    /* The initrd at the top of RAM, 4 KiB aligned. */
    uint64_t rd = (96 * MIB - sizeof initrd) & ~0xfffull;
    assert_memory_equal(mem + rd, initrd, sizeof initrd);

    /* hvm_start_info, version 1. */
    assert_int_equal(gget(SI, 4), 0x336ec578);
    assert_int_equal(gget(SI + 4, 4), 1);
    assert_int_equal(gget(SI + 8, 4), 0);            /* flags */
    assert_int_equal(gget(SI + 12, 4), 1);           /* nr_modules */
    assert_int_equal(gget(SI + 16, 8), PVH_MODLIST_GPA);
    assert_int_equal(gget(SI + 24, 8), PVH_CMDLINE_GPA);
    assert_int_equal(gget(SI + 32, 8), 0xE0000);     /* rsdp_paddr */
    assert_int_equal(gget(SI + 40, 8), PVH_MEMMAP_GPA);
    assert_int_equal(gget(SI + 48, 4), 3);           /* memmap_entries */
    assert_int_equal(gget(SI + 52, 4), 0);           /* reserved */
    /* The module: the initrd, no command line of its own. */
    assert_int_equal(gget(PVH_MODLIST_GPA, 8), rd);
    assert_int_equal(gget(PVH_MODLIST_GPA + 8, 8), sizeof initrd);
    assert_int_equal(gget(PVH_MODLIST_GPA + 16, 8), 0);
    assert_int_equal(gget(PVH_MODLIST_GPA + 24, 8), 0);
    /* The memory map: what the boot protocol's e820 says for this RAM. */
    static const uint64_t want[3][3] = {
        { 0, 0x9fc00, 1 }, { 0x9fc00, 0x100000 - 0x9fc00, 2 }, { 0x100000, 95 * MIB, 1 },
    };
    for (unsigned i = 0; i < 3; i++) {
        uint64_t e = PVH_MEMMAP_GPA + i * 24ull;
        assert_int_equal(gget(e, 8), want[i][0]);
        assert_int_equal(gget(e + 8, 8), want[i][1]);
        assert_int_equal(gget(e + 16, 4), want[i][2]);
        assert_int_equal(gget(e + 20, 4), 0);
    }
    struct e820_range r[E820_MAX];
    assert_int_equal(e820_layout(96 * MIB, 0, 0, r), 3);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(r[i].end - r[i].start, want[i][1]);
    /* More than 3 GiB: RAM up to the PCI hole, the rest from 4 GiB on; with
     * an ACPI region cut out, every entry there is. */
    assert_int_equal(e820_layout(3584 * MIB, 0, 0, r), 4);
    assert_int_equal(r[2].start, MIB);
    assert_int_equal(r[2].end, 3072 * MIB);
    assert_int_equal(r[3].start, 4096 * MIB);
    assert_int_equal(r[3].end, 4608 * MIB);
    assert_int_equal(r[3].type, 1);
    assert_int_equal(e820_layout(3584 * MIB, 64 * MIB, MIB, r), 6);
    assert_int_equal(r[3].type, 3);
    assert_int_equal(r[4].start, 65 * MIB);
    assert_int_equal(r[4].end, 3072 * MIB);
    assert_int_equal(r[5].start, 4096 * MIB);
    assert_int_equal(e820_layout(3072 * MIB, 0, 0, r), 3);   /* exactly 3 GiB: no hole to skip */
    assert_int_equal(r[2].end, 3072 * MIB);
    /* The command line with its NUL. */
    assert_string_equal((char *)mem + PVH_CMDLINE_GPA, "console=ttyS0");

    /* pvh.pandoc's entry state. */
    assert_int_equal(bs.mode, GUEST_MODE_PROT32);
    assert_int_equal(bs.rip, ENTRY);
    assert_int_equal(bs.ebx, SI);
    assert_int_equal(bs.eax, 0);
    assert_int_equal(bs.rsi, 0);
    assert_int_equal(bs.rsp, 0);
    assert_int_equal(bs.gdt_limit, 0);  /* flat hidden segments, the guest loads its GDT */
    assert_int_equal(bs.cr0, 0);
    assert_int_equal(bs.cr3, 0);
    assert_int_equal(bs.cr4, 0);
    assert_int_equal(bs.efer, 0);
    assert_int_equal(bs.tr_limit, 0x67);
    assert_true(pvh_is_elf(image, image_size));
}

/* No initrd, a 4-byte entry note (Xen's own size), no RSDP, more RAM. */
static void test_variants(void **state)
{
    (void)state;
    size_t end = build();
    uint32_t e32 = (uint32_t)(TEXT_PA + 0x10);
    note(end - 24, "Xen", 4, 18, &e32, 4); /* replaces the 8-byte one */
    put(ph(2) + 0x20, end - 4 - NOTE_OFF, 8);
    mem_setup(200 * MIB);
    params_reset();
    pp.initrd = NULL;
    pp.cmdline = NULL;
    pp.rsdp = 0;
    assert_int_equal(load(), 0);
    assert_int_equal(bs.rip, TEXT_PA + 0x10);
    assert_int_equal(gget(SI + 12, 4), 0);
    assert_int_equal(gget(SI + 16, 8), 0);
    assert_int_equal(gget(SI + 32, 8), 0);
    assert_int_equal(mem[PVH_MODLIST_GPA], POISON); /* not written */
    assert_int_equal(gget(PVH_MEMMAP_GPA + 2 * 24 + 8, 8), 199 * MIB);
    assert_int_equal(mem[PVH_CMDLINE_GPA], 0);
    /* The longest command line fits, with its NUL. */
    static char line[PVH_CMDLINE_MAX + 1];
    memset(line, 'a', PVH_CMDLINE_MAX);
    pp.cmdline = line;
    assert_int_equal(load(), 0);
    assert_int_equal(mem[PVH_CMDLINE_GPA + PVH_CMDLINE_MAX], 0);
    /* A segment of bss only (p_filesz 0) and an empty one load. */
    add_ph(1, 0, 0x1400000, 0, 0x1000);
    add_ph(1, 0, 0, 0, 0);
    assert_int_equal(load(), 0);
}

/* The initrd goes below a segment in its way: with the data segment at the
 * top of RAM, under it. */
static void test_initrd_placement(void **state)
{
    (void)state;
    build();
    put(ph(1) + 0x18, 60 * MIB, 8); /* data [60 MiB, +0x5000) */
    mem_setup(60 * MIB + 0x5000);
    params_reset();
    assert_int_equal(load(), 0);
    uint64_t rd = (60 * MIB - sizeof initrd) & ~0xfffull;
    assert_int_equal(gget(PVH_MODLIST_GPA, 8), rd);
    assert_memory_equal(mem + rd, initrd, sizeof initrd);
}

/* ---- refusals ---------------------------------------------------------------- */

static void expect_refusal(const char *msg)
{
    uint64_t before = writes;
    if (load() != -1)
        fail_msg("loaded, expected a refusal with '%s'", msg);
    if (!strstr(err, msg))
        fail_msg("expected '%s' in '%s'", msg, err);
    if (strncmp(err, NAME ": ", strlen(NAME) + 2) != 0 &&
        strncmp(err, "hv/guests/initramfs.gz: ", 24) != 0)
        fail_msg("'%s' names no file", err);
    assert_int_equal(writes, before); /* nothing written */
    assert_null(strchr(err, '\n'));
}

static void test_header_refusals(void **state)
{
    (void)state;
    mem_setup(96 * MIB);
    params_reset();

    build();
    image_size = 40;
    expect_refusal("not an ELF file of at least 64 bytes (40 bytes)");
    build();
    image[0] = 0x7e;
    expect_refusal("not an ELF file");
    assert_false(pvh_is_elf(image, image_size));
    build();
    image[4] = 1;
    expect_refusal("ELF class 1, data 1, version 1: not a little-endian ELF64 file");
    build();
    image[5] = 2;
    expect_refusal("ELF class 2, data 2, version 1");
    build();
    put(0x12, 3, 2);
    expect_refusal("ELF type 2 machine 3: not an x86-64 executable");
    build();
    put(0x10, 3, 2);
    expect_refusal("ELF type 3 machine 62");
    build();
    put(0x36, 32, 2);
    expect_refusal("3 program headers of 32 bytes (1 to 32 of 56 expected)");
    build();
    put(0x38, 0, 2);
    expect_refusal("0 program headers of 56 bytes");
    build();
    put(0x38, 33, 2);
    expect_refusal("33 program headers");
    build();
    put(0x20, IMG_SIZE - 100, 8);
    expect_refusal("program headers at 0x3f9c run past the 16384-byte file");
    build();
    put(0x20, 0xffffffffffffffc0ull, 8); /* would wrap */
    expect_refusal("run past the 16384-byte file");
}

static void test_segment_refusals(void **state)
{
    (void)state;
    mem_setup(96 * MIB);
    params_reset();

    build();
    put(ph(1) + 0x20, 0x6000, 8);
    expect_refusal("program header 1: p_filesz 0x6000 is above p_memsz 0x5000");
    build();
    put(ph(1) + 0x08, 0x3800, 8);
    expect_refusal("program header 1: its bytes [0x3800, +0x1000) are beyond the 16384-byte file");
    build();
    put(ph(0) + 0x08, 0xfffffffffffff000ull, 8);
    expect_refusal("program header 0: its bytes [0xfffffffffffff000, +0x2000) are beyond");
    build();
    put(ph(1) + 0x18, 0xfffff000, 8);
    expect_refusal("program header 1: [0xfffff000, +0x5000) does not end below 4 GiB");
    build();
    put(ph(1) + 0x18, 0xfffffffffffff000ull, 8);
    expect_refusal("does not end below 4 GiB");
    build();
    put(ph(1) + 0x28, 0xffffffffffffffffull, 8);
    expect_refusal("program header 1: [0x1200000, +0xffffffffffffffff) does not end below 4 GiB");
    build();
    put(ph(1) + 0x18, TEXT_PA + 0x1000, 8);
    expect_refusal("segments at [0x1000000, 0x1002000) and [0x1001000, 0x1006000) overlap");
    build();
    for (unsigned i = 0; i < 15; i++)
        add_ph(1, 0x1000, 0x2000000 + i * 0x100000ull, 0x10, 0x10);
    expect_refusal("more than 16 loadable segments");
    build();
    put(ph(0), 6, 4);
    put(ph(1), 0x6474e551, 4); /* PT_GNU_STACK */
    expect_refusal("no loadable segment (PT_LOAD)");

    /* Where they land. */
    build();
    put(ph(1) + 0x18, 0x9000, 8);
    expect_refusal("segment [0x9000, 0xe000) is below 1 MiB, where the start info, the command "
                   "line and the legacy hole are");
    build();
    put(ph(1) + 0x18, 0xE0000, 8);
    expect_refusal("segment [0xe0000, 0xe5000) is below 1 MiB");
    build();
    put(ph(1) + 0x18, 96 * MIB - 0x4000, 8);
    expect_refusal("segment [0x5ffc000, 0x6001000) is beyond guest RAM (96 MiB)");
    build();
    mem_setup(16 * MIB);
    expect_refusal("segment [0x1000000, 0x1002000) is beyond guest RAM (16 MiB)");
    mem_setup(MIB);
    expect_refusal("guest RAM of 1024 KiB: the PVH entry needs RAM above 1 MiB");
}

static void test_note_refusals(void **state)
{
    (void)state;
    mem_setup(96 * MIB);
    params_reset();
    uint64_t v;

    size_t end = build();
    put(ph(2) + 0x08, IMG_SIZE - 8, 8);
    expect_refusal("program header 2: notes [0x3ff8, +0x");
    build();
    put(ph(2) + 0x20, 8, 8);
    expect_refusal("note at file offset 0x800: 8 bytes left, less than a note header");
    build();
    put(NOTE_OFF, 0xffffffff, 4); /* namesz */
    expect_refusal("note at file offset 0x800: name size 4294967295 and descriptor size 20 "
                   "run past its segment's end");
    build();
    put(NOTE_OFF + 4, 0xfffffff0, 4); /* descsz */
    expect_refusal("run past its segment's end");
    build();
    put(ph(2) + 0x20, end - NOTE_OFF - 4, 8); /* cuts the Xen note's descriptor */
    expect_refusal("name size 4 and descriptor size 8 run past its segment's end");

    /* The entry note itself. */
    end = build();
    put(end - 24 + 4, 2, 4);
    put(ph(2) + 0x20, end - 4 - NOTE_OFF, 8);
    expect_refusal("Xen PHYS32_ENTRY note has a 2-byte descriptor (4 or 8 expected)");
    end = build();
    put(end - 8, 0x100000000ull | ENTRY, 8);
    expect_refusal("Xen PHYS32_ENTRY note says 0x101000850: not a 32-bit address");
    end = build();
    v = ENTRY + 4;
    end = note(end, "Xen", 4, 18, &v, 8);
    put(ph(2) + 0x20, end - NOTE_OFF, 8);
    expect_refusal("Xen PHYS32_ENTRY note says 0x1000854: another note says otherwise");
    /* The same value twice is fine. */
    end = build();
    v = ENTRY;
    end = note(end, "Xen", 4, 18, &v, 8);
    put(ph(2) + 0x20, end - NOTE_OFF, 8);
    assert_int_equal(load(), 0);

    /* No entry note: another Xen note type, the type under another owner,
     * or no PT_NOTE at all. */
    end = build();
    put(end - 24 + 8, 17, 4);
    expect_refusal("no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY in a PT_NOTE segment): not "
                   "a PVH kernel");
    end = build();
    memcpy(image + end - 24 + 12, "Xyz", 4);
    expect_refusal("no Xen PVH entry note");
    build();
    put(ph(2), 6, 4);
    expect_refusal("no Xen PVH entry note");

    /* The entry outside what the file loads: beyond every segment, or in
     * bss. */
    end = build();
    put(end - 8, 0x1100000, 8);
    expect_refusal("the PVH entry 0x1100000 is not in any segment's bytes from the file");
    end = build();
    put(end - 8, DATA_PA + 0x1000, 8);
    expect_refusal("the PVH entry 0x1201000 is not in any segment's bytes");
}

static void test_cmdline_and_initrd_refusals(void **state)
{
    (void)state;
    build();
    mem_setup(96 * MIB);
    params_reset();
    static char line[PVH_CMDLINE_MAX + 2];
    memset(line, 'a', PVH_CMDLINE_MAX + 1);
    pp.cmdline = line;
    expect_refusal("command line is longer than 2047 bytes");
    params_reset();
    /* RAM above the segments is [0x1205000, 96 MiB); below, [1, 16) MiB. */
    static uint8_t rd[78 * MIB];
    pp.initrd = rd;
    pp.initrd_size = 96 * MIB - 0x1205000;
    assert_int_equal(load(), 0);
    assert_int_equal(gget(PVH_MODLIST_GPA, 8), 0x1205000);
    pp.initrd_size = 96 * MIB - 0x1205000 + 1;
    expect_refusal("hv/guests/initramfs.gz: 81768449 bytes do not fit in RAM above 1 MiB and "
                   "below 0x6000000 beside the kernel's segments");
    pp.initrd_size = 0; /* a pointer with size 0 is no initrd */
    assert_int_equal(load(), 0);
    assert_int_equal(gget(SI + 12, 4), 0);
}

/* A write that fails at any point is a refusal with the address, and the
 * loader stops there. */
static void test_write_failures(void **state)
{
    (void)state;
    build();
    params_reset();
    mem_setup(64 * MIB);
    assert_int_equal(load(), 0);
    uint64_t total = calls;
    assert_true(total >= 7);
    for (uint64_t i = 1; i <= total; i++) {
        mem_setup(64 * MIB);
        fail_at = i;
        assert_int_equal(load(), -1);
        static const char want[] = NAME ": could not write guest memory at 0x";
        if (strncmp(err, want, sizeof want - 1) != 0)
            fail_msg("write %llu: '%s'", (unsigned long long)i, err);
        assert_int_equal(calls, i);
    }
}

/* Debian's vmlinux (tools/extract-vmlinux.py) when `make linux-guests` has
 * built it; skipped when not. */
static void test_real_vmlinux(void **state)
{
    (void)state;
    FILE *f = fopen(GUESTS_LINUX_DIR "/vmlinux", "rb");
    if (!f)
        skip();
    static uint8_t *big;
    big = malloc(64 * MIB);
    assert_non_null(big);
    size_t n = fread(big, 1, 64 * MIB, f);
    fclose(f);
    mem_setup(96 * MIB);
    params_reset();
    assert_int_equal(guest_load_pvh(big, n, &pp, &ops, &bs, err, sizeof err), 0);
    assert_int_equal(bs.rip, 0x1000850);         /* Debian 6.1's pvh_start_xen */
    assert_memory_equal(mem + 0x1000000, big + 0x1000, 0x1000);
    /* Its segments end at 74 MiB: the initrd goes above them. */
    assert_true(gget(PVH_MODLIST_GPA, 8) >= 0x4a00000);
    pp.kernel_name = NAME;
    mem_setup(64 * MIB);
    assert_int_equal(guest_load_pvh(big, n, &pp, &ops, &bs, err, sizeof err), -1);
    assert_non_null(strstr(err, "is beyond guest RAM (64 MiB)"));
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_good_image, teardown),
        cmocka_unit_test_teardown(test_variants, teardown),
        cmocka_unit_test_teardown(test_initrd_placement, teardown),
        cmocka_unit_test_teardown(test_header_refusals, teardown),
        cmocka_unit_test_teardown(test_segment_refusals, teardown),
        cmocka_unit_test_teardown(test_note_refusals, teardown),
        cmocka_unit_test_teardown(test_cmdline_and_initrd_refusals, teardown),
        cmocka_unit_test_teardown(test_write_failures, teardown),
        cmocka_unit_test_teardown(test_real_vmlinux, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
