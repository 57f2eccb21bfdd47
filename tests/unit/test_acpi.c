/* ACPI table parsing on synthetic firmware memory: a window of "physical"
 * memory at WIN_BASE with the RSDP at its start (the same layout the fuzz
 * target reads, so the images this test builds double as its seeds; set
 * ACPI_SEED_DIR to write them). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "drivers/acpi_tables.h"

#define WIN_BASE 0x80000ull
#define WIN_SIZE 0x8000u

static uint8_t mem[WIN_SIZE];
static size_t cursor;
static unsigned map_calls;

static const void *win_map(uint64_t phys, size_t len, void *ctx)
{
    (void)ctx;
    map_calls++;
    if (phys < WIN_BASE || phys - WIN_BASE > WIN_SIZE || len > WIN_SIZE - (phys - WIN_BASE))
        return NULL;
    return mem + (phys - WIN_BASE);
}

static void reset(void)
{
    memset(mem, 0, sizeof mem);
    cursor = 64; /* the RSDP lives at offset 0 */
    map_calls = 0;
}

static uint64_t alloc(size_t n)
{
    cursor = (cursor + 15) & ~(size_t)15;
    uint64_t phys = WIN_BASE + cursor;
    assert_true(cursor + n <= WIN_SIZE);
    cursor += n;
    return phys;
}

static uint8_t *at(uint64_t phys) { return mem + (phys - WIN_BASE); }
static void w8(uint64_t phys, uint8_t v) { *at(phys) = v; }
static void w16(uint64_t phys, uint16_t v) { w8(phys, (uint8_t)v); w8(phys + 1, (uint8_t)(v >> 8)); }
static void w32(uint64_t phys, uint32_t v) { w16(phys, (uint16_t)v); w16(phys + 2, (uint16_t)(v >> 16)); }
static void w64(uint64_t phys, uint64_t v) { w32(phys, (uint32_t)v); w32(phys + 4, (uint32_t)(v >> 32)); }

static uint8_t sum(uint64_t phys, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + at(phys)[i]);
    return s;
}

/* A table with a header; the body is the caller's, then seal() it. */
static uint64_t table(const char *sig, uint32_t len)
{
    uint64_t t = alloc(len);
    memcpy(at(t), sig, 4);
    w32(t + 4, len);
    w8(t + 8, 1);
    memcpy(at(t + 10), "TESTOE", 6);
    memcpy(at(t + 16), "TESTTABL", 8);
    return t;
}

static void seal(uint64_t t)
{
    uint32_t len = *(uint32_t *)at(t + 4);
    w8(t + 9, 0);
    w8(t + 9, (uint8_t)-sum(t, len));
}

static uint64_t root_table(bool xsdt, const uint64_t *entries, unsigned n)
{
    unsigned es = xsdt ? 8 : 4;
    uint64_t t = table(xsdt ? "XSDT" : "RSDT", 36 + n * es);
    for (unsigned i = 0; i < n; i++) {
        if (xsdt)
            w64(t + 36 + i * 8, entries[i]);
        else
            w32(t + 36 + i * 4, (uint32_t)entries[i]);
    }
    seal(t);
    return t;
}

static void rsdp(uint8_t rev, uint64_t rsdt, uint64_t xsdt)
{
    memcpy(at(WIN_BASE), "RSD PTR ", 8);
    memcpy(at(WIN_BASE + 9), "OEMID1", 6);
    w8(WIN_BASE + 15, rev);
    w32(WIN_BASE + 16, (uint32_t)rsdt);
    w8(WIN_BASE + 8, 0);
    w8(WIN_BASE + 8, (uint8_t)-sum(WIN_BASE, 20));
    if (rev >= 2) {
        w32(WIN_BASE + 20, 36);
        w64(WIN_BASE + 24, xsdt);
        w8(WIN_BASE + 32, 0);
        w8(WIN_BASE + 32, (uint8_t)-sum(WIN_BASE, 36));
    }
}

static enum acpi_err parse(struct acpi_info *a)
{
    return acpi_parse(WIN_BASE, win_map, NULL, a);
}

/* ---- table builders ------------------------------------------------------ */

/* AML for Name(_S5_, Package(4) { Byte a, Byte b, Zero, Zero }). */
static const uint8_t s5_aml_byte[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x04,
                                       0x0a, 0x05, 0x0a, 0x06, 0x00, 0x00 };

static uint64_t aml_table(const char *sig, const uint8_t *aml, size_t n)
{
    uint64_t t = table(sig, (uint32_t)(36 + n));
    memcpy(at(t + 36), aml, n);
    seal(t);
    return t;
}

