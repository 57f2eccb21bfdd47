/* vmm/acpi_guest.c: the tables a guest is given, read back by the host's own
 * ACPI reader (drivers/acpi_tables.c: checksums, lengths, MADT, FADT,
 * \_S5) and by a small AML walker here that checks every package length
 * nests exactly and every device's _CRS resource list ends where its buffer
 * says. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "vmm/acpi_guest.h"
#include "vmm/virtio_balloon_attach.h"
#include "vmm/dev_virtio_mmio.h"
#include "drivers/acpi_tables.h"

#define BASE 0xE0000u
#define BLOCK 4096

static uint8_t blk[BLOCK];

static const void *map(uint64_t phys, size_t len, void *ctx)
{
    assert_ptr_equal(ctx, blk);
    if (phys < BASE || phys - BASE > BLOCK || len > BLOCK - (phys - BASE))
        return NULL;
    return blk + (phys - BASE);
}

static struct acpi_guest_layout lay;

#define BLOCK_ID 0x8086a201u     /* an HPET's GCAP_ID low half: 3 timers, legacy capable */

static size_t build_with(unsigned ncpus, const struct acpi_guest_virtio *v, unsigned nv, bool hpet)
{
    struct acpi_guest_cfg cfg = { ncpus, v, nv, hpet, BLOCK_ID };
    const char *why = NULL;
    size_t n = acpi_guest_build(&cfg, BASE, blk, sizeof blk, &lay, &why);
    if (!n)
        fail_msg("refused: %s", why);
    return n;
}

static size_t build(unsigned ncpus, const struct acpi_guest_virtio *v, unsigned nv)
{
    return build_with(ncpus, v, nv, false);
}

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static const uint8_t *at(uint64_t gpa) { return blk + (gpa - BASE); }

static uint8_t sum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

static void test_host_reader_accepts_everything(void **state)
{
    (void)state;
    size_t used = build(2, NULL, 0);
    assert_true(used > 0 && used <= BLOCK);
    struct acpi_info info;
    memset(&info, 0, sizeof info);
    assert_int_equal(acpi_parse(BASE, map, blk, &info), ACPI_OK);
    assert_int_equal(info.bad_tables, 0);
    assert_int_equal(info.revision, 2);
    assert_string_equal(info.oem_id, "HVHV  ");
    /* MADT */
    assert_true(info.have_madt);
    assert_int_equal(info.lapic_address, 0xFEE00000u);
    assert_true(info.pcat_compat);
    assert_int_equal(info.ncpus, 2);
    assert_int_equal(info.cpu_apic_id[0], 0);
    assert_int_equal(info.cpu_apic_id[1], 1);
    assert_int_equal(info.nioapics, 1);
    assert_int_equal(info.ioapic[0].address, 0xFEC00000u);
    assert_int_equal(info.ioapic[0].gsi_base, 0);
    assert_int_equal(info.ioapic[0].id, 2);
    assert_int_equal(info.nisos, 2);
    assert_int_equal(info.iso[0].irq, 0);
    assert_int_equal(info.iso[0].gsi, 2);
    assert_int_equal(info.iso[1].irq, 9);
    assert_int_equal(info.iso[1].gsi, 9);
    assert_int_equal(info.iso[1].flags, 0x000d); /* level, active high */
    /* FADT */
    assert_true(info.have_fadt);
    assert_int_equal(info.sci_irq, 9);
    assert_int_equal(info.smi_cmd, 0);
    assert_int_equal(info.pm1a_cnt.space, 1);
    assert_int_equal(info.pm1a_cnt.address, ACPI_GUEST_PM_BASE + 4);
    assert_int_equal(info.pm1b_cnt.address, 0);
    assert_int_equal(info.pm_timer.address, ACPI_GUEST_PM_BASE + 8);
    assert_int_equal(info.pm_timer_bits, 24);
    assert_true(info.reset_supported);
    assert_int_equal(info.reset_reg.space, 1);
    assert_int_equal(info.reset_reg.address, 0xCF9);
    assert_int_equal(info.reset_value, 6);
    assert_int_equal(info.dsdt_phys, lay.dsdt);
    /* DSDT: \_S5 as the PM1 device expects it */
    assert_true(info.have_s5);
    assert_int_equal(info.s5_typa, ACPI_GUEST_S5_TYP);
    assert_non_null(strstr(info.signatures, "FACP"));
    assert_non_null(strstr(info.signatures, "APIC"));
    assert_non_null(strstr(info.signatures, "DSDT"));
}

