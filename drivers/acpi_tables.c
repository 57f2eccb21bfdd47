/*
 * ACPI static tables, written from the ACPI specification (chapter 5.2):
 * RSDP, XSDT/RSDT, MADT, FADT, and the \_S5 object of the DSDT/SSDTs.
 *
 * Firmware tables are untrusted input. Every table is reached through the
 * caller's map function, its length is bounded before it is mapped in full,
 * its checksum is verified, and every field is read with explicit bounds and
 * byte loads (tables are often unaligned).
 */
#include "drivers/acpi_tables.h"
#include "lib/kstring.h"

#define HDR_LEN        36u          /* System Description Table Header */
#define MAX_TABLE_LEN  (16u << 20)  /* the biggest real DSDTs are a few 100 KiB */
#define RSDP_V1_LEN    20u
#define RSDP_V2_LEN    36u
#define RSDP_MAX_LEN   4096u        /* `length` is for future growth, not megabytes */

/* FADT field offsets (ACPI 6.5, table 5.9). */
#define FADT_DSDT          40
#define FADT_SCI_INT       46
#define FADT_SMI_CMD       48
#define FADT_ACPI_ENABLE   52
#define FADT_ACPI_DISABLE  53
#define FADT_PM1A_CNT_BLK  64
#define FADT_PM1B_CNT_BLK  68
#define FADT_PM_TMR_BLK    76
#define FADT_PM1_CNT_LEN   89
#define FADT_PM_TMR_LEN    91
#define FADT_FLAGS         112
#define FADT_RESET_REG     116
#define FADT_RESET_VALUE   128
#define FADT_X_DSDT        140
#define FADT_X_PM1A_CNT    172
#define FADT_X_PM1B_CNT    184
#define FADT_X_PM_TMR      208
#define GAS_LEN            12

#define FADT_F_TMR_VAL_EXT   (1u << 8)
#define FADT_F_RESET_REG_SUP (1u << 10)

/* MADT (ACPI 6.5, 5.2.12). */
#define MADT_LAPIC_ADDR    36
#define MADT_FLAGS         40
#define MADT_ENTRIES       44
#define MADT_F_PCAT_COMPAT 1u
#define LAPIC_F_ENABLED    1u
#define LAPIC_F_ONLINE_CAP 2u

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

static const void *map_range(acpi_map_fn map, void *ctx, uint64_t phys, size_t len)
{
    if (phys == 0 || phys + len < phys) /* wraps: no firmware puts a table there */
        return NULL;
    return map(phys, len, ctx);
}

/*
 * Maps the whole table at `phys` after checking its header: readable,
 * plausible length, checksum. `sig` (4 chars) is checked when not NULL.
 * Returns NULL for any defect; *len gets the table length.
 */
static const uint8_t *map_table(acpi_map_fn map, void *ctx, uint64_t phys, const char *sig,
                                uint32_t *len)
{
    const uint8_t *h = map_range(map, ctx, phys, HDR_LEN);
    if (!h)
        return NULL;
    if (sig && memcmp(h, sig, 4) != 0)
        return NULL;
    uint32_t n = rd32(h + 4);
    if (n < HDR_LEN || n > MAX_TABLE_LEN)
        return NULL;
    const uint8_t *t = map_range(map, ctx, phys, n);
    if (!t || sum8(t, n) != 0)
        return NULL;
    /* A second look through the full mapping: the header could differ if
     * the map function gave a different window. */
    if (rd32(t + 4) != n || (sig && memcmp(t, sig, 4) != 0))
        return NULL;
    *len = n;
    return t;
}

static void add_signature(struct acpi_info *out, const uint8_t *sig)
{
    size_t used = strnlen(out->signatures, sizeof out->signatures);
    size_t need = (used ? 1 : 0) + 4;
    if (used + need >= sizeof out->signatures)
        return;
    char *d = out->signatures + used;
    if (used)
        *d++ = ' ';
    for (int i = 0; i < 4; i++)
        *d++ = (sig[i] >= 0x20 && sig[i] < 0x7f) ? (char)sig[i] : '?';
    *d = '\0';
}

/* ---- MADT ---------------------------------------------------------------- */

