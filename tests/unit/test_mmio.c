/* The guest page walker (vmm/guest_walk.c) in each paging form, and MMIO
 * emulation from CPU state to device (vmm/mmio_emulate.c): the instruction
 * fetched through the guest's page tables (across a page boundary too),
 * decoded in the right mode, checked against the faulting address,
 * performed against a fake device, RIP advanced; an unknown instruction
 * stops the VM naming its bytes. Byte sequences are from NASM listings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/guest_walk.h"
#include "vmm/mmio_emulate.h"
#include "include/hv/x86/regs.h"

/* ---- a guest-physical memory of 1 MiB ---------------------------------------- */
#define MEM (1u << 20)
static uint8_t mem[MEM];

static bool mem_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
    (void)ctx;
    if (gpa + size > MEM)
        return false;
    *val = 0;
    memcpy(val, mem + gpa, size);
    return true;
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }
static uint32_t get32(uint64_t gpa) { uint32_t v; memcpy(&v, mem + gpa, 4); return v; }

static int reset(void **state)
{
    (void)state;
    memset(mem, 0, sizeof mem);
    return 0;
}

/* 4-level: PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
#define LIN64 0xffff800000201000ULL   /* PML4 index 256, PDPT 0, PD 1, PT 1 */

static void map64(void)
{
    put64(0x1000 + 256 * 8, 0x2000 | 3);
    put64(0x2000 + 0 * 8, 0x3000 | 3);
    put64(0x3000 + 1 * 8, 0x4000 | 3);
    put64(0x4000 + 1 * 8, 0x9000 | 3);        /* LIN64 -> 0x9000 */
    put64(0x4000 + 2 * 8, 0x7000 | 3);        /* the next page -> 0x7000 (not adjacent) */
    put64(0x3000 + 2 * 8, 0x40000000ULL | 0x80 | 3); /* a 2 MiB page (outside mem: walk only) */
}

static void test_walk_long_mode(void **state)
{
    (void)state;
    map64();
    struct walk_regs r = { CR0_PG | CR0_PE, 0x1000, CR4_PAE, EFER_LME | EFER_LMA };
    uint64_t gpa = 0;
    assert_true(guest_walk(&r, LIN64 + 0x123, mem_read, NULL, &gpa));
    assert_int_equal(gpa, 0x9123);
    assert_true(guest_walk(&r, LIN64 + 0x1004, mem_read, NULL, &gpa));
    assert_int_equal(gpa, 0x7004);
    /* 2 MiB page: PD index 2 = linear bits 29:21 = 2 */
    assert_true(guest_walk(&r, 0xffff800000400000ULL + 0x12345, mem_read, NULL, &gpa));
    assert_int_equal(gpa, 0x40012345);
    /* not present at the PT */
    assert_false(guest_walk(&r, LIN64 + 0x2000, mem_read, NULL, &gpa));
    /* not present at the PML4 */
    assert_false(guest_walk(&r, 0x1000, mem_read, NULL, &gpa));
}

static void test_walk_32bit_pae_and_off(void **state)
{
    (void)state;
    uint64_t gpa = 0;
    /* paging off: linear is physical (32 bits outside long mode) */
    struct walk_regs off = { CR0_PE, 0, 0, 0 };
    assert_true(guest_walk(&off, 0x100000123ULL, mem_read, NULL, &gpa));
    assert_int_equal(gpa, 0x123);
    /* 32-bit paging: PD at 0x1000; 0xc0001000 -> PT 0x2000 entry 1 -> 0x5000;
     * 0x00400000 a 4 MiB PSE page at 0x00800000 with PSE-36 bits 39:32 = 1. */
    put32(0x1000 + (0xc0001000u >> 22) * 4, 0x2000 | 3);
    put32(0x2000 + 1 * 4, 0x5000 | 3);
    put32(0x1000 + 1 * 4, 0x00800000u | (1u << 13) | 0x80 | 3);
    struct walk_regs w32 = { CR0_PG | CR0_PE, 0x1000, CR4_PSE, 0 };
    assert_true(guest_walk(&w32, 0xc0001abcULL, mem_read, NULL, &gpa));
    assert_int_equal(gpa, 0x5abc);
    assert_true(guest_walk(&w32, 0x00412345ULL, mem_read, NULL, &gpa));
    assert_int_equal(gpa, 0x100812345ULL);
    /* without CR4.PSE the PS bit is ignored: the entry is a page table */
    w32.cr4 = 0;   /* the "page table" at 0x00800000 is outside mem: the read fails */
    assert_false(guest_walk(&w32, 0x00412345ULL, mem_read, NULL, &gpa));
    /* PAE: PDPT at 0x3020 (32-byte aligned), entry 3 -> PD 0x4000, entry 0 -> PT 0x6000 */
    put64(0x3020 + 3 * 8, 0x4000 | 1);
    put64(0x4000, 0x6000 | 3);
    put64(0x6000 + 5 * 8, 0x8000 | 3);
    struct walk_regs pae = { CR0_PG | CR0_PE, 0x3020, CR4_PAE, 0 };
    assert_true(guest_walk(&pae, 0xc0005010ULL, mem_read, NULL, &gpa));
    assert_int_equal(gpa, 0x8010);
}

