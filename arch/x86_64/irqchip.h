/* Legacy interrupt controllers: the 8259 pair is remapped and masked; ISA
 * interrupts are routed through the IOAPIC(s) the MADT describes. */
#ifndef ARCH_X86_64_IRQCHIP_H
#define ARCH_X86_64_IRQCHIP_H

#include "include/hv/types.h"

#define IRQCHIP_MAX_IOAPICS 8
#define IRQCHIP_MAX_OVERRIDES 16

/* What the firmware says about the IOAPICs (the MADT, read by drivers/ and
 * copied here by the kernel: arch/ sits below drivers/ and never reads
 * ACPI itself). */
struct irqchip_layout {
    uint32_t nioapics;
    struct {
        uint32_t address, gsi_base;
    } ioapic[IRQCHIP_MAX_IOAPICS];
    /* ISA `irq` arrives on `gsi` with MPS INTI `flags` (polarity bits 1:0,
     * trigger mode bits 3:2). */
    uint32_t noverrides;
    struct {
        uint8_t irq;
        uint32_t gsi;
        uint16_t flags;
    } override[IRQCHIP_MAX_OVERRIDES];
};

void pic_disable(void);
/* Maps the IOAPICs and masks every pin. Returns the number found. `layout`
 * is copied. */
unsigned ioapic_init(const struct irqchip_layout *layout);
/* Without a MADT: looks for an IOAPIC at the PC default address
 * (0xfec00000, ISA IRQs on pins 0-15) and uses it if its version register
 * is plausible. Returns 1 if found, else 0. */
unsigned ioapic_init_default(void);
/* Routes ISA interrupt `irq` (after any source override) to `vector` on the
 * boot CPU. False when no IOAPIC serves it. */
bool ioapic_route_isa(unsigned irq, uint8_t vector, uint32_t dest_apic_id);

#endif
