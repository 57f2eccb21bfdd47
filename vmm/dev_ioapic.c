/* I/O APIC model (Intel 82093AA datasheet, order no. 290566: 3.0
 * "Register description", 3.2.4 "Redirection table"; the EOI register at
 * 0x40 of the version 0x20 I/O APICs in ICH chipsets). */
#include "vmm/dev_ioapic.h"

#define REG_ID 0x00
#define REG_VER 0x01
#define REG_ARB 0x02
#define REG_REDIR 0x10

#define RTE_VECTOR 0xffULL
#define RTE_DELIVS (1ULL << 12)   /* delivery status: read-only */
#define RTE_POLARITY (1ULL << 13)
#define RTE_REMOTE_IRR (1ULL << 14) /* read-only */
#define RTE_LEVEL (1ULL << 15)
#define RTE_MASK (1ULL << 16)
#define RTE_RO (RTE_DELIVS | RTE_REMOTE_IRR)

#define VERSION 0x20             /* with the EOI register */

void vioapic_init(struct vioapic *io, uint8_t id, bool (*deliver)(void *ctx, const struct vioapic_msg *m),
                 void *ctx)
{
    *io = (struct vioapic){ .id = id & 0x0f, .deliver = deliver, .ctx = ctx };
    for (unsigned i = 0; i < VIOAPIC_PINS; i++)
        io->redir[i] = RTE_MASK; /* every pin masked at reset */
}

/* Delivery mode field of a redirection entry (bits 10:8); 100b is NMI. */
#define RTE_MODE(e) (((e) >> 8) & 7)
#define RTE_MODE_NMI 4

bool vioapic_routes_nmi(const struct vioapic *io)
{
    for (unsigned i = 0; i < VIOAPIC_PINS; i++)
        if (!(io->redir[i] & RTE_MASK) && RTE_MODE(io->redir[i]) == RTE_MODE_NMI)
            return true;
    return false;
}

static void send(struct vioapic *io, unsigned pin)
{
    uint64_t e = io->redir[pin];
    struct vioapic_msg m = {
        .vector = (uint8_t)(e & RTE_VECTOR),
        .delivery_mode = (uint8_t)RTE_MODE(e),
        .logical = (e >> 11) & 1,
        .level = e & RTE_LEVEL,
        .dest = (uint8_t)(e >> 56),
    };
    /* A level message some APIC accepted waits for its EOI (remote IRR);
     * one nobody took is lost, and the pin sends again when asserted
     * anew or its entry is written (a stuck remote IRR would hold it for
     * good, KVM clears it so too). */
    bool taken = io->deliver && io->deliver(io->ctx, &m);
    if (m.level && taken)
        io->redir[pin] |= RTE_REMOTE_IRR;
}

/* A level pin that is asserted, unmasked and not waiting for an EOI sends
 * (again). */
static void service_level(struct vioapic *io, unsigned pin)
{
    uint64_t e = io->redir[pin];
    if ((e & RTE_LEVEL) && !(e & (RTE_MASK | RTE_REMOTE_IRR)) && (io->asserted >> pin & 1))
        send(io, pin);
}

void vioapic_set_irq(struct vioapic *io, unsigned pin, bool asserted)
{
    if (pin >= VIOAPIC_PINS)
        return;
    uint32_t bit = 1u << pin;
    bool was = io->asserted & bit;
    io->asserted = asserted ? io->asserted | bit : io->asserted & ~bit;
    uint64_t e = io->redir[pin];
    if (e & RTE_LEVEL)
        service_level(io, pin);
    else if (asserted && !was && !(e & RTE_MASK))
        send(io, pin);           /* an edge on a masked pin is lost (3.2.4) */
}

void vioapic_eoi(struct vioapic *io, uint8_t vector)
{
    for (unsigned pin = 0; pin < VIOAPIC_PINS; pin++) {
        uint64_t e = io->redir[pin];
        if ((e & RTE_LEVEL) && (e & RTE_REMOTE_IRR) && (e & RTE_VECTOR) == vector) {
            io->redir[pin] &= ~RTE_REMOTE_IRR;
            service_level(io, pin);
        }
    }
}

static uint32_t read_reg(const struct vioapic *io, uint32_t reg)
{
    switch (reg) {
    case REG_ID: return (uint32_t)io->id << 24;
    case REG_VER: return (uint32_t)(VIOAPIC_PINS - 1) << 16 | VERSION;
    case REG_ARB: return (uint32_t)io->id << 24;
    default:
        if (reg >= REG_REDIR && reg < REG_REDIR + 2 * VIOAPIC_PINS) {
            uint64_t e = io->redir[(reg - REG_REDIR) / 2];
            return (uint32_t)(reg & 1 ? e >> 32 : e);
        }
        return 0;
    }
}

static void write_reg(struct vioapic *io, uint32_t reg, uint32_t val)
{
    if (reg == REG_ID) {
        io->id = (val >> 24) & 0x0f;
        return;
    }
    if (reg < REG_REDIR || reg >= REG_REDIR + 2 * VIOAPIC_PINS)
        return;                  /* version and arbitration are read-only */
    unsigned pin = (reg - REG_REDIR) / 2;
    uint64_t e = io->redir[pin];
    if (reg & 1)
        e = (e & 0xffffffffULL) | (uint64_t)(val & 0xff000000u) << 32; /* only the destination */
    else
        e = (e & ~0xffffffffULL) | (e & RTE_RO) | (val & ~(uint32_t)RTE_RO);
    if (!(e & RTE_LEVEL))
        e &= ~RTE_REMOTE_IRR;    /* remote IRR means nothing for edge pins */
    io->redir[pin] = e;
    service_level(io, pin);      /* unmasking an asserted level pin sends it */
}

uint32_t vioapic_mmio_read(struct vioapic *io, uint64_t offset, unsigned size)
{
    if (size != 4)
        return ~0u;
    if (offset == 0x00)
        return io->sel;
    if (offset == 0x10)
        return read_reg(io, io->sel);
    return 0;
}

void vioapic_mmio_write(struct vioapic *io, uint64_t offset, unsigned size, uint32_t val)
{
    if (size != 4)
        return;
    if (offset == 0x00)
        io->sel = val & 0xff;
    else if (offset == 0x10)
        write_reg(io, io->sel, val);
    else if (offset == 0x40)
        vioapic_eoi(io, (uint8_t)val);
}