static void add_cpu(struct acpi_info *out, uint32_t apic_id)
{
    /* Firmware may list a CPU both as a local APIC and as a local x2APIC. */
    for (uint32_t i = 0; i < out->ncpus; i++)
        if (out->cpu_apic_id[i] == apic_id)
            return;
    if (out->ncpus < ACPI_MAX_CPUS)
        out->cpu_apic_id[out->ncpus++] = apic_id;
}

static bool parse_madt(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
    if (len < MADT_ENTRIES)
        return false;
    out->have_madt = true;
    out->lapic_address = rd32(t + MADT_LAPIC_ADDR);
    out->pcat_compat = (rd32(t + MADT_FLAGS) & MADT_F_PCAT_COMPAT) != 0;
    uint64_t lapic_override = 0;

    for (uint32_t off = MADT_ENTRIES; len - off >= 2;) {
        const uint8_t *e = t + off;
        uint8_t type = e[0], elen = e[1];
        /* A zero length would loop forever; a length of one cannot even
         * cover its own header. Either way nothing after it can be trusted. */
        if (elen < 2 || elen > len - off)
            break;
        switch (type) {
        case 0: /* Processor Local APIC */
            if (elen >= 8 && (rd32(e + 4) & (LAPIC_F_ENABLED | LAPIC_F_ONLINE_CAP)))
                add_cpu(out, e[3]);
            break;
        case 1: /* I/O APIC */
            if (elen >= 12 && out->nioapics < ACPI_MAX_IOAPICS) {
                struct acpi_ioapic *io = &out->ioapic[out->nioapics++];
                io->id = e[2];
                io->address = rd32(e + 4);
                io->gsi_base = rd32(e + 8);
            }
            break;
        case 2: /* Interrupt Source Override (bus 0 = ISA) */
            if (elen >= 10 && out->nisos < ACPI_MAX_ISOS) {
                struct acpi_iso *iso = &out->iso[out->nisos++];
                iso->irq = e[3];
                iso->gsi = rd32(e + 4);
                iso->flags = rd16(e + 8);
            }
            break;
        case 5: /* Local APIC Address Override */
            if (elen >= 12)
                lapic_override = rd64(e + 4);
            break;
        case 9: /* Processor Local x2APIC */
            if (elen >= 16 && (rd32(e + 8) & (LAPIC_F_ENABLED | LAPIC_F_ONLINE_CAP)))
                add_cpu(out, rd32(e + 4));
            break;
        default: /* others (NMI sources, GIC, ...) are skipped by their length */
            break;
        }
        off += elen;
    }
    if (lapic_override)
        out->lapic_address = lapic_override;
    return true;
}

/* ---- FADT ---------------------------------------------------------------- */

/* True when [off, off + n) lies inside a FADT of `len` bytes. */
static bool fits(uint32_t len, uint32_t off, uint32_t n)
{
    return off + n <= len;
}

static struct acpi_gas rd_gas(const uint8_t *p)
{
    struct acpi_gas g = {
        .space = p[0], .bit_width = p[1], .bit_offset = p[2], .access_size = p[3],
        .address = rd64(p + 4),
    };
    return g;
}

/* The X_ GAS when the table has it and it is set, else the 1.0 port field
 * as a system-I/O GAS of `bytes` width (access_size is the GAS encoding:
 * 2 = word, 3 = dword). */
static struct acpi_gas pick_block(const uint8_t *t, uint32_t len, uint32_t x_off,
                                  uint32_t port_off, uint8_t bytes, uint8_t access, bool port_ok)
{
    if (fits(len, x_off, GAS_LEN)) {
        struct acpi_gas x = rd_gas(t + x_off);
        if (x.address)
            return x;
    }
    struct acpi_gas g = { 0 };
    if (port_ok && fits(len, port_off, 4) && rd32(t + port_off)) {
        g.space = 1;
        g.bit_width = (uint8_t)(bytes * 8);
        g.access_size = access;
        g.address = rd32(t + port_off);
    }
    return g;
}