static bool mem_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
    (void)ctx;
    if (gpa + size > MEM)
        return false;
    memcpy(mem + gpa, &val, size);
    return true;
}

static uint64_t get64(uint64_t gpa)
{
    uint64_t v;
    memcpy(&v, mem + gpa, 8);
    return v;
}

/* A walk for an access the CPU never checked (INS/OUTS): the rights at
 * every level (U/S for CPL 3; R/W for a user write, or a supervisor one
 * under CR0.WP), then accessed flags on the way and dirty on a write's
 * leaf. */
static void test_walk_access_rights_and_flags(void **state)
{
    (void)state;
    map64();
    put64(0x4000 + 3 * 8, 0xa000 | 1);             /* LIN64 + 0x2000: read-only, supervisor */
    struct walk_regs r = { CR0_PG | CR0_PE | CR0_WP, 0x1000, CR4_PAE, EFER_LME | EFER_LMA };
    uint64_t gpa = 0;
    struct walk_access rd = { .write = false }, wr = { .write = true },
                       user = { .user = true };
    assert_true(guest_walk_access(&r, LIN64 + 0x2010, mem_read, mem_write, NULL, &rd, &gpa));
    assert_int_equal(gpa, 0xa010);
    assert_int_equal(get64(0x4000 + 3 * 8), 0xa000 | 1 | 0x20);   /* accessed, not dirty */
    assert_int_equal(get64(0x1000 + 256 * 8), 0x2000 | 3 | 0x20);
    assert_false(guest_walk_access(&r, LIN64 + 0x2010, mem_read, mem_write, NULL, &wr, &gpa));
    assert_true(wr.protection);                     /* CR0.WP: a supervisor write refused */
    r.cr0 &= ~CR0_WP;
    wr.protection = false;
    assert_true(guest_walk_access(&r, LIN64 + 0x2010, mem_read, mem_write, NULL, &wr, &gpa));
    assert_int_equal(get64(0x4000 + 3 * 8), 0xa000 | 1 | 0x60);   /* and now dirty */
    assert_false(guest_walk_access(&r, LIN64, mem_read, mem_write, NULL, &user, &gpa));
    assert_true(user.protection);                   /* no U/S anywhere: CPL 3 refused */
    /* Not present: no protection flag (a #PF with P clear). */
    user.protection = true;
    assert_false(guest_walk_access(&r, 0x1000, mem_read, mem_write, NULL, &user, &gpa));
    assert_false(user.protection);
    /* 32-bit paging, a user page: 4-byte entries get their flags. */
    put32(0x10000 + (0x00401000u >> 22) * 4, 0x11000 | 7);
    put32(0x11000 + 1 * 4, 0x12000 | 7);
    struct walk_regs w32 = { CR0_PG | CR0_PE | CR0_WP, 0x10000, 0, 0 };
    struct walk_access uw = { .write = true, .user = true };
    assert_true(guest_walk_access(&w32, 0x00401004, mem_read, mem_write, NULL, &uw, &gpa));
    assert_int_equal(gpa, 0x12004);
    uint32_t pte;
    memcpy(&pte, mem + 0x11004, 4);
    assert_int_equal(pte, 0x12000 | 7 | 0x60);
    memcpy(&pte, mem + 0x10004, 4);
    assert_int_equal(pte, 0x11000 | 7 | 0x20);
    /* SMAP: a supervisor access to that user page is refused unless
     * EFLAGS.AC; a supervisor page stays reachable; CPL 3 is not concerned. */
    w32.cr4 = CR4_SMAP;
    struct walk_access sup = { .write = false };
    assert_false(guest_walk_access(&w32, 0x00401004, mem_read, mem_write, NULL, &sup, &gpa));
    assert_true(sup.protection);
    sup = (struct walk_access){ .write = true, .ac = true };
    assert_true(guest_walk_access(&w32, 0x00401004, mem_read, mem_write, NULL, &sup, &gpa));
    uw.protection = false;
    assert_true(guest_walk_access(&w32, 0x00401004, mem_read, mem_write, NULL, &uw, &gpa));
    put32(0x10000 + (0x00801000u >> 22) * 4, 0x13000 | 3);       /* supervisor table */
    put32(0x13000 + 1 * 4, 0x14000 | 7);
    sup = (struct walk_access){ .write = true };
    assert_true(guest_walk_access(&w32, 0x00801000, mem_read, mem_write, NULL, &sup, &gpa));
    assert_int_equal(gpa, 0x14000);
}