static void test_checksums_and_lengths(void **state)
{
    (void)state;
    build(1, NULL, 0);
    const uint8_t *r = at(lay.rsdp);
    assert_memory_equal(r, "RSD PTR ", 8);
    assert_int_equal(lay.rsdp & 15, 0);           /* found by a 16-byte scan */
    assert_int_equal(sum(r, 20), 0);
    assert_int_equal(sum(r, 36), 0);
    assert_int_equal(rd32(r + 20), 36);
    assert_int_equal(rd32(r + 16), lay.rsdt);
    assert_int_equal(rd32(r + 24), lay.xsdt);
    assert_int_equal(rd32(r + 28), 0);
    struct { uint64_t gpa; const char *sig; uint32_t len; } t[] = {
        { lay.xsdt, "XSDT", 36 + 16 }, { lay.rsdt, "RSDT", 36 + 8 },
        { lay.fadt, "FACP", 276 },     { lay.madt, "APIC", 44 + 8 + 12 + 10 + 10 + 6 },
        { lay.dsdt, "DSDT", 0 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        const uint8_t *p = at(t[i].gpa);
        assert_memory_equal(p, t[i].sig, 4);
        uint32_t len = rd32(p + 4);
        if (t[i].len)
            assert_int_equal(len, t[i].len);
        assert_true(t[i].gpa - BASE + len <= lay.used);
        assert_int_equal(sum(p, len), 0);
    }
    /* FADT: FACS and DSDT pointers, both widths; HW_REDUCED off. */
    const uint8_t *f = at(lay.fadt);
    assert_int_equal(rd32(f + 36), lay.facs);
    assert_int_equal(rd32(f + 40), lay.dsdt);
    assert_int_equal(rd32(f + 132), lay.facs);
    assert_int_equal(rd32(f + 140), lay.dsdt);
    assert_int_equal(rd32(f + 112) & (1u << 20), 0);
    /* a fixed power button (PWR_BUTTON clear), no fixed sleep button */
    assert_int_equal(rd32(f + 112) & (3u << 4), 1u << 5);
    assert_int_equal(rd32(f + 56), ACPI_GUEST_PM_BASE);
    assert_int_equal(f[88], 4);
    assert_int_equal(f[89], 2);
    /* FACS: 64-byte aligned, 64 bytes. */
    assert_int_equal(lay.facs & 63, 0);
    assert_memory_equal(at(lay.facs), "FACS", 4);
    assert_int_equal(rd32(at(lay.facs) + 4), 64);
}

/* A corrupted byte anywhere in a table is caught by the host reader: the
 * checksums cover what they should. */
static void test_a_flipped_byte_is_caught(void **state)
{
    (void)state;
    build(1, NULL, 0);
    blk[lay.madt - BASE + 50] ^= 0x40;
    struct acpi_info info;
    memset(&info, 0, sizeof info);
    assert_int_equal(acpi_parse(BASE, map, blk, &info), ACPI_OK);
    assert_false(info.have_madt);
    assert_int_equal(info.bad_tables, 1);
    build(1, NULL, 0);
    blk[lay.rsdp - BASE + 12] ^= 1;
    assert_int_equal(acpi_parse(BASE, map, blk, &info), ACPI_BAD_RSDP);
}

/* ---- an AML walker, from the spec's grammar (chapter 20) ---------------- */

static size_t pkglen(const uint8_t *p, size_t avail, size_t *len)
{
    assert_true(avail >= 1);
    unsigned extra = p[0] >> 6;
    assert_true(avail >= 1 + extra);
    if (!extra) {
        *len = p[0] & 0x3f;
        return 1;
    }
    assert_int_equal(p[0] & 0x30, 0); /* bits 5:4 reserved in the long forms */
    size_t v = p[0] & 0x0f;
    for (unsigned i = 0; i < extra; i++)
        v |= (size_t)p[1 + i] << (4 + 8 * i);
    *len = v;
    /* the shortest form, always */
    if (extra == 1)
        assert_true(v > 0x3f);
    return 1 + extra;
}

struct device_seen {
    char name[5];
    char hid[16];
    uint32_t hid_eisa;
    unsigned io_min, io_len, irq_mask;
    uint32_t mem_base, mem_len, gsi;
    uint8_t irq_flags;
    bool has_crs;
};

static void walk_resources(const uint8_t *p, size_t n, struct device_seen *d)
{
    size_t i = 0;
    for (;;) {
        assert_true(i < n);
        uint8_t tag = p[i];
        if (tag & 0x80) {
            assert_true(i + 3 <= n);
            size_t len = p[i + 1] | p[i + 2] << 8;
            assert_true(i + 3 + len <= n);
            if (tag == 0x86) {
                assert_int_equal(len, 9);
                d->mem_base = rd32(p + i + 4);
                d->mem_len = rd32(p + i + 8);
            } else if (tag == 0x89) {
                assert_int_equal(p[i + 4], 1);
                assert_int_equal(len, 2 + 4 * p[i + 4]);
                d->irq_flags = p[i + 3];
                d->gsi = rd32(p + i + 5);
            } else {
                fail_msg("unexpected large resource 0x%x", tag);
            }
            i += 3 + len;
        } else {
            size_t len = tag & 7;
            assert_true(i + 1 + len <= n);
            switch (tag >> 3) {
            case 0x4: d->irq_mask = p[i + 1] | p[i + 2] << 8; break;
            case 0x8:
                assert_int_equal(len, 7);
                d->io_min = p[i + 2] | p[i + 3] << 8;
                assert_int_equal(p[i + 4] | p[i + 5] << 8, d->io_min); /* fixed */
                d->io_len = p[i + 7];
                break;
            case 0xf:
                assert_int_equal(len, 1);
                assert_int_equal(i + 2, n); /* the end tag ends the buffer */
                return;
            default: fail_msg("unexpected small resource 0x%x", tag);
            }
            i += 1 + len;
        }
    }
}

/* One Name(...) inside a device. */
static size_t walk_name(const uint8_t *p, size_t n, struct device_seen *d)
{
    assert_true(n >= 6);
    assert_int_equal(p[0], 0x08);
    const uint8_t *name = p + 1;
    size_t i = 5;
    switch (p[i]) {
    case 0x0c:
        assert_memory_equal(name, "_HID", 4);
        d->hid_eisa = rd32(p + i + 1);
        return i + 5;
    case 0x0d: {
        size_t s = strnlen((const char *)p + i + 1, n - i - 1);
        assert_true(s < n - i - 1 && s < sizeof d->hid);
        memcpy(d->hid, p + i + 1, s + 1);
        return i + 2 + s;
    }
    case 0x00: case 0x01: return i + 1;
    case 0x0a: return i + 2;
    case 0x11: {
        assert_memory_equal(name, "_CRS", 4);
        size_t len, used = pkglen(p + i + 1, n - i - 1, &len);
        assert_true(len <= n - i - 1);
        const uint8_t *q = p + i + 1 + used;
        size_t body = len - used;
        assert_int_equal(q[0], 0x0b);        /* BufferSize as a word */
        size_t bsize = q[1] | q[2] << 8;
        assert_int_equal(bsize, body - 3);   /* all of the buffer is initialised */
        walk_resources(q + 3, bsize, d);
        d->has_crs = true;
        return i + 1 + len;
    }
    default: fail_msg("unexpected name value 0x%x", p[i]);
    }
    return 0;
}

static unsigned walk_dsdt(struct device_seen *dev, unsigned max, uint8_t *s5)
{
    const uint8_t *t = at(lay.dsdt);
    size_t len = rd32(t + 4);
    const uint8_t *p = t + 36;
    size_t n = len - 36;
    /* Name(\_S3, Package(4) {...}), Name(\_S5, Package(4) {...}): a
     * ByteConst type, twice, then two zeros */
    size_t plen, used;
    static const char *const states[] = { "\x08\\_S3_\x12", "\x08\\_S5_\x12" };
    static const uint8_t typs[] = { ACPI_GUEST_S3_TYP, ACPI_GUEST_S5_TYP };
    for (unsigned k = 0; k < 2; k++) {
        assert_memory_equal(p, states[k], 7);
        used = pkglen(p + 7, n - 7, &plen);
        assert_int_equal(plen, used + 7);
        assert_int_equal(p[7 + used], 4);
        assert_int_equal(p[8 + used], 0x0a);
        assert_int_equal(p[10 + used], 0x0a);
        assert_int_equal(p[11 + used], p[9 + used]);
        assert_int_equal(p[12 + used], 0);
        assert_int_equal(p[13 + used], 0);
        if (k == 0)
            assert_int_equal(p[9 + used], typs[0]);
        else
            *s5 = p[9 + used];
        p += 7 + plen;
        n -= 7 + plen;
    }
    /* Scope(\_SB) { Device... } to the table's end, exactly */
    assert_int_equal(p[0], 0x10);
    used = pkglen(p + 1, n - 1, &plen);
    assert_int_equal(1 + plen, n);
    assert_memory_equal(p + 1 + used, "\\_SB_", 5);
    size_t i = 1 + used + 5;
    unsigned ndev = 0;
    while (i < n) {
        assert_memory_equal(p + i, "\x5b\x82", 2);
        size_t dlen, du = pkglen(p + i + 2, n - i - 2, &dlen);
        assert_true(i + 2 + dlen <= n);
        assert_true(ndev < max);
        struct device_seen *d = &dev[ndev++];
        memset(d, 0, sizeof *d);
        memcpy(d->name, p + i + 2 + du, 4);
        size_t j = i + 2 + du + 4, end = i + 2 + dlen;
        while (j < end)
            j += walk_name(p + j, end - j, d);
        assert_int_equal(j, end);
        i = end;
    }
    assert_int_equal(i, n);
    return ndev;
}

static void test_dsdt_com1_and_s5(void **state)
{
    (void)state;
    build(1, NULL, 0);
    struct device_seen dev[4];
    uint8_t s5;
    assert_int_equal(walk_dsdt(dev, 4, &s5), 1);
    assert_int_equal(s5, ACPI_GUEST_S5_TYP);
    assert_string_equal(dev[0].name, "COM1");
    assert_int_equal(dev[0].hid_eisa, 0x0105D041u); /* EisaId("PNP0501") */
    assert_true(dev[0].has_crs);
    assert_int_equal(dev[0].io_min, 0x3f8);
    assert_int_equal(dev[0].io_len, 8);
    assert_int_equal(dev[0].irq_mask, 1u << 4);
}

static void test_dsdt_virtio_devices(void **state)
{
    (void)state;
    struct acpi_guest_virtio v[ACPI_GUEST_MAX_VIRTIO];
    for (unsigned i = 0; i < ACPI_GUEST_MAX_VIRTIO; i++)
        v[i] = (struct acpi_guest_virtio){ 0xd0000000u + 0x200 * i, 0x200, 16 + i, i & 1 };
    /* Enough devices that the scope needs a two-byte package length. */
    build(4, v, ACPI_GUEST_MAX_VIRTIO);
    struct device_seen dev[ACPI_GUEST_MAX_VIRTIO + 1];
    uint8_t s5;
    assert_int_equal(walk_dsdt(dev, ACPI_GUEST_MAX_VIRTIO + 1, &s5), ACPI_GUEST_MAX_VIRTIO + 1);
    for (unsigned i = 0; i < ACPI_GUEST_MAX_VIRTIO; i++) {
        struct device_seen *d = &dev[1 + i];
        char name[5];
        snprintf(name, sizeof name, "VR%02X", i);
        assert_string_equal(d->name, name);
        assert_string_equal(d->hid, "LNRO0005");
        assert_int_equal(d->mem_base, 0xd0000000u + 0x200 * i);
        assert_int_equal(d->mem_len, 0x200);
        assert_int_equal(d->gsi, 16 + i);
        /* consumer; edge unless level; active high; exclusive */
        assert_int_equal(d->irq_flags, (i & 1) ? 0x01 : 0x03);
    }
    struct acpi_info info;
    memset(&info, 0, sizeof info);
    assert_int_equal(acpi_parse(BASE, map, blk, &info), ACPI_OK);
    assert_int_equal(info.bad_tables, 0);
    assert_int_equal(info.ncpus, 4);
    assert_true(info.have_s5);
}

/* The one virtio device VMs get: the balloon as vballoon_attach wires it
 * (vmm/virtio_balloon_attach.h): LNRO0005 with its window in the I/O APIC's
 * page past the 1 KiB Linux claims for the I/O APIC, level on GSI 16 (the
 * first input no ISA line uses). */
static void test_dsdt_balloon(void **state)
{
    (void)state;
    const struct acpi_guest_virtio v = { VBALLOON_GPA, VIRTIO_MMIO_SIZE, VBALLOON_GSI, true };
    /* a page of its own, below the I/O APIC's */
    assert_true((VBALLOON_GPA & 0xfff) == 0 && VBALLOON_GPA + 0x1000 <= ACPI_GUEST_IOAPIC_BASE);
    assert_true(VBALLOON_GSI >= 16 && VBALLOON_GSI < 24);
    build(1, &v, 1);
    struct device_seen dev[2];
    uint8_t s5;
    assert_int_equal(walk_dsdt(dev, 2, &s5), 2);
    assert_string_equal(dev[1].name, "VR00");
    assert_string_equal(dev[1].hid, "LNRO0005");
    assert_int_equal(dev[1].mem_base, 0xfeb00000u);
    assert_int_equal(dev[1].mem_len, 0x200);
    assert_int_equal(dev[1].gsi, 16);
    assert_int_equal(dev[1].irq_flags, 0x01);   /* consumer, level, active high */
    struct acpi_info info;
    memset(&info, 0, sizeof info);
    assert_int_equal(acpi_parse(BASE, map, blk, &info), ACPI_OK);
    assert_int_equal(info.bad_tables, 0);
}

/* With an HPET: its table (HPET spec 3.2.4) in both root tables, and the
 * PNP0103 device over its registers in the DSDT. */
static void test_hpet_table_and_device(void **state)
{
    (void)state;
    build_with(2, NULL, 0, true);
    assert_int_not_equal(lay.hpet, 0);
    const uint8_t *h = at(lay.hpet);
    assert_memory_equal(h, "HPET", 4);
    assert_int_equal(rd32(h + 4), 56);
    assert_int_equal(sum(h, 56), 0);
    assert_int_equal(rd32(h + 36), BLOCK_ID);
    assert_int_equal(h[40], 0);                   /* system memory */
    assert_int_equal(h[41], 64);
    assert_int_equal(rd32(h + 44), 0xFED00000u);
    assert_int_equal(rd32(h + 48), 0);
    assert_int_equal(h[52], 0);                   /* HPET number */
    assert_int_equal(h[53] | h[54] << 8, 128);
    const uint8_t *x = at(lay.xsdt), *r = at(lay.rsdt);
    assert_int_equal(rd32(x + 4), 36 + 24);
    assert_int_equal(rd32(x + 36 + 16), lay.hpet);
    assert_int_equal(rd32(r + 4), 36 + 12);
    assert_int_equal(rd32(r + 36 + 8), lay.hpet);
    assert_int_equal(sum(x, 60), 0);
    assert_int_equal(sum(r, 48), 0);
    struct acpi_info info;
    memset(&info, 0, sizeof info);
    assert_int_equal(acpi_parse(BASE, map, blk, &info), ACPI_OK);
    assert_int_equal(info.bad_tables, 0);
    assert_non_null(strstr(info.signatures, "HPET"));
    struct device_seen dev[2];
    uint8_t s5;
    assert_int_equal(walk_dsdt(dev, 2, &s5), 2);
    assert_string_equal(dev[1].name, "HPET");
    assert_int_equal(dev[1].hid_eisa, 0x0301D041u); /* EisaId("PNP0103") */
    assert_int_equal(dev[1].mem_base, 0xFED00000u);
    assert_int_equal(dev[1].mem_len, 0x400);
    /* Without one: neither. */
    build(2, NULL, 0);
    assert_int_equal(lay.hpet, 0);
    assert_int_equal(rd32(at(lay.xsdt) + 4), 36 + 16);
    assert_int_equal(walk_dsdt(dev, 2, &s5), 1);
}

static void test_refusals(void **state)
{
    (void)state;
    struct acpi_guest_cfg cfg = { 0, NULL, 0, false, 0 };
    const char *why = NULL;
    assert_int_equal(acpi_guest_build(&cfg, BASE, blk, sizeof blk, &lay, &why), 0);
    assert_non_null(why);
    cfg.ncpus = ACPI_GUEST_MAX_CPUS + 1;
    assert_int_equal(acpi_guest_build(&cfg, BASE, blk, sizeof blk, &lay, &why), 0);
    cfg.ncpus = 1;
    cfg.nvirtio = ACPI_GUEST_MAX_VIRTIO + 1;
    struct acpi_guest_virtio v[ACPI_GUEST_MAX_VIRTIO + 1] = { { 0 } };
    cfg.virtio = v;
    assert_int_equal(acpi_guest_build(&cfg, BASE, blk, sizeof blk, &lay, &why), 0);
    cfg.nvirtio = 1;
    v[0] = (struct acpi_guest_virtio){ 0xfffffe00u, 0x400, 5, false };
    why = NULL;
    assert_int_equal(acpi_guest_build(&cfg, BASE, blk, sizeof blk, &lay, &why), 0);
    assert_non_null(strstr(why, "4 GiB"));
    cfg.nvirtio = 0;
    /* misaligned or high blocks */
    assert_int_equal(acpi_guest_build(&cfg, BASE + 8, blk, sizeof blk, &lay, &why), 0);
    assert_int_equal(acpi_guest_build(&cfg, 0xfffff000u, blk, sizeof blk, &lay, &why), 0);
}

/* Every block size from too small to enough: refused or complete, never a
 * byte written past the block (ASan watches the heap copy). */
static void test_small_blocks_refused_not_overrun(void **state)
{
    (void)state;
    struct acpi_guest_virtio v[ACPI_GUEST_MAX_VIRTIO];
    for (unsigned i = 0; i < ACPI_GUEST_MAX_VIRTIO; i++)
        v[i] = (struct acpi_guest_virtio){ 0xd0000000u, 0x200, 16, false };
    struct acpi_guest_cfg cfg = { 16, v, ACPI_GUEST_MAX_VIRTIO, true, BLOCK_ID };
    size_t need = 0;
    for (size_t cap = 0; cap <= BLOCK; cap += 7) {
        uint8_t *b = malloc(cap ? cap : 1);
        const char *why = NULL;
        size_t n = acpi_guest_build(&cfg, BASE, b, cap, &lay, &why);
        if (n) {
            assert_true(n <= cap);
            if (!need)
                need = cap;
        } else {
            assert_non_null(why);
            assert_int_equal(need, 0); /* once it fits, it keeps fitting */
        }
        free(b);
    }
    assert_true(need > 0 && need <= BLOCK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_reader_accepts_everything),
        cmocka_unit_test(test_checksums_and_lengths),
        cmocka_unit_test(test_a_flipped_byte_is_caught),
        cmocka_unit_test(test_dsdt_com1_and_s5),
        cmocka_unit_test(test_dsdt_virtio_devices),
        cmocka_unit_test(test_dsdt_balloon),
        cmocka_unit_test(test_hpet_table_and_device),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_small_blocks_refused_not_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
