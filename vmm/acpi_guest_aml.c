/* The guest DSDT in AML, encoded by hand (there are few objects, all
 * constant): see acpi_guest_aml.h. The ASL each piece stands for is in its
 * comment. */
#include "vmm/acpi_guest_aml.h"

#define AML_ZERO        0x00
#define AML_ONE         0x01
#define AML_NAME        0x08
#define AML_BYTE        0x0a
#define AML_WORD        0x0b
#define AML_DWORD       0x0c
#define AML_STRING      0x0d
#define AML_SCOPE       0x10
#define AML_BUFFER      0x11
#define AML_PACKAGE     0x12
#define AML_EXT         0x5b
#define AML_EXT_DEVICE  0x82
#define AML_ROOT        '\\'

/* Resource descriptors (ACPI 6.4). */
#define RES_IRQ_NOFLAGS 0x22 /* small item 0x4, 2 bytes: IRQ mask, edge, high */
#define RES_IO          0x47 /* small item 0x8, 7 bytes */
#define RES_END         0x79 /* small item 0xF, 1 byte: checksum (0: none) */
#define RES_MEM32_FIXED 0x86 /* large item 0x6, 9 bytes */
#define RES_EXT_IRQ     0x89 /* large item 0x9 */

#define PKG_RESERVE 3 /* enough for a PkgLength below 1 MiB */

/* PkgLength (20.2.4) counts itself, so its size depends on what follows:
 * room for the largest form is kept, and the content moved back once its
 * length is known. */
static size_t pkg_begin(struct abuf *b)
{
    size_t at = b->len;
    for (unsigned i = 0; i < PKG_RESERVE; i++)
        ab_u8(b, 0);
    return at;
}