static uint64_t fadt_v1(uint64_t dsdt)
{
    uint64_t f = table("FACP", 116);
    w32(f + 40, (uint32_t)dsdt);
    w16(f + 46, 9);          /* SCI */
    w32(f + 48, 0xb2);       /* SMI_CMD */
    w8(f + 52, 0xf1);
    w8(f + 53, 0xf0);
    w32(f + 64, 0x404);      /* PM1a_CNT */
    w32(f + 68, 0x504);      /* PM1b_CNT */
    w32(f + 76, 0x408);      /* PM_TMR */
    w8(f + 89, 2);
    w8(f + 91, 4);
    w32(f + 112, 1u << 10);  /* RESET_REG_SUP: no RESET_REG in a 1.0 table */
    seal(f);
    return f;
}

static void gas(uint64_t at_phys, uint8_t space, uint8_t width, uint8_t access, uint64_t addr)
{
    w8(at_phys, space);
    w8(at_phys + 1, width);
    w8(at_phys + 2, 0);
    w8(at_phys + 3, access);
    w64(at_phys + 4, addr);
}

static uint64_t fadt_v6(uint32_t dsdt32, uint64_t x_dsdt)
{
    uint64_t f = table("FACP", 276);
    w8(f + 8, 6);
    w32(f + 40, dsdt32);
    w16(f + 46, 20);
    w32(f + 48, 0xb2);
    w8(f + 52, 0xa0);
    w8(f + 53, 0xa1);
    w32(f + 64, 0x1804);
    w32(f + 68, 0x1904);     /* PM1b only as a port: X_PM1b stays zero */
    w32(f + 76, 0x1808);
    w8(f + 89, 2);
    w8(f + 91, 4);
    w32(f + 112, (1u << 8) | (1u << 10)); /* TMR_VAL_EXT, RESET_REG_SUP */
    gas(f + 116, 1, 8, 1, 0xcf9);
    w8(f + 128, 0x06);
    w64(f + 140, x_dsdt);
    gas(f + 172, 0, 16, 2, 0xfed80004ull); /* X_PM1a_CNT in memory space */
    gas(f + 208, 1, 32, 3, 0x1808);
    seal(f);
    return f;
}

/* A MADT with every entry type the parser knows, and some it does not. */
static uint64_t madt_full(void)
{
    uint8_t e[256];
    size_t n = 0;
#define E(...) do { const uint8_t b__[] = { __VA_ARGS__ }; memcpy(e + n, b__, sizeof b__); n += sizeof b__; } while (0)
    E(0, 8, 0, 0, 1, 0, 0, 0);              /* LAPIC uid 0 id 0 enabled */
    E(0, 8, 1, 2, 1, 0, 0, 0);              /* id 2 enabled */
    E(0, 8, 2, 4, 0, 0, 0, 0);              /* id 4 disabled: skipped */
    E(0, 8, 3, 6, 2, 0, 0, 0);              /* id 6 online-capable */
    E(1, 12, 8, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0);    /* IOAPIC 8 at fec00000 gsi 0 */
    E(1, 12, 9, 0, 0x00, 0x10, 0xc0, 0xfe, 24, 0, 0, 0);   /* IOAPIC 9 at fec01000 gsi 24 */
    E(2, 10, 0, 0, 2, 0, 0, 0, 0, 0);       /* ISA 0 -> GSI 2 */
    E(2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0);    /* ISA 9 -> GSI 9, level, active low */
    E(4, 6, 0xff, 5, 0, 1);                 /* local APIC NMI: skipped */
    E(0x7f, 5, 1, 2, 3);                    /* unknown type: skipped by length */
    E(5, 12, 0, 0, 0x00, 0x00, 0xe0, 0xfe, 0x01, 0, 0, 0); /* LAPIC override 1_fee00000 */
    E(9, 16, 0, 0, 0x00, 0x01, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0); /* x2APIC 0x100 enabled */
    E(9, 16, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0);       /* x2APIC 2: duplicate */
    E(9, 16, 0, 0, 7, 1, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0);       /* x2APIC 0x107 disabled */
#undef E
    uint64_t t = table("APIC", (uint32_t)(44 + n));
    w32(t + 36, 0xfee00000u);
    w32(t + 40, 1); /* PCAT_COMPAT */
    memcpy(at(t + 44), e, n);
    seal(t);
    return t;
}

static uint64_t madt_raw(const uint8_t *e, size_t n)
{
    uint64_t t = table("APIC", (uint32_t)(44 + n));
    w32(t + 36, 0xfee00000u);
    memcpy(at(t + 44), e, n);
    seal(t);
    return t;
}

