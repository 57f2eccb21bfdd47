/* The ACPI PM1 registers, PM timer and reset port as a state machine: see
 * dev_pm.h. */
#include "vmm/dev_pm.h"
#include "vmm/acpi_guest.h"

#define REG_STS 0
#define REG_EN  1
#define REG_CNT 2
#define NREGS16 4   /* STS, EN, CNT, and the unused word before the timer */
#define TMR_OFF 8

void dev_pm_init(struct dev_pm *p, uint16_t base, uint8_t s5_typ, uint8_t s3_typ)
{
    *p = (struct dev_pm){ .base = base, .s5_typ = s5_typ, .s3_typ = s3_typ };
}

void dev_pm_rtc_irq(struct dev_pm *p)
{
    p->sts |= PM1_STS_RTC;
}

void dev_pm_power_button(struct dev_pm *p)
{
    p->sts |= PM1_STS_PWRBTN;
}

bool dev_pm_sci(const struct dev_pm *p)
{
    return !p->sleeping && (p->sts & p->en & PM1_SCI_EVENTS);
}

bool dev_pm_wake_due(const struct dev_pm *p)
{
    return p->sleeping && ((p->sts & p->en & PM1_STS_RTC) || (p->sts & PM1_STS_PWRBTN));
}

static uint64_t facs_le(const volatile uint8_t *f, unsigned off, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)f[off + i] << (8 * i);
    return v;
}

enum dev_pm_wake_mode dev_pm_wake(struct dev_pm *p, uint64_t *addr)
{
    p->sleeping = false;
    p->sts |= PM1_STS_WAK;
    *addr = 0;
    if (!p->facs)
        return DEV_PM_WAKE_BOOT;
    /* The guest owns these bytes: each vector is read once, then checked. */
    uint64_t x = facs_le(p->facs, FACS_X_WAKING_VECTOR, 8);
    if (x) {
        *addr = x;
        return x < (1ULL << 32) ? DEV_PM_WAKE_PROT32 : DEV_PM_WAKE_BAD;
    }
    uint64_t v = facs_le(p->facs, FACS_WAKING_VECTOR, 4);
    *addr = v;
    if (!v)
        return DEV_PM_WAKE_BOOT;
    return v < 0x100000 ? DEV_PM_WAKE_REAL : DEV_PM_WAKE_BAD;
}

uint32_t dev_pm_timer(uint64_t now_ns)
{
    /* Split so that the product cannot overflow whatever the uptime. */
    uint64_t s = now_ns / 1000000000ULL, ns = now_ns % 1000000000ULL;
    uint64_t ticks = s * PM_TMR_HZ + ns * PM_TMR_HZ / 1000000000ULL;
    return (uint32_t)(ticks & 0xffffff);
}

static uint16_t reg16(const struct dev_pm *p, unsigned r)
{
    switch (r) {
    case REG_STS: return p->sts;
    case REG_EN: return p->en;
    case REG_CNT: return (uint16_t)(PM1_CNT_SCI_EN | (p->cnt & (PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP)));
    default: return 0;
    }
}

/* The byte at offset `off` of the block. */
static uint8_t byte_at(const struct dev_pm *p, unsigned off, uint32_t tmr)
{
    if (off >= TMR_OFF)
        return (uint8_t)(tmr >> (8 * (off - TMR_OFF)));
    return (uint8_t)(reg16(p, off / 2) >> (8 * (off & 1)));
}

uint32_t dev_pm_read(const struct dev_pm *p, uint16_t port, unsigned size, uint64_t now_ns)
{
    if (port == ACPI_GUEST_RESET_PORT)
        return p->cf9;
    uint32_t tmr = dev_pm_timer(now_ns), v = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned off = (unsigned)(port - p->base) + i;
        if (off < ACPI_GUEST_PM_LEN)
            v |= (uint32_t)byte_at(p, off, tmr) << (8 * i);
        else
            v |= 0xffu << (8 * i); /* past the block: nothing answers */
    }
    return v;
}

static enum dev_pm_event write16(struct dev_pm *p, unsigned r, uint16_t val, uint16_t mask,
                                 unsigned *detail)
{
    switch (r) {
    case REG_STS:
        p->sts &= (uint16_t)~(val & mask);
        return DEV_PM_NONE;
    case REG_EN:
        p->en = (uint16_t)((p->en & ~mask) | (val & mask & PM1_EN_DEFINED));
        return DEV_PM_NONE;
    case REG_CNT: {
        uint16_t kept = PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP;
        p->cnt = (uint16_t)((p->cnt & ~(mask & kept)) | (val & mask & kept));
        if (!(val & mask & PM1_CNT_SLP_EN))
            return DEV_PM_NONE;
        unsigned typ = (p->cnt & PM1_CNT_SLP_TYP) >> 10;
        if (typ == p->s5_typ)
            return DEV_PM_POWER_OFF;
        if (typ == p->s3_typ) {
            p->sleeping = true;
            return DEV_PM_SLEEP_S3;
        }
        *detail = typ;
        return DEV_PM_SLEEP_OTHER;
    }
    default:
        return DEV_PM_NONE;
    }
}

enum dev_pm_event dev_pm_write(struct dev_pm *p, uint16_t port, unsigned size, uint32_t val,
                               unsigned *detail)
{
    if (port == ACPI_GUEST_RESET_PORT) {
        uint8_t b = (uint8_t)val;
        p->cf9 = b & CF9_KEPT;
        if (b & CF9_RST_CPU) {
            *detail = b;
            return DEV_PM_RESET;
        }
        return DEV_PM_NONE;
    }
    /* Gather the bytes per 16-bit register, then act on each register
     * once: a dword write to STS and EN, or a byte write to CNT's high
     * half (where SLP_EN is), mean what they cover. */
    uint16_t v16[NREGS16] = { 0 }, m16[NREGS16] = { 0 };
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned off = (unsigned)(port - p->base) + i;
        if (off >= TMR_OFF)
            continue; /* the timer and past it: read-only or nothing */
        unsigned r = off / 2, sh = 8 * (off & 1);
        v16[r] |= (uint16_t)(((val >> (8 * i)) & 0xff) << sh);
        m16[r] |= (uint16_t)(0xff << sh);
    }
    enum dev_pm_event ev = DEV_PM_NONE;
    for (unsigned r = 0; r < NREGS16; r++)
        if (m16[r]) {
            enum dev_pm_event e = write16(p, r, v16[r], m16[r], detail);
            if (e != DEV_PM_NONE)
                ev = e;
        }
    return ev;
}