static bool parse_fadt(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
    /* Everything an ACPI 1.0 FADT has is read only when the table covers it;
     * the one field no FADT can do without is the DSDT pointer. */
    if (len < FADT_DSDT + 4)
        return false;
    out->have_fadt = true;
    uint32_t flags = fits(len, FADT_FLAGS, 4) ? rd32(t + FADT_FLAGS) : 0;
    if (fits(len, FADT_SCI_INT, 2))
        out->sci_irq = rd16(t + FADT_SCI_INT);
    if (fits(len, FADT_SMI_CMD, 4))
        out->smi_cmd = rd32(t + FADT_SMI_CMD);
    if (fits(len, FADT_ACPI_DISABLE, 1)) {
        out->acpi_enable = t[FADT_ACPI_ENABLE];
        out->acpi_disable = t[FADT_ACPI_DISABLE];
    }

    uint8_t cnt_len = fits(len, FADT_PM1_CNT_LEN, 1) ? t[FADT_PM1_CNT_LEN] : 0;
    uint8_t tmr_len = fits(len, FADT_PM_TMR_LEN, 1) ? t[FADT_PM_TMR_LEN] : 0;
    /* PM1_CNT_LEN is in bytes (2 on every real machine). */
    uint8_t cnt_bytes = cnt_len ? (cnt_len > 4 ? 4 : cnt_len) : 2;
    out->pm1a_cnt = pick_block(t, len, FADT_X_PM1A_CNT, FADT_PM1A_CNT_BLK, cnt_bytes, 2, true);
    out->pm1b_cnt = pick_block(t, len, FADT_X_PM1B_CNT, FADT_PM1B_CNT_BLK, cnt_bytes, 2, true);
    /* The 1.0 port field describes a timer only with PM_TMR_LEN == 4
     * (spec 5.2.9: "If the PM Timer is supported, this field's value must
     * be 4"). */
    out->pm_timer = pick_block(t, len, FADT_X_PM_TMR, FADT_PM_TMR_BLK, 4, 3, tmr_len == 4);
    out->pm_timer_bits = out->pm_timer.address ? ((flags & FADT_F_TMR_VAL_EXT) ? 32 : 24) : 0;

    if (fits(len, FADT_RESET_VALUE, 1)) {
        out->reset_reg = rd_gas(t + FADT_RESET_REG);
        out->reset_value = t[FADT_RESET_VALUE];
        out->reset_supported = (flags & FADT_F_RESET_REG_SUP) && out->reset_reg.address;
    }

    uint64_t x_dsdt = fits(len, FADT_X_DSDT, 8) ? rd64(t + FADT_X_DSDT) : 0;
    out->dsdt_phys = x_dsdt ? x_dsdt : rd32(t + FADT_DSDT);
    return true;
}

/* ---- root ---------------------------------------------------------------- */

struct root {
    const uint8_t *t;
    uint32_t entries;
    uint32_t esize;      /* 8 for the XSDT, 4 for the RSDT */
};

static uint64_t root_entry(const struct root *r, uint32_t i)
{
    const uint8_t *p = r->t + HDR_LEN + (size_t)i * r->esize;
    return r->esize == 8 ? rd64(p) : rd32(p);
}

static bool open_root(acpi_map_fn map, void *ctx, uint64_t phys, bool xsdt, struct root *r)
{
    uint32_t len;
    const uint8_t *t = map_table(map, ctx, phys, xsdt ? "XSDT" : "RSDT", &len);
    if (!t)
        return false;
    r->t = t;
    r->esize = xsdt ? 8 : 4;
    r->entries = (len - HDR_LEN) / r->esize; /* a trailing partial entry is ignored */
    return true;
}