/* ---- seeds for the fuzz target -------------------------------------------- */

static void maybe_write_seed(const char *name)
{
    const char *dir = getenv("ACPI_SEED_DIR");
    if (!dir)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(mem, 1, cursor, f), cursor);
    fclose(f);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_v1_rsdt(void **state)
{
    (void)state;
    reset();
    uint64_t dsdt = aml_table("DSDT", s5_aml_byte, sizeof s5_aml_byte);
    uint64_t ents[] = { madt_full(), fadt_v1(dsdt) };
    rsdp(0, root_table(false, ents, 2), 0);
    struct acpi_info a;
    assert_int_equal(parse(&a), ACPI_OK);
    maybe_write_seed("v1_rsdt");

    assert_int_equal(a.revision, 0);
    assert_string_equal(a.oem_id, "OEMID1");
    assert_string_equal(a.signatures, "APIC FACP DSDT");
    assert_int_equal(a.bad_tables, 0);

    assert_true(a.have_fadt);
    assert_int_equal(a.sci_irq, 9);
    assert_int_equal(a.smi_cmd, 0xb2);
    assert_int_equal(a.acpi_enable, 0xf1);
    assert_int_equal(a.acpi_disable, 0xf0);
    assert_int_equal(a.pm1a_cnt.space, 1);
    assert_int_equal(a.pm1a_cnt.bit_width, 16);
    assert_int_equal(a.pm1a_cnt.address, 0x404);
    assert_int_equal(a.pm1b_cnt.space, 1);
    assert_int_equal(a.pm1b_cnt.address, 0x504);
    assert_int_equal(a.pm_timer.space, 1);
    assert_int_equal(a.pm_timer.bit_width, 32);
    assert_int_equal(a.pm_timer.address, 0x408);
    assert_int_equal(a.pm_timer_bits, 24);
    /* RESET_REG_SUP set, but a 116-byte FADT has no RESET_REG. */
    assert_false(a.reset_supported);
    assert_int_equal(a.dsdt_phys, dsdt);

    assert_true(a.have_s5);
    assert_int_equal(a.s5_typa, 5);
    assert_int_equal(a.s5_typb, 6);
    assert_int_equal(acpi_s5_cnt_value(a.s5_typa), (5 << 10) | (1 << 13));
}

static void test_madt_every_type(void **state)
{
    (void)state;
    reset();
    uint64_t ents[] = { madt_full() };
    rsdp(0, root_table(false, ents, 1), 0);
    struct acpi_info a;
    assert_int_equal(parse(&a), ACPI_OK);
    maybe_write_seed("madt_full");
    assert_true(a.have_madt);
    assert_true(a.pcat_compat);
    assert_int_equal(a.lapic_address, 0x1fee00000ull); /* the override wins */
    assert_int_equal(a.ncpus, 4);
    assert_int_equal(a.cpu_apic_id[0], 0);
    assert_int_equal(a.cpu_apic_id[1], 2);
    assert_int_equal(a.cpu_apic_id[2], 6);
    assert_int_equal(a.cpu_apic_id[3], 0x100);
    assert_int_equal(a.nioapics, 2);
    assert_int_equal(a.ioapic[0].id, 8);
    assert_int_equal(a.ioapic[0].address, 0xfec00000u);
    assert_int_equal(a.ioapic[0].gsi_base, 0);
    assert_int_equal(a.ioapic[1].id, 9);
    assert_int_equal(a.ioapic[1].address, 0xfec01000u);
    assert_int_equal(a.ioapic[1].gsi_base, 24);
    assert_int_equal(a.nisos, 2);
    assert_int_equal(a.iso[0].irq, 0);
    assert_int_equal(a.iso[0].gsi, 2);
    assert_int_equal(a.iso[0].flags, 0);
    assert_int_equal(a.iso[1].irq, 9);
    assert_int_equal(a.iso[1].gsi, 9);
    assert_int_equal(a.iso[1].flags, 0x0d);
    assert_false(a.have_fadt);
    assert_false(a.have_s5);
}

