/* The guest's ACPI tables (see acpi_guest.h); field offsets and values are
 * the ACPI 6.x spec's: RSDP 5.2.5, XSDT/RSDT 5.2.7-8, FADT 5.2.9, FACS
 * 5.2.10, MADT 5.2.12, DSDT 5.2.11.1. */
#include "vmm/acpi_guest.h"
#include "vmm/acpi_guest_aml.h"

#define HDR_LEN 36
#define FADT_LEN 276
#define FACS_LEN 64

/* FADT flags (table 5.10): what a PC without buttons or C2/C3 reports. */
#define FADT_WBINVD        (1u << 0)
#define FADT_PROC_C1       (1u << 2)
#define FADT_SLP_BUTTON    (1u << 5) /* set: no fixed-feature sleep button */
#define FADT_RESET_REG_SUP (1u << 10)
/* IA-PC boot architecture flags (table 5.11): legacy devices, an 8042, no VGA. */
#define BOOT_LEGACY_DEVICES 0x0001
#define BOOT_8042           0x0002
#define BOOT_VGA_NOT_PRESENT 0x0004

#define GAS_IO 1
#define RTC_CENTURY_INDEX 0x32

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/* The 36-byte header every SDT starts with; length and checksum are set
 * by finish() once the body is written. */
static size_t header(struct abuf *b, const char sig[4], uint8_t revision)
{
    size_t at = b->len;
    ab_bytes(b, sig, 4);
    ab_u32(b, 0);        /* length */
    ab_u8(b, revision);
    ab_u8(b, 0);         /* checksum */
    ab_bytes(b, "HVHV  ", 6);
    ab_bytes(b, "HVGUEST ", 8);
    ab_u32(b, 1);        /* OEM revision */
    ab_bytes(b, "HVAC", 4);
    ab_u32(b, 1);        /* creator revision */
    return at;
}

static void finish(struct abuf *b, size_t at)
{
    if (b->overflow)
        return;
    uint32_t len = (uint32_t)(b->len - at);
    for (unsigned i = 0; i < 4; i++)
        b->p[at + 4 + i] = (uint8_t)(len >> (8 * i));
    b->p[at + 9] = (uint8_t)-sum8(b->p + at, len);
}

/* A Generic Address Structure in port space; `access` is the encoded
 * width (1 byte, 2 word, 3 dword). The PM1 event block is two 16-bit
 * registers (status, enable), so it is accessed by words. */
static void gas_io(struct abuf *b, uint8_t bits, uint8_t access, uint16_t port)
{
    ab_u8(b, GAS_IO);
    ab_u8(b, bits);
    ab_u8(b, 0); /* bit offset */
    ab_u8(b, access);
    ab_u64(b, port);
}

static void gas_none(struct abuf *b)
{
    ab_u32(b, 0);
    ab_u64(b, 0);
}

