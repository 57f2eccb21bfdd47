/* 8259 PIC and IOAPIC. The PICs are remapped before masking so that a
 * spurious IRQ 7/15 cannot land on an exception vector. IOAPIC registers:
 * IOREGSEL at 0x00, IOWIN at 0x10; redirection entry n at 0x10 + 2n. */
#include "arch/x86_64/irqchip.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"

void pic_disable(void)
{
    outb(0x20, 0x11); io_wait(); /* ICW1: init, ICW4 follows */
    outb(0xa0, 0x11); io_wait();
    outb(0x21, VEC_PIC_BASE); io_wait();
    outb(0xa1, VEC_PIC_BASE + 8); io_wait();
    outb(0x21, 4); io_wait();    /* slave on IRQ2 */
    outb(0xa1, 2); io_wait();
    outb(0x21, 1); io_wait();    /* 8086 mode */
    outb(0xa1, 1); io_wait();
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

struct ioapic {
    volatile uint32_t *regs;
    uint32_t gsi_base, pins;
};

static struct ioapic ioapics[IRQCHIP_MAX_IOAPICS];
static unsigned nioapics;
static struct irqchip_layout madt; /* no overrides without a MADT */

static uint32_t io_rd(struct ioapic *io, uint32_t reg)
{
    io->regs[0] = reg;
    return io->regs[4];
}

static void io_wr(struct ioapic *io, uint32_t reg, uint32_t v)
{
    io->regs[0] = reg;
    io->regs[4] = v;
}

static void mask_all(struct ioapic *io)
{
    for (uint32_t p = 0; p < io->pins; p++) {
        io_wr(io, 0x10 + 2 * p, 1u << 16); /* masked */
        io_wr(io, 0x11 + 2 * p, 0);
    }
}

unsigned ioapic_init(const struct irqchip_layout *layout)
{
    madt = *layout;
    nioapics = 0;
    for (uint32_t i = 0; i < madt.nioapics && nioapics < IRQCHIP_MAX_IOAPICS; i++) {
        struct ioapic *io = &ioapics[nioapics];
        io->regs = mmio_map(madt.ioapic[i].address, 0x20);
        if (!io->regs)
            continue;
        io->gsi_base = madt.ioapic[i].gsi_base;
        io->pins = ((io_rd(io, 1) >> 16) & 0xff) + 1;
        mask_all(io);
        nioapics++;
    }
    return nioapics;
}

unsigned ioapic_init_default(void)
{
    /* OVMF under Bochs publishes no ACPI tables at all; Bochs still has the
     * standard IOAPIC where every PC has had it since the MP spec. */
    struct ioapic *io = &ioapics[0];
    madt = (struct irqchip_layout){ 0 };
    nioapics = 0;
    io->regs = mmio_map(0xfec00000, 0x20);
    if (!io->regs)
        return 0;
    uint32_t ver = io_rd(io, 1);
    uint32_t version = ver & 0xff, maxredir = (ver >> 16) & 0xff;
    if (ver == 0xffffffffu || version < 0x10 || version > 0x2f || maxredir < 15)
        return 0;
    io->gsi_base = 0;
    io->pins = maxredir + 1;
    mask_all(io);
    nioapics = 1;
    return 1;
}

bool ioapic_route_isa(unsigned irq, uint8_t vector, uint32_t dest_apic_id)
{
    uint32_t gsi = irq;
    uint16_t flags = 0;
    for (uint32_t i = 0; i < madt.noverrides && i < IRQCHIP_MAX_OVERRIDES; i++) {
        if (madt.override[i].irq == irq) {
            gsi = madt.override[i].gsi;
            flags = madt.override[i].flags;
        }
    }
    /* ISA defaults: active high, edge; overrides may say otherwise. */
    bool active_low = (flags & 3) == 3;
    bool level = ((flags >> 2) & 3) == 3;
    for (unsigned i = 0; i < nioapics; i++) {
        struct ioapic *io = &ioapics[i];
        if (gsi < io->gsi_base || gsi >= io->gsi_base + io->pins)
            continue;
        uint32_t pin = gsi - io->gsi_base;
        uint32_t lo = vector | (active_low ? 1u << 13 : 0) | (level ? 1u << 15 : 0);
        io_wr(io, 0x11 + 2 * pin, dest_apic_id << 24);
        io_wr(io, 0x10 + 2 * pin, lo);
        return true;
    }
    return false;
}