static void test_madt_hostile_entries(void **state)
{
    (void)state;
    struct acpi_info a;
    /* A zero-length entry ends parsing: the CPU after it is not seen. */
    reset();
    {
        const uint8_t e[] = { 0, 8, 0, 1, 1, 0, 0, 0, 0x7f, 0, 0, 8, 0, 3, 1, 0, 0, 0 };
        uint64_t ents[] = { madt_raw(e, sizeof e) };
        rsdp(0, root_table(false, ents, 1), 0);
        assert_int_equal(parse(&a), ACPI_OK);
        assert_int_equal(a.ncpus, 1);
        assert_int_equal(a.cpu_apic_id[0], 1);
    }
    /* An entry running past the table ends parsing; known types shorter
     * than their structure are skipped. */
    reset();
    {
        const uint8_t e[] = { 1, 8, 5, 0, 0, 0, 0xc0, 0xfe,          /* IOAPIC, too short */
                              2, 4, 0, 1,                            /* ISO, too short */
                              0, 8, 0, 7, 1, 0, 0, 0,                /* CPU 7 */
                              0, 40, 0, 9, 1, 0, 0, 0 };             /* runs past the end */
        uint64_t ents[] = { madt_raw(e, sizeof e) };
        rsdp(0, root_table(false, ents, 1), 0);
        assert_int_equal(parse(&a), ACPI_OK);
        assert_int_equal(a.nioapics, 0);
        assert_int_equal(a.nisos, 0);
        assert_int_equal(a.ncpus, 1);
        assert_int_equal(a.cpu_apic_id[0], 7);
    }
    /* More entries than the arrays hold: capped, never overrun. */
    reset();
    {
        static uint8_t e[100 * 16 + 20 * 12 + 30 * 10];
        size_t n = 0;
        for (unsigned i = 0; i < 100; i++) {
            const uint8_t x[] = { 9, 16, 0, 0, (uint8_t)i, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
            memcpy(e + n, x, sizeof x);
            n += sizeof x;
        }
        for (unsigned i = 0; i < 20; i++) {
            const uint8_t x[] = { 1, 12, (uint8_t)i, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0 };
            memcpy(e + n, x, sizeof x);
            n += sizeof x;
        }
        for (unsigned i = 0; i < 30; i++) {
            const uint8_t x[] = { 2, 10, 0, (uint8_t)i, (uint8_t)i, 0, 0, 0, 0, 0 };
            memcpy(e + n, x, sizeof x);
            n += sizeof x;
        }
        uint64_t ents[] = { madt_raw(e, n) };
        rsdp(0, root_table(false, ents, 1), 0);
        assert_int_equal(parse(&a), ACPI_OK);
        assert_int_equal(a.ncpus, ACPI_MAX_CPUS);
        assert_int_equal(a.cpu_apic_id[ACPI_MAX_CPUS - 1], 0x100 + ACPI_MAX_CPUS - 1);
        assert_int_equal(a.nioapics, ACPI_MAX_IOAPICS);
        assert_int_equal(a.nisos, ACPI_MAX_ISOS);
        maybe_write_seed("madt_many");
    }
    /* A MADT too short for its fixed fields counts as bad. */
    reset();
    {
        uint64_t m = table("APIC", 40);
        seal(m);
        uint64_t ents[] = { m };
        rsdp(0, root_table(false, ents, 1), 0);
        assert_int_equal(parse(&a), ACPI_OK);
        assert_false(a.have_madt);
        assert_int_equal(a.bad_tables, 1);
        assert_string_equal(a.signatures, "");
    }
}

static void test_v2_xsdt_preferred(void **state)
{
    (void)state;
    reset();
    uint64_t dsdt = aml_table("DSDT", s5_aml_byte, sizeof s5_aml_byte);
    uint64_t old_fadt = fadt_v1(dsdt);
    uint64_t new_fadt = fadt_v6(0x1234, dsdt); /* the 32-bit DSDT is a decoy */
    uint64_t hpet = table("HPET", 56);
    seal(hpet);
    uint64_t x_ents[] = { new_fadt, hpet, madt_full() };
    uint64_t r_ents[] = { old_fadt };
    rsdp(2, root_table(false, r_ents, 1), root_table(true, x_ents, 3));
    struct acpi_info a;
    assert_int_equal(parse(&a), ACPI_OK);
    maybe_write_seed("v2_xsdt");

    assert_int_equal(a.revision, 2);
    assert_string_equal(a.signatures, "FACP HPET APIC DSDT");
    assert_int_equal(a.bad_tables, 0);
    assert_int_equal(a.sci_irq, 20);
    assert_int_equal(a.acpi_enable, 0xa0);
    assert_int_equal(a.acpi_disable, 0xa1);
    /* X_PM1a_CNT is set: taken as is. */
    assert_int_equal(a.pm1a_cnt.space, 0);
    assert_int_equal(a.pm1a_cnt.bit_width, 16);
    assert_int_equal(a.pm1a_cnt.access_size, 2);
    assert_int_equal(a.pm1a_cnt.address, 0xfed80004ull);
    /* X_PM1b_CNT is zero: the port field. */
    assert_int_equal(a.pm1b_cnt.space, 1);
    assert_int_equal(a.pm1b_cnt.address, 0x1904);
    assert_int_equal(a.pm_timer.space, 1);
    assert_int_equal(a.pm_timer.address, 0x1808);
    assert_int_equal(a.pm_timer_bits, 32);
    assert_true(a.reset_supported);
    assert_int_equal(a.reset_reg.space, 1);
    assert_int_equal(a.reset_reg.bit_width, 8);
    assert_int_equal(a.reset_reg.address, 0xcf9);
    assert_int_equal(a.reset_value, 6);
    assert_int_equal(a.dsdt_phys, dsdt);
    assert_true(a.have_s5);
    assert_true(a.have_madt);
}

static void test_fadt_lengths(void **state)
{
    (void)state;
    struct acpi_info a;
    /* A FADT that ends after the DSDT pointer: only that is known. */
    reset();
    {
        uint64_t f = table("FACP", 44);
        w32(f + 40, 0xabcd0);
        seal(f);
        uint64_t ents[] = { f };
        rsdp(0, root_table(false, ents, 1), 0);
        assert_int_equal(parse(&a), ACPI_OK);
        assert_true(a.have_fadt);
        assert_int_equal(a.dsdt_phys, 0xabcd0);
        assert_int_equal(a.pm1a_cnt.address, 0);
        assert_int_equal(a.pm_timer_bits, 0);
        assert_int_equal(a.bad_tables, 1); /* the DSDT it names is not there */
    }
    /* Too short for even that: a bad table. */
    reset();
    {
        uint64_t f = table("FACP", 40);
        seal(f);
        uint64_t ents[] = { f };
        rsdp(0, root_table(false, ents, 1), 0);
        assert_int_equal(parse(&a), ACPI_OK);
        assert_false(a.have_fadt);
        assert_int_equal(a.bad_tables, 1);
    }
    /* A 180-byte FADT has X_DSDT but only part of X_PM1a_CNT: the part is
     * ignored and the port field used. PM_TMR_LEN 0: no timer. */
    reset();
    {
        uint64_t f = table("FACP", 180);
        w32(f + 40, 0x1111);
        w32(f + 64, 0x804);
        w8(f + 89, 2);
        w64(f + 140, 0x2222);
        gas(f + 172, 0, 16, 2, 0); /* space..access, then half the address */
        w32(f + 176, 0xdead);
        w32(f + 76, 0x808);
        w8(f + 91, 0);
        seal(f);
        uint64_t ents[] = { f };
        rsdp(0, root_table(false, ents, 1), 0);
        assert_int_equal(parse(&a), ACPI_OK);
        assert_int_equal(a.dsdt_phys, 0x2222);
        assert_int_equal(a.pm1a_cnt.space, 1);
        assert_int_equal(a.pm1a_cnt.address, 0x804);
        assert_int_equal(a.pm_timer.address, 0);
        assert_int_equal(a.pm_timer_bits, 0);
        assert_int_equal(a.pm1b_cnt.address, 0);
    }
    /* 6.x size with every X_ field zero: ports, and the 32-bit DSDT. */
    reset();
    {
        uint64_t dsdt = aml_table("DSDT", s5_aml_byte, sizeof s5_aml_byte);
        uint64_t f = table("FACP", 276);
        w32(f + 40, (uint32_t)dsdt);
        w32(f + 64, 0x604);
        w32(f + 76, 0x608);
        w8(f + 91, 4);
        w32(f + 112, 1u << 10); /* RESET_REG_SUP with a zero RESET_REG */
        seal(f);
        uint64_t ents[] = { f };
        rsdp(0, root_table(false, ents, 1), 0);
        assert_int_equal(parse(&a), ACPI_OK);
        assert_int_equal(a.dsdt_phys, dsdt);
        assert_int_equal(a.pm1a_cnt.space, 1);
        assert_int_equal(a.pm1a_cnt.bit_width, 16); /* PM1_CNT_LEN 0: 2 bytes */
        assert_int_equal(a.pm1a_cnt.address, 0x604);
        assert_int_equal(a.pm_timer.address, 0x608);
        assert_int_equal(a.pm_timer_bits, 24);
        assert_false(a.reset_supported);
        assert_true(a.have_s5);
    }
}

static void test_rsdp_errors(void **state)
{
    (void)state;
    struct acpi_info a;
    reset();
    uint64_t ents[] = { madt_full() };
    uint64_t rsdt = root_table(false, ents, 1);
    uint64_t xsdt = root_table(true, ents, 1);

    assert_int_equal(acpi_parse(0, win_map, NULL, &a), ACPI_NO_RSDP);
    assert_int_equal(acpi_parse(0x1000, win_map, NULL, &a), ACPI_NO_RSDP);
    assert_int_equal(acpi_parse(WIN_BASE + WIN_SIZE - 10, win_map, NULL, &a), ACPI_NO_RSDP);
    assert_int_equal(acpi_parse(~0ull - 4, win_map, NULL, &a), ACPI_NO_RSDP);

    rsdp(0, rsdt, 0);
    assert_int_equal(parse(&a), ACPI_OK);
    w8(WIN_BASE + 8, (uint8_t)(at(WIN_BASE)[8] + 1)); /* checksum */
    assert_int_equal(parse(&a), ACPI_BAD_RSDP);
    rsdp(0, rsdt, 0);
    at(WIN_BASE)[0] = 'r'; /* signature */
    assert_int_equal(parse(&a), ACPI_BAD_RSDP);

    /* v2: the extended checksum and the length. */
    rsdp(2, rsdt, xsdt);
    assert_int_equal(parse(&a), ACPI_OK);
    w8(WIN_BASE + 33, 1); /* reserved byte: only the extended checksum sees it */
    assert_int_equal(parse(&a), ACPI_BAD_RSDP);
    rsdp(2, rsdt, xsdt);
    w32(WIN_BASE + 20, 20); /* shorter than a 2.0 RSDP */
    w8(WIN_BASE + 32, 0);
    w8(WIN_BASE + 32, (uint8_t)-sum(WIN_BASE, 36));
    assert_int_equal(parse(&a), ACPI_BAD_RSDP);
    rsdp(2, rsdt, xsdt);
    w32(WIN_BASE + 20, 0xffffffffu); /* huge */
    assert_int_equal(parse(&a), ACPI_BAD_RSDP);
    rsdp(2, rsdt, xsdt);
    w32(WIN_BASE + 20, 40); /* longer than 36, within the window: fine when summed */
    w8(WIN_BASE + 32, 0);
    w8(WIN_BASE + 32, (uint8_t)-sum(WIN_BASE, 40));
    assert_int_equal(parse(&a), ACPI_OK);

    /* No usable root at all. */
    rsdp(0, 0, 0);
    assert_int_equal(parse(&a), ACPI_BAD_ROOT);
    rsdp(0, WIN_BASE + WIN_SIZE + 0x1000, 0);
    assert_int_equal(parse(&a), ACPI_BAD_ROOT);
    rsdp(0, xsdt, 0); /* an XSDT where the RSDT should be */
    assert_int_equal(parse(&a), ACPI_BAD_ROOT);

    assert_string_equal(acpi_strerror(ACPI_OK), "ok");
    assert_non_null(strstr(acpi_strerror(ACPI_NO_RSDP), "RSDP"));
    assert_non_null(strstr(acpi_strerror(ACPI_BAD_RSDP), "checksum"));
    assert_non_null(strstr(acpi_strerror(ACPI_BAD_ROOT), "RSDT"));
    assert_non_null(acpi_strerror((enum acpi_err)99));
}

static void test_bad_xsdt_falls_back(void **state)
{
    (void)state;
    reset();
    uint64_t ents[] = { madt_full() };
    uint64_t rsdt = root_table(false, ents, 1);
    uint64_t xsdt = root_table(true, ents, 1);
    at(xsdt)[40] ^= 1; /* breaks the XSDT's checksum */
    rsdp(2, rsdt, xsdt);
    struct acpi_info a;
    assert_int_equal(parse(&a), ACPI_OK);
    assert_true(a.have_madt);
    assert_int_equal(a.bad_tables, 1);
    /* With no RSDT to fall back on, the root is bad. */
    rsdp(2, 0, xsdt);
    assert_int_equal(parse(&a), ACPI_BAD_ROOT);
}

static void test_lying_tables(void **state)
{
    (void)state;
    reset();
    uint64_t good = madt_full();
    uint64_t bad_sum = table("SSDT", 40);
    seal(bad_sum);
    at(bad_sum)[38] = 1;
    uint64_t too_short = table("BOOT", 36);
    w32(too_short + 4, 20);
    seal(too_short);
    uint64_t huge = table("BGRT", 36);
    w32(huge + 4, 0xfffffff0u);
    uint64_t past_end = table("SRAT", 36);
    w32(past_end + 4, WIN_SIZE); /* runs off the window */
    uint64_t ents[] = { 0, bad_sum, too_short, huge, past_end, good,
                        WIN_BASE + WIN_SIZE - 8, WIN_BASE + WIN_SIZE + 64, ~0ull - 8 };
    uint64_t x = root_table(true, ents, ARRAY_SIZE(ents));
    /* A trailing partial entry is ignored, not read past the table. */
    uint32_t xl = *(uint32_t *)at(x + 4);
    w32(x + 4, xl + 4);
    cursor += 4;
    seal(x);
    rsdp(2, 0, x);
    struct acpi_info a;
    assert_int_equal(parse(&a), ACPI_OK);
    maybe_write_seed("lying");
    assert_true(a.have_madt);
    assert_int_equal(a.bad_tables, 7); /* every entry except 0 and the MADT */
    assert_string_equal(a.signatures, "APIC");

    /* A root whose length lies (rejected before any checksum). */
    w32(x + 4, 0x7fffffff);
    assert_int_equal(parse(&a), ACPI_BAD_ROOT);
    w32(x + 4, WIN_SIZE);
    assert_int_equal(parse(&a), ACPI_BAD_ROOT);
    w32(x + 4, 30);
    assert_int_equal(parse(&a), ACPI_BAD_ROOT);
}

static void test_s5_from_ssdt(void **state)
{
    (void)state;
    reset();
    const uint8_t none[] = { 0x10, 0x05, '\\', '_', 'S', 'B', '_' }; /* Scope(\_SB) */
    uint64_t dsdt = aml_table("DSDT", none, sizeof none);
    uint64_t ssdt1 = aml_table("SSDT", none, sizeof none);
    const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x01, 0x0a, 0x07 };
    uint64_t ssdt2 = aml_table("SSDT", s5, sizeof s5);
    uint64_t ents[] = { fadt_v1(dsdt), ssdt1, ssdt2 };
    rsdp(0, root_table(false, ents, 3), 0);
    struct acpi_info a;
    assert_int_equal(parse(&a), ACPI_OK);
    maybe_write_seed("s5_ssdt");
    assert_true(a.have_s5);
    assert_int_equal(a.s5_typa, 1);
    assert_int_equal(a.s5_typb, 7);
    assert_string_equal(a.signatures, "FACP SSDT SSDT DSDT");

    /* A DSDT with a bad checksum is skipped (and counted); the SSDT still
     * provides \_S5. */
    at(dsdt)[36] ^= 0x40;
    assert_int_equal(parse(&a), ACPI_OK);
    assert_int_equal(a.bad_tables, 1);
    assert_true(a.have_s5);
    assert_string_equal(a.signatures, "FACP SSDT SSDT");
}