/* ---- MMIO emulation against a fake device ------------------------------------ */
static struct walk_regs regs64 = { CR0_PG | CR0_PE, 0x1000, CR4_PAE, EFER_LME | EFER_LMA };
static struct walk_regs *cur_walk;
static uint64_t dev_value, dev_written;
static unsigned dev_reads, dev_writes, dev_size;

static size_t fetch(void *ctx, uint64_t gla, uint8_t *buf, size_t n)
{
    (void)ctx;
    size_t got = 0;
    while (got < n) {
        uint64_t gpa;
        if (!guest_walk(cur_walk, gla + got, mem_read, NULL, &gpa) || gpa >= MEM)
            break;
        buf[got++] = mem[gpa];
    }
    return got;
}

static bool dread(void *ctx, unsigned size, uint64_t *val)
{
    (void)ctx;
    dev_reads++;
    dev_size = size;
    *val = dev_value;
    return true;
}

static bool dwrite(void *ctx, unsigned size, uint64_t val)
{
    (void)ctx;
    dev_writes++;
    dev_size = size;
    dev_written = val;
    return true;
}

static const struct mmio_bus bus = { fetch, dread, dwrite, NULL, NULL, NULL };

static int reset_dev(void **state)
{
    reset(state);
    dev_value = dev_written = 0;
    dev_reads = dev_writes = dev_size = 0;
    cur_walk = &regs64;
    return 0;
}

static struct mmio_cpu cpu64(uint64_t rip)
{
    struct mmio_cpu c = { .lma = true, .cs_l = true, .rip = rip, .rflags = 2 };
    return c;
}

static void test_mmio_load_in_long_mode(void **state)
{
    (void)state;
    map64();
    static const uint8_t insn[] = { 0x8b, 0x43, 0x30 }; /* mov eax, [rbx+0x30] */
    memcpy(mem + 0x9100, insn, sizeof insn);
    struct mmio_cpu c = cpu64(LIN64 + 0x100);
    c.gpr[0] = 0xffffffffffffffffULL;
    c.gpr[3] = 0xfffffffffee00000ULL;   /* the APIC page, mapped by the guest */
    dev_value = 0x50014;
    char why[128] = "";
    assert_int_equal(mmio_emulate(&c, 0xfffffffffee00030ULL, &bus, why, sizeof why), MMIO_DONE);
    assert_int_equal(c.gpr[0], 0x50014);      /* 32-bit load zeroes bits 63:32 */
    assert_int_equal(c.rip, LIN64 + 0x103);
    assert_int_equal(dev_reads, 1);
    assert_int_equal(dev_size, 4);
}