/* Reads the RSDP; on success sets out->revision/oem_id and the root pointers. */
static enum acpi_err read_rsdp(uint64_t rsdp_phys, acpi_map_fn map, void *ctx,
                               struct acpi_info *out, uint32_t *rsdt, uint64_t *xsdt)
{
    if (rsdp_phys == 0)
        return ACPI_NO_RSDP;
    const uint8_t *p = map_range(map, ctx, rsdp_phys, RSDP_V1_LEN);
    if (!p)
        return ACPI_NO_RSDP;
    if (memcmp(p, "RSD PTR ", 8) != 0 || sum8(p, RSDP_V1_LEN) != 0)
        return ACPI_BAD_RSDP;
    uint8_t rev = p[15];
    *rsdt = rd32(p + 16);
    *xsdt = 0;
    if (rev >= 2) {
        /* The 2.0 part: a length covering at least the XSDT pointer and the
         * extended checksum, and that checksum over all of it. */
        const uint8_t *q = map_range(map, ctx, rsdp_phys, RSDP_V2_LEN);
        if (!q)
            return ACPI_BAD_RSDP;
        uint32_t len = rd32(q + 20);
        if (len < RSDP_V2_LEN || len > RSDP_MAX_LEN)
            return ACPI_BAD_RSDP;
        const uint8_t *full = map_range(map, ctx, rsdp_phys, len);
        if (!full || sum8(full, len) != 0 || memcmp(full, "RSD PTR ", 8) != 0)
            return ACPI_BAD_RSDP;
        *xsdt = rd64(full + 24);
    }
    out->revision = rev;
    for (int i = 0; i < 6; i++)
        out->oem_id[i] = (p[9 + i] >= 0x20 && p[9 + i] < 0x7f) ? (char)p[9 + i] : '?';
    out->oem_id[6] = '\0';
    return ACPI_OK;
}

static void search_s5(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
    if (!out->have_s5 && acpi_find_s5(t + HDR_LEN, len - HDR_LEN, &out->s5_typa, &out->s5_typb))
        out->have_s5 = true;
}

enum acpi_err acpi_parse(uint64_t rsdp_phys, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
    memset(out, 0, sizeof *out);
    uint32_t rsdt_phys;
    uint64_t xsdt_phys;
    enum acpi_err e = read_rsdp(rsdp_phys, map, ctx, out, &rsdt_phys, &xsdt_phys);
    if (e != ACPI_OK)
        return e;

    /* The XSDT when there is one; a corrupt XSDT falls back to the RSDT. */
    struct root root;
    bool have_root = false;
    if (xsdt_phys) {
        have_root = open_root(map, ctx, xsdt_phys, true, &root);
        if (!have_root)
            out->bad_tables++;
    }
    if (!have_root && rsdt_phys)
        have_root = open_root(map, ctx, rsdt_phys, false, &root);
    if (!have_root)
        return ACPI_BAD_ROOT;

    for (uint32_t i = 0; i < root.entries; i++) {
        uint64_t phys = root_entry(&root, i);
        if (phys == 0)
            continue;
        uint32_t len;
        const uint8_t *t = map_table(map, ctx, phys, NULL, &len);
        if (!t) {
            out->bad_tables++;
            continue;
        }
        /* The first good MADT and FADT win; later copies are ignored. One
         * too short for its fixed fields counts as bad. */
        bool ok = true;
        if (!memcmp(t, "APIC", 4) && !out->have_madt)
            ok = parse_madt(t, len, out);
        else if (!memcmp(t, "FACP", 4) && !out->have_fadt)
            ok = parse_fadt(t, len, out);
        if (ok)
            add_signature(out, t);
        else
            out->bad_tables++;
    }

    if (out->dsdt_phys) {
        uint32_t len;
        const uint8_t *t = map_table(map, ctx, out->dsdt_phys, "DSDT", &len);
        if (t) {
            add_signature(out, t);
            search_s5(t, len, out);
        } else {
            out->bad_tables++;
        }
    }
    /* \_S5 may live in an SSDT instead. Bad SSDTs were counted above. */
    for (uint32_t i = 0; i < root.entries && !out->have_s5; i++) {
        uint32_t len;
        const uint8_t *t = map_table(map, ctx, root_entry(&root, i), "SSDT", &len);
        if (t)
            search_s5(t, len, out);
    }
    return ACPI_OK;
}

const char *acpi_strerror(enum acpi_err e)
{
    switch (e) {
    case ACPI_OK: return "ok";
    case ACPI_NO_RSDP: return "no RSDP (none given or unreadable)";
    case ACPI_BAD_RSDP: return "RSDP signature or checksum wrong";
    case ACPI_BAD_ROOT: return "XSDT/RSDT unreadable or corrupt";
    }
    return "unknown ACPI error";
}