static void test_signature_list_bounded(void **state)
{
    (void)state;
    reset();
    uint64_t ents[60];
    for (unsigned i = 0; i < 60; i++) {
        char sig[5];
        snprintf(sig, sizeof sig, "T%03u", i);
        ents[i] = table(sig, 36);
        seal(ents[i]);
    }
    ents[59] = table("\x01zz\x7f", 36);
    seal(ents[59]);
    rsdp(2, 0, root_table(true, ents, 60));
    struct acpi_info a;
    memset(&a, 0x55, sizeof a); /* parse must clear everything */
    assert_int_equal(parse(&a), ACPI_OK);
    size_t n = strnlen(a.signatures, sizeof a.signatures);
    assert_true(n < sizeof a.signatures);
    assert_int_equal(n % 5, 4); /* whole signatures only */
    assert_memory_equal(a.signatures, "T000 T001 ", 10);
    assert_int_equal(a.bad_tables, 0);
    assert_false(a.have_madt);
    assert_false(a.have_s5);
}

/* ---- acpi_find_s5 on its own ------------------------------------------------ */

/* Runs acpi_find_s5 on an exact-size heap copy so ASan sees any overread. */
static bool find_s5(const uint8_t *aml, size_t n, uint8_t *a, uint8_t *b)
{
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, aml, n);
    bool r = acpi_find_s5(copy, n, a, b);
    free(copy);
    return r;
}