static void fadt(struct abuf *b, uint32_t facs, uint32_t dsdt)
{
    size_t at = header(b, "FACP", 6);
    ab_u32(b, facs);                      /* 36 FIRMWARE_CTRL */
    ab_u32(b, dsdt);                      /* 40 DSDT */
    ab_u8(b, 0);                          /* 44 reserved */
    ab_u8(b, 0);                          /* 45 preferred PM profile: unspecified */
    ab_u16(b, ACPI_GUEST_SCI_IRQ);        /* 46 SCI_INT */
    ab_u32(b, 0);                         /* 48 SMI_CMD: none, always in ACPI mode */
    ab_u8(b, 0), ab_u8(b, 0);             /* 52 ACPI_ENABLE, ACPI_DISABLE */
    ab_u8(b, 0), ab_u8(b, 0);             /* 54 S4BIOS_REQ, PSTATE_CNT */
    ab_u32(b, ACPI_GUEST_PM_BASE);        /* 56 PM1a_EVT_BLK */
    ab_u32(b, 0);                         /* 60 PM1b_EVT_BLK */
    ab_u32(b, ACPI_GUEST_PM_BASE + 4);    /* 64 PM1a_CNT_BLK */
    ab_u32(b, 0);                         /* 68 PM1b_CNT_BLK */
    ab_u32(b, 0);                         /* 72 PM2_CNT_BLK */
    ab_u32(b, ACPI_GUEST_PM_BASE + 8);    /* 76 PM_TMR_BLK */
    ab_u32(b, 0), ab_u32(b, 0);           /* 80 GPE0_BLK, GPE1_BLK */
    ab_u8(b, 4);                          /* 88 PM1_EVT_LEN */
    ab_u8(b, 2);                          /* 89 PM1_CNT_LEN */
    ab_u8(b, 0);                          /* 90 PM2_CNT_LEN */
    ab_u8(b, 4);                          /* 91 PM_TMR_LEN */
    ab_u8(b, 0), ab_u8(b, 0), ab_u8(b, 0); /* 92 GPE0/GPE1 lengths, GPE1_BASE */
    ab_u8(b, 0);                          /* 95 CST_CNT */
    ab_u16(b, 101);                       /* 96 P_LVL2_LAT: > 100, no C2 */
    ab_u16(b, 1001);                      /* 98 P_LVL3_LAT: > 1000, no C3 */
    ab_u16(b, 0), ab_u16(b, 0);           /* 100 FLUSH_SIZE, FLUSH_STRIDE */
    ab_u8(b, 0), ab_u8(b, 0);             /* 104 DUTY_OFFSET, DUTY_WIDTH */
    ab_u8(b, 0), ab_u8(b, 0);             /* 106 DAY_ALRM, MON_ALRM */
    ab_u8(b, RTC_CENTURY_INDEX);          /* 108 CENTURY */
    ab_u16(b, BOOT_LEGACY_DEVICES | BOOT_8042 | BOOT_VGA_NOT_PRESENT); /* 109 */
    ab_u8(b, 0);                          /* 111 reserved */
    /* A fixed power button (`vm power-button`), no sleep button. */
    ab_u32(b, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON |
                  FADT_RESET_REG_SUP);    /* 112 flags; HW_REDUCED (bit 20) off */
    gas_io(b, 8, 1, ACPI_GUEST_RESET_PORT);  /* 116 RESET_REG */
    ab_u8(b, ACPI_GUEST_RESET_VALUE);     /* 128 RESET_VALUE */
    ab_u16(b, 0);                         /* 129 ARM_BOOT_ARCH */
    ab_u8(b, 0);                          /* 131 FADT minor version: 6.0 */
    ab_u64(b, facs);                      /* 132 X_FIRMWARE_CTRL */
    ab_u64(b, dsdt);                      /* 140 X_DSDT */
    gas_io(b, 32, 2, ACPI_GUEST_PM_BASE); /* 148 X_PM1a_EVT_BLK */
    gas_none(b);                          /* 160 X_PM1b_EVT_BLK */
    gas_io(b, 16, 2, ACPI_GUEST_PM_BASE + 4); /* 172 X_PM1a_CNT_BLK */
    gas_none(b);                          /* 184 X_PM1b_CNT_BLK */
    gas_none(b);                          /* 196 X_PM2_CNT_BLK */
    gas_io(b, 32, 3, ACPI_GUEST_PM_BASE + 8); /* 208 X_PM_TMR_BLK */
    gas_none(b), gas_none(b);     /* 220 X_GPE0_BLK, X_GPE1_BLK */
    gas_none(b), gas_none(b);     /* 244 SLEEP_CONTROL_REG, SLEEP_STATUS_REG */
    ab_bytes(b, "HVHVHVHV", 8);           /* 268 hypervisor vendor identity */
    finish(b, at);
}

static void facs(struct abuf *b)
{
    size_t at = b->len;
    ab_bytes(b, "FACS", 4);
    ab_u32(b, FACS_LEN);
    ab_u32(b, 0);          /* hardware signature */
    ab_u32(b, 0);          /* firmware waking vector */
    ab_u32(b, 0);          /* global lock */
    ab_u32(b, 0);          /* flags: no S4BIOS, no 64-bit wake */
    ab_u64(b, 0);          /* X firmware waking vector */
    ab_u8(b, 2);           /* version */
    while (!b->overflow && b->len - at < FACS_LEN)
        ab_u8(b, 0);       /* reserved, OSPM flags, reserved */
}

static void madt(struct abuf *b, unsigned ncpus)
{
    size_t at = header(b, "APIC", 5);
    ab_u32(b, ACPI_GUEST_LAPIC_BASE);
    ab_u32(b, 1);                   /* PCAT_COMPAT: there are 8259s to mask */
    for (unsigned i = 0; i < ncpus; i++) {
        ab_u8(b, 0), ab_u8(b, 8);   /* processor local APIC */
        ab_u8(b, (uint8_t)i);       /* ACPI processor UID */
        ab_u8(b, (uint8_t)i);       /* APIC ID */
        ab_u32(b, 1);               /* enabled */
    }
    ab_u8(b, 1), ab_u8(b, 12);      /* I/O APIC */
    ab_u8(b, (uint8_t)ncpus);       /* its ID: after the CPUs' */
    ab_u8(b, 0);
    ab_u32(b, ACPI_GUEST_IOAPIC_BASE);
    ab_u32(b, 0);                   /* GSI base */
    /* ISA IRQ 0 (the PIT) arrives on pin 2, as on every PC; bus-default
     * polarity and trigger. */
    ab_u8(b, 2), ab_u8(b, 10), ab_u8(b, 0), ab_u8(b, 0);
    ab_u32(b, 2);
    ab_u16(b, 0);
    /* The SCI: level-triggered, active high (flags 0b1101). */
    ab_u8(b, 2), ab_u8(b, 10), ab_u8(b, 0), ab_u8(b, ACPI_GUEST_SCI_IRQ);
    ab_u32(b, ACPI_GUEST_SCI_IRQ);
    ab_u16(b, 0x000d);
    /* Local APIC NMI: LINT1 of every processor, bus-default flags. */
    ab_u8(b, 4), ab_u8(b, 6), ab_u8(b, 0xff);
    ab_u16(b, 0);
    ab_u8(b, 1);
    finish(b, at);
}