static void pkg_end(struct abuf *b, size_t at)
{
    if (b->overflow)
        return;
    size_t body = b->len - (at + PKG_RESERVE);
    unsigned n = body + 1 <= 0x3f ? 1 : body + 2 <= 0xfff ? 2 : 3;
    size_t total = body + n;
    if (total > 0xfffff) {
        b->overflow = true;
        return;
    }
    if (n == 1) {
        b->p[at] = (uint8_t)total;
    } else {
        b->p[at] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
        for (unsigned i = 1; i < n; i++)
            b->p[at + i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
    }
    memmove(b->p + at + n, b->p + at + PKG_RESERVE, body);
    b->len -= PKG_RESERVE - n;
}

static void name_seg(struct abuf *b, const char seg[4]) { ab_bytes(b, seg, 4); }

/* An integer in its shortest constant form. */
static void integer(struct abuf *b, uint64_t v)
{
    if (v == 0) {
        ab_u8(b, AML_ZERO);
    } else if (v == 1) {
        ab_u8(b, AML_ONE);
    } else if (v <= 0xff) {
        ab_u8(b, AML_BYTE);
        ab_u8(b, (uint8_t)v);
    } else if (v <= 0xffff) {
        ab_u8(b, AML_WORD);
        ab_u16(b, (uint16_t)v);
    } else {
        ab_u8(b, AML_DWORD);
        ab_u32(b, (uint32_t)v);
    }
}

/* EisaId("PNPxxxx"): three letters of 5 bits, four hex digits (19.6.35). */
static uint32_t eisa_id(const char id[7])
{
    unsigned hex = 0;
    for (int i = 3; i < 7; i++) {
        char c = id[i];
        hex = hex << 4 | (unsigned)(c <= '9' ? c - '0' : c - 'A' + 10);
    }
    uint8_t b0 = (uint8_t)(((id[0] & 0x1f) << 2) | ((id[1] & 0x1f) >> 3));
    uint8_t b1 = (uint8_t)(((id[1] & 0x7) << 5) | (id[2] & 0x1f));
    return (uint32_t)b0 | (uint32_t)b1 << 8 | (uint32_t)(hex >> 8) << 16 |
           (uint32_t)(hex & 0xff) << 24;
}

/* Name(\_Sx, Package() { typ, typ, 0, 0 }) */
static void sleep_state(struct abuf *b, const char *name, uint8_t typ)
{
    ab_u8(b, AML_NAME);
    ab_u8(b, AML_ROOT);
    name_seg(b, name);
    ab_u8(b, AML_PACKAGE);
    size_t p = pkg_begin(b);
    ab_u8(b, 4); /* NumElements */
    ab_u8(b, AML_BYTE);
    ab_u8(b, typ); /* SLP_TYPa */
    ab_u8(b, AML_BYTE);
    ab_u8(b, typ); /* SLP_TYPb (no PM1b block: unused) */
    ab_u8(b, AML_ZERO);
    ab_u8(b, AML_ZERO);
    pkg_end(b, p);
}

/* Name(_CRS, ResourceTemplate() { ... }): the caller writes the
 * descriptors between crs_begin and crs_end. */
struct crs {
    size_t pkg, size_at, body;
};

static struct crs crs_begin(struct abuf *b)
{
    struct crs c;
    ab_u8(b, AML_NAME);
    name_seg(b, "_CRS");
    ab_u8(b, AML_BUFFER);
    c.pkg = pkg_begin(b);
    ab_u8(b, AML_WORD); /* BufferSize, filled in at the end */
    c.size_at = b->len;
    ab_u16(b, 0);
    c.body = b->len;
    return c;
}

static void crs_end(struct abuf *b, struct crs c)
{
    ab_u8(b, RES_END);
    ab_u8(b, 0);
    if (!b->overflow) {
        size_t n = b->len - c.body;
        b->p[c.size_at] = (uint8_t)n;
        b->p[c.size_at + 1] = (uint8_t)(n >> 8);
    }
    pkg_end(b, c.pkg);
}

/* Device(name) { Name(_HID, EisaId(hid)) Name(_UID, uid) ...: opens the
 * device; the caller adds the rest and closes it (pkg_end on the result). */
static size_t eisa_device_begin(struct abuf *b, const char name[4], const char hid[7],
                                uint64_t uid)
{
    ab_u8(b, AML_EXT);
    ab_u8(b, AML_EXT_DEVICE);
    size_t dev = pkg_begin(b);
    name_seg(b, name);
    ab_u8(b, AML_NAME);
    name_seg(b, "_HID");
    ab_u8(b, AML_DWORD);
    ab_u32(b, eisa_id(hid));
    ab_u8(b, AML_NAME);
    name_seg(b, "_UID");
    integer(b, uid);
    return dev;
}

/* Device(COM1) { Name(_HID, EisaId("PNP0501")) Name(_UID, 1)
 *   Name(_CRS, ResourceTemplate() { IO(Decode16, 0x3F8, 0x3F8, 1, 8)
 *                                   IRQNoFlags() { 4 } }) } */
static void com1(struct abuf *b)
{
    size_t dev = eisa_device_begin(b, "COM1", "PNP0501", 1);
    struct crs c = crs_begin(b);
    ab_u8(b, RES_IO);
    ab_u8(b, 0x01); /* decodes 16 address bits */
    ab_u16(b, 0x3f8);
    ab_u16(b, 0x3f8);
    ab_u8(b, 1);    /* alignment */
    ab_u8(b, 8);    /* ports */
    ab_u8(b, RES_IRQ_NOFLAGS);
    ab_u16(b, 1u << 4);
    crs_end(b, c);
    pkg_end(b, dev);
}

static char hex_digit(unsigned v) { return (char)(v < 10 ? '0' + v : 'A' + v - 10); }

/* Device(VRnn) { Name(_HID, "LNRO0005") Name(_UID, n)
 *   Name(_CRS, ResourceTemplate() { Memory32Fixed(ReadWrite, base, size)
 *     Interrupt(ResourceConsumer, Level|Edge, ActiveHigh, Exclusive) { gsi } }) } */
static void virtio_mmio(struct abuf *b, const struct acpi_guest_virtio *v, unsigned n)
{
    ab_u8(b, AML_EXT);
    ab_u8(b, AML_EXT_DEVICE);
    size_t dev = pkg_begin(b);
    char seg[4] = { 'V', 'R', hex_digit((n >> 4) & 0xf), hex_digit(n & 0xf) };
    name_seg(b, seg);
    ab_u8(b, AML_NAME);
    name_seg(b, "_HID");
    ab_u8(b, AML_STRING);
    ab_bytes(b, "LNRO0005", 9); /* with its NUL */
    ab_u8(b, AML_NAME);
    name_seg(b, "_UID");
    integer(b, n);
    struct crs c = crs_begin(b);
    ab_u8(b, RES_MEM32_FIXED);
    ab_u16(b, 9);
    ab_u8(b, 0x01); /* read-write */
    ab_u32(b, (uint32_t)v->base);
    ab_u32(b, v->size);
    ab_u8(b, RES_EXT_IRQ);
    ab_u16(b, 6);
    /* consumer (bit 0); edge is bit 1 set; active high, exclusive: 0 */
    ab_u8(b, (uint8_t)(0x01 | (v->level ? 0 : 0x02)));
    ab_u8(b, 1); /* one interrupt */
    ab_u32(b, v->gsi);
    crs_end(b, c);
    pkg_end(b, dev);
}

/* Device(HPET) { Name(_HID, EisaId("PNP0103")) Name(_UID, 0)
 *   Name(_CRS, ResourceTemplate() { Memory32Fixed(ReadOnly, base, 0x400) }) }
 * as a PC firmware declares it beside the HPET table (Linux's hpet driver
 * binds to it). */
static void hpet_device(struct abuf *b)
{
    size_t dev = eisa_device_begin(b, "HPET", "PNP0103", 0);
    struct crs c = crs_begin(b);
    ab_u8(b, RES_MEM32_FIXED);
    ab_u16(b, 9);
    ab_u8(b, 0x00); /* read-only */
    ab_u32(b, ACPI_GUEST_HPET_BASE);
    ab_u32(b, ACPI_GUEST_HPET_LEN);
    crs_end(b, c);
    pkg_end(b, dev);
}

void acpi_guest_dsdt_body(const struct acpi_guest_cfg *cfg, struct abuf *b)
{
    sleep_state(b, "_S3_", ACPI_GUEST_S3_TYP);
    sleep_state(b, "_S5_", ACPI_GUEST_S5_TYP);
    /* Scope(\_SB) { devices } */
    ab_u8(b, AML_SCOPE);
    size_t sb = pkg_begin(b);
    ab_u8(b, AML_ROOT);
    name_seg(b, "_SB_");
    com1(b);
    if (cfg->hpet)
        hpet_device(b);
    for (unsigned i = 0; i < cfg->nvirtio; i++)
        virtio_mmio(b, &cfg->virtio[i], i);
    pkg_end(b, sb);
}