static void test_s5_encodings(void **state)
{
    (void)state;
    struct {
        const char *what;
        uint8_t aml[40];
        size_t n;
        bool found;
        uint8_t a, b;
    } cases[] = {
        { "zero/one", { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x00, 0x01 }, 10, true, 0, 1 },
        { "bytes", { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x07, 0x0a, 0x05, 0, 0 },
          14, true, 7, 5 },
        { "words", { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x02, 0x0b, 0x03, 0x01, 0x0b, 0x04, 0x00 },
          14, true, 3, 4 },
        { "dwords", { 0x08, '_', 'S', '5', '_', 0x12, 0x0c, 0x02, 0x0c, 6, 0, 0, 0, 0x0c, 2, 0, 0, 0 },
          18, true, 6, 2 },
        { "qword+ones", { 0x08, '_', 'S', '5', '_', 0x12, 0x0c, 0x02, 0x0e, 5, 0, 0, 0, 0, 0, 0, 0,
                          0xff }, 18, true, 5, 0xff },
        { "root prefix", { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x01 }, 11, true,
          1, 1 },
        { "2-byte pkglen", { 0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x00, 0x02, 0x0a, 0x03, 0x0a, 0x04 },
          13, true, 3, 4 }, /* length 7, encoded in two bytes */
        { "3-byte pkglen", { 0x08, '_', 'S', '5', '_', 0x12, 0x87, 0x00, 0x00, 0x02, 0x01, 0x00 },
          12, true, 1, 0 },
        { "packed single", { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x01, 0x0b, 0x05, 0x07 }, 11, true,
          5, 7 },
        { "in a string first", { 0x0d, '_', 'S', '5', '_', 0x00, 0x08, '_', 'S', '5', '_', 0x12, 0x04,
                                 0x02, 0x0a, 0x02 }, 16, false, 0, 0 }, /* second element missing */
        { "after a decoy", { 0x0d, '_', 'S', '5', '_', 0x00, 0x08, '_', 'S', '5', '_', 0x12, 0x05,
                             0x02, 0x0a, 0x02, 0x01 }, 17, true, 2, 1 },
        { "no elements", { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00 }, 8, false, 0, 0 },
        { "name element", { 0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02, 'S', 'L', 'P', 'A' }, 12,
          false, 0, 0 },
        { "method, not a name", { 0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xa4, 0x01 }, 9, false, 0,
          0 },
        { "pkglen too small", { 0x08, '_', 'S', '5', '_', 0x12, 0x01, 0x02, 0x01, 0x01 }, 10, false,
          0, 0 },
        { "pkg ends early", { 0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x02, 0x01, 0x01 }, 10, false, 0,
          0 },
        { "name at start", { '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x01 }, 9, false, 0, 0 },
        { "not a package", { 0x08, '_', 'S', '5', '_', 0x0a, 0x05 }, 7, false, 0, 0 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint8_t a = 0xee, b = 0xee;
        bool r = find_s5(cases[i].aml, cases[i].n, &a, &b);
        if (r != cases[i].found)
            fail_msg("%s: found %d, expected %d", cases[i].what, r, cases[i].found);
        if (r && (a != cases[i].a || b != cases[i].b))
            fail_msg("%s: %u/%u, expected %u/%u", cases[i].what, a, b, cases[i].a, cases[i].b);
        if (!r && (a != 0xee || b != 0xee))
            fail_msg("%s: outputs written on failure", cases[i].what);
    }
    assert_false(acpi_find_s5(NULL, 10, &(uint8_t){ 0 }, &(uint8_t){ 0 }));
}

static void test_s5_truncated_everywhere(void **state)
{
    (void)state;
    /* Every prefix of a valid stream: found only once it is whole. */
    const uint8_t aml[] = { 0x10, 0x08, '\\', 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x8e, 0x00,
                            0x00, 0x04, 0x0c, 0x05, 0, 0, 0, 0x0c, 0x05, 0, 0, 0, 0, 0 };
    for (size_t n = 0; n <= sizeof aml; n++) {
        uint8_t a = 0, b = 0;
        bool r = find_s5(aml, n, &a, &b);
        /* The package claims 14 bytes from its PkgLength at 10: it ends
         * at 24, where the second dword does. */
        assert_int_equal(r, n >= 24);
        if (r) {
            assert_int_equal(a, 5);
            assert_int_equal(b, 5);
        }
    }
    /* Random bytes with names sprinkled in: only must not crash. */
    srand(1);
    uint8_t buf[256];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)rand() % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)(rand() % 4 ? rand() : "\x08\x12\x0a\x0b\x0c\x0e_S5_"[rand() % 10]);
        if (n > 8 && rand() % 2) {
            size_t at_ = (size_t)rand() % (n - 6);
            memcpy(buf + at_, "\x08_S5_\x12", 6);
        }
        uint8_t a, b;
        find_s5(buf, n, &a, &b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_rsdt),
        cmocka_unit_test(test_madt_every_type),
        cmocka_unit_test(test_madt_hostile_entries),
        cmocka_unit_test(test_v2_xsdt_preferred),
        cmocka_unit_test(test_fadt_lengths),
        cmocka_unit_test(test_rsdp_errors),
        cmocka_unit_test(test_bad_xsdt_falls_back),
        cmocka_unit_test(test_lying_tables),
        cmocka_unit_test(test_s5_from_ssdt),
        cmocka_unit_test(test_signature_list_bounded),
        cmocka_unit_test(test_s5_encodings),
        cmocka_unit_test(test_s5_truncated_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