/* The HPET description table (IA-PC HPET specification 1.0a, 3.2.4). */
static void hpet_table(struct abuf *b, uint32_t block_id)
{
    size_t at = header(b, "HPET", 1);
    ab_u32(b, block_id);                  /* 36 event timer block ID */
    ab_u8(b, 0);                          /* 40 base address: system memory */
    ab_u8(b, 64), ab_u8(b, 0), ab_u8(b, 0); /* register width, offset, access size */
    ab_u64(b, ACPI_GUEST_HPET_BASE);
    ab_u8(b, 0);                          /* 52 HPET number */
    ab_u16(b, 128);                       /* 53 minimum periodic tick, as firmwares give */
    ab_u8(b, 1);                          /* 55 4 KiB page protection: the page is its own */
    finish(b, at);
}

static void root_table(struct abuf *b, const char sig[4], const uint64_t *tables, unsigned n,
                       unsigned width)
{
    size_t at = header(b, sig, 1);
    for (unsigned i = 0; i < n; i++)
        ab_le(b, tables[i], width);
    finish(b, at);
}

static void rsdp(struct abuf *b, uint64_t rsdt, uint64_t xsdt)
{
    size_t at = b->len;
    ab_bytes(b, "RSD PTR ", 8);
    ab_u8(b, 0);                 /* checksum of the first 20 bytes */
    ab_bytes(b, "HVHV  ", 6);
    ab_u8(b, 2);                 /* revision: ACPI 2.0 and later */
    ab_u32(b, (uint32_t)rsdt);
    ab_u32(b, 36);               /* length */
    ab_u64(b, xsdt);
    ab_u8(b, 0);                 /* extended checksum, all 36 bytes */
    ab_u8(b, 0), ab_u8(b, 0), ab_u8(b, 0);
    if (b->overflow)
        return;
    b->p[at + 8] = (uint8_t)-sum8(b->p + at, 20);
    b->p[at + 32] = (uint8_t)-sum8(b->p + at, 36);
}

size_t acpi_guest_build(const struct acpi_guest_cfg *cfg, uint64_t base, uint8_t *buf,
                        size_t cap, struct acpi_guest_layout *out, const char **why)
{
    if (cfg->ncpus < 1 || cfg->ncpus > ACPI_GUEST_MAX_CPUS) {
        *why = "vCPU count out of range for the MADT";
        return 0;
    }
    if (cfg->nvirtio > ACPI_GUEST_MAX_VIRTIO || (cfg->nvirtio && !cfg->virtio)) {
        *why = "too many virtio-mmio devices";
        return 0;
    }
    for (unsigned i = 0; i < cfg->nvirtio; i++)
        if (cfg->virtio[i].base > 0xffffffffu - cfg->virtio[i].size) {
            *why = "a virtio-mmio window above 4 GiB (Memory32Fixed)";
            return 0;
        }
    if (cap < ACPI_GUEST_MIN_BLOCK) {
        *why = "the block is smaller than the fixed tables";
        return 0;
    }
    if ((base & 15) || base > 0xffffffffu || cap > 0xffffffffu - base) {
        *why = "the table block must be 16-byte aligned and below 4 GiB";
        return 0;
    }
    memset(buf, 0, cap);
    struct abuf b = { buf, cap, 0, false };
    struct acpi_guest_layout l = { 0 };

    /* The RSDP first (the guest's scan finds it at the block's start); the
     * root tables' pointers are known only once the rest are placed, so
     * they are written last into the room kept for them. */
    l.rsdp = base;
    b.len = 48;
    l.xsdt = base + b.len;
    b.len += HDR_LEN + 3 * 8;
    ab_align(&b, 16);
    l.rsdt = base + b.len;
    b.len += HDR_LEN + 3 * 4;
    ab_align(&b, 64);
    l.facs = base + b.len;
    facs(&b);
    ab_align(&b, 16);
    l.dsdt = base + b.len;
    size_t dsdt_at = header(&b, "DSDT", 2);
    acpi_guest_dsdt_body(cfg, &b);
    finish(&b, dsdt_at);
    ab_align(&b, 16);
    l.fadt = base + b.len;
    fadt(&b, (uint32_t)l.facs, (uint32_t)l.dsdt);
    ab_align(&b, 16);
    l.madt = base + b.len;
    madt(&b, cfg->ncpus);
    if (cfg->hpet) {
        ab_align(&b, 16);
        l.hpet = base + b.len;
        hpet_table(&b, cfg->hpet_block_id);
    }
    if (b.overflow || b.len > cap) {
        *why = "the tables do not fit in their block";
        return 0;
    }
    l.used = b.len;

    const uint64_t tables[3] = { l.fadt, l.madt, l.hpet };
    unsigned ntables = l.hpet ? 3 : 2;
    struct abuf at = { buf, cap, (size_t)(l.xsdt - base), false };
    root_table(&at, "XSDT", tables, ntables, 8);
    at.len = (size_t)(l.rsdt - base);
    root_table(&at, "RSDT", tables, ntables, 4);
    at.len = 0;
    rsdp(&at, l.rsdt, l.xsdt);
    *out = l;
    return l.used;
}