static void test_mmio_store_across_a_page_boundary(void **state)
{
    (void)state;
    map64();
    /* mov dword [rbx+0xb0], 0: 10 bytes, the first 4 at the end of the page
     * at 0x9000 and the rest at the start of the page at 0x7000. */
    static const uint8_t insn[] = { 0xc7, 0x83, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
    memcpy(mem + 0x9ffc, insn, 4);
    memcpy(mem + 0x7000, insn + 4, 6);
    struct mmio_cpu c = cpu64(LIN64 + 0xffc);
    c.gpr[3] = 0xfee00000ULL;
    dev_written = 0xdead;
    char why[128] = "";
    assert_int_equal(mmio_emulate(&c, 0xfee000b0ULL, &bus, why, sizeof why), MMIO_DONE);
    assert_int_equal(dev_writes, 1);
    assert_int_equal(dev_written, 0);
    assert_int_equal(c.rip, LIN64 + 0xffc + 10);
}

static void test_mmio_32bit_moffs_store(void **state)
{
    (void)state;
    static struct walk_regs flat = { CR0_PE, 0, 0, 0 };
    cur_walk = &flat;
    static const uint8_t insn[] = { 0xa3, 0xb0, 0x00, 0xe0, 0xfe }; /* mov [0xfee000b0], eax */
    memcpy(mem + 0x1000, insn, sizeof insn);
    struct mmio_cpu c = { .cs_d = true, .rip = 0x1000, .rflags = 2 };
    c.gpr[0] = 0x12345678;
    char why[128] = "";
    assert_int_equal(mmio_emulate(&c, 0xfee000b0ULL, &bus, why, sizeof why), MMIO_DONE);
    assert_int_equal(dev_written, 0x12345678);
    assert_int_equal(c.rip, 0x1005);
}

static void test_mmio_refusals_name_the_problem(void **state)
{
    (void)state;
    map64();
    char why[128] = "";
    /* movdqa xmm0, [rbx]: not an instruction the decoder knows */
    static const uint8_t sse[] = { 0x66, 0x0f, 0x6f, 0x03 };
    memcpy(mem + 0x9200, sse, sizeof sse);
    struct mmio_cpu c = cpu64(LIN64 + 0x200);
    c.gpr[3] = 0xfee00000ULL;
    assert_int_equal(mmio_emulate(&c, 0xfee00000ULL, &bus, why, sizeof why), MMIO_FAILED);
    assert_non_null(strstr(why, "66 0f 6f"));
    assert_int_equal(c.rip, LIN64 + 0x200);
    /* a load whose address is not the one that faulted */
    static const uint8_t load[] = { 0x8b, 0x43, 0x30 };
    memcpy(mem + 0x9300, load, sizeof load);
    c = cpu64(LIN64 + 0x300);
    c.gpr[3] = 0xfee00000ULL;
    assert_int_equal(mmio_emulate(&c, 0xfec00000ULL, &bus, why, sizeof why), MMIO_FAILED);
    assert_non_null(strstr(why, "names 0xfee00030"));
    assert_int_equal(dev_reads + dev_writes, 0);
    /* RIP on an unmapped page */
    c = cpu64(0x5000);
    assert_int_equal(mmio_emulate(&c, 0xfee00000ULL, &bus, why, sizeof why), MMIO_FAILED);
    assert_non_null(strstr(why, "cannot be read"));
}

/* MOVS's other operand as memory: a flat 32-bit guest whose memory is
 * mem[] below MEM and a refusal at 0xdead0000 and above. */
static unsigned mem_calls;
static bool mread(void *ctx, uint64_t gla, unsigned size, uint64_t *val)
{
    (void)ctx;
    mem_calls++;
    if (gla >= 0xdead0000ULL || gla + size > MEM)
        return false;
    *val = 0;
    memcpy(val, mem + gla, size);
    return true;
}

static bool mwrite(void *ctx, uint64_t gla, unsigned size, uint64_t val)
{
    (void)ctx;
    mem_calls++;
    if (gla >= 0xdead0000ULL || gla + size > MEM)
        return false;
    memcpy(mem + gla, &val, size);
    return true;
}

/* rep movsd from the device to memory and from memory to the device, one
 * element an exit; the operand that faulted is the device's; memory that
 * cannot be reached is told apart (MMIO_MEM_FAILED) with nothing written;
 * without the memory callbacks MOVS is refused as before. */
static void test_mmio_movs_with_memory(void **state)
{
    (void)state;
    static struct walk_regs flat = { CR0_PE, 0, 0, 0 };
    cur_walk = &flat;
    const struct mmio_bus mbus = { fetch, dread, dwrite, mread, mwrite, NULL };
    static const uint8_t insn[] = { 0xf3, 0xa5 };                  /* rep movsd */
    memcpy(mem + 0x1000, insn, sizeof insn);
    struct mmio_cpu c = { .cs_d = true, .rip = 0x1000, .rflags = 2 };
    c.gpr[6] = 0xfee00030;          /* ESI: the device */
    c.gpr[7] = 0x2000;              /* EDI: memory */
    c.gpr[1] = 2;                   /* ECX */
    dev_value = 0x11223344;
    char why[128] = "";
    assert_int_equal(mmio_emulate(&c, 0xfee00030ULL, &mbus, why, sizeof why), MMIO_AGAIN);
    assert_int_equal(get32(0x2000), 0x11223344);
    assert_int_equal(c.gpr[6], 0xfee00034);
    assert_int_equal(c.gpr[7], 0x2004);
    assert_int_equal(c.gpr[1], 1);
    assert_int_equal(c.rip, 0x1000);            /* the guest runs it again */
    /* the other way: memory to the device, the destination faulting */
    put32(0x3000, 0xcafef00d);
    c.gpr[6] = 0x3000;
    c.gpr[7] = 0xfee000b0;
    c.gpr[1] = 1;
    assert_int_equal(mmio_emulate(&c, 0xfee000b0ULL, &mbus, why, sizeof why), MMIO_DONE);
    assert_int_equal(dev_written, 0xcafef00d);
    assert_int_equal(c.gpr[1], 0);
    assert_int_equal(c.rip, 0x1002);
    /* memory that cannot be reached: nothing written, registers kept */
    c.rip = 0x1000;
    c.gpr[6] = 0xdead0000;
    c.gpr[7] = 0xfee000b0;
    c.gpr[1] = 1;
    unsigned writes = dev_writes;
    assert_int_equal(mmio_emulate(&c, 0xfee000b0ULL, &mbus, why, sizeof why), MMIO_MEM_FAILED);
    assert_int_equal(dev_writes, writes);
    assert_int_equal(c.gpr[6], 0xdead0000);
    assert_int_equal(c.gpr[1], 1);
    /* an address that is neither operand: the guest changed its code */
    c.gpr[6] = 0x3000;
    assert_int_equal(mmio_emulate(&c, 0xfee00000ULL, &mbus, why, sizeof why), MMIO_FAILED);
    assert_non_null(strstr(why, "but the instruction names"));
    /* no memory callbacks: refused, as a bus that cannot reach memory must */
    assert_int_equal(mmio_emulate(&c, 0xfee000b0ULL, &bus, why, sizeof why), MMIO_FAILED);
    assert_non_null(strstr(why, "MOVS"));
}

static void test_mmio_16bit_mode(void **state)
{
    (void)state;
    static struct walk_regs real = { 0, 0, 0, 0 };
    cur_walk = &real;
    /* mov ax, [bx+si+4] with DS base 0xfee0000 (a big-real-mode guest). */
    static const uint8_t insn[] = { 0x8b, 0x40, 0x04 };
    memcpy(mem + 0x7c00 + 0x10, insn, sizeof insn);
    struct mmio_cpu c = { .rip = 0x10, .rflags = 2 };
    c.seg_base[1] = 0x7c00;      /* CS */
    c.seg_base[3] = 0xfee00000;  /* DS */
    c.gpr[3] = 0x20, c.gpr[6] = 0x0c;   /* BX, SI: offset 0x30 */
    c.gpr[0] = 0xaaaabbbbccccddddULL;
    dev_value = 0x1234;
    char why[128] = "";
    assert_int_equal(mmio_emulate(&c, 0xfee00030ULL, &bus, why, sizeof why), MMIO_DONE);
    assert_int_equal(dev_size, 2);
    assert_int_equal(c.gpr[0], 0xaaaabbbbcccc1234ULL); /* 16-bit load keeps the rest */
    assert_int_equal(c.rip, 0x13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_walk_long_mode, reset),
        cmocka_unit_test_setup(test_walk_access_rights_and_flags, reset),
        cmocka_unit_test_setup(test_walk_32bit_pae_and_off, reset),
        cmocka_unit_test_setup(test_mmio_load_in_long_mode, reset_dev),
        cmocka_unit_test_setup(test_mmio_store_across_a_page_boundary, reset_dev),
        cmocka_unit_test_setup(test_mmio_32bit_moffs_store, reset_dev),
        cmocka_unit_test_setup(test_mmio_refusals_name_the_problem, reset_dev),
        cmocka_unit_test_setup(test_mmio_movs_with_memory, reset_dev),
        cmocka_unit_test_setup(test_mmio_16bit_mode, reset_dev),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
